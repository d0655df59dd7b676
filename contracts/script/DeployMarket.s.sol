// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Script, console} from "forge-std/Script.sol";

import {Market} from "../src/Market.sol";

/// @notice Deploys the market. The market has no constructor arguments and no admin: one deployment serves
/// every project. Run against a local Anvil with
/// `forge script script/DeployMarket.s.sol --rpc-url http://127.0.0.1:8545 --private-key <key> --broadcast`.
contract DeployMarket is Script {
    function run() external returns (Market market) {
        vm.startBroadcast();
        market = new Market();
        vm.stopBroadcast();
        console.log("Market deployed at", address(market));
    }
}
