// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Cohort market
/// @notice One contract holds every collaborative-training project: the owner's escrowed reward, the
/// trainers' stakes, the evaluators' bonds, the per-round submissions and results, and the claims.
/// @dev Rounds are sequential windows fixed at creation. Round r opens at `start + r * (submitPeriod +
/// evalPeriod)`; trainers submit until `submitDeadline(r)`; evaluators post results until
/// `settleDeadline(r)`, which is also when round r + 1 opens. A round whose result reaches the quorum
/// settles; a round without quorum by its deadline is void and its reward returns to the owner.
/// Credits and slashes are cumulative leaves `(trainer, credit, slash)` of one Merkle root per project
/// (OpenZeppelin StandardMerkleTree leaf encoding, sorted-pair hashing); trainers pull what the latest
/// root allows.
interface IMarket {
    /// @notice Everything a project needs at creation.
    /// @param token ERC-20 used for reward, stakes and bonds; address(0) for ETH.
    /// @param rewardPerRound Reward a settled round may credit at most; the budget is `rewardPerRound * rounds`.
    /// @param trainerStake Stake every trainer deposits at registration.
    /// @param evaluatorBond Bond every evaluator deposits before posting results (may be 0).
    /// @param evaluatorPenalty Taken from the bond of an evaluator whose result differs from the settled one, and
    /// for every settled round an evaluator posted no result in (charged when it withdraws its bond).
    /// Budget plus every evaluator's bond, and `trainerStake * maxTrainers`, must each fit in a uint128.
    /// @param start Timestamp at which round 0 opens.
    /// @param submitPeriod Seconds a round accepts submissions.
    /// @param evalPeriod Seconds evaluators have after the submission deadline to settle the round.
    /// @param rounds Number of rounds.
    /// @param maxTrainers Cap on registered trainers.
    /// @param quorum Number of identical results that settle a round; a strict majority of the committee.
    /// @param evaluators The committee's addresses.
    /// @param evaluatorKeys The committee's X25519 public keys, same order as `evaluators`.
    /// @param modelSpecCid CID (binary CIDv1) of the model spec JSON.
    /// @param initialModelCid CID (binary CIDv1) of the initial global model G_0.
    struct ProjectParams {
        address token;
        uint128 rewardPerRound;
        uint128 trainerStake;
        uint128 evaluatorBond;
        uint128 evaluatorPenalty;
        uint64 start;
        uint32 submitPeriod;
        uint32 evalPeriod;
        uint16 rounds;
        uint16 maxTrainers;
        uint8 quorum;
        address[] evaluators;
        bytes32[] evaluatorKeys;
        bytes modelSpecCid;
        bytes initialModelCid;
    }

    /// @notice What an evaluator posts for a round.
    /// @param creditsRoot Merkle root over every covered trainer's cumulative `(trainer, credit, slash)`.
    /// @param totalCredited Sum of all cumulative credits in the tree.
    /// @param totalSlashed Sum of all cumulative slashes in the tree.
    /// @param trainers Number of trainers (registration indices 0..trainers-1) that have a leaf.
    /// @param submissionsHash The round's rolling submissions hash the evaluator judged.
    /// @param modelCid CID of the next global model.
    /// @param reportCid CID of the audit report.
    struct Result {
        bytes32 creditsRoot;
        uint128 totalCredited;
        uint128 totalSlashed;
        uint16 trainers;
        bytes32 submissionsHash;
        bytes modelCid;
        bytes reportCid;
    }

    /// @notice Where a round stands.
    enum RoundStatus {
        Scheduled,
        Open,
        Evaluating,
        Settled,
        Void,
        Cancelled
    }

    // ---------------------------------------------------------------- errors

