// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../../src/interfaces/IMarket.sol";

/// @notice A contract that calls the market again from inside the ETH payment it receives: by default a claim
/// of its credit (as a trainer), or any call it is armed with (`armCall`), so tests etch it over an owner, a
/// trainer or an evaluator and try every payout.
contract ReentrantReceiver {
    IMarket public immutable market;
    uint256 public projectId;
    bytes public reentry;
    bool public reentered;
    bytes public reentryError;

    constructor(IMarket market_) {
        market = market_;
    }

    function register(uint256 projectId_) external payable {
        projectId = projectId_;
        market.register{value: msg.value}(projectId_);
    }

    function submit(uint256 round, bytes calldata cid) external {
        market.submit(projectId, round, cid);
    }

    /// @notice Claims `credit` with `proof` again when paid.
    function arm(uint128 credit, bytes32[] calldata proof) external {
        reentry = abi.encodeCall(IMarket.claim, (projectId, address(this), credit, 0, proof));
    }

    /// @notice Calls the market with `data` when paid.
    function armCall(bytes calldata data) external {
        reentry = data;
    }

    receive() external payable {
        if (reentered) return;
        reentered = true;
        (bool ok, bytes memory reason) = address(market).call(reentry);
        if (!ok) reentryError = reason;
    }
}
