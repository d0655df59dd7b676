// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {Leaf} from "./utils/CreditTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract MarketViewsTest is MarketFixture {
    function test_projectCount_startsAtZero() public view {
        assertEq(market.projectCount(), 0);
        assertEq(market.MAX_COMMITTEE(), 16);
        assertEq(market.MAX_TRAINERS(), 4096);
    }

    function test_deadlines_followTheSchedule() public {
        // given
        uint256 id = _createEth(1, 1);
        uint256 start = T0 + LEAD;
        uint256 period = uint256(SUBMIT_PERIOD) + EVAL_PERIOD;

        // when
        (uint256 opensAt, uint256 submitDeadline, uint256 settleDeadline) = market.deadlines(id, 2);

        // then
        assertEq(opensAt, start + 2 * period);
        assertEq(submitDeadline, start + 2 * period + SUBMIT_PERIOD);
        assertEq(settleDeadline, start + 3 * period);
    }

    function test_deadlines_revertForARoundNoProjectHas() public {
        uint256 id = _createEth(1, 1);
        market.deadlines(id, type(uint16).max);
        vm.expectRevert(
            abi.encodeWithSelector(IMarket.NoSuchRound.selector, id, uint256(type(uint16).max) + 1)
        );
        market.deadlines(id, uint256(type(uint16).max) + 1);
        // a round whose start would overflow is no panic either
        vm.expectRevert(abi.encodeWithSelector(IMarket.NoSuchRound.selector, id, type(uint256).max));
        market.deadlines(id, type(uint256).max);
    }

    function test_roundAt_mapsTimestampsToRounds() public {
        uint256 id = _createEth(1, 1);
        uint256 start = T0 + LEAD;
        uint256 period = uint256(SUBMIT_PERIOD) + EVAL_PERIOD;
        assertEq(market.roundAt(id, 0), 0);
        assertEq(market.roundAt(id, start - 1), 0);
        assertEq(market.roundAt(id, start), 0);
        assertEq(market.roundAt(id, start + period - 1), 0);
        assertEq(market.roundAt(id, start + period), 1);
        assertEq(market.roundAt(id, start + 3 * period), 3);
    }

    function test_roundState_walksThroughEveryStatus() public {
        // given
        uint256 id = _createEth(1, 1);
        _bond(id, e1);
        _register(id, alice);

        // then
        assertEq(_status(id, 0), IMarket.RoundStatus.Scheduled);
        _warpToOpen(id, 0);
        assertEq(_status(id, 0), IMarket.RoundStatus.Open);
        assertEq(_status(id, 1), IMarket.RoundStatus.Scheduled);
        _warpToEval(id, 0);
        assertEq(_status(id, 0), IMarket.RoundStatus.Evaluating);
        _settle(id, 0, _leaves(_leaf(alice, 1, 0)));
        assertEq(_status(id, 0), IMarket.RoundStatus.Settled);
        _warpPastSettle(id, 1);
        assertEq(_status(id, 1), IMarket.RoundStatus.Void);
        assertEq(_status(id, 0), IMarket.RoundStatus.Settled);
        vm.prank(owner);
        market.cancelProject(id);
        assertEq(_status(id, 2), IMarket.RoundStatus.Open);
        assertEq(_status(id, 3), IMarket.RoundStatus.Cancelled);
    }

    function _status(uint256 id, uint256 round) private view returns (IMarket.RoundStatus status) {
        (status,,) = market.roundState(id, round);
    }

    function assertEq(IMarket.RoundStatus a, IMarket.RoundStatus b) internal pure {
        assertEq(uint8(a), uint8(b));
    }

    function test_ended_afterLastDeadline() public {
        uint256 id = _createEth(1, 1);
        (uint256 endsAt,,) = market.deadlines(id, ROUNDS);
        vm.warp(endsAt - 1);
        assertFalse(market.ended(id));
        vm.warp(endsAt);
        assertTrue(market.ended(id));
    }

    function test_ended_whenLastRoundSettledEarly() public {
        // given
        IMarket.ProjectParams memory p = _params(address(0), 1, 1);
        p.rounds = 1;
        uint256 id = _create(p);
        _bond(id, e1);
        _register(id, alice);
        _warpToEval(id, 0);
        assertFalse(market.ended(id));

        // when
        _settle(id, 0, _leaves(_leaf(alice, 1, 0)));

        // then
        assertTrue(market.ended(id));
    }

    function test_hasSubmitted_isFalseForStrangers() public {
        uint256 id = _createEth(1, 1);
        assertFalse(market.hasSubmitted(id, 0, stranger));
        (bool registered, uint16 index, uint128 claimed, bool withdrawn) = market.trainer(id, stranger);
        assertFalse(registered);
        assertEq(index, 0);
        assertEq(claimed, 0);
        assertFalse(withdrawn);
        (bool member, bool bonded, uint128 bond) = market.evaluator(id, stranger);
        assertFalse(member);
        assertFalse(bonded);
        assertEq(bond, 0);
        assertEq(market.postedResult(id, 0, e1), bytes32(0));
    }

    function test_resultHash_isKeccakOfTheAbiEncoding() public {
        // given
        uint256 id = _createEth(1, 1);
        _register(id, alice);
        Leaf[] memory leaves = _leaves(_leaf(alice, 5, 1));
        IMarket.Result memory r = _result(id, 0, leaves);

        // then
        assertEq(market.resultHash(r), keccak256(abi.encode(r)));
    }

    function test_accounts_reportBudgetOfOriginalRoundsAfterCancel() public {
        uint256 id = _createToken(1, 1);
        vm.prank(owner);
        market.cancelProject(id);
        (uint256 budget,,,,,,) = market.accounts(id);
        assertEq(budget, 3 ether);
    }

    // ------------------------------------------------------------------ unknown projects

    function test_views_revertForUnknownProject() public {
        bytes memory notFound = abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 1);
        vm.expectRevert(notFound);
        market.projectTerms(1);
        vm.expectRevert(notFound);
        market.schedule(1);
        vm.expectRevert(notFound);
        market.accounts(1);
        vm.expectRevert(notFound);
        market.committee(1);
        vm.expectRevert(notFound);
        market.modelCids(1);
        vm.expectRevert(notFound);
        market.creditsRoot(1);
        vm.expectRevert(notFound);
        market.roundAt(1, block.timestamp);
        vm.expectRevert(notFound);
        market.deadlines(1, 0);
        vm.expectRevert(notFound);
        market.roundState(1, 0);
        vm.expectRevert(notFound);
        market.refundable(1);
        vm.expectRevert(notFound);
        market.ended(1);
    }
}
