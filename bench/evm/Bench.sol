// SPDX-License-Identifier: MIT OR Apache-2.0
// Workloads for bench/bench_evm.py: a keccak-heavy and an arithmetic-heavy loop.
pragma solidity 0.8.28;

contract Bench {
    bytes32 public last;
    uint256 public acc;

    // keccak256 of 64 bytes, n times (the mapping-slot pattern of every Solidity contract)
    function hashLoop(uint256 n) external {
        bytes32 h = last;
        for (uint256 i = 0; i < n; i++) {
            h = keccak256(abi.encodePacked(h, i));
        }
        last = h;
    }

    // 256-bit arithmetic: mulmod, addmod, mul, div, exp, shifts
    function arithLoop(uint256 n) external {
        uint256 p = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff;
        uint256 x = acc | 0x1234567890abcdef;
        uint256 y = 3;
        unchecked {
            for (uint256 i = 0; i < n; i++) {
                x = mulmod(x, x + i, p);
                y = addmod(y * 7, x, p) ^ (x >> 3);
                x = x * 0x9e3779b97f4a7c15 + y / 5 + (y ** 3);
            }
        }
        acc = x ^ y;
    }
}
