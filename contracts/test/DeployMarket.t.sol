// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {DeployMarket} from "../script/DeployMarket.s.sol";
import {Market} from "../src/Market.sol";

contract DeployMarketTest is Test {
    function test_run_deploysAnEmptyMarket() public {
        Market market = new DeployMarket().run();
        assertGt(address(market).code.length, 0);
        assertEq(market.projectCount(), 0);
    }
}
