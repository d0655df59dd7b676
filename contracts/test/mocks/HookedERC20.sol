// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MockERC20} from "./MockERC20.sol";

/// @notice Told of a token transfer it receives, as ERC-777 style tokens tell their receivers.
interface ITokenReceiver {
    function onTokenReceived(address from, uint256 amount) external;
}

/// @notice A MockERC20 that calls `onTokenReceived` on every contract it transfers to, with whatever gas the
/// transfer has: a receiver can refuse (revert) or burn it all. Same storage as MockERC20, so tests etch its
/// code over the fixture's token once the deposits are made (the market has no hook, so a deposit into it
/// through this token reverts).
contract HookedERC20 is MockERC20 {
    constructor() MockERC20("", "") {}

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (to.code.length > 0) ITokenReceiver(to).onTokenReceived(from, value);
    }
}
