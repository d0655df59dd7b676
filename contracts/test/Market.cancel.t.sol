// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {Leaf} from "./utils/CreditTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract MarketCancelTest is MarketFixture {
    function test_cancel_beforeStartStopsEveryRound() public {
        // given
        uint256 id = _createEth(3, 2);
        _register(id, alice);

        // when
        vm.expectEmit(address(market));
        emit IMarket.ProjectCancelled(id, 0);
        vm.prank(owner);
        market.cancelProject(id);

        // then: nothing will run, the whole budget and every stake can go back at once
        (,,, uint16 rounds, bool cancelled) = market.schedule(id);
        assertEq(rounds, 0);
        assertTrue(cancelled);
        assertTrue(market.ended(id));
        assertEq(market.refundable(id), 3 ether);
        (IMarket.RoundStatus status,,) = market.roundState(id, 0);
        assertEq(uint8(status), uint8(IMarket.RoundStatus.Cancelled));

        uint256 ownerBefore = owner.balance;
        vm.prank(owner);
        market.withdrawRefund(id);
        assertEq(owner.balance, ownerBefore + 3 ether);
        uint256 aliceBefore = alice.balance;
        vm.prank(alice);
        market.withdrawStake(id, alice, 0, 0, _noProof());
        assertEq(alice.balance, aliceBefore + STAKE);
        assertEq(address(market).balance, 0);
    }

    function test_cancel_midProjectKeepsRoundInProgress() public {
        // given: round 0 settled, round 1 open
        uint256 id = _createToken(1, 1);
        _bond(id, e1);
        _registerThree(id);
        _warpToOpen(id, 0);
        _submitThree(id, 0);
        _settle(id, 0, _leaves(_leaf(alice, 0.5 ether, 0), _leaf(bob, 0.5 ether, 0), _leaf(carol, 0, 0)));
        _warpToOpen(id, 1);

        // when
        vm.expectEmit(address(market));
        emit IMarket.ProjectCancelled(id, 2);
        vm.prank(owner);
        market.cancelProject(id);

        // then: round 2 will not run and its reward is refundable now; round 1 still runs
        (,,, uint16 rounds, bool cancelled) = market.schedule(id);
        assertEq(rounds, 2);
        assertTrue(cancelled);
        assertFalse(market.ended(id));
        assertEq(market.refundable(id), 1 ether);
        (IMarket.RoundStatus status,,) = market.roundState(id, 2);
        assertEq(uint8(status), uint8(IMarket.RoundStatus.Cancelled));

        _submit(id, 1, alice);
        Leaf[] memory leaves =
            _leaves(_leaf(alice, 1.5 ether, 0), _leaf(bob, 0.5 ether, 0), _leaf(carol, 0, 0));
        _settle(id, 1, leaves);
        assertTrue(market.ended(id));
        assertEq(market.refundable(id), 1 ether);
        uint256 before = token.balanceOf(alice);
        _claim(id, leaves, 0);
        assertEq(token.balanceOf(alice), before + 1.5 ether);
    }

    function test_cancel_inLastRoundKeepsItsRounds() public {
        // given
        uint256 id = _createEth(1, 1);
        _warpToOpen(id, ROUNDS - 1);

        // when
        vm.prank(owner);
        market.cancelProject(id);

        // then
        (,,, uint16 rounds, bool cancelled) = market.schedule(id);
        assertEq(rounds, ROUNDS);
        assertTrue(cancelled);
    }

    function test_cancel_blocksRegistration() public {
        // given
        uint256 id = _createEth(1, 1);
        _warpToOpen(id, 0);
        vm.prank(owner);
        market.cancelProject(id);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectAlreadyCancelled.selector, id));
        vm.prank(alice);
        market.register{value: STAKE}(id);
    }

    function test_cancel_revertsForStranger() public {
        uint256 id = _createEth(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.NotProjectOwner.selector, id, stranger));
        vm.prank(stranger);
        market.cancelProject(id);
    }

    function test_cancel_revertsWhenAlreadyCancelled() public {
        // given
        uint256 id = _createEth(1, 1);
        vm.prank(owner);
        market.cancelProject(id);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectAlreadyCancelled.selector, id));
        vm.prank(owner);
        market.cancelProject(id);
    }

    function test_cancel_revertsAfterEnd() public {
        // given
        uint256 id = _createEth(1, 1);
        _warpToEnd(id);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectEnded.selector, id));
        vm.prank(owner);
        market.cancelProject(id);
    }

    function test_cancel_revertsForUnknownProject() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 7));
        vm.prank(owner);
        market.cancelProject(7);
    }
}
