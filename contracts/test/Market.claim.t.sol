// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {ReentrantReceiver} from "./mocks/ReentrantReceiver.sol";
import {CreditTree, Leaf} from "./utils/CreditTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract MarketClaimTest is MarketFixture {
    /// @dev A project in `token_` with a committee of one; alice, bob and carol registered and submitted in
    /// round 0, which settled with `leaves`.
    function _settledProject(address token_, Leaf[] memory leaves) internal returns (uint256 id) {
        id = _create(_params(token_, 1, 1));
        _bond(id, e1);
        _registerThree(id);
        _warpToOpen(id, 0);
        _submitThree(id, 0);
        _settle(id, 0, leaves);
    }

    function _round0() internal view returns (Leaf[] memory) {
        return _leaves(_leaf(alice, 0.6 ether, 0), _leaf(bob, 0.3 ether, 0), _leaf(carol, 0, 0.05 ether));
    }

    function _round1() internal view returns (Leaf[] memory) {
        return
            _leaves(_leaf(alice, 1.0 ether, 0), _leaf(bob, 0.8 ether, 0), _leaf(carol, 0.1 ether, 0.05 ether));
    }

    function test_claim_paysEthCredit() public {
        // given
        Leaf[] memory leaves = _round0();
        uint256 id = _settledProject(address(0), leaves);
        uint256 before = alice.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.CreditsClaimed(id, alice, 0.6 ether, 0.6 ether);
        _claim(id, leaves, 0);

        // then
        assertEq(alice.balance, before + 0.6 ether);
        (,, uint128 claimed,) = market.trainer(id, alice);
        assertEq(claimed, 0.6 ether);
        (, uint128 credited, uint128 projectClaimed,,,,) = market.accounts(id);
        assertEq(credited, 0.9 ether);
        assertEq(projectClaimed, 0.6 ether);
    }

    function test_claim_paysTokenCredit() public {
        // given
        Leaf[] memory leaves = _round0();
        uint256 id = _settledProject(address(token), leaves);
        uint256 before = token.balanceOf(bob);

        // when
        _claim(id, leaves, 1);

        // then
        assertEq(token.balanceOf(bob), before + 0.3 ether);
    }

    function test_claim_byAnyonePaysTheTrainer() public {
        // given
        Leaf[] memory leaves = _round0();
        uint256 id = _settledProject(address(0), leaves);
        uint256 aliceBefore = alice.balance;
        uint256 strangerBefore = stranger.balance;

        // when
        vm.prank(stranger);
        market.claim(id, alice, 0.6 ether, 0, CreditTree.proof(leaves, 0));

        // then
        assertEq(alice.balance, aliceBefore + 0.6 ether);
        assertEq(stranger.balance, strangerBefore);
    }

    function test_claim_acrossTwoRoundsPaysOnlyTheDifference() public {
        // given: alice claimed 0.6 after round 0
        Leaf[] memory first = _round0();
        uint256 id = _settledProject(address(token), first);
        _claim(id, first, 0);
        _warpToOpen(id, 1);
        _submit(id, 1, alice);
        Leaf[] memory second = _round1();
        _settle(id, 1, second);
        uint256 before = token.balanceOf(alice);

        // when
        vm.expectEmit(address(market));
        emit IMarket.CreditsClaimed(id, alice, 0.4 ether, 1.0 ether);
        _claim(id, second, 0);

        // then: only the 0.4 credited since
        assertEq(token.balanceOf(alice), before + 0.4 ether);
        (,, uint128 claimed,) = market.trainer(id, alice);
        assertEq(claimed, 1.0 ether);
    }

    function test_claim_acrossTwoRoundsPaysCumulativeCreditOnce() public {
        // given: bob never claimed after round 0
        uint256 id = _settledProject(address(0), _round0());
        _warpToOpen(id, 1);
        Leaf[] memory second = _round1();
        _settle(id, 1, second);
        uint256 before = bob.balance;

        // when
        _claim(id, second, 1);

        // then
        assertEq(bob.balance, before + 0.8 ether);
        vm.expectRevert(abi.encodeWithSelector(IMarket.NothingToClaim.selector, id, bob));
        vm.prank(bob);
        market.claim(id, bob, 0.8 ether, 0, CreditTree.proof(second, 1));
    }

    function test_claim_revertsWithStaleLeafAfterNewRoot() public {
        // given: round 1 replaced the root
        Leaf[] memory first = _round0();
        uint256 id = _settledProject(address(0), first);
        _warpToOpen(id, 1);
        _settle(id, 1, _round1());

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidProof.selector, id, alice));
        vm.prank(alice);
        market.claim(id, alice, 0.6 ether, 0, CreditTree.proof(first, 0));
    }

    function test_claim_revertsWithInflatedCredit() public {
        Leaf[] memory leaves = _round0();
        uint256 id = _settledProject(address(0), leaves);
        bytes32[] memory proof = CreditTree.proof(leaves, 2);
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidProof.selector, id, carol));
        vm.prank(carol);
        market.claim(id, carol, 1 ether, 0.05 ether, proof);
    }

    function test_claim_revertsBeforeAnySettlement() public {
        uint256 id = _createEth(1, 1);
        _register(id, alice);
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidProof.selector, id, alice));
        vm.prank(alice);
        market.claim(id, alice, 0, 0, _noProof());
    }

    function test_claim_revertsWhenAlreadyClaimed() public {
        // given
        Leaf[] memory leaves = _round0();
        uint256 id = _settledProject(address(0), leaves);
        _claim(id, leaves, 0);
        bytes32[] memory proof = CreditTree.proof(leaves, 0);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.NothingToClaim.selector, id, alice));
        vm.prank(alice);
        market.claim(id, alice, 0.6 ether, 0, proof);
    }

    function test_claim_revertsWithZeroCredit() public {
        Leaf[] memory leaves = _round0();
        uint256 id = _settledProject(address(0), leaves);
        bytes32[] memory proof = CreditTree.proof(leaves, 2);
        vm.expectRevert(abi.encodeWithSelector(IMarket.NothingToClaim.selector, id, carol));
        vm.prank(carol);
        market.claim(id, carol, 0, 0.05 ether, proof);
    }

    function test_claim_revertsWhenLeavesExceedTotalCredited() public {
        // given: a committee whose leaves add up to more than the total it declared (0.9 + 0.3 > 1)
        uint256 id = _create(_params(address(0), 1, 1));
        _bond(id, e1);
        _registerThree(id);
        _warpToEval(id, 0);
        Leaf[] memory leaves = _leaves(_leaf(alice, 0.9 ether, 0), _leaf(bob, 0.3 ether, 0));
        IMarket.Result memory r = _result(id, 0, leaves);
        r.totalCredited = REWARD;
        _post(id, 0, e1, r);
        _claim(id, leaves, 0);
        bytes32[] memory proof = CreditTree.proof(leaves, 1);

        // when / then: bob's claim would take money that was never credited
        vm.expectRevert(
            abi.encodeWithSelector(IMarket.InsufficientProjectFunds.selector, id, 0.3 ether, 0.1 ether)
        );
        vm.prank(bob);
        market.claim(id, bob, 0.3 ether, 0, proof);
    }

    function test_claim_revertsForUnknownProject() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 3));
        vm.prank(alice);
        market.claim(3, alice, 1, 0, _noProof());
    }

    function test_claim_blocksReentrancy() public {
        // given: a trainer contract that claims again from its receive hook
        uint256 id = _create(_params(address(0), 1, 1));
        _bond(id, e1);
        ReentrantReceiver attacker = new ReentrantReceiver(market);
        attacker.register{value: STAKE}(id);
        _warpToOpen(id, 0);
        attacker.submit(0, hex"0155");
        Leaf[] memory leaves = _leaves(_leaf(address(attacker), 0.5 ether, 0));
        _settle(id, 0, leaves);
        attacker.arm(0.5 ether, CreditTree.proof(leaves, 0));

        // when
        market.claim(id, address(attacker), 0.5 ether, 0, CreditTree.proof(leaves, 0));

        // then: the inner claim failed on the guard, the outer one paid once
        _assertGuarded(attacker);
        assertEq(address(attacker).balance, 0.5 ether);
    }
}
