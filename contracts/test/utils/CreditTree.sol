// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @notice One trainer's cumulative credit and slash, as the evaluators put it in a credits tree.
struct Leaf {
    address trainer;
    uint128 credit;
    uint128 slash;
}

/// @notice The credits tree of the tests: OpenZeppelin StandardMerkleTree leaves
/// `keccak256(bytes.concat(keccak256(abi.encode(trainer, credit, slash))))`, inner nodes hashed as sorted
/// pairs (`Hashes.commutativeKeccak256`, what `MerkleProof` expects). Levels are built left to right and
/// an odd node is carried up unhashed, so a proof may be shorter than the tree is deep.
library CreditTree {
    function hash(Leaf memory leaf) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(leaf.trainer, leaf.credit, leaf.slash))));
    }

    /// @notice The root over `leaves` (zero for none; the leaf hash itself for one).
    function root(Leaf[] memory leaves) internal pure returns (bytes32) {
        if (leaves.length == 0) return bytes32(0);
        bytes32[] memory level = _hashes(leaves);
        while (level.length > 1) {
            level = _up(level);
        }
        return level[0];
    }

    /// @notice The proof of `leaves[index]`.
    function proof(Leaf[] memory leaves, uint256 index) internal pure returns (bytes32[] memory path) {
        bytes32[] memory level = _hashes(leaves);
        bytes32[] memory buffer = new bytes32[](32);
        uint256 n;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) buffer[n++] = level[sibling];
            level = _up(level);
            index >>= 1;
        }
        path = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            path[i] = buffer[i];
        }
    }

    /// @notice Sum of the leaves' credits and of their slashes.
    function totals(Leaf[] memory leaves) internal pure returns (uint128 credited, uint128 slashed) {
        for (uint256 i; i < leaves.length; ++i) {
            credited += leaves[i].credit;
            slashed += leaves[i].slash;
        }
    }

    function _hashes(Leaf[] memory leaves) private pure returns (bytes32[] memory level) {
        level = new bytes32[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) {
            level[i] = hash(leaves[i]);
        }
    }

    function _up(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i; i < next.length; ++i) {
            uint256 left = 2 * i;
            next[i] = left + 1 < level.length
                ? Hashes.commutativeKeccak256(level[left], level[left + 1])
                : level[left];
        }
    }
}
