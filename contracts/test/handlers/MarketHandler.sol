// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";

import {Market} from "../../src/Market.sol";
import {IMarket} from "../../src/interfaces/IMarket.sol";
import {MockERC20} from "../mocks/MockERC20.sol";
import {RefusingReceiver} from "../mocks/RefusingReceiver.sol";
import {CreditTree, Leaf} from "../utils/CreditTree.sol";

/// @notice Drives up to four projects (ETH and token) through registration, submissions, time, results
/// (real credits trees of random credits and slashes within the rules, honest and dissenting posts),
/// claims, stake and bond withdrawals, refunds and cancellations. Inputs are bounded and every action first
/// checks that the market must accept it: an action the market then refuses is recorded as a violation
/// (`unexpectedRevert`), not skipped. Ghost variables track, independently of the market's accounts, what
/// went in, what came out and what every leaf allows.
contract MarketHandler is CommonBase, StdCheats, StdUtils {
    uint256 public constant TRAINERS = 6;
    uint256 public constant EVALUATORS = 3;
    uint256 public constant MAX_PROJECTS = 4;

    Market public immutable market;
    MockERC20 public immutable token;

    address public immutable owner = address(0x10000);
    address public immutable stranger = address(0x10001);
    address[TRAINERS] public trainerPool;
    address[EVALUATORS] public evaluatorPool;

    uint256[] public projects;

    // ------------------------------------------------------------------ ghosts: money

    /// @notice Everything deposited and paid out per token (address(0) for ETH), measured at the parties.
    mapping(address token => uint256 amount) public ghost_deposited;
    mapping(address token => uint256 amount) public ghost_paidOut;
    /// @notice What the owner received per project, and what each trainer was paid as credit and stake.
    mapping(uint256 projectId => uint256 amount) public ghost_ownerReceived;
    mapping(uint256 projectId => mapping(address trainer => uint256 amount)) public ghost_claimed;
    mapping(uint256 projectId => mapping(address trainer => uint256 amount)) public ghost_stakeReturned;
    /// @notice Stake returns the market keeps for the refusing trainer (StakeOwed), until collected.
    mapping(uint256 projectId => mapping(address trainer => uint256 amount)) public ghost_owed;
    /// @notice The last trainer of the pool is a contract that refuses ETH while `refusing` is set, when its stake
    /// is settled (claims always reach it).
    address public refuser;
    bool public refusing;
    bool private _refusesNow;
    /// @notice Stake forfeited by withdrawn trainers (min(slash, stake)), in total and not yet refunded.
    mapping(uint256 projectId => uint256 amount) public ghost_forfeited;
    mapping(uint256 projectId => uint256 amount) public ghost_forfeitedPending;
    mapping(uint256 projectId => uint256 amount) public ghost_penalties;
    mapping(uint256 projectId => mapping(address evaluator => uint256 amount)) public ghost_bondLeft;
    /// @notice When an evaluator bonded (0 if it has not): in a project with a bond it answers for the settled
    /// rounds whose window was still open then.
    mapping(uint256 projectId => mapping(address evaluator => uint256 timestamp)) public ghost_bondedAt;

    // ------------------------------------------------------------------ ghosts: rounds and leaves

    /// @notice The latest settled leaves: how many trainers (by index) they cover, and each one's values.
    mapping(uint256 projectId => uint16 covered) public ghost_covered;
    mapping(uint256 projectId => mapping(address trainer => uint128 credit)) public ghost_leafCredit;
    mapping(uint256 projectId => mapping(address trainer => uint128 slash)) public ghost_leafSlash;
    mapping(uint256 projectId => mapping(uint256 round => uint256 count)) public ghost_settlements;
    mapping(uint256 projectId => mapping(uint256 round => bytes32 resultHash)) public ghost_settledHash;
    mapping(uint256 projectId => mapping(uint256 round => uint256 credited)) public ghost_roundCredited;
    /// @notice Sum of the latest settled leaves' credits.
    mapping(uint256 projectId => uint128 credited) public ghost_credited;
    mapping(uint256 projectId => uint256 rounds) public ghost_settledRounds;
    mapping(uint256 projectId => uint256 maxRound) public ghost_roundsSeen;

    /// @notice Claimed amounts seen after the previous action; a decrease sets `ghost_claimedDecreased`.
    mapping(uint256 projectId => mapping(address trainer => uint128 claimed)) public ghost_lastClaimed;
    mapping(uint256 projectId => uint128 claimed) public ghost_lastProjectClaimed;
    bool public ghost_claimedDecreased;

    bool public unexpectedRevert;
    string public unexpectedRevertAction;
    bytes public unexpectedRevertReason;
    bool public wrongPayout;
    string public wrongPayoutAction;

    mapping(string action => uint256 calls) public calls;

    // ------------------------------------------------------------------ per-round candidate results

    struct Candidate {
        bool built;
        uint16 trainers;
        uint128 totalCredited;
        uint128 totalSlashed;
        bytes32 root;
    }

    mapping(uint256 projectId => mapping(uint256 round => Candidate)) internal _candidates;
    mapping(uint256 projectId => mapping(uint256 round => mapping(address trainer => uint128))) internal
        _candCredit;
    mapping(uint256 projectId => mapping(uint256 round => mapping(address trainer => uint128))) internal
        _candSlash;
    mapping(uint256 projectId => address[] trainers) internal _registered;

    bytes32 private immutable ROUND_SETTLED = IMarket.RoundSettled.selector;
    bytes32 private immutable EVALUATOR_PENALIZED = IMarket.EvaluatorPenalized.selector;

    constructor(Market market_, MockERC20 token_) {
        market = market_;
        token = token_;
        for (uint256 i; i < TRAINERS; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            trainerPool[i] = address(uint160(0x20000 + i));
        }
        for (uint256 i; i < EVALUATORS; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            evaluatorPool[i] = address(uint160(0x30000 + i));
        }
        refuser = trainerPool[TRAINERS - 1];
        vm.etch(refuser, address(new RefusingReceiver()).code);
        RefusingReceiver(payable(refuser)).setMode(2);
        // one project of each kind from the start, so every action has something to act on
        _create(Terms(address(0), 3, 2, 1 ether, 0.1 ether, 0.3 ether, 0.1 ether, 3, 4, 50, 50, 10));
        _create(Terms(address(token_), 1, 1, 1000e18, 10e18, 0, 0, 4, 6, 40, 60, 0));
        for (uint256 i; i < 3; ++i) {
            _register(projects[0], trainerPool[i]);
            _register(projects[1], trainerPool[5 - i]);
        }
        _bond(projects[0], evaluatorPool[0]);
    }

    function projectCount() external view returns (uint256) {
        return projects.length;
    }

    function registered(uint256 projectId) external view returns (address[] memory) {
        return _registered[projectId];
    }

    // ------------------------------------------------------------------ actions

    function createProject(uint256 seed, bool useToken) external {
        if (projects.length >= MAX_PROJECTS) return;
        calls["createProject"]++;
        uint256 size = 1 + seed % EVALUATORS;
        uint128 bond = uint128(_bound(_word(seed, 1), 0, 1e20));
        _create(
            Terms({
                token: useToken ? address(token) : address(0),
                size: size,
                // forge-lint: disable-next-line(unsafe-typecast)
                quorum: uint8(size / 2 + 1),
                reward: uint128(_bound(_word(seed, 2), 1, 1e24)),
                stake: uint128(_bound(_word(seed, 3), 0, 1e21)),
                bond: bond,
                penalty: uint128(_bound(_word(seed, 4), 0, bond)),
                rounds: uint16(_bound(_word(seed, 5), 1, 4)),
                maxTrainers: uint16(_bound(_word(seed, 6), 1, TRAINERS)),
                submitPeriod: uint32(_bound(_word(seed, 7), 10, 100)),
                evalPeriod: uint32(_bound(_word(seed, 8), 10, 100)),
                lead: uint64(_bound(_word(seed, 9), 0, 100))
            })
        );
        _afterAction();
    }

    /// @notice Registers a trainer that is not yet registered, in the first project (from the seed on) that
    /// still accepts one.
    function register(uint256 projectSeed, uint256 trainerSeed) external {
        for (uint256 k; k < projects.length; ++k) {
            uint256 id = projects[(projectSeed % projects.length + k) % projects.length];
            if (!_registrationOpen(id)) continue;
            for (uint256 j; j < TRAINERS; ++j) {
                address t = trainerPool[(trainerSeed % TRAINERS + j) % TRAINERS];
                (bool isRegistered,,,) = market.trainer(id, t);
                if (isRegistered) continue;
                _register(id, t);
                _afterAction();
                return;
            }
        }
    }

    function bondEvaluator(uint256 projectSeed, uint256 evaluatorSeed) external {
        for (uint256 k; k < projects.length; ++k) {
            uint256 id = projects[(projectSeed % projects.length + k) % projects.length];
            if (market.ended(id)) continue;
            for (uint256 j; j < EVALUATORS; ++j) {
                address e = evaluatorPool[(evaluatorSeed % EVALUATORS + j) % EVALUATORS];
                (bool member, bool bonded,) = market.evaluator(id, e);
                if (!member || bonded) continue;
                _bond(id, e);
                _afterAction();
                return;
            }
        }
    }

    /// @notice Submits for a registered trainer that has not submitted in the round open now.
    function submit(uint256 projectSeed, uint256 trainerSeed) external {
        for (uint256 k; k < projects.length; ++k) {
            uint256 id = projects[(projectSeed % projects.length + k) % projects.length];
            uint256 round = market.roundAt(id, block.timestamp);
            (IMarket.RoundStatus status,,) = market.roundState(id, round);
            address[] storage regs = _registered[id];
            if (status != IMarket.RoundStatus.Open || regs.length == 0) continue;
            for (uint256 j; j < regs.length; ++j) {
                address t = regs[(trainerSeed % regs.length + j) % regs.length];
                if (market.hasSubmitted(id, round, t)) continue;
                calls["submit"]++;
                vm.prank(t);
                try market.submit(id, round, abi.encodePacked("update", t, round)) {}
                catch (bytes memory reason) {
                    _unexpected("submit", reason);
                }
                _afterAction();
                return;
            }
        }
    }

    /// @notice Moves time by up to two minutes, or (one call in three) to the next deadline of a project.
    function warp(uint256 secs) external {
        calls["warp"]++;
        if (secs % 3 == 0 && projects.length != 0) {
            uint256 id = projects[(secs / 3) % projects.length];
            uint256 round = market.roundAt(id, block.timestamp);
            (uint256 opensAt, uint256 submitDeadline, uint256 settleDeadline) = market.deadlines(id, round);
            uint256 next = block.timestamp < opensAt
                ? opensAt
                : block.timestamp < submitDeadline ? submitDeadline : settleDeadline;
            vm.warp(next);
        } else {
            vm.warp(block.timestamp + _bound(secs, 1, 120));
        }
    }

    /// @notice An evaluator that has not posted yet posts for the round being evaluated (bonding first if
    /// it must). `variant` 0 and 1 post the round's candidate result; 2 and 3 one of two dissenting results
    /// (same leaves, another report), which settles only if a quorum posts the same one.
    function postResult(uint256 projectSeed, uint256 evaluatorSeed, uint256 variant, uint256 creditSeed)
        external
    {
        for (uint256 k; k < projects.length; ++k) {
            uint256 id = projects[(projectSeed % projects.length + k) % projects.length];
            uint256 round = market.roundAt(id, block.timestamp);
            (,,, uint16 rounds,) = market.schedule(id);
            (, uint256 submitDeadline,) = market.deadlines(id, round);
            // roundAt never passes the settle deadline of its round
            if (round >= rounds || block.timestamp < submitDeadline) continue;
            for (uint256 j; j < EVALUATORS; ++j) {
                address e = evaluatorPool[(evaluatorSeed % EVALUATORS + j) % EVALUATORS];
                (bool member,,) = market.evaluator(id, e);
                if (!member || market.postedResult(id, round, e) != bytes32(0)) continue;
                if (!_candidates[id][round].built && !_buildCandidate(id, round, creditSeed)) break;
                _post(id, round, e, variant % 4);
                _afterAction();
                return;
            }
        }
    }

    function claim(uint256 projectSeed, uint256 trainerSeed, bool byStranger) external {
        for (uint256 k; k < projects.length; ++k) {
            uint256 id = projects[(projectSeed % projects.length + k) % projects.length];
            uint256 covered = ghost_covered[id];
            for (uint256 j; j < covered; ++j) {
                uint256 index = (trainerSeed % covered + j) % covered;
                address t = _registered[id][index];
                (,, uint128 claimed,) = market.trainer(id, t);
                if (ghost_leafCredit[id][t] <= claimed) continue;
                _claim(id, index, byStranger ? stranger : t);
                _afterAction();
                return;
            }
        }
    }

    function withdrawStake(uint256 projectSeed, uint256 trainerSeed, bool byStranger) external {
        for (uint256 k; k < projects.length; ++k) {
            uint256 id = projects[(projectSeed % projects.length + k) % projects.length];
            address[] storage regs = _registered[id];
            if (regs.length == 0 || !market.ended(id)) continue;
            for (uint256 j; j < regs.length; ++j) {
                uint256 index = (trainerSeed % regs.length + j) % regs.length;
                (,,, bool withdrawn) = market.trainer(id, regs[index]);
                if (withdrawn) continue;
                _withdrawStake(id, index, byStranger ? stranger : regs[index]);
                _afterAction();
                return;
            }
        }
    }

    /// @notice Whether the refusing trainer's address refuses the ETH of its next stake settlements.
    function setRefusing(bool on) external {
        refusing = on;
    }

    /// @notice Pays a stake return the market kept for the refusing trainer.
    function collectStake(uint256 projectSeed) external {
        for (uint256 k; k < projects.length; ++k) {
            uint256 id = projects[(projectSeed % projects.length + k) % projects.length];
            if (market.stakeOwed(id, refuser) == 0) continue;
            _collectStake(id);
            _afterAction();
            return;
        }
    }

    function withdrawRefund(uint256 projectSeed) external {
        for (uint256 k; k < projects.length; ++k) {
            uint256 id = projects[(projectSeed % projects.length + k) % projects.length];
            if (market.refundable(id) == 0) continue;
            _withdrawRefund(id);
            _afterAction();
            return;
        }
    }

    function withdrawBond(uint256 projectSeed, uint256 evaluatorSeed) external {
        for (uint256 k; k < projects.length; ++k) {
            uint256 id = projects[(projectSeed % projects.length + k) % projects.length];
            if (!market.ended(id)) continue;
            for (uint256 j; j < EVALUATORS; ++j) {
                address e = evaluatorPool[(evaluatorSeed % EVALUATORS + j) % EVALUATORS];
                (,, uint128 bond) = market.evaluator(id, e);
                if (bond == 0) continue;
                _withdrawBond(id, e);
                _afterAction();
                return;
            }
        }
    }

    /// @dev Cancels only one call in four, so most projects run to their end.
    function cancelProject(uint256 projectSeed) external {
        if (projects.length == 0 || projectSeed % 4 != 0) return;
        uint256 id = projects[(projectSeed / 4) % projects.length];
        (,,,, bool cancelled) = market.schedule(id);
        if (cancelled || market.ended(id)) return;
        calls["cancelProject"]++;
        vm.prank(owner);
        try market.cancelProject(id) {}
        catch (bytes memory reason) {
            _unexpected("cancelProject", reason);
        }
        _afterAction();
    }

    // ------------------------------------------------------------------ end of a run

    /// @notice Lets every project end, then has everybody take what is theirs. Returns the market's ETH and
    /// token balances afterwards (both must be zero).
    function drain() external returns (uint256 ethLeft, uint256 tokenLeft) {
        uint256 latest = block.timestamp;
        for (uint256 p; p < projects.length; ++p) {
            (,,, uint16 rounds,) = market.schedule(projects[p]);
            (uint256 endsAt,,) = market.deadlines(projects[p], rounds);
            if (endsAt > latest) latest = endsAt;
        }
        vm.warp(latest);
        for (uint256 p; p < projects.length; ++p) {
            uint256 id = projects[p];
            address[] storage regs = _registered[id];
            for (uint256 i; i < regs.length; ++i) {
                address t = regs[i];
                (,, uint128 claimed, bool withdrawn) = market.trainer(id, t);
                if (i < ghost_covered[id] && ghost_leafCredit[id][t] > claimed) _claim(id, i, t);
                if (!withdrawn) _withdrawStake(id, i, t);
                if (market.stakeOwed(id, t) != 0) _collectStake(id);
            }
            for (uint256 i; i < EVALUATORS; ++i) {
                (,, uint128 bond) = market.evaluator(id, evaluatorPool[i]);
                if (bond != 0) _withdrawBond(id, evaluatorPool[i]);
            }
            if (market.refundable(id) != 0) _withdrawRefund(id);
        }
        ethLeft = address(market).balance;
        tokenLeft = token.balanceOf(address(market));
    }

    /// @notice What the owner of `id` is due over the project's life: uncredited budget, penalties and
    /// forfeited stake.
    function ownerDue(uint256 id) external view returns (uint256) {
        (uint256 budget, uint128 credited,,,,,) = market.accounts(id);
        return budget - credited + ghost_penalties[id] + ghost_forfeited[id];
    }

    // ------------------------------------------------------------------ internals

    struct Terms {
        address token;
        uint256 size;
        uint8 quorum;
        uint128 reward;
        uint128 stake;
        uint128 bond;
        uint128 penalty;
        uint16 rounds;
        uint16 maxTrainers;
        uint32 submitPeriod;
        uint32 evalPeriod;
        uint64 lead;
    }

    function _create(Terms memory terms) internal {
        IMarket.ProjectParams memory p;
        p.token = terms.token;
        p.rewardPerRound = terms.reward;
        p.trainerStake = terms.stake;
        p.evaluatorBond = terms.bond;
        p.evaluatorPenalty = terms.penalty;
        p.start = uint64(block.timestamp) + terms.lead;
        p.submitPeriod = terms.submitPeriod;
        p.evalPeriod = terms.evalPeriod;
        p.rounds = terms.rounds;
        p.maxTrainers = terms.maxTrainers;
        p.quorum = terms.quorum;
        p.evaluators = new address[](terms.size);
        p.evaluatorKeys = new bytes32[](terms.size);
        for (uint256 i; i < terms.size; ++i) {
            p.evaluators[i] = evaluatorPool[i];
            p.evaluatorKeys[i] = keccak256(abi.encode(i));
        }
        p.modelSpecCid = "spec";
        p.initialModelCid = "g0";
        uint256 budget = uint256(terms.reward) * terms.rounds;
        _fund(terms.token, owner, budget);
        vm.prank(owner);
        uint256 id = market.createProject{value: terms.token == address(0) ? budget : 0}(p);
        projects.push(id);
        ghost_deposited[terms.token] += budget;
    }

    function _registrationOpen(uint256 id) internal view returns (bool) {
        (,,, uint16 rounds, bool cancelled) = market.schedule(id);
        (,,,,,, uint16 maxTrainers, uint16 count) = market.projectTerms(id);
        if (cancelled || rounds == 0 || count >= maxTrainers) return false;
        (, uint256 lastDeadline,) = market.deadlines(id, rounds - 1);
        return block.timestamp < lastDeadline;
    }

    function _register(uint256 id, address t) internal {
        calls["register"]++;
        (,,, uint128 stake,,,,) = market.projectTerms(id);
        address tok = _token(id);
        _fund(tok, t, stake);
        vm.prank(t);
        try market.register{value: tok == address(0) ? stake : 0}(id) {
            ghost_deposited[tok] += stake;
            _registered[id].push(t);
        } catch (bytes memory reason) {
            _unexpected("register", reason);
        }
    }

    function _bond(uint256 id, address e) internal {
        calls["bondEvaluator"]++;
        (,,,, uint128 bond,,,) = market.projectTerms(id);
        address tok = _token(id);
        _fund(tok, e, bond);
        vm.prank(e);
        try market.bondEvaluator{value: tok == address(0) ? bond : 0}(id) {
            ghost_deposited[tok] += bond;
            ghost_bondLeft[id][e] = bond;
            ghost_bondedAt[id][e] = block.timestamp;
        } catch (bytes memory reason) {
            _unexpected("bondEvaluator", reason);
        }
    }

    function _post(uint256 id, uint256 round, address e, uint256 variant) internal {
        (, bool bonded, uint128 left) = market.evaluator(id, e);
        (,,,, uint128 bond,,,) = market.projectTerms(id);
        if (!bonded && bond != 0) {
            // Once the last round settled the project ended and bonding closed: an unbonded member cannot post.
            if (market.ended(id)) return;
            _bond(id, e);
        }
        calls["postResult"]++;
        IMarket.Result memory r = _candidateResult(id, round, variant);
        if (bonded && bond != 0 && left == 0) {
            // penalties took the whole bond, or it was withdrawn: the market refuses the vote
            vm.prank(e);
            try market.postResult(id, round, r) {
                _wrong("postResult without bond left");
            } catch (bytes memory reason) {
                // casting to 'bytes4' is safe because a shorter reason pads with zeros and matches no selector
                // forge-lint: disable-next-line(unsafe-typecast)
                if (bytes4(reason) != IMarket.EvaluatorNotBonded.selector) _unexpected("postResult", reason);
            }
            return;
        }
        (,, bytes32 settledBefore) = market.roundState(id, round);
        vm.recordLogs();
        vm.prank(e);
        try market.postResult(id, round, r) {
            _recordPostLogs(id, round, settledBefore);
        } catch (bytes memory reason) {
            _unexpected("postResult", reason);
        }
    }

    function _claim(uint256 id, uint256 index, address caller) internal {
        calls["claim"]++;
        address t = _registered[id][index];
        uint128 credit = ghost_leafCredit[id][t];
        (,, uint128 claimed,) = market.trainer(id, t);
        address tok = _token(id);
        uint256 before = _balance(tok, t);
        vm.prank(caller);
        try market.claim(id, t, credit, ghost_leafSlash[id][t], _proof(id, index)) {
            uint256 got = _balance(tok, t) - before;
            if (got != credit - claimed) _wrong("claim");
            ghost_claimed[id][t] += got;
            ghost_paidOut[tok] += got;
        } catch (bytes memory reason) {
            _unexpected("claim", reason);
        }
    }

    function _withdrawStake(uint256 id, uint256 index, address caller) internal {
        address t = _registered[id][index];
        (,,, bool withdrawn) = market.trainer(id, t);
        if (withdrawn) return;
        calls["withdrawStake"]++;
        bool isCovered = index < ghost_covered[id];
        uint128 slash = isCovered ? ghost_leafSlash[id][t] : 0;
        uint256 before = _balance(_token(id), t);
        _refusesNow = t == refuser && refusing && _token(id) == address(0); // a local is one too many
        if (_refusesNow) RefusingReceiver(payable(refuser)).setMode(0);
        vm.prank(caller);
        try market.withdrawStake(
            id,
            t,
            isCovered ? ghost_leafCredit[id][t] : 0,
            slash,
            isCovered ? _proof(id, index) : new bytes32[](0)
        ) {
            if (_refusesNow) _recordKept(id, t, slash, before);
            else _recordStake(id, t, slash, before);
        } catch (bytes memory reason) {
            _unexpected("withdrawStake", reason);
        }
        if (_refusesNow) RefusingReceiver(payable(refuser)).setMode(2);
    }

    /// @dev A settlement whose ETH the trainer refused: nothing reaches it, the return is kept for it in full.
    function _recordKept(uint256 id, address t, uint128 slash, uint256 before) internal {
        (,,, uint128 stake,,,,) = market.projectTerms(id);
        uint128 lost = slash < stake ? slash : stake;
        if (_balance(address(0), t) != before || market.stakeOwed(id, t) != stake - lost) {
            _wrong("withdrawStake kept");
        }
        ghost_owed[id][t] = stake - lost;
        ghost_forfeited[id] += lost;
        ghost_forfeitedPending[id] += lost;
    }

    function _collectStake(uint256 id) internal {
        calls["collectStake"]++;
        address tok = _token(id);
        uint256 before = _balance(tok, refuser);
        vm.prank(stranger);
        try market.collectStake(id, refuser) {
            uint256 got = _balance(tok, refuser) - before;
            if (got != ghost_owed[id][refuser] || market.stakeOwed(id, refuser) != 0) _wrong("collectStake");
            ghost_owed[id][refuser] = 0;
            ghost_stakeReturned[id][refuser] += got;
            ghost_paidOut[tok] += got;
        } catch (bytes memory reason) {
            _unexpected("collectStake", reason);
        }
    }

    function _recordStake(uint256 id, address t, uint128 slash, uint256 before) internal {
        (,,, uint128 stake,,,,) = market.projectTerms(id);
        uint128 lost = slash < stake ? slash : stake;
        address tok = _token(id);
        uint256 got = _balance(tok, t) - before;
        if (got != stake - lost) _wrong("withdrawStake");
        ghost_stakeReturned[id][t] += got;
        ghost_paidOut[tok] += got;
        ghost_forfeited[id] += lost;
        ghost_forfeitedPending[id] += lost;
    }

    function _withdrawRefund(uint256 id) internal {
        calls["withdrawRefund"]++;
        address tok = _token(id);
        uint256 expected = market.refundable(id);
        uint256 before = _balance(tok, owner);
        vm.prank(owner);
        try market.withdrawRefund(id) {
            uint256 got = _balance(tok, owner) - before;
            if (got != expected) _wrong("withdrawRefund");
            ghost_ownerReceived[id] += got;
            ghost_paidOut[tok] += got;
            ghost_forfeitedPending[id] = 0;
        } catch (bytes memory reason) {
            _unexpected("withdrawRefund", reason);
        }
    }

    /// @notice The settled rounds `e` is to pay for when it withdraws its bond, counted round by round: those it
    /// posted no result in, but in a project with a bond only those whose window was still open when it bonded
    /// (none before it bonded).
    function absences(uint256 id, address e) public view returns (uint256 count) {
        (,,,, uint128 bond,,,) = market.projectTerms(id);
        uint256 bondedAt = ghost_bondedAt[id][e];
        if (bond != 0 && bondedAt == 0) return 0;
        for (uint256 r; r < ghost_roundsSeen[id]; ++r) {
            if (ghost_settledHash[id][r] == bytes32(0) || market.postedResult(id, r, e) != bytes32(0)) {
                continue;
            }
            (,, uint256 settleDeadline) = market.deadlines(id, r);
            if (bond == 0 || settleDeadline > bondedAt) ++count;
        }
    }

    function _withdrawBond(uint256 id, address e) internal {
        calls["withdrawBond"]++;
        address tok = _token(id);
        uint256 before = _balance(tok, e);
        (,,,,, uint128 penalty,,) = market.projectTerms(id);
        uint256 left = ghost_bondLeft[id][e];
        uint256 absent = absences(id, e) * penalty;
        if (absent > left) absent = left;
        vm.prank(e);
        try market.withdrawBond(id) {
            uint256 got = _balance(tok, e) - before;
            if (got != left - absent) _wrong("withdrawBond");
            ghost_bondLeft[id][e] = 0;
            ghost_penalties[id] += absent;
            ghost_paidOut[tok] += got;
        } catch (bytes memory reason) {
            _unexpected("withdrawBond", reason);
        }
    }

    /// @dev The round's candidate: coverage grows by a random amount, a random part of the reward is split by
    /// random weights with floor rounding (so the round credits at most its reward), random slashes keep the
    /// total within one stake per covered trainer (a single leaf may exceed its stake).
    function _buildCandidate(uint256 id, uint256 round, uint256 seed) internal returns (bool) {
        uint256 n = _registered[id].length;
        if (n == 0) return false;
        uint256 prev = ghost_covered[id];
        uint256 covered = prev + _word(seed, 0) % (n - prev + 1);
        if (covered == 0) covered = 1;
        Candidate storage c = _candidates[id][round];
        c.built = true;
        // forge-lint: disable-next-line(unsafe-typecast)
        c.trainers = uint16(covered);
        c.totalCredited = uint128(_splitCredits(id, round, seed, covered));
        c.totalSlashed = uint128(_addSlashes(id, round, seed, covered));
        c.root = CreditTree.root(_leavesOf(id, round, covered));
        return true;
    }

    function _splitCredits(uint256 id, uint256 round, uint256 seed, uint256 covered)
        internal
        returns (uint256 credited)
    {
        address[] storage regs = _registered[id];
        (,, uint128 reward,,,,,) = market.projectTerms(id);
        uint256 pot = _word(seed, 1) % (uint256(reward) + 1);
        uint256[] memory weights = new uint256[](covered);
        uint256 weightSum;
        for (uint256 i; i < covered; ++i) {
            weights[i] = _word(seed, 10 + i) % 4 == 0 ? 0 : _word(seed, 20 + i) % 1000;
            weightSum += weights[i];
        }
        for (uint256 i; i < covered; ++i) {
            address t = regs[i];
            uint256 share = weightSum == 0 ? 0 : pot * weights[i] / weightSum;
            // forge-lint: disable-next-line(unsafe-typecast)
            _candCredit[id][round][t] = ghost_leafCredit[id][t] + uint128(share);
            credited += _candCredit[id][round][t];
        }
    }

    function _addSlashes(uint256 id, uint256 round, uint256 seed, uint256 covered)
        internal
        returns (uint256 slashed)
    {
        address[] storage regs = _registered[id];
        (,,, uint128 stake,,,,) = market.projectTerms(id);
        for (uint256 i; i < covered; ++i) {
            slashed += ghost_leafSlash[id][regs[i]];
            _candSlash[id][round][regs[i]] = ghost_leafSlash[id][regs[i]];
        }
        for (uint256 i; i < covered; ++i) {
            if (_word(seed, 30 + i) % 3 != 0) continue;
            uint256 room = uint256(stake) * covered - slashed;
            uint256 cap = 2 * uint256(stake) < room ? 2 * uint256(stake) : room;
            uint256 extra = _word(seed, 40 + i) % (cap + 1);
            // forge-lint: disable-next-line(unsafe-typecast)
            _candSlash[id][round][regs[i]] += uint128(extra);
            slashed += extra;
        }
    }

    function _candidateResult(uint256 id, uint256 round, uint256 variant)
        internal
        view
        returns (IMarket.Result memory r)
    {
        Candidate storage c = _candidates[id][round];
        (, bytes32 submissionsHash,) = market.roundState(id, round);
        r.creditsRoot = c.root;
        r.totalCredited = c.totalCredited;
        r.totalSlashed = c.totalSlashed;
        r.trainers = c.trainers;
        r.submissionsHash = submissionsHash;
        r.modelCid = abi.encodePacked("model", id, round);
        r.reportCid =
            variant < 2 ? abi.encodePacked("report", id, round) : abi.encodePacked("dissent", variant);
    }

    function _recordPostLogs(uint256 id, uint256 round, bytes32 settledBefore) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(market)) continue;
            if (logs[i].topics[0] == ROUND_SETTLED) {
                ghost_settlements[id][round]++;
                // RoundSettled(projectId indexed, round indexed, resultHash, ...): the first data word
                ghost_settledHash[id][round] = abi.decode(logs[i].data, (bytes32));
            } else if (logs[i].topics[0] == EVALUATOR_PENALIZED) {
                address e = address(uint160(uint256(logs[i].topics[3])));
                uint128 amount = abi.decode(logs[i].data, (uint128));
                ghost_penalties[id] += amount;
                ghost_bondLeft[id][e] -= amount;
            }
        }
        (,, bytes32 settledAfter) = market.roundState(id, round);
        if (settledBefore == bytes32(0) && settledAfter != bytes32(0)) {
            Candidate storage c = _candidates[id][round];
            address[] storage regs = _registered[id];
            for (uint256 i; i < c.trainers; ++i) {
                address t = regs[i];
                ghost_leafCredit[id][t] = _candCredit[id][round][t];
                ghost_leafSlash[id][t] = _candSlash[id][round][t];
            }
            ghost_roundCredited[id][round] = c.totalCredited - ghost_credited[id];
            ghost_credited[id] = c.totalCredited;
            ghost_covered[id] = c.trainers;
            ghost_settledRounds[id]++;
        }
        if (round + 1 > ghost_roundsSeen[id]) ghost_roundsSeen[id] = round + 1;
    }

    function _leavesOf(uint256 id, uint256 round, uint256 covered)
        internal
        view
        returns (Leaf[] memory leaves)
    {
        address[] storage regs = _registered[id];
        leaves = new Leaf[](covered);
        for (uint256 i; i < covered; ++i) {
            leaves[i] = Leaf(regs[i], _candCredit[id][round][regs[i]], _candSlash[id][round][regs[i]]);
        }
    }

    function _proof(uint256 id, uint256 index) internal view returns (bytes32[] memory) {
        address[] storage regs = _registered[id];
        uint256 covered = ghost_covered[id];
        Leaf[] memory leaves = new Leaf[](covered);
        for (uint256 i; i < covered; ++i) {
            leaves[i] = Leaf(regs[i], ghost_leafCredit[id][regs[i]], ghost_leafSlash[id][regs[i]]);
        }
        return CreditTree.proof(leaves, index);
    }

    /// @dev After every action: claimed amounts may only grow.
    function _afterAction() internal {
        for (uint256 p; p < projects.length; ++p) {
            uint256 id = projects[p];
            (,, uint128 projectClaimed,,,,) = market.accounts(id);
            if (projectClaimed < ghost_lastProjectClaimed[id]) ghost_claimedDecreased = true;
            ghost_lastProjectClaimed[id] = projectClaimed;
            address[] storage regs = _registered[id];
            for (uint256 i; i < regs.length; ++i) {
                (,, uint128 claimed,) = market.trainer(id, regs[i]);
                if (claimed < ghost_lastClaimed[id][regs[i]]) ghost_claimedDecreased = true;
                ghost_lastClaimed[id][regs[i]] = claimed;
            }
        }
    }

    function _unexpected(string memory action, bytes memory reason) internal {
        if (unexpectedRevert) return;
        unexpectedRevert = true;
        unexpectedRevertAction = action;
        unexpectedRevertReason = reason;
    }

    function _wrong(string memory action) internal {
        if (wrongPayout) return;
        wrongPayout = true;
        wrongPayoutAction = action;
    }

    function _token(uint256 id) internal view returns (address tok) {
        (, tok,,,,,,) = market.projectTerms(id);
    }

    function _fund(address tok, address who, uint256 amount) internal {
        if (tok == address(0)) {
            vm.deal(who, who.balance + amount);
        } else {
            token.mint(who, amount);
            if (token.allowance(who, address(market)) < amount) {
                vm.prank(who);
                token.approve(address(market), type(uint256).max);
            }
        }
    }

    function _balance(address tok, address who) internal view returns (uint256) {
        return tok == address(0) ? who.balance : token.balanceOf(who);
    }

    function _word(uint256 seed, uint256 salt) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, salt)));
    }
}
