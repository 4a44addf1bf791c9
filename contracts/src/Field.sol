// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title Field: BabyBear (p = 15·2^27 + 1) and its quartic extension F_p[X]/(X^4 − 11),
/// mirroring zkvm.field.babybear and zkvm.field.ext.  Extension elements are packed in
/// one word: c0 | c1 << 64 | c2 << 128 | c3 << 192, every limb canonical (< p).
library Field {
    uint256 internal constant P = 2013265921;
    uint256 internal constant W = 11;
    uint256 internal constant GENERATOR = 31;
    uint256 internal constant INV2 = 1006632961;
    uint256 internal constant M64 = 0xffffffffffffffff;

    function canonical(uint256 x) internal pure returns (bool) {
        return (x & M64) < P && ((x >> 64) & M64) < P && ((x >> 128) & M64) < P && (x >> 192) < P;
    }

    function add(uint256 x, uint256 y) internal pure returns (uint256 z) {
        assembly ("memory-safe") {
            let p := P
            z := or(or(addmod(and(x, M64), and(y, M64), p), shl(64, addmod(and(shr(64, x), M64), and(shr(64, y), M64), p))),
                    or(shl(128, addmod(and(shr(128, x), M64), and(shr(128, y), M64), p)), shl(192, addmod(shr(192, x), shr(192, y), p))))
        }
    }

    function neg(uint256 x) internal pure returns (uint256 z) {
        assembly ("memory-safe") {
            let p := P
            z := or(or(mod(sub(p, and(x, M64)), p), shl(64, mod(sub(p, and(shr(64, x), M64)), p))),
                    or(shl(128, mod(sub(p, and(shr(128, x), M64)), p)), shl(192, mod(sub(p, shr(192, x)), p))))
        }
    }

    function sub(uint256 x, uint256 y) internal pure returns (uint256) {
        return add(x, neg(y));
    }

    /// x · b for a base-field b (< p).
    function mulBase(uint256 x, uint256 b) internal pure returns (uint256 z) {
        assembly ("memory-safe") {
            let p := P
            z := or(or(mulmod(and(x, M64), b, p), shl(64, mulmod(and(shr(64, x), M64), b, p))),
                    or(shl(128, mulmod(and(shr(128, x), M64), b, p)), shl(192, mulmod(shr(192, x), b, p))))
        }
    }

    function mul(uint256 x, uint256 y) internal pure returns (uint256 z) {
        assembly ("memory-safe") {
            let p := P
            let a0 := and(x, M64)
            let a1 := and(shr(64, x), M64)
            let a2 := and(shr(128, x), M64)
            let a3 := shr(192, x)
            let b := shr(192, y)
            let t := mul(b, a1)
            let u := mul(b, a2)
            let z3 := mul(b, a0)
            let z2 := mul(W, mul(a3, b))
            b := and(shr(128, y), M64)
            t := add(t, mul(a2, b))
            let z1 := mul(W, add(u, mul(a3, b)))
            z2 := add(z2, mul(a0, b))
            z3 := add(z3, mul(a1, b))
            b := and(shr(64, y), M64)
            t := add(t, mul(a3, b))
            z1 := add(z1, mul(a0, b))
            z2 := add(z2, mul(a1, b))
            z3 := add(z3, mul(a2, b))
            b := and(y, M64)
            z := or(mod(add(mul(a0, b), mul(W, t)), p), shl(64, mod(add(z1, mul(a1, b)), p)))
            z := or(z, or(shl(128, mod(add(z2, mul(a2, b)), p)), shl(192, mod(add(z3, mul(a3, b)), p))))
        }
    }

    function fromBase(uint256 b) internal pure returns (uint256) {
        return b;
    }

    /// 1/x in F_p^4 (reverts on 0): with u = X², x = A + X·B over F_p[u]/(u² − 11),
    /// 1/x = (A − X·B)/N, N = A² − u·B² ∈ F_p[u], 1/N = (n0 − n1·u)/(n0² − 11·n1²).
    function inv(uint256 x) internal view returns (uint256) {
        uint256 a0 = x & M64;
        uint256 a1 = (x >> 64) & M64;
        uint256 a2 = (x >> 128) & M64;
        uint256 a3 = x >> 192;
        // N = (a0² + W a2² − 2W a1 a3) + (2 a0 a2 − a1² − W a3²)·u
        uint256 n0 = addmod(addmod(mulmod(a0, a0, P), mulmod(W, mulmod(a2, a2, P), P), P),
                            P - mulmod(2 * W, mulmod(a1, a3, P), P), P);
        uint256 n1 = addmod(mulmod(2, mulmod(a0, a2, P), P),
                            P - addmod(mulmod(a1, a1, P), mulmod(W, mulmod(a3, a3, P), P), P), P);
        uint256 dinv = invBase(addmod(mulmod(n0, n0, P), P - mulmod(W, mulmod(n1, n1, P), P), P));
        uint256 m0 = mulmod(n0, dinv, P);
        uint256 m1 = mulmod(P - n1, dinv, P) % P;
        uint256 c0 = addmod(mulmod(a0, m0, P), mulmod(W, mulmod(a2, m1, P), P), P);
        uint256 c2 = addmod(mulmod(a0, m1, P), mulmod(a2, m0, P), P);
        uint256 c1 = (P - addmod(mulmod(a1, m0, P), mulmod(W, mulmod(a3, m1, P), P), P)) % P;
        uint256 c3 = (P - addmod(mulmod(a1, m1, P), mulmod(a3, m0, P), P)) % P;
        return c0 | (c1 << 64) | (c2 << 128) | (c3 << 192);
    }

    /// b^e mod p (modexp precompile 0x05).
    function powBase(uint256 b, uint256 e) internal view returns (uint256 r) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, 0x20)
            mstore(add(m, 0x20), 0x20)
            mstore(add(m, 0x40), 0x20)
            mstore(add(m, 0x60), b)
            mstore(add(m, 0x80), e)
            mstore(add(m, 0xa0), P)
            if iszero(staticcall(gas(), 0x05, m, 0xc0, m, 0x20)) { revert(0, 0) }
            r := mload(m)
        }
    }

    /// 1/b for a non-zero base element (b^(p−2)); reverts on 0.
    function invBase(uint256 b) internal view returns (uint256) {
        require(b % P != 0, "inverse of zero");
        return powBase(b, P - 2);
    }

    /// The 2^logN-th root of unity ω = 31^((p−1)/2^logN) to the power e.
    function rootPow(uint256 logN, uint256 e) internal view returns (uint256) {
        return powBase(GENERATOR, ((P - 1) >> logN) * e % (P - 1));
    }

    /// Reverse the low `n` bits of `j`.
    function bitrev(uint256 j, uint256 n) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                r := or(shl(1, r), and(j, 1))
                j := shr(1, j)
            }
        }
    }

    /// The point at bit-reversed position `pos` of shift·H_{2^logSize}
    /// (zkvm.stark.fri.domain_point).
    function domainPoint(uint256 logSize, uint256 pos, uint256 shift) internal view returns (uint256) {
        return mulmod(shift, rootPow(logSize, bitrev(pos, logSize)), P);
    }
}
