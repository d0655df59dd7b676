// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {Leaf} from "./utils/CreditTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {ReentrantReceiver} from "./mocks/ReentrantReceiver.sol";

contract MarketRefundTest is MarketFixture {
    function test_refundable_evolvesWithTheRounds() public {
        // given: 3 rounds of 1, committee of 3 (quorum 2), three trainers
        uint256 id = _createEth(3, 2);
        _bondThree(id);
        _registerThree(id);

        // then: before start and while round 0 runs every round's reward is reserved
        assertEq(market.refundable(id), 0);
        _warpToOpen(id, 0);
        _submitThree(id, 0);
        assertEq(market.refundable(id), 0);

        // when: round 0 settles crediting 0.6, e3 dissented
        Leaf[] memory leaves =
            _leaves(_leaf(alice, 0.4 ether, 0), _leaf(bob, 0.2 ether, 0), _leaf(carol, 0, STAKE));
        IMarket.Result memory r = _settle(id, 0, leaves);
        r.reportCid = "dissent";
        _post(id, 0, e3, r);

        // then: round 0's uncredited 0.4 and e3's penalty are refundable
        assertEq(market.refundable(id), 0.4 ether + PENALTY);

        // when: round 1 goes void
        _warpPastSettle(id, 1);

        // then: its whole reward joins
        assertEq(market.refundable(id), 1.4 ether + PENALTY);

        // when: the owner takes it, and round 2 settles crediting 0.5 more
        vm.prank(owner);
        market.withdrawRefund(id);
        assertEq(market.refundable(id), 0);
        _submit(id, 2, alice);
        Leaf[] memory last =
            _leaves(_leaf(alice, 0.9 ether, 0), _leaf(bob, 0.2 ether, 0), _leaf(carol, 0, STAKE));
        _settle(id, 2, last);

        // then: the project ended early; 0.5 uncredited; carol's slash is the owner's once her stake is settled
        assertTrue(market.ended(id));
        assertEq(market.refundable(id), 0.5 ether);
        _withdrawStake(id, last, 2);
        assertEq(market.refundable(id), 0.5 ether + STAKE);
    }

    function test_withdrawRefund_paysEthOwner() public {
        // given: cancelled before start
        uint256 id = _createEth(1, 1);
        vm.prank(owner);
        market.cancelProject(id);
        uint256 before = owner.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.RefundWithdrawn(id, owner, 3 ether);
        vm.prank(owner);
        market.withdrawRefund(id);

        // then
        assertEq(owner.balance, before + 3 ether);
        (,,,,, uint128 refunded,) = market.accounts(id);
        assertEq(refunded, 3 ether);
        assertEq(market.refundable(id), 0);
    }

    function test_withdrawRefund_paysTokenOwnerUncreditedRewardPenaltiesAndSlashes() public {
        // given: one round, 0.7 credited, carol slashed 0.04, e2 penalised
        IMarket.ProjectParams memory p = _params(address(token), 3, 2);
        p.rounds = 1;
        uint256 id = _create(p);
        _bondThree(id);
        _registerThree(id);
        _warpToEval(id, 0);
        Leaf[] memory leaves =
            _leaves(_leaf(alice, 0.4 ether, 0), _leaf(bob, 0.3 ether, 0), _leaf(carol, 0, 0.04 ether));
        IMarket.Result memory r = _result(id, 0, leaves);
        IMarket.Result memory d = _result(id, 0, _leaves(_leaf(alice, 0.7 ether, 0)));
        _post(id, 0, e2, d);
        _post(id, 0, e1, r);
        _post(id, 0, e3, r);
        _withdrawStake(id, leaves, 2);
        uint256 before = token.balanceOf(owner);

        // when
        vm.expectEmit(address(market));
        emit IMarket.RefundWithdrawn(id, owner, 0.3 ether + PENALTY + 0.04 ether);
        vm.prank(owner);
        market.withdrawRefund(id);

        // then
        assertEq(token.balanceOf(owner), before + 0.3 ether + PENALTY + 0.04 ether);
        (,,,, uint128 stakePool, uint128 refunded, uint128 penalties) = market.accounts(id);
        assertEq(refunded, 0.3 ether + PENALTY);
        assertEq(penalties, PENALTY);
        assertEq(stakePool, 2 * STAKE);
    }

    function test_withdrawRefund_paysVoidRoundsReward() public {
        // given: round 0 went void
        uint256 id = _createToken(1, 1);
        _warpPastSettle(id, 0);
        uint256 before = token.balanceOf(owner);

        // when
        vm.prank(owner);
        market.withdrawRefund(id);

        // then
        assertEq(token.balanceOf(owner), before + REWARD);
    }

    function test_withdrawRefund_blocksReentrancy() public {
        // given: cancelled before start; the owner's address asks for the refund again from inside the payment
        uint256 id = _createEth(1, 1);
        vm.prank(owner);
        market.cancelProject(id);
        ReentrantReceiver r = _reentrantAt(owner, abi.encodeCall(IMarket.withdrawRefund, (id)));
        uint256 before = owner.balance;

        // when
        vm.prank(owner);
        market.withdrawRefund(id);

        // then: the inner call failed on the guard, the outer one paid once
        _assertGuarded(r);
        assertEq(owner.balance, before + 3 ether);
        assertEq(market.refundable(id), 0);
    }

    function test_withdrawRefund_revertsForStranger() public {
        uint256 id = _createEth(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.NotProjectOwner.selector, id, stranger));
        vm.prank(stranger);
        market.withdrawRefund(id);
    }

    function test_withdrawRefund_revertsWhenNothingIsRefundable() public {
        uint256 id = _createEth(1, 1);
        _warpToOpen(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarket.NothingToClaim.selector, id, owner));
        vm.prank(owner);
        market.withdrawRefund(id);
    }

    function test_withdrawRefund_revertsForUnknownProject() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 6));
        vm.prank(owner);
        market.withdrawRefund(6);
    }
}
