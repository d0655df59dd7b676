// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {CreditTree, Leaf} from "./utils/CreditTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

/// @notice Payout arithmetic under random splits, slashes, partial trees and claim orders: the market
/// never pays out more than was deposited, everyone gets exactly what its last leaf allows, nothing is left.
contract MarketFuzzTest is MarketFixture {
    uint256 internal constant MAX_N = 6;

    uint256 private _seed;
    uint256 private _nonce;

    // state of the project under test
    uint256 internal pid;
    address[] internal trainers;
    uint128[] internal credit;
    uint128[] internal slash;
    uint16 internal covered;
    uint128 internal totalCredited;
    uint256 internal deposited;
    uint256 internal paid;

    function _rand() internal returns (uint256) {
        return uint256(keccak256(abi.encode(_seed, _nonce++)));
    }

    function _chance(uint256 percent) internal returns (bool) {
        return _rand() % 100 < percent;
    }

    function _currentLeaves() internal view returns (Leaf[] memory leaves) {
        leaves = new Leaf[](covered);
        for (uint256 i; i < covered; ++i) {
            leaves[i] = Leaf(trainers[i], credit[i], slash[i]);
        }
    }

    function _pay(address to) internal view returns (uint256) {
        return _balanceOf(pid, to);
    }

    function _claimTracked(uint256 i) internal {
        (,, uint128 claimed,) = market.trainer(pid, trainers[i]);
        if (i >= covered || credit[i] <= claimed) return;
        Leaf[] memory leaves = _currentLeaves();
        uint256 before = _pay(trainers[i]);
        market.claim(pid, trainers[i], credit[i], slash[i], CreditTree.proof(leaves, i));
        uint256 got = _pay(trainers[i]) - before;
        assertEq(got, credit[i] - claimed, "claim pays the difference");
        paid += got;
    }

    /// @dev Random round: a split of at most the reward into credits with floor rounding, random slashes
    /// (a leaf's cumulative slash may exceed the stake), coverage that may grow, random claimers.
    function _playRound(uint256 round, uint128 reward, uint128 stake) internal {
        _warpToOpen(pid, round);
        for (uint256 i; i < trainers.length; ++i) {
            if (_chance(70)) _submit(pid, round, trainers[i]);
        }
        _warpToEval(pid, round);
        if (_chance(15)) return; // no quorum: the round goes void

        // forge-lint: disable-next-line(unsafe-typecast)
        covered = uint16(covered + _rand() % (trainers.length - covered + 1));
        if (covered == 0) covered = 1; // a settled tree has at least one leaf (its root is not zero)
        uint256 pot = _rand() % (uint256(reward) + 1);
        uint256[] memory weights = new uint256[](covered);
        uint256 weightSum;
        for (uint256 i; i < covered; ++i) {
            weights[i] = _chance(20) ? 0 : _rand() % 1000;
            weightSum += weights[i];
        }
        uint256 slashSum;
        for (uint256 i; i < covered; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            if (weightSum != 0) credit[i] += uint128(pot * weights[i] / weightSum);
            slashSum += slash[i];
        }
        for (uint256 i; i < covered; ++i) {
            if (!_chance(30)) continue;
            uint256 room = uint256(stake) * covered - slashSum;
            uint256 extra =
                room == 0 ? 0 : _rand() % (room < 2 * uint256(stake) ? room + 1 : 2 * uint256(stake) + 1);
            // forge-lint: disable-next-line(unsafe-typecast)
            slash[i] += uint128(extra);
            slashSum += extra;
        }
        Leaf[] memory leaves = _currentLeaves();
        IMarket.Result memory r = _result(pid, round, leaves);
        assertLe(r.totalCredited - totalCredited, reward, "a round credits at most its reward");
        totalCredited = r.totalCredited;
        _post(pid, round, e1, r);

        for (uint256 k; k < trainers.length; ++k) {
            if (_chance(40)) _claimTracked(_rand() % trainers.length);
        }
    }

    function test_fuzz_claim_neverPaysMoreThanDeposited(
        uint256 seed,
        uint8 trainerCount,
        uint8 roundCount,
        uint128 reward,
        uint128 stake,
        bool useToken
    ) public {
        // given: a project with random terms
        _seed = seed;
        uint256 n = bound(trainerCount, 1, MAX_N);
        IMarket.ProjectParams memory p = _params(useToken ? address(token) : address(0), 1, 1);
        // forge-lint: disable-next-line(unsafe-typecast)
        p.rounds = uint16(bound(roundCount, 1, 4));
        p.rewardPerRound = uint128(bound(reward, 1, 1e30));
        p.trainerStake = uint128(bound(stake, 0, 1e27));
        // forge-lint: disable-next-line(unsafe-typecast)
        p.maxTrainers = uint16(MAX_N);
        p.evaluatorBond = 0;
        p.evaluatorPenalty = 0;
        uint256 budget = _budget(p);
        vm.deal(owner, budget);
        token.mint(owner, budget);
        pid = _create(p);
        deposited = budget;
        for (uint256 i; i < n; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            address t = address(uint160(0xF000 + i));
            vm.deal(t, p.trainerStake);
            token.mint(t, p.trainerStake);
            vm.prank(t);
            token.approve(address(market), type(uint256).max);
            vm.prank(t);
            market.register{value: useToken ? 0 : p.trainerStake}(pid);
            trainers.push(t);
            credit.push(0);
            slash.push(0);
            deposited += p.trainerStake;
        }
        uint256 ownerBefore = _pay(owner);
        uint256[] memory trainerBefore = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            trainerBefore[i] = _pay(trainers[i]);
        }

        // when: every round plays out, then everyone takes what is theirs in a random order
        for (uint256 round; round < p.rounds; ++round) {
            _playRound(round, p.rewardPerRound, p.trainerStake);
            assertLe(paid, deposited, "paid within deposits");
        }
        _warpToEnd(pid);
        uint256 offset = _rand() % n;
        Leaf[] memory leaves = _currentLeaves();
        for (uint256 k; k < n; ++k) {
            uint256 i = (k + offset) % n;
            _claimTracked(i);
            uint256 before = _pay(trainers[i]);
            if (i < covered) {
                market.withdrawStake(pid, trainers[i], credit[i], slash[i], CreditTree.proof(leaves, i));
            } else {
                market.withdrawStake(pid, trainers[i], 0, 0, _noProof());
            }
            paid += _pay(trainers[i]) - before;
            if (k == n / 2 && market.refundable(pid) != 0) {
                vm.prank(owner);
                market.withdrawRefund(pid);
            }
        }
        if (market.refundable(pid) != 0) {
            vm.prank(owner);
            market.withdrawRefund(pid);
        }
        paid += _pay(owner) - ownerBefore;

        // then: exactly the deposits went out, each to whom it belongs
        assertEq(paid, deposited, "everything deposited was paid out, no more");
        assertEq(_pay(address(market)), 0, "nothing is left in the market");
        uint256 forfeited;
        for (uint256 i; i < n; ++i) {
            uint256 lost = slash[i] < p.trainerStake ? slash[i] : p.trainerStake;
            forfeited += lost;
            assertEq(_pay(trainers[i]) - trainerBefore[i], credit[i] + p.trainerStake - lost, "trainer's due");
        }
        assertEq(_pay(owner) - ownerBefore, budget - totalCredited + forfeited, "owner's due");
    }

    function test_fuzz_claim_splitOfRewardNeverExceedsIt(uint128 reward, uint16[3] memory weights) public {
        // given: a round's reward split by weights with floor rounding
        reward = uint128(bound(reward, 1, type(uint128).max / ROUNDS));
        uint256 sum = uint256(weights[0]) + weights[1] + weights[2];
        vm.assume(sum != 0);
        uint128[3] memory part;
        for (uint256 i; i < 3; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            part[i] = uint128(uint256(reward) * weights[i] / sum);
        }
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.rewardPerRound = reward;
        p.evaluatorBond = 0;
        p.evaluatorPenalty = 0;
        token.mint(owner, _budget(p));
        uint256 id = _create(p);
        _registerThree(id);
        Leaf[] memory leaves =
            _leaves(_leaf(alice, part[0], 0), _leaf(bob, part[1], 0), _leaf(carol, part[2], 0));

        // when
        _settle(id, 0, leaves);
        uint256 before = token.balanceOf(address(market));
        for (uint256 i; i < 3; ++i) {
            if (leaves[i].credit != 0) _claim(id, leaves, i);
        }

        // then
        uint256 out = before - token.balanceOf(address(market));
        assertLe(out, reward);
        assertEq(out, uint256(part[0]) + part[1] + part[2]);
        assertLe(reward - out, 2, "floor rounding loses at most one unit per part but one");
    }

    function test_fuzz_withdrawStake_returnsStakeMinusCappedSlash(uint128 stake, uint128 slashed) public {
        // given
        stake = uint128(bound(stake, 0, type(uint128).max / MAX_TRAINERS));
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.trainerStake = stake;
        p.rounds = 1;
        p.evaluatorBond = 0;
        p.evaluatorPenalty = 0;
        uint256 id = _create(p);
        token.mint(alice, stake);
        token.mint(bob, stake);
        _register(id, alice);
        _register(id, bob);
        slashed = uint128(bound(slashed, 0, uint256(stake) * 2));
        Leaf[] memory leaves = _leaves(_leaf(alice, 0, slashed), _leaf(bob, 0, 0));
        _settle(id, 0, leaves);
        uint256 aliceBefore = token.balanceOf(alice);
        uint256 bobBefore = token.balanceOf(bob);
        uint256 ownerBefore = token.balanceOf(owner);

        // when: the owner refunds first, then both withdraw, then the owner again
        vm.prank(owner);
        market.withdrawRefund(id);
        _withdrawStake(id, leaves, 0);
        _withdrawStake(id, leaves, 1);
        if (market.refundable(id) != 0) {
            vm.prank(owner);
            market.withdrawRefund(id);
        }

        // then
        uint256 lost = slashed < stake ? slashed : stake;
        assertEq(token.balanceOf(alice) - aliceBefore, stake - lost);
        assertEq(token.balanceOf(bob) - bobBefore, stake);
        assertEq(token.balanceOf(owner) - ownerBefore, REWARD + lost);
        assertEq(token.balanceOf(address(market)), 0);
    }
}
