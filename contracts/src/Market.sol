// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IMarket} from "./interfaces/IMarket.sol";

/// @title Cohort market
/// @notice Escrow, stakes, rounds, results and pull payments of collaborative-training projects.
/// @dev See IMarket for the protocol. Per-round writes are kept to what a rule needs: a submission is one
/// bit and a rolling hash; a settlement stores one root and the running totals.
contract Market is IMarket, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Largest committee a project may have (bounds the settlement loop).
    uint256 public constant MAX_COMMITTEE = 16;
    /// @notice Largest trainer cap a project may set.
    uint16 public constant MAX_TRAINERS = 4096;
    /// @notice Gas a stake return pushed by `withdrawStake` may use: an ETH receiver's `receive` (a wallet
    /// contract's needs far less), or a token's `transfer` with any hook it calls (a plain ERC-20 transfer needs
    /// well under half); a return that needs more is paid by `collectStake`, with all the call's gas.
    uint256 public constant STAKE_PUSH_GAS = 100_000;
    /// @notice Longest CID the market stores or emits, in binary form: a CIDv1 of a SHA-256 block is 36 bytes,
    /// so this leaves room for longer hashes while every reader of the events can bound what it decodes.
    uint256 public constant MAX_CID_BYTES = 128;

    struct Project {
        // slot 0
        address owner;
        uint64 start;
        uint32 submitPeriod;
        // slot 1
        address token;
        uint32 evalPeriod;
        uint16 rounds;
        uint16 maxTrainers;
        uint16 trainerCount;
        uint8 quorum;
        uint8 committeeSize;
        // slot 2
        uint128 rewardPerRound;
        uint128 trainerStake;
        // slot 3
        uint128 evaluatorBond;
        uint128 evaluatorPenalty;
        // slot 4
        uint128 credited;
        uint128 claimed;
        // slot 5
        uint128 slashed;
        uint128 forfeited;
        // slot 6
        uint128 stakePool;
        uint128 refunded;
        // slot 7
        uint128 penalties;
        uint16 covered;
        uint16 originalRounds;
        uint16 settledRounds;
        bool cancelled;
        // slot 8
        bytes32 creditsRoot;
    }

    struct Trainer {
        bool registered;
        bool stakeWithdrawn;
        uint16 index;
        uint128 claimed;
    }

    struct Seat {
        uint8 seatPlusOne;
        bool bonded;
        uint128 bond;
        // settled rounds this member posted a result in (before or after the settlement)
        uint16 settledPosts;
        // in a bonded project, the rounds that settled before the member bonded, when it could not post in them
        uint16 excused;
    }

    struct RoundData {
        bytes32 submissionsHash;
        bytes32 settledResult;
        mapping(uint256 word => uint256 bits) submitted;
        mapping(address evaluator => bytes32 resultHash) posted;
        mapping(bytes32 resultHash => uint256 votes) votes;
    }

    uint256 private _projectCount;
    mapping(uint256 projectId => Project) private _projects;
    mapping(uint256 projectId => address[] evaluators) private _evaluators;
    mapping(uint256 projectId => bytes32[] keys) private _evaluatorKeys;
    mapping(uint256 projectId => mapping(address evaluator => Seat)) private _seats;
    mapping(uint256 projectId => mapping(address trainer => Trainer)) private _trainers;
    mapping(uint256 projectId => mapping(uint256 round => RoundData)) private _rounds;
    mapping(uint256 projectId => bytes modelSpecCid) private _modelSpecCids;
    mapping(uint256 projectId => bytes initialModelCid) private _initialModelCids;
    mapping(uint256 projectId => mapping(address trainer => uint128 amount)) private _stakeOwed;

    // ------------------------------------------------------------------ owner

    /// @inheritdoc IMarket
    function createProject(ProjectParams calldata params)
        external
        payable
        nonReentrant
        returns (uint256 projectId)
    {
        _checkParams(params);
        projectId = ++_projectCount;
        Project storage p = _projects[projectId];
        p.owner = msg.sender;
        p.start = params.start;
        p.submitPeriod = params.submitPeriod;
        p.token = params.token;
        p.evalPeriod = params.evalPeriod;
        p.rounds = params.rounds;
        p.originalRounds = params.rounds;
        p.maxTrainers = params.maxTrainers;
        p.quorum = params.quorum;
        // forge-lint: disable-next-line(unsafe-typecast)
        p.committeeSize = uint8(params.evaluators.length); // <= MAX_COMMITTEE
        p.rewardPerRound = params.rewardPerRound;
        p.trainerStake = params.trainerStake;
        p.evaluatorBond = params.evaluatorBond;
        p.evaluatorPenalty = params.evaluatorPenalty;
        for (uint256 i; i < params.evaluators.length; ++i) {
            address e = params.evaluators[i];
            if (_seats[projectId][e].seatPlusOne != 0) revert DuplicateEvaluator(e);
            // forge-lint: disable-next-line(unsafe-typecast)
            _seats[projectId][e].seatPlusOne = uint8(i + 1); // i < MAX_COMMITTEE
        }
        _evaluators[projectId] = params.evaluators;
        _evaluatorKeys[projectId] = params.evaluatorKeys;
        _modelSpecCids[projectId] = params.modelSpecCid;
        _initialModelCids[projectId] = params.initialModelCid;
        uint256 budget = uint256(params.rewardPerRound) * params.rounds;
        emit ProjectCreated(
            projectId,
            msg.sender,
            params.token,
            budget,
            params.rewardPerRound,
            params.rounds,
            params.modelSpecCid,
            params.initialModelCid
        );
        _collect(params.token, budget);
    }

    /// @inheritdoc IMarket
    function cancelProject(uint256 projectId) external {
        Project storage p = _project(projectId);
        if (msg.sender != p.owner) revert NotProjectOwner(projectId, msg.sender);
        if (p.cancelled) revert ProjectAlreadyCancelled(projectId);
        if (_ended(projectId, p)) revert ProjectEnded(projectId);
        uint256 current = _roundAt(p, block.timestamp);
        // The round in progress keeps running so trainers who already trained can be paid.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint16 kept = block.timestamp < p.start ? 0 : uint16(current + 1); // current < p.rounds: not ended
        if (kept < p.rounds) p.rounds = kept;
        p.cancelled = true;
        emit ProjectCancelled(projectId, p.rounds);
    }

    /// @inheritdoc IMarket
    function withdrawRefund(uint256 projectId) external nonReentrant {
        Project storage p = _project(projectId);
        if (msg.sender != p.owner) revert NotProjectOwner(projectId, msg.sender);
        (uint256 budgetPart, uint256 slashPart) = _refundable(projectId, p);
        uint256 amount = budgetPart + slashPart;
        if (amount == 0) revert NothingToClaim(projectId, msg.sender);
        p.refunded += SafeCast.toUint128(budgetPart);
        if (slashPart != 0) {
            // slashPart is `forfeited`, a part of stakePool
            p.stakePool -= p.forfeited;
            p.forfeited = 0;
        }
        emit RefundWithdrawn(projectId, msg.sender, amount);
        _pay(p.token, msg.sender, amount);
    }

    // ------------------------------------------------------------------ trainers

    /// @inheritdoc IMarket
    function register(uint256 projectId) external payable nonReentrant {
        Project storage p = _project(projectId);
        if (p.cancelled) revert ProjectAlreadyCancelled(projectId);
        if (p.rounds == 0 || block.timestamp >= _submitDeadline(p, p.rounds - 1)) {
            revert RegistrationClosed(projectId);
        }
        if (p.trainerCount >= p.maxTrainers) revert TrainerCapReached(projectId, p.maxTrainers);
        Trainer storage t = _trainers[projectId][msg.sender];
        if (t.registered) revert TrainerAlreadyRegistered(projectId, msg.sender);
        uint16 index = p.trainerCount;
        t.registered = true;
        t.index = index;
        p.trainerCount = index + 1;
        uint128 stake = p.trainerStake;
        p.stakePool += stake;
        emit TrainerRegistered(projectId, msg.sender, index, stake);
        _collect(p.token, stake);
    }

    /// @inheritdoc IMarket
    function submit(uint256 projectId, uint256 round, bytes calldata cid) external {
        _checkCid(cid);
        Project storage p = _project(projectId);
        if (
            round >= p.rounds || block.timestamp < _opensAt(p, round)
                || block.timestamp >= _submitDeadline(p, round)
        ) revert SubmissionWindowClosed(projectId, round);
        Trainer storage t = _trainers[projectId][msg.sender];
        if (!t.registered) revert TrainerNotRegistered(projectId, msg.sender);
        RoundData storage r = _rounds[projectId][round];
        uint256 index = t.index;
        uint256 bit = 1 << (index & 0xff);
        uint256 bits = r.submitted[index >> 8];
        if (bits & bit != 0) revert UpdateAlreadySubmitted(projectId, round, msg.sender);
        r.submitted[index >> 8] = bits | bit;
        bytes32 h = keccak256(abi.encode(r.submissionsHash, msg.sender, cid));
        r.submissionsHash = h;
        emit UpdateSubmitted(projectId, round, msg.sender, cid, h);
    }

    /// @inheritdoc IMarket
    function claim(
        uint256 projectId,
        address trainer_,
        uint128 credit,
        uint128 slash,
        bytes32[] calldata proof
    ) external nonReentrant {
        Project storage p = _project(projectId);
        Trainer storage t = _trainers[projectId][trainer_];
        _verifyLeaf(projectId, p, trainer_, credit, slash, proof);
        if (credit <= t.claimed) revert NothingToClaim(projectId, trainer_);
        uint128 amount = credit - t.claimed;
        uint256 available = p.credited - p.claimed;
        if (amount > available) revert InsufficientProjectFunds(projectId, amount, available);
        t.claimed = credit;
        p.claimed += amount;
        emit CreditsClaimed(projectId, trainer_, amount, credit);
        _pay(p.token, trainer_, amount);
    }

    /// @inheritdoc IMarket
    function withdrawStake(
        uint256 projectId,
        address trainer_,
        uint128 credit,
        uint128 slash,
        bytes32[] calldata proof
    ) external nonReentrant {
        Project storage p = _project(projectId);
        if (!_ended(projectId, p)) revert ProjectNotEnded(projectId, _endTime(p));
        Trainer storage t = _trainers[projectId][trainer_];
        if (!t.registered) revert TrainerNotRegistered(projectId, trainer_);
        if (t.stakeWithdrawn) revert StakeAlreadyWithdrawn(projectId, trainer_);
        if (t.index < p.covered) {
            _verifyLeaf(projectId, p, trainer_, credit, slash, proof);
        } else if (credit != 0 || slash != 0) {
            // Not covered by the tree: it has no credit and no slash to speak of.
            revert InvalidProof(projectId, trainer_);
        }
        uint128 stake = p.trainerStake;
        uint128 slashed = slash < stake ? slash : stake;
        uint128 returned = stake - slashed;
        t.stakeWithdrawn = true;
        // The pool holds every unsettled stake plus the forfeited part of settled ones: it covers `returned`.
        p.stakePool -= returned;
        p.forfeited += slashed;
        emit StakeWithdrawn(projectId, trainer_, returned, slashed);
        if (returned != 0 && !_tryPay(p.token, trainer_, returned)) {
            // the trainer's address refused it: keep it for collectStake rather than undo the owner's part
            _stakeOwed[projectId][trainer_] = returned;
            emit StakeOwed(projectId, trainer_, returned);
        }
    }

    /// @inheritdoc IMarket
    function collectStake(uint256 projectId, address trainer_) external nonReentrant {
        Project storage p = _project(projectId);
        uint128 owed = _stakeOwed[projectId][trainer_];
        if (owed == 0) revert NothingToClaim(projectId, trainer_);
        _stakeOwed[projectId][trainer_] = 0;
        emit StakeCollected(projectId, trainer_, owed);
        _pay(p.token, trainer_, owed);
    }

    // ------------------------------------------------------------------ evaluators

    /// @inheritdoc IMarket
    function bondEvaluator(uint256 projectId) external payable nonReentrant {
        Project storage p = _project(projectId);
        Seat storage s = _seats[projectId][msg.sender];
        if (s.seatPlusOne == 0) revert NotEvaluator(projectId, msg.sender);
        if (s.bonded) revert EvaluatorAlreadyBonded(projectId, msg.sender);
        if (_ended(projectId, p)) revert ProjectEnded(projectId);
        uint128 bond = p.evaluatorBond;
        s.bonded = true;
        s.bond = bond;
        if (bond != 0) {
            // the rounds before the current one are closed, and it could not post in them unbonded; the current
            // one stays open to its post even if it settled already
            uint16 excused = p.settledRounds;
            uint256 current = _roundAt(p, block.timestamp);
            if (current < p.rounds && _rounds[projectId][current].settledResult != bytes32(0)) --excused;
            s.excused = excused;
        }
        emit EvaluatorBonded(projectId, msg.sender, bond);
        _collect(p.token, bond);
    }

    /// @inheritdoc IMarket
    function postResult(uint256 projectId, uint256 round, Result calldata result) external {
        Project storage p = _project(projectId);
        Seat storage s = _seats[projectId][msg.sender];
        if (s.seatPlusOne == 0) revert NotEvaluator(projectId, msg.sender);
        // A bonded project's evaluator votes only with bond left to lose: not once dissents took it all,
        // nor after withdrawBond (the last round may still be open when an early settlement ended the project).
        if (s.bond == 0 && p.evaluatorBond != 0) revert EvaluatorNotBonded(projectId, msg.sender);
        if (
            round >= p.rounds || block.timestamp < _submitDeadline(p, round)
                || block.timestamp >= _settleDeadline(p, round)
        ) revert EvaluationWindowClosed(projectId, round);
        RoundData storage r = _rounds[projectId][round];
        if (r.posted[msg.sender] != bytes32(0)) revert ResultAlreadyPosted(projectId, round, msg.sender);
        _checkCid(result.modelCid);
        _checkCid(result.reportCid);
        if (result.submissionsHash != r.submissionsHash) {
            revert SubmissionsHashMismatch(projectId, round, r.submissionsHash, result.submissionsHash);
        }
        // Settled rounds are sequential: the previous totals are final, the new ones may only grow, a round
        // credits at most its reward, and nobody is slashed more than a stake.
        if (
            result.totalCredited < p.credited || result.totalCredited - p.credited > p.rewardPerRound
                || result.totalSlashed < p.slashed
                || result.totalSlashed > uint256(p.trainerStake) * result.trainers
                || result.trainers < p.covered || result.trainers > p.trainerCount
                || result.creditsRoot == bytes32(0)
        ) revert ResultOutOfBounds(projectId, round);

        bytes32 h = keccak256(abi.encode(result));
        r.posted[msg.sender] = h;
        emit ResultPosted(projectId, round, msg.sender, h, result);

        bytes32 settled = r.settledResult;
        if (settled != bytes32(0)) {
            ++s.settledPosts;
            if (h != settled) _penalize(projectId, round, msg.sender);
            return;
        }
        // A committee of one settles with its first post: no tally to keep (saves a fresh slot per round).
        if (p.quorum == 1) {
            _settle(projectId, round, p, r, h, result);
            return;
        }
        uint256 votes = r.votes[h] + 1;
        r.votes[h] = votes;
        if (votes >= p.quorum) _settle(projectId, round, p, r, h, result);
    }

    /// @inheritdoc IMarket
    function withdrawBond(uint256 projectId) external nonReentrant {
        Project storage p = _project(projectId);
        if (!_ended(projectId, p)) revert ProjectNotEnded(projectId, _endTime(p));
        Seat storage s = _seats[projectId][msg.sender];
        uint128 bond = s.bond;
        if (bond == 0) revert NothingToClaim(projectId, msg.sender);
        // absence from a settled round is charged here, once no more rounds can settle: while the project
        // runs, a member may still post late in a settled round (and then owes nothing for it)
        (uint256 absent, uint128 penalty) = _absences(p, s);
        s.bond = 0;
        if (penalty != 0) {
            p.penalties += penalty;
            emit EvaluatorAbsent(projectId, msg.sender, absent, penalty);
        }
        uint128 amount = bond - penalty;
        emit BondWithdrawn(projectId, msg.sender, amount);
        if (amount != 0) _pay(p.token, msg.sender, amount);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IMarket
    function projectCount() external view returns (uint256) {
        return _projectCount;
    }

    /// @inheritdoc IMarket
    function projectTerms(uint256 projectId)
        external
        view
        returns (
            address owner,
            address token,
            uint128 rewardPerRound,
            uint128 trainerStake,
            uint128 evaluatorBond,
            uint128 evaluatorPenalty,
            uint16 maxTrainers,
            uint16 trainerCount
        )
    {
        Project storage p = _project(projectId);
        return (
            p.owner,
            p.token,
            p.rewardPerRound,
            p.trainerStake,
            p.evaluatorBond,
            p.evaluatorPenalty,
            p.maxTrainers,
            p.trainerCount
        );
    }

    /// @inheritdoc IMarket
    function schedule(uint256 projectId)
        external
        view
        returns (uint64 start, uint32 submitPeriod, uint32 evalPeriod, uint16 rounds, bool cancelled)
    {
        Project storage p = _project(projectId);
        return (p.start, p.submitPeriod, p.evalPeriod, p.rounds, p.cancelled);
    }

    /// @inheritdoc IMarket
    function accounts(uint256 projectId)
        external
        view
        returns (
            uint256 budget,
            uint128 credited,
            uint128 claimed,
            uint128 slashed,
            uint128 stakePool,
            uint128 refunded,
            uint128 penalties
        )
    {
        Project storage p = _project(projectId);
        return (
            uint256(p.rewardPerRound) * p.originalRounds,
            p.credited,
            p.claimed,
            p.slashed,
            p.stakePool,
            p.refunded,
            p.penalties
        );
    }

    /// @inheritdoc IMarket
    function committee(uint256 projectId)
        external
        view
        returns (address[] memory evaluators, bytes32[] memory keys, uint8 quorum)
    {
        Project storage p = _project(projectId);
        return (_evaluators[projectId], _evaluatorKeys[projectId], p.quorum);
    }

    /// @inheritdoc IMarket
    function modelCids(uint256 projectId)
        external
        view
        returns (bytes memory modelSpecCid, bytes memory initialModelCid)
    {
        _project(projectId);
        return (_modelSpecCids[projectId], _initialModelCids[projectId]);
    }

    /// @inheritdoc IMarket
    function creditsRoot(uint256 projectId) external view returns (bytes32 root, uint16 trainers) {
        Project storage p = _project(projectId);
        return (p.creditsRoot, p.covered);
    }

    /// @inheritdoc IMarket
    function roundAt(uint256 projectId, uint256 timestamp) external view returns (uint256) {
        return _roundAt(_project(projectId), timestamp);
    }

    /// @inheritdoc IMarket
    function deadlines(uint256 projectId, uint256 round)
        external
        view
        returns (uint256 opensAt, uint256 submitDeadline, uint256 settleDeadline)
    {
        Project storage p = _project(projectId);
        // Past the last round the schedule runs on (round `rounds` opens when the project ends); no project has
        // more rounds than a uint16 counts, and beyond that the arithmetic would overflow.
        if (round > type(uint16).max) revert NoSuchRound(projectId, round);
        return (_opensAt(p, round), _submitDeadline(p, round), _settleDeadline(p, round));
    }

    /// @inheritdoc IMarket
    function roundState(uint256 projectId, uint256 round)
        external
        view
        returns (RoundStatus status, bytes32 submissionsHash, bytes32 settledResult)
    {
        Project storage p = _project(projectId);
        RoundData storage r = _rounds[projectId][round];
        submissionsHash = r.submissionsHash;
        settledResult = r.settledResult;
        if (settledResult != bytes32(0)) status = RoundStatus.Settled;
        else if (round >= p.rounds) status = RoundStatus.Cancelled;
        else if (block.timestamp < _opensAt(p, round)) status = RoundStatus.Scheduled;
        else if (block.timestamp < _submitDeadline(p, round)) status = RoundStatus.Open;
        else if (block.timestamp < _settleDeadline(p, round)) status = RoundStatus.Evaluating;
        else status = RoundStatus.Void;
    }

    /// @inheritdoc IMarket
    function hasSubmitted(uint256 projectId, uint256 round, address trainer_) external view returns (bool) {
        Trainer storage t = _trainers[projectId][trainer_];
        if (!t.registered) return false;
        return _rounds[projectId][round].submitted[t.index >> 8] & (1 << (t.index & 0xff)) != 0;
    }

    /// @inheritdoc IMarket
    function postedResult(uint256 projectId, uint256 round, address evaluator_)
        external
        view
        returns (bytes32)
    {
        return _rounds[projectId][round].posted[evaluator_];
    }

    /// @inheritdoc IMarket
    function trainer(uint256 projectId, address account)
        external
        view
        returns (bool registered, uint16 index, uint128 claimed, bool stakeWithdrawn)
    {
        Trainer storage t = _trainers[projectId][account];
        return (t.registered, t.index, t.claimed, t.stakeWithdrawn);
    }

    /// @inheritdoc IMarket
    function stakeOwed(uint256 projectId, address account) external view returns (uint128) {
        return _stakeOwed[projectId][account];
    }

    /// @inheritdoc IMarket
    function evaluator(uint256 projectId, address account)
        external
        view
        returns (bool member, bool bonded, uint128 bond)
    {
        Seat storage s = _seats[projectId][account];
        return (s.seatPlusOne != 0, s.bonded, s.bond);
    }

    /// @inheritdoc IMarket
    function absences(uint256 projectId, address account)
        external
        view
        returns (uint256 rounds, uint128 penalty)
    {
        Project storage p = _project(projectId);
        Seat storage s = _seats[projectId][account];
        if (s.seatPlusOne == 0 || (!s.bonded && p.evaluatorBond != 0)) return (0, 0);
        return _absences(p, s);
    }

    /// @inheritdoc IMarket
    function refundable(uint256 projectId) external view returns (uint256) {
        (uint256 budgetPart, uint256 slashPart) = _refundable(projectId, _project(projectId));
        return budgetPart + slashPart;
    }

    /// @inheritdoc IMarket
    function ended(uint256 projectId) external view returns (bool) {
        return _ended(projectId, _project(projectId));
    }

    /// @inheritdoc IMarket
    function resultHash(Result calldata result) external pure returns (bytes32) {
        return keccak256(abi.encode(result));
    }

    // ------------------------------------------------------------------ internals

    function _checkCid(bytes calldata cid) private pure {
        if (cid.length == 0) revert EmptyCid();
        if (cid.length > MAX_CID_BYTES) revert CidTooLong(cid.length, MAX_CID_BYTES);
    }

    function _checkParams(ProjectParams calldata params) private view {
        _checkCid(params.modelSpecCid);
        _checkCid(params.initialModelCid);
        if (
            params.rounds == 0 || params.submitPeriod == 0 || params.evalPeriod == 0
                || params.start < block.timestamp
        ) revert InvalidSchedule(params.start, params.submitPeriod, params.evalPeriod, params.rounds);
        uint256 n = params.evaluators.length;
        if (
            n == 0 || n > MAX_COMMITTEE || n != params.evaluatorKeys.length || params.quorum == 0
                || params.quorum > n || 2 * uint256(params.quorum) <= n
        ) revert InvalidCommittee(n, params.evaluatorKeys.length, params.quorum);
        // Every stake sits in the uint128 stake pool at once.
        if (
            params.maxTrainers == 0 || params.maxTrainers > MAX_TRAINERS
                || uint256(params.trainerStake) * params.maxTrainers > type(uint128).max
        ) revert InvalidTrainerCap(params.maxTrainers);
        if (params.rewardPerRound == 0 || uint256(params.rewardPerRound) * params.rounds > type(uint128).max)
        {
            revert InvalidReward(params.rewardPerRound);
        }
        // Penalties (at most every bond) join the budget in the uint128 refund accounts.
        if (
            params.evaluatorPenalty > params.evaluatorBond
                || uint256(params.rewardPerRound) * params.rounds + uint256(params.evaluatorBond) * n
                    > type(uint128).max
        ) revert InvalidPenalty(params.evaluatorBond, params.evaluatorPenalty);
    }

    function _project(uint256 projectId) private view returns (Project storage p) {
        p = _projects[projectId];
        if (p.owner == address(0)) revert ProjectNotFound(projectId);
    }

    function _period(Project storage p) private view returns (uint256) {
        return uint256(p.submitPeriod) + p.evalPeriod;
    }

    function _opensAt(Project storage p, uint256 round) private view returns (uint256) {
        return p.start + round * _period(p);
    }

    function _submitDeadline(Project storage p, uint256 round) private view returns (uint256) {
        return _opensAt(p, round) + p.submitPeriod;
    }

    function _settleDeadline(Project storage p, uint256 round) private view returns (uint256) {
        return _opensAt(p, round + 1);
    }

    function _roundAt(Project storage p, uint256 timestamp) private view returns (uint256) {
        return timestamp < p.start ? 0 : (timestamp - p.start) / _period(p);
    }

    function _endTime(Project storage p) private view returns (uint256) {
        return _opensAt(p, p.rounds);
    }

    function _ended(uint256 projectId, Project storage p) private view returns (bool) {
        if (p.rounds == 0 || block.timestamp >= _endTime(p)) return true;
        return _rounds[projectId][p.rounds - 1].settledResult != bytes32(0);
    }

    /// @dev Budget part: reward of every round that can no longer credit, minus what was credited and
    /// refunded, plus evaluator penalties. Slash part: the stake forfeited by trainers whose stake was settled
    /// with `withdrawStake` (never more than their stakes, whatever a leaf's slash says).
    function _refundable(uint256 projectId, Project storage p)
        private
        view
        returns (uint256 budgetPart, uint256 slashPart)
    {
        uint256 rounds = p.rounds;
        uint256 reservedRounds = 0;
        if (block.timestamp < p.start) {
            reservedRounds = rounds;
        } else {
            uint256 current = _roundAt(p, block.timestamp);
            if (current < rounds) {
                reservedRounds = rounds - current;
                if (_rounds[projectId][current].settledResult != bytes32(0)) --reservedRounds;
            }
        }
        uint256 reward = p.rewardPerRound;
        budgetPart =
            reward * p.originalRounds + p.penalties - reward * reservedRounds - p.credited - p.refunded;
        slashPart = p.forfeited;
    }

    function _verifyLeaf(
        uint256 projectId,
        Project storage p,
        address trainer_,
        uint128 credit,
        uint128 slash,
        bytes32[] calldata proof
    ) private view {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(trainer_, credit, slash))));
        if (!MerkleProof.verifyCalldata(proof, p.creditsRoot, leaf)) {
            revert InvalidProof(projectId, trainer_);
        }
    }

    /// @dev Records the settled result, then tallies the committee members' posts (`_tallyPosts`).
    /// Committee size is capped by MAX_COMMITTEE: the loop is bounded.
    function _settle(
        uint256 projectId,
        uint256 round,
        Project storage p,
        RoundData storage r,
        bytes32 h,
        Result calldata result
    ) private {
        r.settledResult = h;
        ++p.settledRounds;
        p.creditsRoot = result.creditsRoot;
        p.credited = result.totalCredited;
        p.slashed = result.totalSlashed;
        p.covered = result.trainers;
        emit RoundSettled(
            projectId,
            round,
            h,
            result.creditsRoot,
            result.totalCredited,
            result.totalSlashed,
            result.modelCid,
            result.reportCid
        );
        _tallyPosts(projectId, round, r, h);
    }

    /// @dev Counts the settled round for every member that posted in it and penalises those that posted
    /// another result; the members that did not post yet are counted if they post before the deadline.
    function _tallyPosts(uint256 projectId, uint256 round, RoundData storage r, bytes32 settled) private {
        address[] storage members = _evaluators[projectId];
        for (uint256 i; i < members.length; ++i) {
            address e = members[i];
            bytes32 posted = r.posted[e];
            if (posted == bytes32(0)) continue;
            ++_seats[projectId][e].settledPosts;
            if (posted != settled) _penalize(projectId, round, e);
        }
    }

    /// @dev The settled rounds a member posted no result in, but for those settled before it bonded, and the
    /// penalty they cost: one `evaluatorPenalty` each, at most the bond left.
    function _absences(Project storage p, Seat storage s)
        private
        view
        returns (uint256 rounds, uint128 penalty)
    {
        // settledPosts never exceeds the rounds not excused (a bonded member posts only in rounds open when it
        // bonded, and in a project without bond nothing is excused): saturating all the same, as an underflow
        // would lock the bond
        uint256 owed = p.settledRounds - s.excused;
        rounds = owed > s.settledPosts ? owed - s.settledPosts : 0;
        uint256 due = rounds * p.evaluatorPenalty;
        // forge-lint: disable-next-line(unsafe-typecast)
        penalty = due < s.bond ? uint128(due) : s.bond; // below a uint128
    }

    function _penalize(uint256 projectId, uint256 round, address e) private {
        Project storage p = _projects[projectId];
        Seat storage s = _seats[projectId][e];
        uint128 amount = p.evaluatorPenalty < s.bond ? p.evaluatorPenalty : s.bond;
        s.bond -= amount;
        p.penalties += amount;
        emit EvaluatorPenalized(projectId, round, e, amount);
    }

    function _collect(address token, uint256 amount) private {
        if (token == address(0)) {
            if (msg.value != amount) revert PaymentMismatch(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert PaymentMismatch(0, msg.value);
        if (amount == 0) return;
        IERC20 t = IERC20(token);
        uint256 before = t.balanceOf(address(this));
        t.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = t.balanceOf(address(this)) - before;
        if (received != amount) revert PaymentMismatch(amount, received);
    }

    /// @dev Like `_pay`, but says whether the payment went through instead of reverting. The receiving side gets
    /// at most STAKE_PUSH_GAS: the ETH receiver, or the token's `transfer` with any hook it calls into the
    /// receiver (ERC-777 style), so neither can burn all it is given and starve the caller. What either returns
    /// is not copied beyond one word (a `(bool ok,) = to.call...` would copy it all into memory at the caller's
    /// cost). A token's answer is read as SafeERC20 reads it, a little stricter: no return data from a contract,
    /// or a first word of `true` (an answer shorter than a word is no `true`). A caller cannot starve the push
    /// into failing on purpose: EIP-150 leaves the caller at most 1/64 of what it had, and recording a kept
    /// return costs more than STAKE_PUSH_GAS / 63, so a push short of its gas reverts the whole call.
    function _tryPay(address token, address to, uint256 amount) private returns (bool ok) {
        if (token == address(0)) {
            assembly ("memory-safe") {
                ok := call(STAKE_PUSH_GAS, to, amount, 0, 0, 0, 0)
            }
            return ok;
        }
        bytes memory data = abi.encodeCall(IERC20.transfer, (to, amount));
        uint256 size;
        uint256 answer;
        assembly ("memory-safe") {
            ok := call(STAKE_PUSH_GAS, token, 0, add(data, 0x20), mload(data), 0, 0x20)
            size := returndatasize()
            answer := mload(0)
        }
        return ok && (size == 0 ? token.code.length > 0 : size > 31 && answer == 1);
    }

    function _pay(address token, address to, uint256 amount) private {
        if (token == address(0)) Address.sendValue(payable(to), amount);
        else IERC20(token).safeTransfer(to, amount);
    }
}