    error ProjectNotFound(uint256 projectId);
    error InvalidSchedule(uint64 start, uint32 submitPeriod, uint32 evalPeriod, uint16 rounds);
    error InvalidCommittee(uint256 evaluators, uint256 keys, uint8 quorum);
    error DuplicateEvaluator(address evaluator);
    error InvalidTrainerCap(uint16 maxTrainers);
    error InvalidReward(uint128 rewardPerRound);
    error InvalidPenalty(uint128 evaluatorBond, uint128 evaluatorPenalty);
    error PaymentMismatch(uint256 expected, uint256 received);
    error NotProjectOwner(uint256 projectId, address caller);
    error ProjectAlreadyCancelled(uint256 projectId);
    error ProjectNotEnded(uint256 projectId, uint256 endsAt);
    error ProjectEnded(uint256 projectId);
    error RegistrationClosed(uint256 projectId);
    error TrainerCapReached(uint256 projectId, uint16 maxTrainers);
    error TrainerAlreadyRegistered(uint256 projectId, address trainer);
    error TrainerNotRegistered(uint256 projectId, address trainer);
    error SubmissionWindowClosed(uint256 projectId, uint256 round);
    error UpdateAlreadySubmitted(uint256 projectId, uint256 round, address trainer);
    error EmptyCid();
    error CidTooLong(uint256 length, uint256 maxLength);
    error NoSuchRound(uint256 projectId, uint256 round);
    error NotEvaluator(uint256 projectId, address caller);
    error EvaluatorAlreadyBonded(uint256 projectId, address evaluator);
    error EvaluatorNotBonded(uint256 projectId, address evaluator);
    error EvaluationWindowClosed(uint256 projectId, uint256 round);
    error ResultAlreadyPosted(uint256 projectId, uint256 round, address evaluator);
    error SubmissionsHashMismatch(uint256 projectId, uint256 round, bytes32 expected, bytes32 posted);
    error ResultOutOfBounds(uint256 projectId, uint256 round);
    error InvalidProof(uint256 projectId, address trainer);
    error NothingToClaim(uint256 projectId, address account);
    error StakeAlreadyWithdrawn(uint256 projectId, address trainer);
    error InsufficientProjectFunds(uint256 projectId, uint256 needed, uint256 available);

    // ---------------------------------------------------------------- events

    /// @notice A project was created and its budget escrowed.
    event ProjectCreated(
        uint256 indexed projectId,
        address indexed owner,
        address token,
        uint256 budget,
        uint128 rewardPerRound,
        uint16 rounds,
        bytes modelSpecCid,
        bytes initialModelCid
    );
    /// @notice The owner stopped the project; rounds from `rounds` on will not run.
    event ProjectCancelled(uint256 indexed projectId, uint16 rounds);
    /// @notice A trainer registered and deposited its stake.
    event TrainerRegistered(uint256 indexed projectId, address indexed trainer, uint16 index, uint128 stake);
    /// @notice An evaluator deposited its bond.
    event EvaluatorBonded(uint256 indexed projectId, address indexed evaluator, uint128 bond);
    /// @notice A trainer committed to a sealed update.
    event UpdateSubmitted(
        uint256 indexed projectId,
        uint256 indexed round,
        address indexed trainer,
        bytes cid,
        bytes32 submissionsHash
    );
    /// @notice An evaluator posted its result for a round.
    event ResultPosted(
        uint256 indexed projectId,
        uint256 indexed round,
        address indexed evaluator,
        bytes32 resultHash,
        Result result
    );
    /// @notice A round reached its quorum; its result is final.
    event RoundSettled(
        uint256 indexed projectId,
        uint256 indexed round,
        bytes32 resultHash,
        bytes32 creditsRoot,
        uint128 totalCredited,
        uint128 totalSlashed,
        bytes modelCid,
        bytes reportCid
    );
    /// @notice An evaluator posted a result different from the settled one and lost part of its bond.
    event EvaluatorPenalized(
        uint256 indexed projectId, uint256 indexed round, address indexed evaluator, uint128 amount
    );
    /// @notice A trainer (or anyone on its behalf) claimed credits.
    event CreditsClaimed(
        uint256 indexed projectId, address indexed trainer, uint128 amount, uint128 totalClaimed
    );
    /// @notice A trainer took back its stake minus its slashes after the project ended.
    event StakeWithdrawn(
        uint256 indexed projectId, address indexed trainer, uint128 returned, uint128 slashed
    );
    /// @notice A stake return the trainer's address did not take (it reverted, ran out of the gas it was given
    /// or is blocked by the token): kept for it, to be paid by `collectStake`. The owner's part is settled.
    event StakeOwed(uint256 indexed projectId, address indexed trainer, uint128 amount);
    /// @notice A stake return kept by `StakeOwed` was paid to the trainer.
    event StakeCollected(uint256 indexed projectId, address indexed trainer, uint128 amount);
    /// @notice The owner took back unspent budget, collected slashes and penalties.
    event RefundWithdrawn(uint256 indexed projectId, address indexed owner, uint256 amount);
    /// @notice An evaluator withdrawing its bond lost `amount` for the `rounds` settled rounds it posted no result
    /// in (one `evaluatorPenalty` each, at most the bond left); the amount goes to the owner like other penalties.
    event EvaluatorAbsent(
        uint256 indexed projectId, address indexed evaluator, uint256 rounds, uint128 amount
    );
    /// @notice An evaluator took back what is left of its bond after the project ended.
    event BondWithdrawn(uint256 indexed projectId, address indexed evaluator, uint128 amount);

