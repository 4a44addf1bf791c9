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
        t.absorb("vk_digest", abi.encodePacked(a.vkDigest));
        t.absorb("num_public_values", _u32le(a.publicValues.length));
        t.absorb("public_values", _fieldBytes(a.publicValues));
        t.absorb("public_data", a.publicData);
        {
            bytes memory hs = new bytes(4 * (a.logHeights.length + 1));
            _putU32(hs, 0, a.logHeights.length);
            for (uint256 i = 0; i < a.logHeights.length; i++) _putU32(hs, 4 * (i + 1), a.logHeights[i]);
            t.absorb("log_heights", hs);
        }
        t.absorb("main_root", abi.encodePacked(a.mainRoot));
        c.logupAlpha = t.sampleExt("logup_alpha");
        c.logupBeta = t.sampleExt("logup_beta");
        // step 6
        if (a.hasAux) t.absorb("aux_root", abi.encodePacked(a.auxRoot));
        t.absorb("num_claimed_sums", _u32le(a.claimedSums.length));
        t.absorb("claimed_sums", _extBytes(a.claimedSums, 0, a.claimedSums.length));
        // step 7
        c.constraintAlpha = t.sampleExt("constraint_alpha");
        t.absorb("quotient_root", abi.encodePacked(a.quotientRoot));
        c.zeta = _sampleZeta(t, a.maxLogHeight, a.logBlowup);
        // step 10: the PCS transcript (pcs_verifier.verify)
        t.absorb("pcs_shape", a.pcsShape);
        {
            // the struct's members decoded once (every `a.x` access re-decodes its offset)
            uint256[] calldata vcs = a.pcsValueCounts;
            bytes calldata pts = a.pcsPoints;
            bytes calldata vals = a.pcsValues;
            require(vcs.length * 16 == pts.length, "pcs points");
            _requireCanonical(pts);
            _requireCanonical(vals);
            bytes memory lp = "pcs_point";
            bytes memory lv = "pcs_values";
            uint256 off = 0;
            for (uint256 i = 0; i < vcs.length; i++) {
                t.absorbCalldata(lp, pts[16 * i:16 * i + 16]);
                uint256 n = 16 * vcs[i];
                t.absorbCalldata(lv, vals[off:off + n]);
                off += n;
            }
            require(off == vals.length, "pcs values");
        }
        c.pcsAlpha = t.sampleExt("pcs_alpha");
        // FRI (verify_fri): β per layer, final polynomial, proof of work, query indices
        c.betas = new uint256[](a.friCommits.length);
        for (uint256 j = 0; j < a.friCommits.length; j++) {
            t.absorb("fri_commit", abi.encodePacked(a.friCommits[j]));
            c.betas[j] = t.sampleExt("fri_beta");
        }
        t.absorb("fri_final_poly", _extBytes(a.finalPoly, 0, a.finalPoly.length));
        t.checkPow(a.powBits, a.powNonce);
        c.queries = new uint256[](a.numQueries);
        for (uint256 q = 0; q < a.numQueries; q++) c.queries[q] = t.sampleBits("fri_query", a.L0);
    }

    function _sampleZeta(Transcript.State memory t, uint256 maxLog, uint256 lb) private view returns (uint256) {
        for (uint256 i = 0; i < 16; i++) {
            uint256 z = t.sampleExt("zeta");
            uint256 zn = z;
            for (uint256 k = 0; k < maxLog; k++) zn = Field.mul(zn, zn);
            uint256 y = Field.mulBase(z, GEN_INV);
            for (uint256 k = 0; k < maxLog + lb; k++) y = Field.mul(y, y);
            if (zn != 1 && y != 1) return z;
        }
        revert("no admissible zeta");
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
            // them (each in its own 32-bit lane, no carries) sets bit 5 exactly when they are
            // >= 15.  Only a word that fails it is checked value by value (15·2^27 itself is
            // canonical).
            let i := 0
            for { } lt(add(i, 31), b.length) { i := add(i, 32) } {
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
            for { } lt(i, b.length) { i := add(i, 4) } {
                let v := shr(224, calldataload(add(b.offset, i)))
                v := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), shr(24, v)))
                bad := or(bad, iszero(lt(v, 2013265921)))
            }
        }
        return bad == 0;
    }

    function _u32le(uint256 v) private pure returns (bytes memory b) {
        b = new bytes(4);
        _putU32(b, 0, v);
    }

    function _putU32(bytes memory b, uint256 off, uint256 v) private pure {
        require(v < (1 << 32), "u32");
        b[off] = bytes1(uint8(v));
        b[off + 1] = bytes1(uint8(v >> 8));
        b[off + 2] = bytes1(uint8(v >> 16));
        b[off + 3] = bytes1(uint8(v >> 24));
    }

    function _fieldBytes(uint256[] calldata xs) private pure returns (bytes memory b) {
        b = new bytes(4 * xs.length);
        for (uint256 i = 0; i < xs.length; i++) {
            require(xs[i] < Field.P, "field element");
            _putU32(b, 4 * i, xs[i]);
        }
    }

    function _extBytes(uint256[] calldata xs, uint256 from, uint256 n) private pure returns (bytes memory b) {
        b = new bytes(16 * n);
        for (uint256 i = 0; i < n; i++) {
            uint256 x = xs[from + i];
            require(Field.canonical(x), "extension element");
            for (uint256 c = 0; c < 4; c++) _putU32(b, 16 * i + 4 * c, (x >> (64 * c)) & Field.M64);
        }
    }

}
