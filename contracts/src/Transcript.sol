// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title Transcript: zkvm's Fiat-Shamir transcript (zkvm.stark.transcript) on the EVM.
/// @notice Byte-exact port: H = SHA-256 (precompile 0x02), u32/u64 little-endian.
///   init:     S = H("zkvm/transcript" || u32(1) || u32(len(tag)) || tag)
///   absorb:   S = H(0x00 || S || u32(len(label)) || label || u64(len(data)) || data)
///   squeeze:  S = H(0x01 || S || u32(len(label)) || label)
///   pow:      H(0x02 || S || u64(nonce)) must start with `bits` zero bits; then
///             absorb("pow_nonce", u64(nonce))
/// Sampling: base elements by rejection (each squeeze gives eight u32 words, low 31 bits,
/// accepted if < p; an extension element takes the next four accepted words of one
/// label's squeezes), indices as the low n bits of the first u64 of a squeeze.
/// Every hash input is built in scratch memory past the free memory pointer (which is not
/// moved: nothing is allocated between building and hashing), in one assembly block.
library Transcript {
    uint256 internal constant P = 2013265921;

    struct State {
        bytes32 s;
    }

    function init(bytes memory tag) internal view returns (State memory st) {
        st.s = _sha(abi.encodePacked("zkvm/transcript", _u32(1), _u32(tag.length), tag));
    }

    /// absorb for memory `data` (the hash input built in scratch memory in one pass).
    function absorb(State memory st, bytes memory label, bytes memory data) internal view {
        uint256 dl = data.length;
        (uint256 m, uint256 q) = _absorbPrefix(st.s, label, dl);
        assembly ("memory-safe") {
            mcopy(q, add(data, 0x20), dl)
        }
        st.s = _sha256At(m, q - m + dl);
    }

    /// absorb for calldata `data`: the same hash, built in scratch memory in one pass
    /// (no copy of `data` into a bytes value and then into abi.encodePacked's buffer).
    function absorbCalldata(State memory st, bytes memory label, bytes calldata data) internal view {
        uint256 dl = data.length;
        (uint256 m, uint256 q) = _absorbPrefix(st.s, label, dl);
        assembly ("memory-safe") {
            calldatacopy(q, data.offset, dl)
        }
        st.s = _sha256At(m, q - m + dl);
    }

    /// absorb of one 32-byte word (a commitment root): data = the word's 32 bytes.
    function absorbWord(State memory st, bytes memory label, bytes32 w) internal view {
        (uint256 m, uint256 q) = _absorbPrefix(st.s, label, 32);
        assembly ("memory-safe") {
            mstore(q, w)
        }
        st.s = _sha256At(m, q - m + 32);
    }

    /// The absorb hash input's prefix 0x00 ‖ s ‖ u32 LE len(label) ‖ label ‖ u64 LE dl,
    /// written to scratch memory at m (the free memory, not allocated); the dl data bytes
    /// go at q.  The length fields are one word store each: their bytes past the field are
    /// overwritten by the label / the data right after.
    function _absorbPrefix(bytes32 s, bytes memory label, uint256 dl) private pure returns (uint256 m, uint256 q) {
        assembly ("memory-safe") {
            m := mload(0x40)
            let ll := mload(label)
            mstore8(m, 0x00)
            mstore(add(m, 1), s)
            mstore(add(m, 33), shl(224, le32(ll)))
            mcopy(add(m, 37), add(label, 0x20), ll)
            q := add(m, add(37, ll))
            mstore(q, shl(192, or(shl(32, le32(dl)), le32(shr(32, dl)))))
            q := add(q, 8)

            // the low 32 bits of v, byte-reversed
            function le32(v) -> r {
                r := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), and(shr(24, v), 0xff)))
            }
        }
    }

    /// SHA-256 of the n bytes at memory m (precompile 0x02).
    function _sha256At(uint256 m, uint256 n) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            if iszero(staticcall(gas(), 0x02, m, n, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    function absorbU64(State memory st, bytes memory label, uint256 v) internal view {
        absorb(st, label, abi.encodePacked(_u64(v)));
    }

    function squeeze(State memory st, bytes memory label) internal view returns (bytes32 d) {
        bytes32 s = st.s;
        assembly ("memory-safe") {
            d := sq(s, label)

            // H(0x01 || s || u32(len(label)) || label), in scratch memory
            function sq(s_, lab) -> h {
                let m := mload(0x40)
                let ll := mload(lab)
                mstore8(m, 0x01)
                mstore(add(m, 1), s_)
                mstore(add(m, 33), shl(224, or(or(shl(24, and(ll, 0xff)), shl(8, and(ll, 0xff00))),
                                              or(and(shr(8, ll), 0xff00), and(shr(24, ll), 0xff)))))
                mcopy(add(m, 37), add(lab, 0x20), ll)
                if iszero(staticcall(gas(), 0x02, m, add(37, ll), 0x00, 0x20)) { revert(0, 0) }
                h := mload(0x00)
            }
        }
        st.s = d;
    }

    /// `count` base-field samples (rejection sampling over one label's squeezes).
    function sampleBases(State memory st, bytes memory label, uint256 count) internal view returns (uint256[] memory out) {
        out = new uint256[](count);
        uint256 got = 0;
        while (got < count) {
            bytes32 d = squeeze(st, label);
            for (uint256 i = 0; i < 8 && got < count; i++) {
                uint256 w = _le32(uint256(d) >> (224 - 32 * i));
                w &= 0x7fffffff;
                if (w < P) out[got++] = w;
            }
        }
    }

    function sampleBase(State memory st, bytes memory label) internal view returns (uint256) {
        return sampleBases(st, label, 1)[0];
    }

    /// An extension element, packed c0 | c1 << 64 | c2 << 128 | c3 << 192: sampleBases(st,
    /// label, 4) with the words picked in one assembly loop per squeeze (the next four
    /// accepted words of the label's squeezes, the rest of the last squeeze discarded).
    function sampleExt(State memory st, bytes memory label) internal view returns (uint256 r) {
        uint256 got = 0;
        while (got < 4) {
            bytes32 s = squeeze(st, label);
            assembly ("memory-safe") {
                for { let i := 0 } and(lt(i, 8), lt(got, 4)) { i := add(i, 1) } {
                    let v := shr(sub(224, shl(5, i)), s)
                    // u32 LE word i, low 31 bits
                    v := or(or(shl(24, and(v, 0x7f)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), and(shr(24, v), 0xff)))
                    if lt(v, 2013265921) {
                        r := or(r, shl(shl(6, got), v))
                        got := add(got, 1)
                    }
                }
            }
        }
    }

    function sampleBits(State memory st, bytes memory label, uint256 n) internal view returns (uint256) {
        require(n <= 64, "sampleBits: n > 64");
        bytes32 d = squeeze(st, label);
        uint256 v = _le64(uint256(d) >> 192);
        return n == 64 ? v : v & ((1 << n) - 1);
    }

    /// Reverts unless the nonce meets the proof of work; then absorbs it.
    function checkPow(State memory st, uint256 bits, uint256 nonce) internal view {
        require(bits <= 30 && nonce < (1 << 64), "pow: bad arguments");
        if (bits > 0) {
            bytes32 d = _sha(abi.encodePacked(bytes1(0x02), st.s, _u64(nonce)));
            require(uint256(d) >> (256 - bits) == 0, "pow: not enough leading zeros");
        }
        absorbU64(st, "pow_nonce", nonce);
    }

    function _sha(bytes memory b) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            if iszero(staticcall(gas(), 0x02, add(b, 0x20), mload(b), 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    function _u32(uint256 v) private pure returns (bytes4) {
        return bytes4(uint32(_le32(v)));
    }

    function _u64(uint256 v) private pure returns (bytes8) {
        return bytes8(uint64(_le64(v)));
    }

    /// Byte-reverse the low 4 bytes.
    function _le32(uint256 v) private pure returns (uint256) {
        v &= 0xffffffff;
        return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24);
    }

    /// Byte-reverse the low 8 bytes.
    function _le64(uint256 v) private pure returns (uint256) {
        v &= 0xffffffffffffffff;
        return (_le32(v) << 32) | _le32(v >> 32);
    }
}
