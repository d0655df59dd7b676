// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarket} from "../../src/interfaces/IMarket.sol";

/// @notice A trainer contract that tries to claim again from inside the ETH payment it receives.
contract ReentrantReceiver {
    IMarket public immutable market;
    uint256 public projectId;
    uint128 public credit;
    bytes32[] public proof;
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

    function arm(uint128 credit_, bytes32[] calldata proof_) external {
        credit = credit_;
        proof = proof_;
    }

    receive() external payable {
        if (reentered) return;
        reentered = true;
        try market.claim(projectId, address(this), credit, 0, proof) {}
        catch (bytes memory reason) {
            reentryError = reason;
        }
    }
}