    // ---------------------------------------------------------------- owner

    /// @notice Creates a project and escrows its budget (`rewardPerRound * rounds`).
    /// @dev For ETH send the budget as msg.value; for a token approve it first. Fee-on-transfer tokens are
    /// rejected (the received amount must equal the budget).
    /// @return projectId The new project's id (ids start at 1).
    function createProject(ProjectParams calldata params) external payable returns (uint256 projectId);

    /// @notice Stops a project: rounds that have not opened yet will not run; the round in progress still
    /// settles. Their reward becomes refundable at once.
    function cancelProject(uint256 projectId) external;

    /// @notice Pays the owner what is refundable now: reward of void, unopened and cancelled rounds, the
    /// part of settled rounds' reward that was not credited, evaluator penalties, and the slashed part of
    /// every stake settled with `withdrawStake` (after the project ended; anyone may settle a trainer's stake
    /// with its leaf, so the owner need not wait for slashed trainers).
    function withdrawRefund(uint256 projectId) external;

    // ---------------------------------------------------------------- trainers

    /// @notice Registers the caller as a trainer and takes its stake (msg.value for ETH, else transferFrom).
    /// @dev Open until the last round's submission deadline, while the cap allows.
    function register(uint256 projectId) external payable;

    /// @notice Commits to a sealed update for the round that is open now. One per trainer per round.
    /// @dev Stored as one bit and a rolling hash `keccak256(abi.encode(previous, trainer, cid))`.
    function submit(uint256 projectId, uint256 round, bytes calldata cid) external;

    /// @notice Pays the trainer `account` its cumulative credit minus what it already claimed.
    /// @param credit Cumulative credit of the trainer's leaf in the latest root.
    /// @param slash Cumulative slash of the trainer's leaf in the latest root.
    /// @param proof Merkle proof of the leaf.
    function claim(
        uint256 projectId,
        address account,
        uint128 credit,
        uint128 slash,
        bytes32[] calldata proof
    ) external;

    /// @notice After the project ended, returns the trainer `account`'s stake minus its slashes (at most the stake).
    /// Anyone may call it for a trainer; the stake goes to the trainer and `min(slash, stake)` becomes
    /// refundable to the owner. If the trainer's address does not take the payment (an ETH receiver that
    /// reverts or needs more than `STAKE_PUSH_GAS`, a token that refuses the transfer or whose transfer, with any
    /// hook it calls in the receiver, needs more than `STAKE_PUSH_GAS`), the call still
    /// settles the owner's part and keeps the return for `collectStake` (`StakeOwed`): no trainer can hold
    /// back the owner's share of its slash.
    /// @dev A trainer whose index is not covered by the latest root (or any trainer when nothing settled) has
    /// no leaf and passes an empty proof with zero credit and slash.
    function withdrawStake(
        uint256 projectId,
        address account,
        uint128 credit,
        uint128 slash,
        bytes32[] calldata proof
    ) external;

    /// @notice Pays a trainer the stake return `withdrawStake` kept for it (see `StakeOwed`), with all the gas
    /// the call has; anyone may call it for a trainer. Reverts with `NothingToClaim` if nothing is kept.
    function collectStake(uint256 projectId, address account) external;

    // ---------------------------------------------------------------- evaluators

    /// @notice Deposits the caller's evaluator bond (msg.value for ETH, else transferFrom).
    function bondEvaluator(uint256 projectId) external payable;

    /// @notice Posts the caller's result for a round in its evaluation window. The round settles when
    /// `quorum` evaluators posted the same result; an evaluator whose result differs from the settled one
    /// is penalised. In a project with an evaluator bond, an evaluator posts only while it has bond left
    /// (`EvaluatorNotBonded` before `bondEvaluator`, once penalties took all of it, and after `withdrawBond`).
    function postResult(uint256 projectId, uint256 round, Result calldata result) external;

