// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import "./Field.sol";
import "./Transcript.sol";

/// @title StarkChallenges: the Fiat-Shamir replay of zkvm.stark.verifier (steps 5, 6, 7, the
/// PCS batching challenge of step 10 and the FRI transcript of verify_fri): every challenge
/// of a proof from its public inputs and commitments, in the verifier's exact order.
/// @notice StatementCheck calls it first: it derives the challenges the facts of
/// MerkleFacts, FriQueries and ConstraintEval must be conditional on.  It takes the PCS
/// shape header and the opened values as given (StatementCheck requires the header of a
/// shape registered in the image's verifying key), and checks the proof of work and
/// the admissibility of ζ (ζ^n ≠ 1 and (ζ/g)^(n·B) ≠ 1, resampling at most 16 times).
contract StarkChallenges {
    using Transcript for Transcript.State;

    struct Input {
        bytes32 vkDigest;
        uint256[] publicValues;
        bytes publicData;
        uint256[] logHeights;
        bytes32 mainRoot;
        bool hasAux;
        bytes32 auxRoot;
        uint256[] claimedSums; // packed extension elements
        bytes32 quotientRoot;
        uint256 maxLogHeight;
        uint256 logBlowup;
        bytes pcsShape;
        bytes pcsPoints; // one per (matrix, opening point), statement order: 4 u32 LE each
        uint256[] pcsValueCounts; // values per (matrix, opening point)
        bytes pcsValues; // all claimed values, 4 u32 LE each (the transcript's own encoding)
        bytes32[] friCommits;
        uint256[] finalPoly;
        uint256 powBits;
        uint256 powNonce;
        uint256 L0;
        uint256 numQueries;
    }

    struct Challenges {
        uint256 logupAlpha;
        uint256 logupBeta;
        uint256 constraintAlpha;
        uint256 zeta;
        uint256 pcsAlpha;
        uint256[] betas;
        uint256[] queries;
    }

    uint256 internal constant GEN_INV = 64944062;

    function derive(Input calldata a) external view returns (Challenges memory c) {
        Transcript.State memory t = Transcript.init("zkvm/stark/v1");
        // step 5: seed (protocol.new_transcript), main commitment, LogUp challenges
        t.absorbWord("vk_digest", a.vkDigest);
        {
            uint256[] calldata pv = a.publicValues;
            t.absorb("num_public_values", _u32le(pv.length));
            t.absorb("public_values", _u32Bytes(pv, false, true));
        }
        t.absorbCalldata("public_data", a.publicData);
        t.absorb("log_heights", _u32Bytes(a.logHeights, true, false));
        t.absorbWord("main_root", a.mainRoot);
        c.logupAlpha = t.sampleExt("logup_alpha");
        c.logupBeta = t.sampleExt("logup_beta");
        // step 6
        if (a.hasAux) t.absorbWord("aux_root", a.auxRoot);
        {
            uint256[] calldata cs = a.claimedSums;
            t.absorb("num_claimed_sums", _u32le(cs.length));
            t.absorb("claimed_sums", _extBytes(cs));
        }
        // step 7
        c.constraintAlpha = t.sampleExt("constraint_alpha");
        t.absorbWord("quotient_root", a.quotientRoot);
        c.zeta = _sampleZeta(t, a.maxLogHeight, a.logBlowup);
        // step 10: the PCS transcript (pcs_verifier.verify)
        t.absorbCalldata("pcs_shape", a.pcsShape);
        {
            // the struct's members decoded once (every `a.x` access re-decodes its offset)
            uint256[] calldata vcs = a.pcsValueCounts;
            bytes calldata pts = a.pcsPoints;
            bytes calldata vals = a.pcsValues;
            require(vcs.length * 16 == pts.length, "pcs points");
            _requireCanonical(pts);
            _requireCanonical(vals);
            t.s = _absorbOpenings(t.s, vcs, pts, vals);
        }
        c.pcsAlpha = t.sampleExt("pcs_alpha");
        // FRI (verify_fri): β per layer, final polynomial, proof of work, query indices
        {
            bytes32[] calldata fc = a.friCommits;
            c.betas = new uint256[](fc.length);
            for (uint256 j = 0; j < fc.length; j++) {
                t.absorbWord("fri_commit", fc[j]);
                c.betas[j] = t.sampleExt("fri_beta");
            }
        }
        t.absorb("fri_final_poly", _extBytes(a.finalPoly));
        t.checkPow(a.powBits, a.powNonce);
        uint256 nq = a.numQueries;
        uint256 l0 = a.L0;
        c.queries = new uint256[](nq);
        for (uint256 q = 0; q < nq; q++) c.queries[q] = t.sampleBits("fri_query", l0);
    }

    /// The PCS openings' absorbs from state `s`: per (matrix, point) i, absorb("pcs_point",
    /// pts[16i .. 16i + 16]) then absorb("pcs_values", the next 16·vcs[i] bytes of vals);
    /// every byte of vals is absorbed exactly once (else "pcs values").  One assembly loop
    /// (the hash inputs built in scratch memory past the free memory pointer; each absorb's
    /// u32 label length, label and u64 data length are one constant word store).
    function _absorbOpenings(bytes32 s, uint256[] calldata vcs, bytes calldata pts, bytes calldata vals)
        private
        view
        returns (bytes32 h)
    {
        uint256 off;
        assembly ("memory-safe") {
            let m := mload(0x40)
            let vo := vals.offset
            let end := add(vo, vals.length)
            for { let i := 0 } lt(i, vcs.length) { i := add(i, 1) } {
                // H(0x00 || s || u32 9 || "pcs_point" || u64 16 || point)
                mstore(m, 0) // byte 0: 0x00
                mstore(add(m, 1), s)
                mstore(add(m, 33), 0x090000007063735f706f696e7410000000000000000000000000000000000000)
                calldatacopy(add(m, 54), add(pts.offset, shl(4, i)), 16)
                if iszero(staticcall(gas(), 0x02, m, 70, 0x00, 0x20)) { revert(0, 0) }
                s := mload(0x00)
                // H(0x00 || s || u32 10 || "pcs_values" || u64 n || values)
                let n := calldataload(add(vcs.offset, shl(5, i)))
                if gt(n, 0xffffffff) { off := 1 break }
                n := shl(4, n)
                if gt(add(vo, n), end) { off := 1 break }
                mstore(add(m, 1), s)
                mstore(add(m, 33), 0x0a0000007063735f76616c756573000000000000000000000000000000000000)
                mstore(add(m, 47), shl(192, or(shl(32, le32(n)), le32(shr(32, n)))))
                calldatacopy(add(m, 55), vo, n)
                if iszero(staticcall(gas(), 0x02, m, add(55, n), 0x00, 0x20)) { revert(0, 0) }
                s := mload(0x00)
                vo := add(vo, n)
            }
            if iszero(eq(vo, end)) { off := 1 }
            h := s

            // the low 32 bits of v, byte-reversed
            function le32(v) -> r {
                r := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), and(shr(24, v), 0xff)))
            }
        }
        require(off == 0, "pcs values");
    }

    function _sampleZeta(Transcript.State memory t, uint256 maxLog, uint256 lb) private view returns (uint256) {
        for (uint256 i = 0; i < 16; i++) {
            uint256 z = t.sampleExt("zeta");
            uint256 zn = _sqr(z, maxLog);
            uint256 y = _sqr(Field.mulBase(z, GEN_INV), maxLog + lb);
            if (zn != 1 && y != 1) return z;
        }
        revert("no admissible zeta");
    }

    /// x^(2^k) in F_p[X]/(X^4 − 11) (k squarings, as Field.mul; canonical result).
    function _sqr(uint256 x, uint256 k) private pure returns (uint256 z) {
        assembly ("memory-safe") {
            let p := 2013265921
            let m := 0xffffffffffffffff
            z := x
            for { let i := 0 } lt(i, k) { i := add(i, 1) } {
                let a0 := and(z, m)
                let a1 := and(shr(64, z), m)
                let a2 := and(shr(128, z), m)
                let a3 := shr(192, z)
                let c0 := mod(add(mul(a0, a0), mul(11, mod(add(mul(2, mul(a1, a3)), mul(a2, a2)), p))), p)
                let c1 := mod(add(mul(2, mul(a0, a1)), mul(22, mod(mul(a2, a3), p))), p)
                let c2 := mod(add(add(mul(2, mul(a0, a2)), mul(a1, a1)), mul(11, mod(mul(a3, a3), p))), p)
                let c3 := mod(mul(2, add(mul(a0, a3), mul(a1, a2))), p)
                z := or(or(c0, shl(64, c1)), or(shl(128, c2), shl(192, c3)))
            }
        }
    }

    /// Every u32 LE word of `b` is < p (the transcript's absorb_field rejects others).
    function _requireCanonical(bytes calldata b) private pure {
        require(b.length % 4 == 0, "u32 words");
        require(_canonical(b), "field element");
    }

    /// Whether every u32 LE word of `b` (length a multiple of 4) is < p (what derive
    /// requires of the opened points and values; exposed for tests).
    function isCanonical(bytes calldata b) external pure returns (bool) {
        return b.length % 4 == 0 && _canonical(b);
    }

    function _canonical(bytes calldata b) private pure returns (bool) {
        uint256 bad;
        assembly ("memory-safe") {
            // eight values per calldata word.  Fast test: a u32 LE value is < p = 15·2^27 + 1
            // if its top five bits (bits 3..7 of its last byte) are at most 14; adding 17 to
            // them (each in its own 32-bit lane, no carries: at most 31 + 17 < 2^6) sets bit
            // 5 exactly when they are >= 15.  The lanes of every full word are OR-ed into one
            // accumulator (bit 5 of a lane set iff some word's lane fails the fast test);
            // only if one does is every word checked again, a word that fails value by value
            // (15·2^27 itself is canonical).
            let full := and(b.length, not(31))
            let acc := 0
            let i := 0
            for { } lt(i, full) { i := add(i, 32) } {
                acc := or(acc, add(shr(3, and(calldataload(add(b.offset, i)),
                                                 0x000000f8000000f8000000f8000000f8000000f8000000f8000000f8000000f8)),
                                   0x0000001100000011000000110000001100000011000000110000001100000011))
            }
            if and(acc, 0x0000002000000020000000200000002000000020000000200000002000000020) {
                for { i := 0 } lt(i, full) { i := add(i, 32) } {
                    let x := calldataload(add(b.offset, i))
                    let t := add(shr(3, and(x, 0x000000f8000000f8000000f8000000f8000000f8000000f8000000f8000000f8)),
                                 0x0000001100000011000000110000001100000011000000110000001100000011)
                    if and(t, 0x0000002000000020000000200000002000000020000000200000002000000020) {
                        x := or(shl(8, and(x, 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)),
                                and(shr(8, x), 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff))
                        x := or(shl(16, and(x, 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)),
                                and(shr(16, x), 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff))
                        for { let k := 0 } lt(k, 256) { k := add(k, 32) } {
                            bad := or(bad, gt(and(shr(k, x), 0xffffffff), 0x78000000))
                        }
                    }
                }
            }
            for { i := full } lt(i, b.length) { i := add(i, 4) } {
                let v := shr(224, calldataload(add(b.offset, i)))
                v := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), shr(24, v)))
                bad := or(bad, iszero(lt(v, 2013265921)))
            }
        }
        return bad == 0;
    }

    function _u32le(uint256 v) private pure returns (bytes memory b) {
        require(v < (1 << 32), "u32");
        b = new bytes(4);
        assembly ("memory-safe") {
            mstore8(add(b, 0x20), and(v, 0xff))
            mstore8(add(b, 0x21), and(shr(8, v), 0xff))
            mstore8(add(b, 0x22), and(shr(16, v), 0xff))
            mstore8(add(b, 0x23), shr(24, v))
        }
    }

    /// u32 LE of len(xs) (lenPrefix) then every xs[i] as u32 LE; each xs[i] must be < p
    /// (field: "field element") or < 2^32 ("u32").
    function _u32Bytes(uint256[] calldata xs, bool lenPrefix, bool field) private pure returns (bytes memory b) {
        uint256 n = xs.length;
        uint256 k = lenPrefix ? 1 : 0;
        require(n < (1 << 32), "u32");
        b = new bytes(4 * (n + k));
        uint256 bad;
        assembly ("memory-safe") {
            let lim := 0x100000000
            if field { lim := 2013265921 }
            let q := add(b, 0x20)
            if k {
                // the count, byte-reversed (the store's 28 bytes past it are overwritten
                // by the values, or lie in b's padding / free memory)
                mstore(q, shl(224, le32(n)))
                q := add(q, 4)
            }
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let v := calldataload(add(xs.offset, shl(5, i)))
                bad := or(bad, iszero(lt(v, lim)))
                mstore8(q, and(v, 0xff))
                mstore8(add(q, 1), and(shr(8, v), 0xff))
                mstore8(add(q, 2), and(shr(16, v), 0xff))
                mstore8(add(q, 3), and(shr(24, v), 0xff))
                q := add(q, 4)
            }

            function le32(v) -> r {
                r := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), and(shr(24, v), 0xff)))
            }
        }
        if (bad != 0) {
            if (field) revert("field element");
            revert("u32");
        }
    }

    /// Every xs[i] (a packed extension element, checked canonical: each limb < p, else
    /// "extension element") as 4 u32 LE limbs, 16 bytes.
    function _extBytes(uint256[] calldata xs) private pure returns (bytes memory b) {
        uint256 n = xs.length;
        b = new bytes(16 * n);
        uint256 bad;
        assembly ("memory-safe") {
            let p := 2013265921
            let m := 0xffffffffffffffff
            let q := add(b, 0x20)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let x := calldataload(add(xs.offset, shl(5, i)))
                let c0 := and(x, m)
                let c1 := and(shr(64, x), m)
                let c2 := and(shr(128, x), m)
                let c3 := shr(192, x)
                bad := or(bad, or(or(iszero(lt(c0, p)), iszero(lt(c1, p))), or(iszero(lt(c2, p)), iszero(lt(c3, p)))))
                // limbs as big-endian u32s c0 c1 c2 c3 in 128 bits, then every u32 byte-reversed
                let w := or(or(shl(96, c0), shl(64, c1)), or(shl(32, c2), c3))
                w := or(shl(8, and(w, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, w), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
                w := or(shl(16, and(w, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, w), 0x0000ffff0000ffff0000ffff0000ffff))
                // the 16 bytes at q (a whole-word store: its other 16 bytes are overwritten
                // by the next element; the last one's lie in b's padding or past the free
                // memory pointer, which no one reads as data)
                mstore(q, shl(128, w))
                q := add(q, 16)
            }
        }
        require(bad == 0, "extension element");
    }

}
