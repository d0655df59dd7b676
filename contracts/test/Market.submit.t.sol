// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract MarketSubmitTest is MarketFixture {
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        id = _createEth(1, 1);
        _register(id, alice);
        _register(id, bob);
    }

    function test_submit_recordsBitAndRollingHash() public {
        // given
        _warpToOpen(id, 0);
        bytes memory cid = _cid(alice, 0);
        bytes32 expected = keccak256(abi.encode(bytes32(0), alice, cid));

        // when
        vm.expectEmit(address(market));
        emit IMarket.UpdateSubmitted(id, 0, alice, cid, expected);
        vm.prank(alice);
        market.submit(id, 0, cid);

        // then
        assertTrue(market.hasSubmitted(id, 0, alice));
        assertFalse(market.hasSubmitted(id, 0, bob));
        assertFalse(market.hasSubmitted(id, 1, alice));
        (IMarket.RoundStatus status, bytes32 submissionsHash, bytes32 settled) = market.roundState(id, 0);
        assertEq(uint8(status), uint8(IMarket.RoundStatus.Open));
        assertEq(submissionsHash, expected);
        assertEq(settled, bytes32(0));
    }

    function test_submit_chainsTheHashOfEverySubmission() public {
        // given
        _warpToOpen(id, 0);
        _submit(id, 0, alice);
        (, bytes32 first,) = market.roundState(id, 0);
        bytes memory cid = _cid(bob, 0);

        // when
        vm.expectEmit(address(market));
        emit IMarket.UpdateSubmitted(id, 0, bob, cid, keccak256(abi.encode(first, bob, cid)));
        vm.prank(bob);
        market.submit(id, 0, cid);

        // then
        (, bytes32 second,) = market.roundState(id, 0);
        assertEq(second, keccak256(abi.encode(first, bob, cid)));
        assertTrue(market.hasSubmitted(id, 0, bob));
    }

    function test_submit_acceptsOnePerRound() public {
        // given
        _warpToOpen(id, 0);
        _submit(id, 0, alice);

        // when
        _warpToOpen(id, 1);
        _submit(id, 1, alice);

        // then
        assertTrue(market.hasSubmitted(id, 0, alice));
        assertTrue(market.hasSubmitted(id, 1, alice));
        (, bytes32 h0,) = market.roundState(id, 0);
        (, bytes32 h1,) = market.roundState(id, 1);
        assertTrue(h0 != h1);
    }

    function test_submit_keepsBitsOfTrainersBeyondTheFirstWord() public {
        // given: 258 trainers, so indices 0 and 256 share a bit position in different words
        IMarket.ProjectParams memory p = _params(address(token), 1, 1);
        p.maxTrainers = 300;
        p.trainerStake = 0;
        uint256 big = _create(p);
        address[] memory trainers = new address[](258);
        for (uint256 i; i < trainers.length; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            trainers[i] = address(uint160(0xA000 + i));
            vm.prank(trainers[i]);
            market.register(big);
        }
        _warpToOpen(big, 0);

        // when
        vm.prank(trainers[256]);
        market.submit(big, 0, hex"01");

        // then
        (, uint16 index,,) = market.trainer(big, trainers[256]);
        assertEq(index, 256);
        assertTrue(market.hasSubmitted(big, 0, trainers[256]));
        assertFalse(market.hasSubmitted(big, 0, trainers[0]));
        assertFalse(market.hasSubmitted(big, 0, trainers[257]));
        vm.prank(trainers[0]);
        market.submit(big, 0, hex"02");
        assertTrue(market.hasSubmitted(big, 0, trainers[0]));
    }

    function test_submit_revertsWithEmptyCid() public {
        _warpToOpen(id, 0);
        vm.expectRevert(IMarket.EmptyCid.selector);
        vm.prank(alice);
        market.submit(id, 0, "");
    }

    function test_submit_revertsWithCidLongerThanTheBound() public {
        _warpToOpen(id, 0);
        uint256 max = market.MAX_CID_BYTES();
        bytes memory tooLong = new bytes(max + 1);
        vm.expectRevert(abi.encodeWithSelector(IMarket.CidTooLong.selector, max + 1, max));
        vm.prank(alice);
        market.submit(id, 0, tooLong);

        // the longest allowed is taken
        vm.prank(alice);
        market.submit(id, 0, new bytes(max));
        assertTrue(market.hasSubmitted(id, 0, alice));
    }

    function test_submit_revertsBeforeRoundOpens() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.SubmissionWindowClosed.selector, id, 0));
        vm.prank(alice);
        market.submit(id, 0, hex"01");
    }

    function test_submit_revertsAfterDeadline() public {
        // given
        _warpToEval(id, 0);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.SubmissionWindowClosed.selector, id, 0));
        vm.prank(alice);
        market.submit(id, 0, hex"01");
    }

    function test_submit_revertsForFutureRound() public {
        _warpToOpen(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarket.SubmissionWindowClosed.selector, id, 1));
        vm.prank(alice);
        market.submit(id, 1, hex"01");
    }

    function test_submit_revertsBeyondLastRound() public {
        _warpToEnd(id);
        vm.expectRevert(abi.encodeWithSelector(IMarket.SubmissionWindowClosed.selector, id, ROUNDS));
        vm.prank(alice);
        market.submit(id, ROUNDS, hex"01");
    }

    function test_submit_revertsForCancelledRound() public {
        // given: cancelled in round 0, so round 1 never opens
        _warpToOpen(id, 0);
        vm.prank(owner);
        market.cancelProject(id);
        _warpToOpen(id, 1);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.SubmissionWindowClosed.selector, id, 1));
        vm.prank(alice);
        market.submit(id, 1, hex"01");
    }

    function test_submit_revertsForUnregisteredTrainer() public {
        _warpToOpen(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarket.TrainerNotRegistered.selector, id, stranger));
        vm.prank(stranger);
        market.submit(id, 0, hex"01");
    }

    function test_submit_revertsOnSecondUpdate() public {
        // given
        _warpToOpen(id, 0);
        _submit(id, 0, alice);

        // when / then
        vm.expectRevert(abi.encodeWithSelector(IMarket.UpdateAlreadySubmitted.selector, id, 0, alice));
        vm.prank(alice);
        market.submit(id, 0, hex"02");
    }

    function test_submit_revertsForUnknownProject() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.ProjectNotFound.selector, 9));
        vm.prank(alice);
        market.submit(9, 0, hex"01");
    }
}