    /// @notice After the project ended, returns what is left of the caller's bond, less one `evaluatorPenalty`
    /// for every settled round it posted no result in (`EvaluatorAbsent`), but for the rounds that settled before
    /// the round in which it bonded. A member may post late in a settled round until the round's deadline; once
    /// it withdrew, it posts no more. A member that never withdraws keeps its bond locked, and the owner gets
    /// none of its absence penalty.
    function withdrawBond(uint256 projectId) external;

    // ---------------------------------------------------------------- views

    /// @notice Number of projects created so far (ids run from 1 to this number).
    function projectCount() external view returns (uint256);

    /// @notice A project's parties and terms.
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
        );

    /// @notice A project's schedule (rounds is lowered by cancellation).
    function schedule(uint256 projectId)
        external
        view
        returns (uint64 start, uint32 submitPeriod, uint32 evalPeriod, uint16 rounds, bool cancelled);

    /// @notice A project's money: budget, cumulative credited, claimed, slashed (the settled result's
    /// totalSlashed), stakes held (forfeited stake included until refunded), refunded (budget part, penalties
    /// included), penalties.
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
        );

    /// @notice The committee: addresses, X25519 public keys and quorum.
    function committee(uint256 projectId)
        external
        view
        returns (address[] memory evaluators, bytes32[] memory keys, uint8 quorum);

    /// @notice The model spec and initial model CIDs.
    function modelCids(uint256 projectId)
        external
        view
        returns (bytes memory modelSpecCid, bytes memory initialModelCid);

    /// @notice The latest settled credits root and how many trainers it covers.
    function creditsRoot(uint256 projectId) external view returns (bytes32 root, uint16 trainers);

    /// @notice The round in progress at `timestamp` (the next one before `start`).
    function roundAt(uint256 projectId, uint256 timestamp) external view returns (uint256);

    /// @notice Submission and settlement deadlines of a round; past the last one the schedule runs on (round
    /// `rounds` opens when the project ends). A round over 65,535, more than any project has, is `NoSuchRound`.
    function deadlines(uint256 projectId, uint256 round)
        external
        view
        returns (uint256 opensAt, uint256 submitDeadline, uint256 settleDeadline);

    /// @notice A round's status now, its rolling submissions hash and its settled result hash.
    function roundState(uint256 projectId, uint256 round)
        external
        view
        returns (RoundStatus status, bytes32 submissionsHash, bytes32 settledResult);

    /// @notice Whether the trainer `account` submitted in `round`.
    function hasSubmitted(uint256 projectId, uint256 round, address account) external view returns (bool);

    /// @notice The result hash the evaluator `account` posted for `round` (zero if none).
    function postedResult(uint256 projectId, uint256 round, address account) external view returns (bytes32);

    /// @notice A trainer's registration: whether registered, its index, credits claimed, stake withdrawn.
    function trainer(uint256 projectId, address account)
        external
        view
        returns (bool registered, uint16 index, uint128 claimed, bool stakeWithdrawn);

    /// @notice The stake return kept for a trainer whose address did not take it (see `StakeOwed`); zero if none.
    function stakeOwed(uint256 projectId, address account) external view returns (uint128);

    /// @notice An evaluator's seat: whether on the committee, whether bonded, and its bond left.
    function evaluator(uint256 projectId, address account)
        external
        view
        returns (bool member, bool bonded, uint128 bond);

    /// @notice The settled rounds an evaluator posted no result in so far (not counting those that settled before
    /// the round in which it bonded, in a project with a bond), and what `withdrawBond` would take for them now
    /// (one `evaluatorPenalty` each, at most the bond left); zeros for an account off the committee, and for a
    /// member of a project with a bond that has not bonded.
    function absences(uint256 projectId, address account)
        external
        view
        returns (uint256 rounds, uint128 penalty);

    /// @notice What `withdrawRefund` would pay the owner now.
    function refundable(uint256 projectId) external view returns (uint256);

    /// @notice Whether the project ended (last round past its deadline or settled, or cancelled before start).
    function ended(uint256 projectId) external view returns (bool);

    /// @notice The hash a result is identified by: `keccak256(abi.encode(result))`.
    function resultHash(Result calldata result) external pure returns (bytes32);
}
