// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IMarket} from "../src/interfaces/IMarket.sol";
import {FeeOnTransferERC20} from "./mocks/FeeOnTransferERC20.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract MarketCreateTest is MarketFixture {
    function test_create_escrowsEthBudget() public {
        // given
        IMarket.ProjectParams memory p = _params(address(0), 3, 2);
        uint256 ownerBefore = owner.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.ProjectCreated(
            1, owner, address(0), 3 ether, REWARD, ROUNDS, p.modelSpecCid, p.initialModelCid
        );
        vm.prank(owner);
        uint256 id = market.createProject{value: 3 ether}(p);

        // then
        assertEq(id, 1);
        assertEq(market.projectCount(), 1);
        assertEq(address(market).balance, 3 ether);
        assertEq(owner.balance, ownerBefore - 3 ether);
        (uint256 budget, uint128 credited,,,,,) = market.accounts(id);
        assertEq(budget, 3 ether);
        assertEq(credited, 0);
    }

    function test_create_escrowsTokenBudget() public {
        // given
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        uint256 ownerBefore = token.balanceOf(owner);

        // when
        vm.expectEmit(address(market));
        emit IMarket.ProjectCreated(
            1, owner, address(token), 3 ether, REWARD, ROUNDS, p.modelSpecCid, p.initialModelCid
        );
        vm.prank(owner);
        uint256 id = market.createProject(p);

        // then
        assertEq(id, 1);
        assertEq(token.balanceOf(address(market)), 3 ether);
        assertEq(token.balanceOf(owner), ownerBefore - 3 ether);
        assertEq(address(market).balance, 0);
    }

    function test_create_numbersProjectsFromOne() public {
        // given
        _createEth(1, 1);

        // when
        uint256 second = _createToken(3, 2);

        // then
        assertEq(second, 2);
        assertEq(market.projectCount(), 2);
        (address o, address t,,,,,,) = market.projectTerms(second);
        assertEq(o, owner);
        assertEq(t, address(token));
    }

    function test_create_storesTerms() public {
        // given
        IMarket.ProjectParams memory p = _params(address(0), 3, 2);

        // when
        uint256 id = _create(p);

        // then
        (
            address o,
            address t,
            uint128 reward,
            uint128 stake,
            uint128 bond,
            uint128 penalty,
            uint16 maxTrainers,
            uint16 trainerCount
        ) = market.projectTerms(id);
        assertEq(o, owner);
        assertEq(t, address(0));
        assertEq(reward, REWARD);
        assertEq(stake, STAKE);
        assertEq(bond, BOND);
        assertEq(penalty, PENALTY);
        assertEq(maxTrainers, MAX_TRAINERS);
        assertEq(trainerCount, 0);
    }

    function test_create_storesScheduleCommitteeAndCids() public {
        // given
        IMarket.ProjectParams memory p = _params(address(0), 3, 2);

        // when
        uint256 id = _create(p);

        // then
        (uint64 start, uint32 submitPeriod, uint32 evalPeriod, uint16 rounds, bool cancelled) =
            market.schedule(id);
        assertEq(start, p.start);
        assertEq(submitPeriod, SUBMIT_PERIOD);
        assertEq(evalPeriod, EVAL_PERIOD);
        assertEq(rounds, ROUNDS);
        assertFalse(cancelled);
        (address[] memory evaluators, bytes32[] memory keys, uint8 quorum) = market.committee(id);
        assertEq(evaluators, p.evaluators);
        assertEq(keys, p.evaluatorKeys);
        assertEq(quorum, 2);
        (bytes memory spec, bytes memory initial) = market.modelCids(id);
        assertEq(spec, p.modelSpecCid);
        assertEq(initial, p.initialModelCid);
        (bool member, bool bonded, uint128 left) = market.evaluator(id, e2);
        assertTrue(member);
        assertFalse(bonded);
        assertEq(left, 0);
    }

    function test_create_acceptsStartNow() public {
        // given
        IMarket.ProjectParams memory p = _params(address(0), 1, 1);
        p.start = uint64(block.timestamp);

        // when
        uint256 id = _create(p);

        // then
        assertEq(market.roundAt(id, block.timestamp), 0);
    }

    // ------------------------------------------------------------------ CIDs

    function test_create_revertsWithEmptyOrOverlongCids() public {
        uint256 max = market.MAX_CID_BYTES();
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.modelSpecCid = "";
        vm.expectRevert(IMarket.EmptyCid.selector);
        market.createProject(p);

        p = _params(address(token), 1, 1);
        p.initialModelCid = new bytes(max + 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.CidTooLong.selector, max + 1, max));
        market.createProject(p);
    }

    // ------------------------------------------------------------------ schedule

    function test_create_revertsWithoutRounds() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.rounds = 0;
        _expectInvalidSchedule(p);
    }

    function test_create_revertsWithoutSubmitPeriod() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.submitPeriod = 0;
        _expectInvalidSchedule(p);
    }

    function test_create_revertsWithoutEvalPeriod() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.evalPeriod = 0;
        _expectInvalidSchedule(p);
    }

    function test_create_revertsWhenStartIsPast() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.start = uint64(block.timestamp - 1);
        _expectInvalidSchedule(p);
    }

    function _expectInvalidSchedule(IMarket.ProjectParams memory p) private {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarket.InvalidSchedule.selector, p.start, p.submitPeriod, p.evalPeriod, p.rounds
            )
        );
        vm.prank(owner);
        market.createProject(p);
    }

    // ------------------------------------------------------------------ committee

    function test_create_revertsWithoutEvaluators() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.evaluators = new address[](0);
        p.evaluatorKeys = new bytes32[](0);
        _expectInvalidCommittee(p, 0, 0, 1);
    }

    function test_create_revertsWhenCommitteeExceedsCap() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        uint256 n = market.MAX_COMMITTEE() + 1;
        p.evaluators = new address[](n);
        p.evaluatorKeys = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            p.evaluators[i] = address(uint160(0x1000 + i));
        }
        p.quorum = 9;
        _expectInvalidCommittee(p, n, n, 9);
    }

    function test_create_revertsWhenKeysDoNotMatchEvaluators() public {
        IMarket.ProjectParams memory p = _params(address(token), 3, 2);
        p.evaluatorKeys = new bytes32[](2);
        _expectInvalidCommittee(p, 3, 2, 2);
    }

    function test_create_revertsWithZeroQuorum() public {
        _expectInvalidCommittee(_params(address(token), 1, 0), 1, 1, 0);
    }

    function test_create_revertsWhenQuorumExceedsCommittee() public {
        _expectInvalidCommittee(_params(address(token), 2, 3), 2, 2, 3);
    }

    function test_create_revertsWhenQuorumIsNoMajority() public {
        _expectInvalidCommittee(_params(address(token), 2, 1), 2, 2, 1);
    }

    function _expectInvalidCommittee(IMarket.ProjectParams memory p, uint256 n, uint256 keys, uint8 quorum)
        private
    {
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidCommittee.selector, n, keys, quorum));
        vm.prank(owner);
        market.createProject(p);
    }

    function test_create_revertsOnDuplicateEvaluator() public {
        // given
        IMarket.ProjectParams memory p = _params(address(token), 3, 2);
        p.evaluators[2] = e1;

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.DuplicateEvaluator.selector, e1));
        vm.prank(owner);
        market.createProject(p);
    }

    // ------------------------------------------------------------------ terms

    function test_create_revertsWithZeroTrainerCap() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.maxTrainers = 0;
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidTrainerCap.selector, 0));
        vm.prank(owner);
        market.createProject(p);
    }

    function test_create_revertsWhenTrainerCapExceedsMax() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.maxTrainers = market.MAX_TRAINERS() + 1;
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidTrainerCap.selector, p.maxTrainers));
        vm.prank(owner);
        market.createProject(p);
    }

    function test_create_revertsWithZeroReward() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.rewardPerRound = 0;
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidReward.selector, 0));
        vm.prank(owner);
        market.createProject(p);
    }

    function test_create_revertsWhenBudgetOverflows() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.rewardPerRound = type(uint128).max / 2;
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidReward.selector, p.rewardPerRound));
        vm.prank(owner);
        market.createProject(p);
    }

    function test_create_revertsWhenPenaltyExceedsBond() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.evaluatorPenalty = BOND + 1;
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidPenalty.selector, BOND, BOND + 1));
        vm.prank(owner);
        market.createProject(p);
    }

    /// @dev Regression: with a budget of exactly type(uint128).max and any bond, one penalty made the owner's
    /// refund (budget + penalties) unrepresentable in the uint128 `refunded`, locking the whole escrow.
    function test_create_revertsWhenBudgetAndBondsOverflowAccounts() public {
        IMarket.ProjectParams memory p = _params(address(token), 3, 2);
        p.rounds = 1;
        p.rewardPerRound = type(uint128).max;
        p.evaluatorBond = 1;
        p.evaluatorPenalty = 1;
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidPenalty.selector, 1, 1));
        vm.prank(owner);
        market.createProject(p);
    }

    function test_create_acceptsBudgetAndBondsThatFitTheAccounts() public {
        // given: budget plus three bonds is exactly type(uint128).max
        IMarket.ProjectParams memory p = _params(address(token), 3, 2);
        p.rounds = 1;
        p.rewardPerRound = type(uint128).max - 3;
        p.evaluatorBond = 1;
        p.evaluatorPenalty = 1;
        token.mint(owner, p.rewardPerRound);

        // when
        uint256 id = _create(p);

        // then
        (uint256 budget,,,,,,) = market.accounts(id);
        assertEq(budget, type(uint128).max - 3);
    }

    function test_create_revertsWhenStakesCouldOverflowPool() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.trainerStake = type(uint128).max / MAX_TRAINERS + 1;
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidTrainerCap.selector, MAX_TRAINERS));
        vm.prank(owner);
        market.createProject(p);
    }

    // ------------------------------------------------------------------ payment

    function test_create_revertsWhenEthValueDiffersFromBudget() public {
        IMarket.ProjectParams memory p = _params(address(0), 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.PaymentMismatch.selector, 3 ether, 3 ether - 1));
        vm.prank(owner);
        market.createProject{value: 3 ether - 1}(p);
    }

    function test_create_revertsWhenEthSentToTokenProject() public {
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.PaymentMismatch.selector, 0, 1));
        vm.prank(owner);
        market.createProject{value: 1}(p);
    }

    function test_create_revertsOnFeeOnTransferToken() public {
        // given: a token that delivers 99 % of what is sent
        FeeOnTransferERC20 fot = new FeeOnTransferERC20();
        fot.mint(owner, 10 ether);
        vm.prank(owner);
        fot.approve(address(market), type(uint256).max);
        IMarket.ProjectParams memory p = _params(address(fot), 1, 1);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.PaymentMismatch.selector, 3 ether, 2.97 ether));
        vm.prank(owner);
        market.createProject(p);
    }

    function test_create_revertsWithoutAllowance() public {
        // given
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        vm.prank(owner);
        token.approve(address(market), 1 ether);

        // when / then
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 1 ether, 3 ether
            )
        );
        vm.prank(owner);
        market.createProject(p);
    }
}
