// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {console} from "forge-std/console.sol";

import {Market} from "../src/Market.sol";
import {MarketHandler} from "./handlers/MarketHandler.sol";
import {MockERC20} from "./mocks/MockERC20.sol";

/// @notice The laws of the market (DESIGN.md) under random sequences of every action, over ETH and token
/// projects at once. The handler bounds the inputs and keeps the ghosts; these functions state the laws.
contract MarketInvariantTest is Test {
    Market internal market;
    MockERC20 internal token;
    MarketHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        market = new Market();
        token = new MockERC20("Cohort test token", "CTT");
        handler = new MarketHandler(market, token);

        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = MarketHandler.createProject.selector;
        selectors[1] = MarketHandler.register.selector;
        selectors[2] = MarketHandler.bondEvaluator.selector;
        selectors[3] = MarketHandler.submit.selector;
        selectors[4] = MarketHandler.warp.selector;
        selectors[5] = MarketHandler.postResult.selector;
        selectors[6] = MarketHandler.claim.selector;
        selectors[7] = MarketHandler.withdrawStake.selector;
        selectors[8] = MarketHandler.withdrawRefund.selector;
        selectors[9] = MarketHandler.withdrawBond.selector;
        selectors[10] = MarketHandler.cancelProject.selector;
        selectors[11] = MarketHandler.warp.selector; // time moves twice as often as anything else
        selectors[12] = MarketHandler.setRefusing.selector;
        selectors[13] = MarketHandler.collectStake.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice The market's ETH and token balances equal what was deposited (budgets, stakes, bonds) minus
    /// everything paid out, as the ghosts measured it at the parties, and as the market's own accounts say; every
    /// member's absences are the settled rounds it posted no result in, but for those settled before it bonded.
    function invariant_fundsConserved() public view {
        assertEq(
            address(market).balance,
            handler.ghost_deposited(address(0)) - handler.ghost_paidOut(address(0)),
            "ETH held = deposited - paid out"
        );
        assertEq(
            token.balanceOf(address(market)),
            handler.ghost_deposited(address(token)) - handler.ghost_paidOut(address(token)),
            "tokens held = deposited - paid out"
        );
        uint256 ethHeld;
        uint256 tokenHeld;
        for (uint256 p; p < handler.projectCount(); ++p) {
            uint256 id = handler.projects(p);
            (, address tok,,,,,,) = market.projectTerms(id);
            (uint256 budget,, uint128 claimed,, uint128 stakePool, uint128 refunded, uint128 penalties) =
                market.accounts(id);
            uint256 held = budget + penalties - refunded - claimed + stakePool;
            held += _kept(id); // kept for trainers that refused it: in no account
            for (uint256 i; i < handler.EVALUATORS(); ++i) {
                held += _bondChecked(id, handler.evaluatorPool(i));
            }
            if (tok == address(0)) ethHeld += held;
            else tokenHeld += held;
        }
        assertEq(address(market).balance, ethHeld, "ETH held = sum of the ETH projects' accounts");
        assertEq(
            token.balanceOf(address(market)), tokenHeld, "tokens held = sum of the token projects' accounts"
        );
    }

    /// @dev A trainer's stake back, paid or kept for it, is within its leaf; what is kept is what it refused.
    function _checkStakeBack(uint256 id, address t, uint256 due) internal view {
        assertLe(
            handler.ghost_stakeReturned(id, t) + handler.ghost_owed(id, t), due, "stake back within leaf"
        );
        assertEq(market.stakeOwed(id, t), handler.ghost_owed(id, t), "kept = refused, not yet collected");
    }

    /// @dev The bond `e` has left in `id`, once its absences are checked against the ghosts': the settled rounds
    /// it posted no result in, but for those settled before it bonded (none for an account off the committee).
    function _bondChecked(uint256 id, address e) internal view returns (uint128 bond) {
        bool member;
        (member,, bond) = market.evaluator(id, e);
        (uint256 absent,) = market.absences(id, e);
        assertEq(
            absent,
            member ? handler.absences(id, e) : 0,
            "absences = settled rounds not excused, not posted in"
        );
    }

    /// @dev What the market keeps of `id`'s stake returns for trainers whose address refused them.
    function _kept(uint256 id) internal view returns (uint256 sum) {
        address[] memory regs = handler.registered(id);
        for (uint256 i; i < regs.length; ++i) {
            sum += market.stakeOwed(id, regs[i]);
        }
    }

    /// @notice Nobody is paid more than its leaf allows: credits up to the leaf's credit, stake back up to
    /// stake - min(slash, stake); the pool always holds every stake not yet withdrawn; the owner never
    /// receives more than uncredited budget, penalties and forfeited stake.
    function invariant_noOverpayment() public view {
        assertFalse(handler.wrongPayout(), handler.wrongPayoutAction());
        for (uint256 p; p < handler.projectCount(); ++p) {
            uint256 id = handler.projects(p);
            (,,, uint128 stake,,,,) = market.projectTerms(id);
            (, uint128 credited, uint128 projectClaimed,, uint128 stakePool,,) = market.accounts(id);
            assertLe(projectClaimed, credited, "claimed <= credited");
            address[] memory regs = handler.registered(id);
            uint256 held;
            for (uint256 i; i < regs.length; ++i) {
                address t = regs[i];
                (,, uint128 claimed, bool withdrawn) = market.trainer(id, t);
                assertEq(claimed, handler.ghost_claimed(id, t), "market's claimed = paid");
                assertLe(handler.ghost_claimed(id, t), handler.ghost_leafCredit(id, t), "claim within leaf");
                uint128 slash = handler.ghost_leafSlash(id, t);
                uint256 due = stake - (slash < stake ? slash : stake);
                _checkStakeBack(id, t, due);
                if (!withdrawn) held += stake;
            }
            assertEq(stakePool, held + handler.ghost_forfeitedPending(id), "pool = open stakes + forfeited");
            assertLe(
                handler.ghost_ownerReceived(id) + market.refundable(id),
                handler.ownerDue(id),
                "owner within due"
            );
        }
    }

    /// @notice A round settles at most once and its settled result never changes.
    function invariant_roundSettlesOnce() public view {
        for (uint256 p; p < handler.projectCount(); ++p) {
            uint256 id = handler.projects(p);
            for (uint256 r; r < handler.ghost_roundsSeen(id); ++r) {
                assertLe(handler.ghost_settlements(id, r), 1, "one settlement per round");
                (,, bytes32 settled) = market.roundState(id, r);
                assertEq(settled, handler.ghost_settledHash(id, r), "settled result is final");
            }
        }
    }

    /// @notice A settled round credits at most its reward; the total credited is the settled leaves' sum.
    function invariant_roundCreditsWithinReward() public view {
        for (uint256 p; p < handler.projectCount(); ++p) {
            uint256 id = handler.projects(p);
            (,, uint128 reward,,,,,) = market.projectTerms(id);
            for (uint256 r; r < handler.ghost_roundsSeen(id); ++r) {
                assertLe(handler.ghost_roundCredited(id, r), reward, "round credit <= reward");
            }
            (, uint128 credited,,,,,) = market.accounts(id);
            assertEq(credited, handler.ghost_credited(id), "credited = settled leaves");
            assertLe(
                credited, uint256(reward) * handler.ghost_settledRounds(id), "credited <= reward x settled"
            );
        }
    }

    /// @notice Claimed amounts, per trainer and per project, only grow.
    function invariant_claimedOnlyGrows() public view {
        assertFalse(handler.ghost_claimedDecreased(), "claimed decreased");
        for (uint256 p; p < handler.projectCount(); ++p) {
            uint256 id = handler.projects(p);
            address[] memory regs = handler.registered(id);
            for (uint256 i; i < regs.length; ++i) {
                (,, uint128 claimed,) = market.trainer(id, regs[i]);
                assertGe(claimed, handler.ghost_lastClaimed(id, regs[i]), "claimed only grows");
            }
        }
    }

    /// @notice Every action the rules allow is accepted: nobody is locked out of what is theirs.
    function invariant_allowedActionsSucceed() public view {
        if (handler.unexpectedRevert()) {
            console.log("refused:", handler.unexpectedRevertAction());
            console.logBytes(handler.unexpectedRevertReason());
        }
        assertFalse(handler.unexpectedRevert(), handler.unexpectedRevertAction());
    }

    /// @notice At the end of every run all projects end and everybody withdraws: the market is left empty
    /// and the owner got exactly its due.
    function afterInvariant() public {
        (uint256 ethLeft, uint256 tokenLeft) = handler.drain();
        assertFalse(handler.unexpectedRevert(), handler.unexpectedRevertAction());
        assertFalse(handler.wrongPayout(), handler.wrongPayoutAction());
        assertEq(ethLeft, 0, "no ETH left");
        assertEq(tokenLeft, 0, "no tokens left");
        for (uint256 p; p < handler.projectCount(); ++p) {
            uint256 id = handler.projects(p);
            assertEq(handler.ghost_ownerReceived(id), handler.ownerDue(id), "owner got its due");
            address[] memory regs = handler.registered(id);
            for (uint256 i; i < regs.length; ++i) {
                assertEq(
                    handler.ghost_claimed(id, regs[i]), handler.ghost_leafCredit(id, regs[i]), "paid in full"
                );
            }
        }
    }
}
