// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {ReentrantReceiver} from "./mocks/ReentrantReceiver.sol";

contract MarketBondTest is MarketFixture {
    function test_bondEvaluator_takesEthBond() public {
        // given
        uint256 id = _createEth(3, 2);
        uint256 before = e2.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.EvaluatorBonded(id, e2, BOND);
        vm.prank(e2);
        market.bondEvaluator{value: BOND}(id);

        // then
        assertEq(e2.balance, before - BOND);
        assertEq(address(market).balance, 3 ether + BOND);
        (bool member, bool bonded, uint128 bond) = market.evaluator(id, e2);
        assertTrue(member);
        assertTrue(bonded);
        assertEq(bond, BOND);
    }

    function test_bondEvaluator_takesTokenBond() public {
        uint256 id = _createToken(1, 1);
        uint256 before = token.balanceOf(e1);
        _bond(id, e1);
        assertEq(token.balanceOf(e1), before - BOND);
        (, bool bonded, uint128 bond) = market.evaluator(id, e1);
        assertTrue(bonded);
        assertEq(bond, BOND);
    }

    function test_bondEvaluator_acceptsZeroBond() public {
        // given
        IMarket.ProjectParams memory p = _params(address(0), 1, 1);
        p.evaluatorBond = 0;
        p.evaluatorPenalty = 0;
        uint256 id = _create(p);

        // when
        vm.prank(e1);
        market.bondEvaluator(id);

        // then
        (, bool bonded, uint128 bond) = market.evaluator(id, e1);
        assertTrue(bonded);
        assertEq(bond, 0);
    }

    function test_bondEvaluator_revertsForNonMember() public {
        uint256 id = _createEth(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.NotEvaluator.selector, id, e2));
        vm.prank(e2);
        market.bondEvaluator{value: BOND}(id);
    }

    function test_bondEvaluator_revertsWhenAlreadyBonded() public {
        uint256 id = _createEth(1, 1);
        _bond(id, e1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.EvaluatorAlreadyBonded.selector, id, e1));
        vm.prank(e1);
        market.bondEvaluator{value: BOND}(id);
    }

    function test_bondEvaluator_revertsAfterEnd() public {
        uint256 id = _createEth(1, 1);
        _warpToEnd(id);
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectEnded.selector, id));
        vm.prank(e1);
        market.bondEvaluator{value: BOND}(id);
    }

    function test_bondEvaluator_revertsWhenEthValueDiffersFromBond() public {
        uint256 id = _createEth(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.PaymentMismatch.selector, BOND, 1));
        vm.prank(e1);
        market.bondEvaluator{value: 1}(id);
    }

    function test_bondEvaluator_revertsForUnknownProject() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 2));
        vm.prank(e1);
        market.bondEvaluator(2);
    }

    // ------------------------------------------------------------------ withdrawBond

    function test_withdrawBond_returnsWholeBondAfterEnd() public {
        // given
        uint256 id = _createToken(3, 2);
        _bond(id, e1);
        _warpToEnd(id);
        uint256 before = token.balanceOf(e1);

        // when
        vm.expectEmit(address(market));
        emit IMarket.BondWithdrawn(id, e1, BOND);
        vm.prank(e1);
        market.withdrawBond(id);

        // then
        assertEq(token.balanceOf(e1), before + BOND);
        (, bool bonded, uint128 bond) = market.evaluator(id, e1);
        assertTrue(bonded);
        assertEq(bond, 0);
    }

    function test_withdrawBond_returnsBondMinusPenalty() public {
        // given: e3 dissented in round 0 of a one-round project that settled early
        IMarket.ProjectParams memory p = _params(address(0), 3, 2);
        p.rounds = 1;
        uint256 id = _create(p);
        _bondThree(id);
        _register(id, alice);
        _warpToEval(id, 0);
        IMarket.Result memory r = _result(id, 0, _leaves(_leaf(alice, 0.4 ether, 0)));
        IMarket.Result memory d = _result(id, 0, _leaves(_leaf(alice, 0.5 ether, 0)));
        _post(id, 0, e3, d);
        _post(id, 0, e1, r);
        _post(id, 0, e2, r);
        assertTrue(market.ended(id));
        uint256 before = e3.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.BondWithdrawn(id, e3, BOND - PENALTY);
        vm.prank(e3);
        market.withdrawBond(id);

        // then
        assertEq(e3.balance, before + BOND - PENALTY);
    }

    function test_withdrawBond_blocksReentrancy() public {
        // given: an ETH project; e1's address withdraws its bond again from inside the payment
        uint256 id = _createEth(3, 2);
        _bond(id, e1);
        _warpToEnd(id);
        ReentrantReceiver r = _reentrantAt(e1, abi.encodeCall(IMarket.withdrawBond, (id)));
        uint256 before = e1.balance;

        // when
        vm.prank(e1);
        market.withdrawBond(id);

        // then: the inner call failed on the guard, the outer one paid once
        _assertGuarded(r);
        assertEq(e1.balance, before + BOND);
        (,, uint128 bond) = market.evaluator(id, e1);
        assertEq(bond, 0);
    }

    function test_withdrawBond_revertsBeforeEnd() public {
        uint256 id = _createEth(1, 1);
        _bond(id, e1);
        (uint256 endsAt,,) = market.deadlines(id, ROUNDS);
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotEnded.selector, id, endsAt));
        vm.prank(e1);
        market.withdrawBond(id);
    }

    function test_withdrawBond_revertsWithoutBond() public {
        uint256 id = _createEth(3, 2);
        _warpToEnd(id);
        vm.expectRevert(abi.encodeWithSelector(IMarket.NothingToClaim.selector, id, e2));
        vm.prank(e2);
        market.withdrawBond(id);
    }

    function test_withdrawBond_revertsOnSecondWithdrawal() public {
        // given
        uint256 id = _createEth(1, 1);
        _bond(id, e1);
        _warpToEnd(id);
        vm.prank(e1);
        market.withdrawBond(id);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.NothingToClaim.selector, id, e1));
        vm.prank(e1);
        market.withdrawBond(id);
    }

    function test_withdrawBond_revertsForUnknownProject() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 8));
        vm.prank(e1);
        market.withdrawBond(8);
    }
}
