// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice A trainer address that will not take ETH until told to: it reverts (mode 0) or burns every bit of gas
/// it is given (mode 1); mode 2 takes it. Etched over a registered trainer's address in tests.
contract RefusingReceiver {
    uint8 public mode;

    function setMode(uint8 mode_) external {
        mode = mode_;
    }

    receive() external payable {
        if (mode == 0) revert("no thanks");
        if (mode == 1) {
            while (true) {}
        }
    }
}
