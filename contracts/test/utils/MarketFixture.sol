// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {Market} from "../../src/Market.sol";
import {IMarket} from "../../src/interfaces/IMarket.sol";
import {MockERC20} from "../mocks/MockERC20.sol";
import {ReentrantReceiver} from "../mocks/ReentrantReceiver.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {CreditTree, Leaf} from "./CreditTree.sol";

/// @notice Shared set-up of the market tests: a market, a token, an owner, four trainers, a committee of
/// three, and helpers that create projects, walk them through their rounds and build credits trees.
abstract contract MarketFixture is Test {
    uint128 internal constant REWARD = 1 ether;
    uint128 internal constant STAKE = 0.1 ether;
    uint128 internal constant BOND = 0.5 ether;
    uint128 internal constant PENALTY = 0.2 ether;
    uint32 internal constant SUBMIT_PERIOD = 1 days;
    uint32 internal constant EVAL_PERIOD = 12 hours;
    uint16 internal constant ROUNDS = 3;
    uint16 internal constant MAX_TRAINERS = 4;
    uint64 internal constant LEAD = 1 hours;
    uint256 internal constant T0 = 1_700_000_000;
    uint256 internal constant FUNDS = 1_000 ether;

    Market internal market;
    MockERC20 internal token;

    address internal owner;
    address internal alice;
    address internal bob;
    address internal carol;
    address internal dave;
    address internal stranger;
    address internal e1;
    address internal e2;
    address internal e3;

    /// @dev Token of every project the fixture created, so helpers need no call to the market (which would
    /// consume a pending `vm.expectRevert`).
    mapping(uint256 projectId => address token) internal tokenOf;

    function setUp() public virtual {
        vm.warp(T0);
        market = new Market();
        token = new MockERC20("Cohort test token", "CTT");
        owner = _actor("owner");
        alice = _actor("alice");
        bob = _actor("bob");
        carol = _actor("carol");
        dave = _actor("dave");
        stranger = _actor("stranger");
        e1 = _actor("evaluator-1");
        e2 = _actor("evaluator-2");
        e3 = _actor("evaluator-3");
    }

    function _actor(string memory name) internal returns (address a) {
        a = makeAddr(name);
        vm.deal(a, FUNDS);
        token.mint(a, FUNDS);
        vm.prank(a);
        token.approve(address(market), type(uint256).max);
    }

    // ------------------------------------------------------------------ projects

    /// @notice Default terms: 3 rounds of 1 unit, stake 0.1, bond 0.5, penalty 0.2, a committee of
    /// `size` evaluators (e1, e2, e3) of which `quorum` settle.
    function _params(address token_, uint8 size, uint8 quorum)
        internal
        view
        returns (IMarket.ProjectParams memory p)
    {
        address[3] memory all = [e1, e2, e3];
        p.evaluators = new address[](size);
        p.evaluatorKeys = new bytes32[](size);
        for (uint256 i; i < size; ++i) {
            p.evaluators[i] = all[i];
            p.evaluatorKeys[i] = keccak256(abi.encode("x25519", i));
        }
        p.token = token_;
        p.rewardPerRound = REWARD;
        p.trainerStake = STAKE;
        p.evaluatorBond = BOND;
        p.evaluatorPenalty = PENALTY;
        p.start = uint64(block.timestamp) + LEAD;
        p.submitPeriod = SUBMIT_PERIOD;
        p.evalPeriod = EVAL_PERIOD;
        p.rounds = ROUNDS;
        p.maxTrainers = MAX_TRAINERS;
        p.quorum = quorum;
        p.modelSpecCid = hex"01551220aa";
        p.initialModelCid = hex"01551220bb";
    }

    function _budget(IMarket.ProjectParams memory p) internal pure returns (uint256) {
        return uint256(p.rewardPerRound) * p.rounds;
    }

    function _create(IMarket.ProjectParams memory p) internal returns (uint256 id) {
        vm.prank(owner);
        id = market.createProject{value: p.token == address(0) ? _budget(p) : 0}(p);
        tokenOf[id] = p.token;
    }

    function _createEth(uint8 size, uint8 quorum) internal returns (uint256) {
        return _create(_params(address(0), size, quorum));
    }

    function _createToken(uint8 size, uint8 quorum) internal returns (uint256) {
        return _create(_params(address(token), size, quorum));
    }

    /// @notice What an ETH project expects as msg.value for `amount`; zero for a token project.
    function _value(uint256 id, uint256 amount) internal view returns (uint256) {
        return tokenOf[id] == address(0) ? amount : 0;
    }

    function _balanceOf(uint256 id, address account) internal view returns (uint256) {
        address t = tokenOf[id];
        return t == address(0) ? account.balance : MockERC20(t).balanceOf(account);
    }

    // ------------------------------------------------------------------ parties

    function _register(uint256 id, address trainer) internal {
        vm.prank(trainer);
        market.register{value: _value(id, STAKE)}(id);
    }

    function _registerThree(uint256 id) internal {
        _register(id, alice);
        _register(id, bob);
        _register(id, carol);
    }

    function _bond(uint256 id, address evaluator) internal {
        vm.prank(evaluator);
        market.bondEvaluator{value: _value(id, BOND)}(id);
    }

    function _bondThree(uint256 id) internal {
        _bond(id, e1);
        _bond(id, e2);
        _bond(id, e3);
    }

    function _cid(address trainer, uint256 round) internal pure returns (bytes memory) {
        return abi.encodePacked(hex"01551220", keccak256(abi.encode("sealed update", trainer, round)));
    }

    function _submit(uint256 id, uint256 round, address trainer) internal {
        vm.prank(trainer);
        market.submit(id, round, _cid(trainer, round));
    }

    function _submitThree(uint256 id, uint256 round) internal {
        _submit(id, round, alice);
        _submit(id, round, bob);
        _submit(id, round, carol);
    }

    // ------------------------------------------------------------------ time

    function _warpToOpen(uint256 id, uint256 round) internal {
        (uint256 opensAt,,) = market.deadlines(id, round);
        vm.warp(opensAt);
    }

    function _warpToEval(uint256 id, uint256 round) internal {
        (, uint256 submitDeadline,) = market.deadlines(id, round);
        vm.warp(submitDeadline);
    }

    function _warpPastSettle(uint256 id, uint256 round) internal {
        (,, uint256 settleDeadline) = market.deadlines(id, round);
        vm.warp(settleDeadline);
    }

    function _warpToEnd(uint256 id) internal {
        (,,, uint16 rounds,) = market.schedule(id);
        (uint256 opensAt,,) = market.deadlines(id, rounds);
        vm.warp(opensAt);
    }

    // ------------------------------------------------------------------ results

    function _leaf(address trainer, uint128 credit, uint128 slash) internal pure returns (Leaf memory) {
        return Leaf(trainer, credit, slash);
    }

    function _leaves(Leaf memory a) internal pure returns (Leaf[] memory l) {
        l = new Leaf[](1);
        l[0] = a;
    }

    function _leaves(Leaf memory a, Leaf memory b) internal pure returns (Leaf[] memory l) {
        l = new Leaf[](2);
        (l[0], l[1]) = (a, b);
    }

    function _leaves(Leaf memory a, Leaf memory b, Leaf memory c) internal pure returns (Leaf[] memory l) {
        l = new Leaf[](3);
        (l[0], l[1], l[2]) = (a, b, c);
    }

    /// @notice The honest result for `leaves` (which cover registration indices 0..leaves.length-1): the
    /// round's on-chain submissions hash, the tree's root and totals.
    function _result(uint256 id, uint256 round, Leaf[] memory leaves)
        internal
        view
        returns (IMarket.Result memory r)
    {
        (, bytes32 submissionsHash,) = market.roundState(id, round);
        (r.totalCredited, r.totalSlashed) = CreditTree.totals(leaves);
        r.creditsRoot = CreditTree.root(leaves);
        // forge-lint: disable-next-line(unsafe-typecast)
        r.trainers = uint16(leaves.length);
        r.submissionsHash = submissionsHash;
        r.modelCid = abi.encodePacked("model-", round);
        r.reportCid = abi.encodePacked("report-", round);
    }

    function _post(uint256 id, uint256 round, address evaluator, IMarket.Result memory r) internal {
        vm.prank(evaluator);
        market.postResult(id, round, r);
    }

    /// @notice Warps to the round's evaluation window and posts `leaves` from the first `quorum` members.
    function _settle(uint256 id, uint256 round, Leaf[] memory leaves)
        internal
        returns (IMarket.Result memory r)
    {
        _warpToEval(id, round);
        r = _result(id, round, leaves);
        (address[] memory members,, uint8 quorum) = market.committee(id);
        for (uint256 i; i < quorum; ++i) {
            _post(id, round, members[i], r);
        }
    }

    function _claim(uint256 id, Leaf[] memory leaves, uint256 i) internal {
        vm.prank(leaves[i].trainer);
        market.claim(id, leaves[i].trainer, leaves[i].credit, leaves[i].slash, CreditTree.proof(leaves, i));
    }

    function _withdrawStake(uint256 id, Leaf[] memory leaves, uint256 i) internal {
        vm.prank(leaves[i].trainer);
        market.withdrawStake(
            id, leaves[i].trainer, leaves[i].credit, leaves[i].slash, CreditTree.proof(leaves, i)
        );
    }

    function _noProof() internal pure returns (bytes32[] memory) {
        return new bytes32[](0);
    }

    /// @dev Makes `who` a contract that calls the market with `call` from inside the ETH payment it receives.
    function _reentrantAt(address who, bytes memory call) internal returns (ReentrantReceiver r) {
        vm.etch(who, address(new ReentrantReceiver(market)).code);
        r = ReentrantReceiver(payable(who));
        r.armCall(call);
    }

    /// @dev That `r` was paid and its call back into the market failed on the reentrancy guard.
    function _assertGuarded(ReentrantReceiver r) internal view {
        assertTrue(r.reentered());
        assertEq(
            r.reentryError(), abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector)
        );
    }
}
