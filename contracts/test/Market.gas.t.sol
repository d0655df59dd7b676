// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../src/interfaces/IMarket.sol";
import {Leaf} from "./utils/CreditTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

/// @notice The committed gas snapshot (snapshots/MarketGas.json): one measured call per external function on
/// its common path, ETH and ERC-20. `./check` runs forge with FORGE_SNAPSHOT_CHECK=true, so a change that
/// moves any of these numbers fails until the snapshot is regenerated with `forge test --mt test_gas` and
/// committed. docs/gas.md holds the per-trainer figures measured on Anvil.
contract MarketGasTest is MarketFixture {
    string private constant GROUP = "MarketGas";

    function _leavesOf3() internal view returns (Leaf[] memory) {
        return _leaves(_leaf(alice, 0.5 ether, 0), _leaf(bob, 0.3 ether, 0), _leaf(carol, 0, 0.05 ether));
    }

    function _playOneRound(address token_, uint8 size, uint8 quorum, string memory suffix) internal {
        vm.prank(owner);
        IMarket.ProjectParams memory p = _params(token_, size, quorum);
        uint256 id = market.createProject{value: token_ == address(0) ? _budget(p) : 0}(p);
        tokenOf[id] = token_;
        vm.snapshotGasLastCall(GROUP, string.concat("createProject", suffix));

        (address[] memory members,,) = market.committee(id);
        for (uint256 i; i < members.length; ++i) {
            _bond(id, members[i]);
        }
        vm.snapshotGasLastCall(GROUP, string.concat("bondEvaluator", suffix));
        _register(id, alice);
        vm.snapshotGasLastCall(GROUP, string.concat("register_first", suffix));
        _register(id, bob);
        _register(id, carol);
        vm.snapshotGasLastCall(GROUP, string.concat("register", suffix));

        _warpToOpen(id, 0);
        _submit(id, 0, alice);
        vm.snapshotGasLastCall(GROUP, string.concat("submit_firstOfRound", suffix));
        _submit(id, 0, bob);
        vm.snapshotGasLastCall(GROUP, string.concat("submit", suffix));
        _submit(id, 0, carol);

        Leaf[] memory leaves = _leavesOf3();
        _warpToEval(id, 0);
        IMarket.Result memory r = _result(id, 0, leaves);
        for (uint256 i; i < quorum; ++i) {
            _post(id, 0, members[i], r);
            if (i + 1 < quorum) vm.snapshotGasLastCall(GROUP, string.concat("postResult_vote", suffix));
        }
        vm.snapshotGasLastCall(GROUP, string.concat("postResult_settles", suffix));

        _claim(id, leaves, 0);
        vm.snapshotGasLastCall(GROUP, string.concat("claim", suffix));

        vm.prank(owner);
        market.cancelProject(id);
        vm.snapshotGasLastCall(GROUP, string.concat("cancelProject", suffix));
        _warpToEnd(id);
        vm.prank(owner);
        market.withdrawRefund(id);
        vm.snapshotGasLastCall(GROUP, string.concat("withdrawRefund", suffix));
        _withdrawStake(id, leaves, 1);
        vm.snapshotGasLastCall(GROUP, string.concat("withdrawStake", suffix));
        vm.prank(members[0]);
        market.withdrawBond(id);
        vm.snapshotGasLastCall(GROUP, string.concat("withdrawBond", suffix));
    }

    function test_gas_ethQuorumOne() public {
        _playOneRound(address(0), 1, 1, "_eth_q1");
    }

    function test_gas_ethQuorumTwoOfThree() public {
        _playOneRound(address(0), 3, 2, "_eth_q2of3");
    }

    function test_gas_tokenQuorumOne() public {
        _playOneRound(address(token), 1, 1, "_erc20_q1");
    }
}
