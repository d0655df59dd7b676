// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {Leaf} from "./utils/CreditTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

/// @notice A committee member outside the quorum of a settled round pays one penalty for it: a dissenter when it
/// posts, a member that posted nothing when it withdraws its bond. Void rounds cost nobody anything.
contract MarketAbsenceTest is MarketFixture {
    uint256 internal id;

    /// @dev ETH project of three rounds, committee of three with quorum two, all bonded; alice, bob and carol
    /// registered.
    function setUp() public override {
        super.setUp();
        id = _createEth(3, 2);
        _bondThree(id);
        _registerThree(id);
    }

    function _leavesNow() internal view returns (Leaf[] memory) {
        return _leaves(_leaf(alice, 0.6 ether, 0), _leaf(bob, 0.3 ether, 0), _leaf(carol, 0, 0.05 ether));
    }

    /// @dev Settles every round with e1 and e2; e3 posts `e3Posts[round]`: 0 nothing, 1 the settled result late,
    /// 2 another result late.
    function _playRounds(uint8[3] memory e3Posts) internal {
        for (uint256 round; round < ROUNDS; ++round) {
            _playRound(id, round, e3Posts[round]);
        }
    }

    function _playRound(uint256 pid, uint256 round, uint8 e3Posts) internal {
        _warpToOpen(pid, round);
        _submit(pid, round, alice);
        IMarket.Result memory r = _settle(pid, round, _leavesNow());
        if (e3Posts == 1) _post(pid, round, e3, r);
        if (e3Posts == 2) {
            r.reportCid = "other report";
            _post(pid, round, e3, r);
        }
    }

    /// @dev An ETH or token project like `id`, where only e1 and e2 bonded.
    function _twoBonded(address token_) internal returns (uint256 pid) {
        pid = _create(_params(token_, 3, 2));
        _bond(pid, e1);
        _bond(pid, e2);
        _registerThree(pid);
    }

    function _withdrawsBondLess(uint256 pid, address e, uint256 rounds, uint128 penalty) internal {
        (uint256 r, uint128 due) = market.absences(pid, e);
        assertEq(r, rounds, "absent rounds");
        assertEq(due, penalty, "absence penalty");
        uint256 before = _balanceOf(pid, e);
        vm.prank(e);
        market.withdrawBond(pid);
        assertEq(_balanceOf(pid, e), before + BOND - penalty);
    }

    function test_withdrawBond_chargesEachSettledRoundTheMemberPostedNothingIn() public {
        // given: e3 agreed late in round 0, dissented in round 1 (penalised then), posted nothing in round 2
        _playRounds([uint8(1), 2, 0]);
        _warpToEnd(id);
        (uint256 rounds, uint128 penalty) = market.absences(id, e3);
        assertEq(rounds, 1);
        assertEq(penalty, PENALTY);
        uint256 before = e3.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.EvaluatorAbsent(id, e3, 1, PENALTY);
        vm.expectEmit(address(market));
        emit IMarket.BondWithdrawn(id, e3, BOND - 2 * PENALTY);
        vm.prank(e3);
        market.withdrawBond(id);

        // then: the two penalties reach the owner's refund; e1 and e2 posted every round and owe nothing
        assertEq(e3.balance, before + BOND - 2 * PENALTY);
        (,,,,,, uint128 penalties) = market.accounts(id);
        assertEq(penalties, 2 * PENALTY);
        for (uint256 i; i < 2; ++i) {
            address e = i == 0 ? e1 : e2;
            (rounds, penalty) = market.absences(id, e);
            assertEq(rounds, 0);
            assertEq(penalty, 0);
            vm.expectEmit(address(market));
            emit IMarket.BondWithdrawn(id, e, BOND);
            vm.prank(e);
            market.withdrawBond(id);
        }
        (rounds, penalty) = market.absences(id, e3);
        assertEq(rounds, 1, "the absence stays on record");
        assertEq(penalty, 0, "nothing left to take");
    }

    function test_withdrawBond_capsTheAbsencePenaltyAtTheBond() public {
        // given: e3 posted in none of three settled rounds, 3 x 0.2 ether due on a bond of 0.5
        _playRounds([uint8(0), 0, 0]);
        _warpToEnd(id);
        uint256 before = e3.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.EvaluatorAbsent(id, e3, 3, BOND);
        vm.expectEmit(address(market));
        emit IMarket.BondWithdrawn(id, e3, 0);
        vm.prank(e3);
        market.withdrawBond(id);

        // then
        assertEq(e3.balance, before);
        (,,,,,, uint128 penalties) = market.accounts(id);
        assertEq(penalties, BOND);
        vm.expectRevert(abi.encodeWithSelector(IMarket.NothingToClaim.selector, id, e3));
        vm.prank(e3);
        market.withdrawBond(id);
    }

    function test_withdrawBond_chargesNothingForVoidRounds() public {
        // given: round 0 heard only e1 and rounds 1 and 2 nobody, so no round settled
        _warpToOpen(id, 0);
        _submit(id, 0, alice);
        _warpToEval(id, 0);
        _post(id, 0, e1, _result(id, 0, _leavesNow()));
        _warpToEnd(id);

        // then: every member takes back its whole bond
        for (uint256 i; i < 3; ++i) {
            address e = i == 0 ? e1 : i == 1 ? e2 : e3;
            (uint256 rounds, uint128 penalty) = market.absences(id, e);
            assertEq(rounds, 0);
            assertEq(penalty, 0);
            uint256 before = e.balance;
            vm.prank(e);
            market.withdrawBond(id);
            assertEq(e.balance, before + BOND);
        }
    }

    /// @dev A one-round ETH project, all three bonded, settled early by e1 and e2: ended, its window still open.
    function _earlyEnded() internal returns (uint256 pid, IMarket.Result memory r) {
        IMarket.ProjectParams memory p = _params(address(0), 3, 2);
        p.rounds = 1;
        pid = _create(p);
        _bondThree(pid);
        _register(pid, alice);
        _warpToOpen(pid, 0);
        _submit(pid, 0, alice);
        r = _settle(pid, 0, _leaves(_leaf(alice, 0.4 ether, 0)));
    }

    function test_withdrawBond_afterAnEarlyEndLeavesTheLastWindowOpenToLatePosts() public {
        // given: a one-round project settled early by e1 and e2, its window still open
        (uint256 pid, IMarket.Result memory r) = _earlyEnded();
        assertTrue(market.ended(pid));
        (uint256 rounds,) = market.absences(pid, e3);
        assertEq(rounds, 1);

        // when: e3 posts the settled result in the window, then withdraws
        _post(pid, 0, e3, r);
        uint256 before = e3.balance;
        vm.prank(e3);
        market.withdrawBond(pid);

        // then: it owes nothing for the round
        assertEq(e3.balance, before + BOND);
        (rounds,) = market.absences(pid, e3);
        assertEq(rounds, 0);
    }

    function test_withdrawBond_chargesAMemberThatWithdrewBeforePostingInAnEarlyEndedRound() public {
        // given: e3 not yet posted in the early-ended round
        (uint256 pid, IMarket.Result memory r) = _earlyEnded();

        // when: e3 withdraws first
        vm.expectEmit(address(market));
        emit IMarket.EvaluatorAbsent(pid, e3, 1, PENALTY);
        vm.prank(e3);
        market.withdrawBond(pid);

        // then: the late post it could have made is refused
        vm.expectRevert(abi.encodeWithSelector(IMarket.EvaluatorNotBonded.selector, pid, e3));
        _post(pid, 0, e3, r);
    }

    function test_absences_zeroOffTheCommittee() public {
        _playRounds([uint8(0), 0, 0]);
        (uint256 rounds, uint128 penalty) = market.absences(id, alice);
        assertEq(rounds, 0);
        assertEq(penalty, 0);
    }

    function test_absences_zeroForAMemberThatHasNotBonded() public {
        uint256 pid = _twoBonded(address(0));
        _playRound(pid, 0, 0);
        (uint256 rounds, uint128 penalty) = market.absences(pid, e3);
        assertEq(rounds, 0);
        assertEq(penalty, 0);
    }

    function test_absences_revertsForUnknownProject() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 99));
        market.absences(99, e1);
    }

    function test_withdrawBond_excusesTheRoundsSettledBeforeTheMemberBonded() public {
        // given: round 0 settled before e3 bonded in round 1; it posts in round 1 (late), not in round 2
        uint256 pid = _twoBonded(address(0));
        _playRound(pid, 0, 0);
        _warpToOpen(pid, 1);
        _bond(pid, e3);
        _playRound(pid, 1, 1);
        _playRound(pid, 2, 0);
        _warpToEnd(pid);

        // then: round 2 is charged, round 0 is not
        _withdrawsBondLess(pid, e3, 1, PENALTY);
    }

    function test_withdrawBond_chargesTheRoundInWhoseWindowTheMemberBonded() public {
        // given: e3 bonds in round 0's evaluation window after it settled (it may still post), posts nothing in it
        // and posts late in rounds 1 and 2
        uint256 pid = _twoBonded(address(0));
        _playRound(pid, 0, 0);
        _bond(pid, e3);
        _playRound(pid, 1, 1);
        _playRound(pid, 2, 1);
        _warpToEnd(pid);

        // then
        _withdrawsBondLess(pid, e3, 1, PENALTY);
    }

    function test_withdrawBond_keepsTheAbsencePenaltyOfATokenBond() public {
        // given: a token project where e3 bonded first and posted in no round; only round 0 settled
        uint256 pid = _twoBonded(address(token));
        _bond(pid, e3);
        _playRound(pid, 0, 0);
        _warpToEnd(pid);
        uint256 refund = market.refundable(pid);

        // then: e3 gets its tokens less one penalty, which joins the owner's refund
        _withdrawsBondLess(pid, e3, 1, PENALTY);
        assertEq(market.refundable(pid), refund + PENALTY);
    }

    function test_withdrawBond_chargesTheRunningRoundThatSettledAfterACancellation() public {
        // given: round 0 settled, the owner cancels in round 1 (which keeps running), round 1 settles; e3 posted in
        // neither
        _playRound(id, 0, 0);
        _warpToOpen(id, 1);
        vm.prank(owner);
        market.cancelProject(id);
        _playRound(id, 1, 0);
        assertTrue(market.ended(id));

        // then
        _withdrawsBondLess(id, e3, 2, 2 * PENALTY);
    }
}
