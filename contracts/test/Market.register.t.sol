// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract MarketRegisterTest is MarketFixture {
    function test_register_takesEthStake() public {
        // given
        uint256 id = _createEth(1, 1);
        uint256 before = alice.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.TrainerRegistered(id, alice, 0, STAKE);
        vm.prank(alice);
        market.register{value: STAKE}(id);

        // then
        assertEq(alice.balance, before - STAKE);
        assertEq(address(market).balance, 3 ether + STAKE);
        (bool registered, uint16 index, uint128 claimed, bool withdrawn) = market.trainer(id, alice);
        assertTrue(registered);
        assertEq(index, 0);
        assertEq(claimed, 0);
        assertFalse(withdrawn);
        (,,,, uint128 stakePool,,) = market.accounts(id);
        assertEq(stakePool, STAKE);
    }

    function test_register_takesTokenStakeAndNumbersTrainers() public {
        // given
        uint256 id = _createToken(1, 1);
        _register(id, alice);
        uint256 before = token.balanceOf(bob);

        // when
        vm.expectEmit(address(market));
        emit IMarket.TrainerRegistered(id, bob, 1, STAKE);
        vm.prank(bob);
        market.register(id);

        // then
        assertEq(token.balanceOf(bob), before - STAKE);
        (, uint16 index,,) = market.trainer(id, bob);
        assertEq(index, 1);
        (,,,,,, uint16 maxTrainers, uint16 count) = market.projectTerms(id);
        assertEq(count, 2);
        assertEq(maxTrainers, MAX_TRAINERS);
        (,,,, uint128 stakePool,,) = market.accounts(id);
        assertEq(stakePool, 2 * STAKE);
    }

    function test_register_acceptsZeroStake() public {
        // given
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.trainerStake = 0;
        uint256 id = _create(p);
        uint256 before = token.balanceOf(alice);

        // when
        vm.prank(alice);
        market.register(id);

        // then
        assertEq(token.balanceOf(alice), before);
        (bool registered,,,) = market.trainer(id, alice);
        assertTrue(registered);
    }

    function test_register_opensUntilLastSubmitDeadline() public {
        // given: the last round's submission window is open
        uint256 id = _createEth(1, 1);
        (, uint256 lastDeadline,) = market.deadlines(id, ROUNDS - 1);
        vm.warp(lastDeadline - 1);

        // when
        _register(id, alice);

        // then
        (bool registered,,,) = market.trainer(id, alice);
        assertTrue(registered);
    }

    function test_register_revertsAfterLastSubmitDeadline() public {
        // given
        uint256 id = _createEth(1, 1);
        _warpToEval(id, ROUNDS - 1);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.RegistrationClosed.selector, id));
        vm.prank(alice);
        market.register{value: STAKE}(id);
    }

    function test_register_revertsWhenCapReached() public {
        // given
        uint256 id = _createEth(1, 1);
        _registerThree(id);
        _register(id, dave);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.TrainerCapReached.selector, id, MAX_TRAINERS));
        vm.prank(stranger);
        market.register{value: STAKE}(id);
    }

    function test_register_revertsWhenAlreadyRegistered() public {
        // given
        uint256 id = _createToken(1, 1);
        _register(id, alice);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.TrainerAlreadyRegistered.selector, id, alice));
        vm.prank(alice);
        market.register(id);
    }

    function test_register_revertsWhenCancelled() public {
        // given
        uint256 id = _createToken(1, 1);
        vm.prank(owner);
        market.cancelProject(id);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectAlreadyCancelled.selector, id));
        vm.prank(alice);
        market.register(id);
    }

    function test_register_revertsWhenEthValueDiffersFromStake() public {
        uint256 id = _createEth(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.PaymentMismatch.selector, STAKE, STAKE + 1));
        vm.prank(alice);
        market.register{value: STAKE + 1}(id);
    }

    function test_register_revertsWhenEthSentToTokenProject() public {
        uint256 id = _createToken(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.PaymentMismatch.selector, 0, STAKE));
        vm.prank(alice);
        market.register{value: STAKE}(id);
    }

    function test_register_revertsForUnknownProject() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 1));
        vm.prank(alice);
        market.register{value: STAKE}(1);
    }
}
