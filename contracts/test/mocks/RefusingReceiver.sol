// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice A trainer address that will not take ETH, or tokens whose transfer tells it (HookedERC20), until told
/// to: it reverts (mode 0) or burns every bit of gas it is given (mode 1); mode 2 takes it. Etched over a
/// registered trainer's address in tests.
contract RefusingReceiver {
    uint8 public mode;

    function setMode(uint8 mode_) external {
        mode = mode_;
    }

    receive() external payable {
        _refuse();
    }

    function onTokenReceived(address, uint256) external view {
        _refuse();
    }

    function _refuse() private view {
        if (mode == 0) revert("no thanks");
        if (mode == 1) {
            while (true) {}
        }
    }
}
