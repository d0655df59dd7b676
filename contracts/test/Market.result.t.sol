// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {Leaf} from "./utils/CreditTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract MarketResultTest is MarketFixture {
    uint256 internal id;

    /// @dev ETH project, committee of three with quorum two, all bonded; alice, bob and carol submitted in
    /// round 0, which is now evaluating.
    function setUp() public override {
        super.setUp();
        id = _createEth(3, 2);
        _bondThree(id);
        _registerThree(id);
        _warpToOpen(id, 0);
        _submitThree(id, 0);
        _warpToEval(id, 0);
    }

    function _round0() internal view returns (Leaf[] memory) {
        return _leaves(_leaf(alice, 0.6 ether, 0), _leaf(bob, 0.3 ether, 0), _leaf(carol, 0, 0.05 ether));
    }

    function _dissent(IMarket.Result memory r) internal pure returns (IMarket.Result memory d) {
        d = IMarket.Result(
            r.creditsRoot,
            r.totalCredited,
            r.totalSlashed,
            r.trainers,
            r.submissionsHash,
            r.modelCid,
            "other report"
        );
    }

    // ------------------------------------------------------------------ settlement

    function test_postResult_quorumOneSettlesAtOnce() public {
        // given: a committee of one
        uint256 solo = _createToken(1, 1);
        _bond(solo, e1);
        _register(solo, alice);
        _warpToOpen(solo, 0);
        _submit(solo, 0, alice);
        _warpToEval(solo, 0);
        IMarket.Result memory r = _result(solo, 0, _leaves(_leaf(alice, 0.7 ether, 0)));
        bytes32 h = keccak256(abi.encode(r));

        // when
        vm.expectEmit(address(market));
        emit IMarket.ResultPosted(solo, 0, e1, h, r);
        vm.expectEmit(address(market));
        emit IMarket.RoundSettled(solo, 0, h, r.creditsRoot, 0.7 ether, 0, r.modelCid, r.reportCid);
        _post(solo, 0, e1, r);

        // then
        (IMarket.RoundStatus status,, bytes32 settled) = market.roundState(solo, 0);
        assertEq(uint8(status), uint8(IMarket.RoundStatus.Settled));
        assertEq(settled, h);
        (bytes32 root, uint16 covered) = market.creditsRoot(solo);
        assertEq(root, r.creditsRoot);
        assertEq(covered, 1);
        (, uint128 credited,, uint128 slashed,,,) = market.accounts(solo);
        assertEq(credited, 0.7 ether);
        assertEq(slashed, 0);
    }

    function test_postResult_twoOfThreeSettlesOnSecondMatchingPost() public {
        // given
        IMarket.Result memory r = _result(id, 0, _round0());
        bytes32 h = keccak256(abi.encode(r));

        // when: the first post
        vm.expectEmit(address(market));
        emit IMarket.ResultPosted(id, 0, e1, h, r);
        _post(id, 0, e1, r);

        // then: one vote does not settle
        (IMarket.RoundStatus status,, bytes32 settled) = market.roundState(id, 0);
        assertEq(uint8(status), uint8(IMarket.RoundStatus.Evaluating));
        assertEq(settled, bytes32(0));
        assertEq(market.postedResult(id, 0, e1), h);
        (bytes32 root,) = market.creditsRoot(id);
        assertEq(root, bytes32(0));

        // when: the second matching post
        vm.expectEmit(address(market));
        emit IMarket.RoundSettled(id, 0, h, r.creditsRoot, 0.9 ether, 0.05 ether, r.modelCid, r.reportCid);
        _post(id, 0, e2, r);

        // then
        (status,, settled) = market.roundState(id, 0);
        assertEq(uint8(status), uint8(IMarket.RoundStatus.Settled));
        assertEq(settled, h);
        (root,) = market.creditsRoot(id);
        assertEq(root, r.creditsRoot);
        (, uint128 credited,, uint128 slashed,,, uint128 penalties) = market.accounts(id);
        assertEq(credited, 0.9 ether);
        assertEq(slashed, 0.05 ether);
        assertEq(penalties, 0);
    }

    function test_postResult_penalisesDissenterAtSettlement() public {
        // given: e3 posted another result first
        IMarket.Result memory r = _result(id, 0, _round0());
        IMarket.Result memory d = _dissent(r);
        _post(id, 0, e3, d);
        _post(id, 0, e1, r);

        // when
        vm.expectEmit(address(market));
        emit IMarket.EvaluatorPenalized(id, 0, e3, PENALTY);
        _post(id, 0, e2, r);

        // then
        (,, uint128 bondLeft) = market.evaluator(id, e3);
        assertEq(bondLeft, BOND - PENALTY);
        (,, uint128 e1Bond) = market.evaluator(id, e1);
        assertEq(e1Bond, BOND);
        (,,,,,, uint128 penalties) = market.accounts(id);
        assertEq(penalties, PENALTY);
        assertEq(market.postedResult(id, 0, e3), keccak256(abi.encode(d)));
    }

    function test_postResult_penalisesLateDissenter() public {
        // given: settled by e1 and e2
        IMarket.Result memory r = _result(id, 0, _round0());
        _post(id, 0, e1, r);
        _post(id, 0, e2, r);

        // when: e3 posts a different result in the window
        IMarket.Result memory d = _dissent(r);
        vm.expectEmit(address(market));
        emit IMarket.EvaluatorPenalized(id, 0, e3, PENALTY);
        _post(id, 0, e3, d);

        // then: the settled result stands
        (,, bytes32 settled) = market.roundState(id, 0);
        assertEq(settled, keccak256(abi.encode(r)));
        (,, uint128 bondLeft) = market.evaluator(id, e3);
        assertEq(bondLeft, BOND - PENALTY);
    }

    function test_postResult_doesNotPenaliseLateMatchingPost() public {
        // given
        IMarket.Result memory r = _result(id, 0, _round0());
        _post(id, 0, e1, r);
        _post(id, 0, e2, r);

        // when
        vm.recordLogs();
        _post(id, 0, e3, r);

        // then: only ResultPosted, no penalty, no second settlement
        assertEq(vm.getRecordedLogs().length, 1);
        (,, uint128 bondLeft) = market.evaluator(id, e3);
        assertEq(bondLeft, BOND);
        (,,,,,, uint128 penalties) = market.accounts(id);
        assertEq(penalties, 0);
    }

    function test_postResult_capsPenaltyAtBondLeft() public {
        // given: e3 dissents in rounds 0 and 1 and loses 0.2 each time
        for (uint256 round; round < 2; ++round) {
            _warpToOpen(id, round);
            if (round > 0) _submit(id, round, alice);
            IMarket.Result memory r = _result(id, round, _round0());
            _settle(id, round, _round0());
            _post(id, round, e3, _dissent(r));
        }
        (,, uint128 bondLeft) = market.evaluator(id, e3);
        assertEq(bondLeft, BOND - 2 * PENALTY);

        // when: a third dissent finds only 0.1 left
        _warpToOpen(id, 2);
        IMarket.Result memory last = _settle(id, 2, _round0());
        vm.expectEmit(address(market));
        emit IMarket.EvaluatorPenalized(id, 2, e3, BOND - 2 * PENALTY);
        _post(id, 2, e3, _dissent(last));

        // then
        (,, bondLeft) = market.evaluator(id, e3);
        assertEq(bondLeft, 0);
        (,,,,,, uint128 penalties) = market.accounts(id);
        assertEq(penalties, BOND);
    }

    function test_postResult_revertsOnceDissentTookTheWholeBond() public {
        // given: a project whose penalty is the whole bond, and e3 dissenting in round 0
        IMarket.ProjectParams memory p = _params(address(0), 3, 2);
        p.evaluatorPenalty = BOND;
        uint256 pid = _create(p);
        _bondThree(pid);
        _register(pid, alice);
        _warpToOpen(pid, 0);
        _submit(pid, 0, alice);
        IMarket.Result memory r = _settle(pid, 0, _leaves(_leaf(alice, 0.4 ether, 0)));
        _post(pid, 0, e3, _dissent(r));
        (,, uint128 left) = market.evaluator(pid, e3);
        assertEq(left, 0);

        // when / then: with nothing left to lose, e3 no longer votes
        _warpToOpen(pid, 1);
        _submit(pid, 1, alice);
        _warpToEval(pid, 1);
        IMarket.Result memory next = _result(pid, 1, _leaves(_leaf(alice, 0.8 ether, 0)));
        vm.expectRevert(abi.encodeWithSelector(IMarket.EvaluatorNotBonded.selector, pid, e3));
        _post(pid, 1, e3, next);
        // and the others still settle the round
        _post(pid, 1, e1, next);
        _post(pid, 1, e2, next);
        (IMarket.RoundStatus status,,) = market.roundState(pid, 1);
        assertEq(uint8(status), uint8(IMarket.RoundStatus.Settled));
    }

    function test_postResult_revertsAfterBondWithdrawn() public {
        // given: a one-round project settled early (so it ended with its window still open), and e3's
        // bond withdrawn
        IMarket.ProjectParams memory p = _params(address(0), 3, 2);
        p.rounds = 1;
        uint256 pid = _create(p);
        _bondThree(pid);
        _register(pid, alice);
        IMarket.Result memory r = _settle(pid, 0, _leaves(_leaf(alice, 0.4 ether, 0)));
        assertTrue(market.ended(pid));
        vm.prank(e3);
        market.withdrawBond(pid);

        // when / then: no dissent on record at no cost
        vm.expectRevert(abi.encodeWithSelector(IMarket.EvaluatorNotBonded.selector, pid, e3));
        _post(pid, 0, e3, _dissent(r));
    }

    function test_postResult_leavesRoundVoidWithoutQuorum() public {
        // given: two different results, no quorum
        IMarket.Result memory r = _result(id, 0, _round0());
        _post(id, 0, e1, r);
        _post(id, 0, e2, _dissent(r));

        // when
        _warpPastSettle(id, 0);

        // then: void, nobody penalised, its reward refundable
        (IMarket.RoundStatus status,, bytes32 settled) = market.roundState(id, 0);
        assertEq(uint8(status), uint8(IMarket.RoundStatus.Void));
        assertEq(settled, bytes32(0));
        (,, uint128 b1) = market.evaluator(id, e1);
        (,, uint128 b2) = market.evaluator(id, e2);
        assertEq(b1, BOND);
        assertEq(b2, BOND);
        assertEq(market.refundable(id), REWARD);
        vm.expectRevert(abi.encodeWithSelector(IMarket.EvaluationWindowClosed.selector, id, 0));
        _post(id, 0, e3, r);
    }

    function test_postResult_accumulatesCreditsOverRounds() public {
        // given
        _settle(id, 0, _round0());
        _warpToOpen(id, 1);
        _submit(id, 1, bob);
        Leaf[] memory next =
            _leaves(_leaf(alice, 1.2 ether, 0), _leaf(bob, 0.7 ether, 0), _leaf(carol, 0, 0.1 ether));

        // when
        IMarket.Result memory r = _settle(id, 1, next);

        // then
        (, uint128 credited,, uint128 slashed,,,) = market.accounts(id);
        assertEq(credited, 1.9 ether);
        assertEq(slashed, 0.1 ether);
        (bytes32 root,) = market.creditsRoot(id);
        assertEq(root, r.creditsRoot);
    }

    function test_postResult_acceptsRoundWithoutSubmissions() public {
        // given: nobody submits in round 1
        _settle(id, 0, _round0());
        _warpToEval(id, 1);

        // when
        IMarket.Result memory r = _settle(id, 1, _round0());

        // then
        assertEq(r.submissionsHash, bytes32(0));
        (IMarket.RoundStatus status,,) = market.roundState(id, 1);
        assertEq(uint8(status), uint8(IMarket.RoundStatus.Settled));
    }

    function test_postResult_needsNoBondWhenProjectAsksNone() public {
        // given
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.evaluatorBond = 0;
        p.evaluatorPenalty = 0;
        uint256 free = _create(p);
        _register(free, alice);
        _warpToEval(free, 0);

        // when
        IMarket.Result memory r = _settle(free, 0, _leaves(_leaf(alice, 0.1 ether, 0)));

        // then
        (,, bytes32 settled) = market.roundState(free, 0);
        assertEq(settled, keccak256(abi.encode(r)));
    }

    // ------------------------------------------------------------------ reverts

    function test_postResult_revertsForStranger() public {
        IMarket.Result memory r = _result(id, 0, _round0());
        vm.expectRevert(abi.encodeWithSelector(IMarket.NotEvaluator.selector, id, stranger));
        vm.prank(stranger);
        market.postResult(id, 0, r);
    }

    function test_postResult_revertsWithoutBond() public {
        // given: a fresh project whose evaluators have not bonded
        uint256 other = _createEth(3, 2);
        _warpToEval(other, 0);
        IMarket.Result memory r = _result(other, 0, _leaves(_leaf(alice, 0, 0)));
        r.trainers = 0;

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.EvaluatorNotBonded.selector, other, e1));
        vm.prank(e1);
        market.postResult(other, 0, r);
    }

    function test_postResult_revertsBeforeSubmitDeadline() public {
        _warpToOpen(id, 1);
        IMarket.Result memory r = _result(id, 1, _round0());
        vm.expectRevert(abi.encodeWithSelector(IMarket.EvaluationWindowClosed.selector, id, 1));
        vm.prank(e1);
        market.postResult(id, 1, r);
    }

    function test_postResult_revertsAtSettleDeadline() public {
        IMarket.Result memory r = _result(id, 0, _round0());
        _warpPastSettle(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarket.EvaluationWindowClosed.selector, id, 0));
        vm.prank(e1);
        market.postResult(id, 0, r);
    }

    function test_postResult_revertsBeyondLastRound() public {
        IMarket.Result memory r = _result(id, 0, _round0());
        _warpToEval(id, ROUNDS);
        vm.expectRevert(abi.encodeWithSelector(IMarket.EvaluationWindowClosed.selector, id, ROUNDS));
        vm.prank(e1);
        market.postResult(id, ROUNDS, r);
    }

    function test_postResult_revertsWhenAlreadyPosted() public {
        // given
        IMarket.Result memory r = _result(id, 0, _round0());
        _post(id, 0, e1, r);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.ResultAlreadyPosted.selector, id, 0, e1));
        vm.prank(e1);
        market.postResult(id, 0, _dissent(r));
    }

    function test_postResult_revertsOnSubmissionsHashMismatch() public {
        // given: a result that judged another set of submissions
        IMarket.Result memory r = _result(id, 0, _round0());
        bytes32 onChain = r.submissionsHash;
        r.submissionsHash = keccak256("a set without carol");

        // when / then
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarket.SubmissionsHashMismatch.selector, id, 0, onChain, r.submissionsHash
            )
        );
        vm.prank(e1);
        market.postResult(id, 0, r);
    }

    function test_postResult_revertsWithEmptyOrOverlongCids() public {
        uint256 max = market.MAX_CID_BYTES();
        IMarket.Result memory r = _result(id, 0, _round0());
        r.reportCid = new bytes(max + 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.CidTooLong.selector, max + 1, max));
        vm.prank(e1);
        market.postResult(id, 0, r);

        r = _result(id, 0, _round0());
        r.modelCid = "";
        vm.expectRevert(IMarket.EmptyCid.selector);
        vm.prank(e1);
        market.postResult(id, 0, r);
    }

    function test_postResult_revertsWhenRoundCreditsExceedReward() public {
        IMarket.Result memory r = _result(id, 0, _round0());
        r.totalCredited = REWARD + 1;
        _expectOutOfBounds(0, r);
    }

    function test_postResult_revertsWhenCreditsShrink() public {
        // given: 0.9 credited in round 0
        _settle(id, 0, _round0());
        _warpToEval(id, 1);
        IMarket.Result memory r = _result(id, 1, _round0());
        r.totalCredited = 0.9 ether - 1;

        // when / then
        _expectOutOfBounds(1, r);
    }

    function test_postResult_revertsWhenSlashesShrink() public {
        _settle(id, 0, _round0());
        _warpToEval(id, 1);
        IMarket.Result memory r = _result(id, 1, _round0());
        r.totalSlashed = 0.05 ether - 1;
        _expectOutOfBounds(1, r);
    }

    function test_postResult_revertsWhenSlashesExceedStakes() public {
        IMarket.Result memory r = _result(id, 0, _round0());
        r.totalSlashed = 3 * STAKE + 1;
        _expectOutOfBounds(0, r);
    }

    function test_postResult_revertsWhenCoverageShrinks() public {
        _settle(id, 0, _round0());
        _warpToEval(id, 1);
        IMarket.Result memory r = _result(id, 1, _round0());
        r.trainers = 2;
        r.totalSlashed = 0.05 ether;
        _expectOutOfBounds(1, r);
    }

    function test_postResult_revertsWhenCoverageExceedsTrainers() public {
        IMarket.Result memory r = _result(id, 0, _round0());
        r.trainers = 4;
        _expectOutOfBounds(0, r);
    }

    function test_postResult_revertsWithZeroRoot() public {
        IMarket.Result memory r = _result(id, 0, _round0());
        r.creditsRoot = bytes32(0);
        _expectOutOfBounds(0, r);
    }

    function _expectOutOfBounds(uint256 round, IMarket.Result memory r) private {
        vm.expectRevert(abi.encodeWithSelector(IMarket.ResultOutOfBounds.selector, id, round));
        vm.prank(e1);
        market.postResult(id, round, r);
    }

    function test_postResult_revertsForUnknownProject() public {
        IMarket.Result memory r = _result(id, 0, _round0());
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 5));
        vm.prank(e1);
        market.postResult(5, 0, r);
    }
}
