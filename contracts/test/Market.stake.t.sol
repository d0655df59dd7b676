// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {CreditTree, Leaf} from "./utils/CreditTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {HookedERC20} from "./mocks/HookedERC20.sol";
import {ReentrantReceiver} from "./mocks/ReentrantReceiver.sol";
import {RefusingReceiver} from "./mocks/RefusingReceiver.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

contract MarketStakeTest is MarketFixture {
    /// @dev A one-round project in `token_` (committee of one); alice, bob and carol registered; dave
    /// registered too but is not covered by the tree, which settled with `leaves`.
    function _endedProject(address token_, Leaf[] memory leaves) internal returns (uint256 id) {
        IMarket.ProjectParams memory p = _params(token_, 1, 1);
        p.rounds = 1;
        id = _create(p);
        _bond(id, e1);
        _registerThree(id);
        _register(id, dave);
        _warpToOpen(id, 0);
        _submitThree(id, 0);
        _settle(id, 0, leaves);
    }

    function _slashes() internal view returns (Leaf[] memory) {
        return
            _leaves(
                _leaf(alice, 0.5 ether, 0), _leaf(bob, 0.2 ether, 0.03 ether), _leaf(carol, 0, 0.25 ether)
            );
    }

    function test_withdrawStake_returnsWholeStakeWhenNotSlashed() public {
        // given
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(0), leaves);
        uint256 before = alice.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.StakeWithdrawn(id, alice, STAKE, 0);
        _withdrawStake(id, leaves, 0);

        // then
        assertEq(alice.balance, before + STAKE);
        (,,, bool withdrawn) = market.trainer(id, alice);
        assertTrue(withdrawn);
        (,,,, uint128 stakePool,,) = market.accounts(id);
        assertEq(stakePool, 3 * STAKE);
    }

    function test_withdrawStake_returnsStakeMinusSlash() public {
        // given
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(token), leaves);
        uint256 before = token.balanceOf(bob);

        // when
        vm.expectEmit(address(market));
        emit IMarket.StakeWithdrawn(id, bob, STAKE - 0.03 ether, 0.03 ether);
        _withdrawStake(id, leaves, 1);

        // then
        assertEq(token.balanceOf(bob), before + STAKE - 0.03 ether);
    }

    function test_withdrawStake_returnsNothingWhenSlashExceedsStake() public {
        // given: carol's cumulative slash (0.25) is above her stake (0.1)
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(0), leaves);
        uint256 before = carol.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.StakeWithdrawn(id, carol, 0, STAKE);
        _withdrawStake(id, leaves, 2);

        // then
        assertEq(carol.balance, before);
        (,,, bool withdrawn) = market.trainer(id, carol);
        assertTrue(withdrawn);
    }

    function test_withdrawStake_returnsStakeOfUncoveredTrainerWithEmptyProof() public {
        // given: dave registered but the tree covers indices 0..2 only
        uint256 id = _endedProject(address(0), _slashes());
        uint256 before = dave.balance;

        // when
        vm.expectEmit(address(market));
        emit IMarket.StakeWithdrawn(id, dave, STAKE, 0);
        vm.prank(dave);
        market.withdrawStake(id, dave, 0, 0, _noProof());

        // then
        assertEq(dave.balance, before + STAKE);
    }

    function test_withdrawStake_returnsStakeWhenNothingSettled() public {
        // given: the only round went void
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.rounds = 1;
        uint256 id = _create(p);
        _register(id, alice);
        _warpToEnd(id);
        uint256 before = token.balanceOf(alice);

        // when
        vm.prank(alice);
        market.withdrawStake(id, alice, 0, 0, _noProof());

        // then
        assertEq(token.balanceOf(alice), before + STAKE);
    }

    function test_withdrawStake_byAnyonePaysTheTrainer() public {
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(0), leaves);
        uint256 before = bob.balance;
        vm.prank(stranger);
        market.withdrawStake(id, bob, 0.2 ether, 0.03 ether, CreditTree.proof(leaves, 1));
        assertEq(bob.balance, before + STAKE - 0.03 ether);
    }

    /// @dev Regression: the owner used to collect `totalSlashed` (the sum of the leaves' slashes, which
    /// counts carol's 0.25 in full though only her 0.1 stake can be taken) from the stake pool, leaving too
    /// little for the trainers who had not withdrawn yet: bob's withdrawal then reverted with
    /// InsufficientProjectFunds and his stake had gone to the owner.
    function test_withdrawStake_paysHonestTrainerAfterOwnerRefundWhenLeafSlashExceedsStake() public {
        // given: the owner withdraws first
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(0), leaves);
        vm.prank(owner);
        market.withdrawRefund(id);

        // when: every trainer then withdraws
        uint256 aliceBefore = alice.balance;
        uint256 bobBefore = bob.balance;
        _withdrawStake(id, leaves, 0);
        _withdrawStake(id, leaves, 1);
        _withdrawStake(id, leaves, 2);
        vm.prank(dave);
        market.withdrawStake(id, dave, 0, 0, _noProof());

        // then: each got its stake minus min(slash, stake); the owner gets exactly carol's 0.1 and bob's 0.03
        assertEq(alice.balance, aliceBefore + STAKE);
        assertEq(bob.balance, bobBefore + STAKE - 0.03 ether);
        assertEq(market.refundable(id), 0.13 ether);
        vm.prank(owner);
        market.withdrawRefund(id);
        _claim(id, leaves, 0);
        _claim(id, leaves, 1);
        vm.prank(e1);
        market.withdrawBond(id);
        assertEq(address(market).balance, 0);
    }

    /// @dev Regression: a trainer whose address refused the ETH made withdrawStake revert for everyone, so the
    /// owner could never collect the slashed part of its stake.
    function test_withdrawStake_keepsTheReturnOfARefusingTrainerAndSettlesTheOwnersPart() public {
        // given: bob (slashed 0.03) is a contract that reverts on ETH
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(0), leaves);
        vm.etch(bob, address(new RefusingReceiver()).code);
        uint256 bobBefore = bob.balance;
        uint256 refundBefore = market.refundable(id);

        // when: the owner settles bob's stake
        vm.expectEmit(address(market));
        emit IMarket.StakeWithdrawn(id, bob, STAKE - 0.03 ether, 0.03 ether);
        vm.expectEmit(address(market));
        emit IMarket.StakeOwed(id, bob, STAKE - 0.03 ether);
        vm.prank(owner);
        market.withdrawStake(id, bob, 0.2 ether, 0.03 ether, CreditTree.proof(leaves, 1));

        // then: the slash is the owner's now, the return is kept for bob, and settling again is refused
        assertEq(bob.balance, bobBefore);
        assertEq(market.refundable(id), refundBefore + 0.03 ether);
        assertEq(market.stakeOwed(id, bob), STAKE - 0.03 ether);
        vm.expectRevert(abi.encodeWithSelector(IMarket.StakeAlreadyWithdrawn.selector, id, bob));
        market.withdrawStake(id, bob, 0.2 ether, 0.03 ether, CreditTree.proof(leaves, 1));

        // and once bob takes ETH, anyone collects it for him, once
        RefusingReceiver(payable(bob)).setMode(2);
        vm.expectEmit(address(market));
        emit IMarket.StakeCollected(id, bob, STAKE - 0.03 ether);
        vm.prank(stranger);
        market.collectStake(id, bob);
        assertEq(bob.balance, bobBefore + STAKE - 0.03 ether);
        assertEq(market.stakeOwed(id, bob), 0);
        vm.expectRevert(abi.encodeWithSelector(IMarket.NothingToClaim.selector, id, bob));
        market.collectStake(id, bob);

        // and every wei still comes out: the owner's refund, the credits, the other stakes, the bond
        vm.prank(owner);
        market.withdrawRefund(id);
        _claim(id, leaves, 0);
        _claim(id, leaves, 1);
        _withdrawStake(id, leaves, 0);
        _withdrawStake(id, leaves, 2);
        vm.prank(dave);
        market.withdrawStake(id, dave, 0, 0, _noProof());
        vm.prank(owner);
        market.withdrawRefund(id);
        vm.prank(e1);
        market.withdrawBond(id);
        assertEq(address(market).balance, 0);
    }

    function test_withdrawStake_givesAGasBurningTrainerAtMostStakePushGas() public {
        // given: bob burns all the gas a payment gives him
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(0), leaves);
        vm.etch(bob, address(new RefusingReceiver()).code);
        RefusingReceiver(payable(bob)).setMode(1);

        // when: the owner settles his stake with 400,000 gas (all of it forwarded, bob would leave too little
        // to record what is kept for him)
        vm.prank(owner);
        market.withdrawStake{gas: 400_000}(id, bob, 0.2 ether, 0.03 ether, CreditTree.proof(leaves, 1));

        // then: the call went through and the return is kept for him
        assertEq(market.stakeOwed(id, bob), STAKE - 0.03 ether);
    }

    function test_withdrawStake_keepsTheReturnWhenTheTokenRefusesTheTransfer() public {
        // given: a token that refuses transfers to bob (a blocklist)
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(token), leaves);
        uint256 before = token.balanceOf(bob);
        vm.mockCallRevert(
            address(token), abi.encodeCall(IERC20.transfer, (bob, STAKE - 0.03 ether)), "blocked"
        );

        // when
        vm.prank(stranger);
        market.withdrawStake(id, bob, 0.2 ether, 0.03 ether, CreditTree.proof(leaves, 1));

        // then: kept; once the token lets bob receive, it is collected
        assertEq(token.balanceOf(bob), before);
        assertEq(market.stakeOwed(id, bob), STAKE - 0.03 ether);
        vm.clearMockedCalls();
        market.collectStake(id, bob);
        assertEq(token.balanceOf(bob), before + STAKE - 0.03 ether);
    }

    /// @dev Regression: a token's transfer got all the call's gas, so a trainer whose token hook burnt it left the
    /// caller too little to record the return, and settling that trainer's slash cost the owner millions of gas.
    function test_withdrawStake_givesATokenTransferAtMostStakePushGas() public {
        // given: the token tells receivers of transfers (ERC-777 style) and bob's hook burns all the gas it gets
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(token), leaves);
        vm.etch(address(token), address(new HookedERC20()).code);
        vm.etch(bob, address(new RefusingReceiver()).code);
        RefusingReceiver(payable(bob)).setMode(1);
        uint256 before = token.balanceOf(bob);

        // when: the owner settles his stake with 400,000 gas
        vm.prank(owner);
        market.withdrawStake{gas: 400_000}(id, bob, 0.2 ether, 0.03 ether, CreditTree.proof(leaves, 1));

        // then: the call went through and the return is kept for him; once his hook takes it, it is collected
        assertEq(market.stakeOwed(id, bob), STAKE - 0.03 ether);
        RefusingReceiver(payable(bob)).setMode(2);
        market.collectStake(id, bob);
        assertEq(token.balanceOf(bob), before + STAKE - 0.03 ether);
    }

    /// @dev Settles bob's stake (slashed 0.03) in a token whose transfer to him answers `answer`; returns what
    /// the market kept for him.
    function _keptWhenTheTokenAnswers(bytes memory answer) private returns (uint128) {
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(token), leaves);
        vm.mockCall(address(token), abi.encodeCall(IERC20.transfer, (bob, STAKE - 0.03 ether)), answer);
        vm.prank(stranger);
        market.withdrawStake(id, bob, 0.2 ether, 0.03 ether, CreditTree.proof(leaves, 1));
        return market.stakeOwed(id, bob);
    }

    function test_withdrawStake_paysATokenThatAnswersNothing() public {
        // a token whose transfer returns no data (as USDT's does): counted as paid, nothing kept
        assertEq(_keptWhenTheTokenAnswers(""), 0);
    }

    function test_withdrawStake_paysATokenWhoseAnswerIsLongerThanAWordAndStartsTrue() public {
        // true and one more word: counted as paid
        assertEq(_keptWhenTheTokenAnswers(abi.encode(true, uint256(7))), 0);
    }

    function test_withdrawStake_keepsTheReturnWhenTheTokenHasNoCode() public {
        // given: the token's code is gone (a call to it succeeds and answers nothing)
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(token), leaves);
        vm.etch(address(token), "");

        // when
        vm.prank(stranger);
        market.withdrawStake(id, bob, 0.2 ether, 0.03 ether, CreditTree.proof(leaves, 1));

        // then: not counted as paid
        assertEq(market.stakeOwed(id, bob), STAKE - 0.03 ether);
    }

    function test_withdrawStake_keepsTheReturnWhenTheTokenAnswersFalseOrLessThanAWord() public {
        // false is no payment, and neither is an answer shorter than a word, whatever the scratch word held
        assertEq(_keptWhenTheTokenAnswers(abi.encode(false)), STAKE - 0.03 ether);
        assertEq(_keptWhenTheTokenAnswers(new bytes(31)), STAKE - 0.03 ether);
    }

    function test_withdrawStake_blocksReentrancy() public {
        // given: bob's address withdraws his stake again from inside the payment
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(0), leaves);
        bytes32[] memory proof = CreditTree.proof(leaves, 1);
        ReentrantReceiver r =
            _reentrantAt(bob, abi.encodeCall(IMarket.withdrawStake, (id, bob, 0.2 ether, 0.03 ether, proof)));
        uint256 before = bob.balance;

        // when
        vm.prank(stranger);
        market.withdrawStake(id, bob, 0.2 ether, 0.03 ether, proof);

        // then: the inner call failed on the guard, the outer one paid once and kept nothing
        _assertGuarded(r);
        assertEq(bob.balance, before + STAKE - 0.03 ether);
        assertEq(market.stakeOwed(id, bob), 0);
    }

    function test_collectStake_blocksReentrancy() public {
        // given: bob refused his return, then takes it and collects it again from inside the payment
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(0), leaves);
        vm.etch(bob, address(new RefusingReceiver()).code);
        market.withdrawStake(id, bob, 0.2 ether, 0.03 ether, CreditTree.proof(leaves, 1));
        ReentrantReceiver r = _reentrantAt(bob, abi.encodeCall(IMarket.collectStake, (id, bob)));
        uint256 before = bob.balance;

        // when
        market.collectStake(id, bob);

        // then
        _assertGuarded(r);
        assertEq(bob.balance, before + STAKE - 0.03 ether);
        assertEq(market.stakeOwed(id, bob), 0);
    }

    function test_withdrawStake_revertsBeforeEnd() public {
        uint256 id = _createEth(1, 1);
        _register(id, alice);
        (uint256 endsAt,,) = market.deadlines(id, ROUNDS);
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotEnded.selector, id, endsAt));
        vm.prank(alice);
        market.withdrawStake(id, alice, 0, 0, _noProof());
    }

    function test_withdrawStake_revertsForUnregisteredTrainer() public {
        uint256 id = _endedProject(address(0), _slashes());
        vm.expectRevert(abi.encodeWithSelector(IMarket.TrainerNotRegistered.selector, id, stranger));
        vm.prank(stranger);
        market.withdrawStake(id, stranger, 0, 0, _noProof());
    }

    function test_withdrawStake_revertsWhenAlreadyWithdrawn() public {
        // given
        Leaf[] memory leaves = _slashes();
        uint256 id = _endedProject(address(0), leaves);
        _withdrawStake(id, leaves, 0);
        bytes32[] memory proof = CreditTree.proof(leaves, 0);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.StakeAlreadyWithdrawn.selector, id, alice));
        vm.prank(alice);
        market.withdrawStake(id, alice, 0.5 ether, 0, proof);
    }

    function test_withdrawStake_revertsWhenCoveredTrainerHidesSlash() public {
        // given: carol pretends she was not slashed
        uint256 id = _endedProject(address(0), _slashes());

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidProof.selector, id, carol));
        vm.prank(carol);
        market.withdrawStake(id, carol, 0, 0, _noProof());
    }

    function test_withdrawStake_revertsWhenUncoveredTrainerNamesCredit() public {
        uint256 id = _endedProject(address(0), _slashes());
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidProof.selector, id, dave));
        vm.prank(dave);
        market.withdrawStake(id, dave, 1, 0, _noProof());
    }

    function test_withdrawStake_revertsWhenUncoveredTrainerNamesSlash() public {
        uint256 id = _endedProject(address(0), _slashes());
        vm.expectRevert(abi.encodeWithSelector(IMarket.InvalidProof.selector, id, dave));
        vm.prank(dave);
        market.withdrawStake(id, dave, 0, 1, _noProof());
    }

    function test_withdrawStake_revertsForUnknownProject() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 4));
        vm.prank(alice);
        market.withdrawStake(4, alice, 0, 0, _noProof());
    }
}
