// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import "./Field.sol";

/// @title MerkleFacts: batched verification of zkvm mixed-matrix Merkle openings, recorded as facts.
/// @notice Mirrors zkvm.merkle.verify.verify_opening (and the batch completion of
/// zkvm.merkle.verify.complete_paths) exactly:
///   leaf   = SHA-256(0x00 || rows as little-endian u32)
///   node   = SHA-256(0x01 || left || right)
///   inject = SHA-256(0x02 || node || leaf of the rows of that lower height)
/// One call checks the openings of several queries (strictly increasing leaf indices) of
/// one commitment against its root and, if every path leads to the root, records one fact
///   keccak256(root, logMaxHeight, keccak256(levels), keccak256(indices), keccak256(rows))
/// (every word and byte string as in abi.encodePacked).  A later transaction (the statement
/// check) recomputes the fact from the statement's own layout, the query indices it derives
/// from the transcript and the rows it uses, and requires it to be recorded.  One storage
/// write per call, not per query.  A fact is a conditional
/// truth ("under this root and layout, leaf `index` opens to these rows"), so it does not
/// matter who submitted it.  Nothing is recorded unless every query of the call verifies.
///
/// Calldata layout of registerOpenings:
///   levels   : the heights present, as (level << 32 | bytesPerRow) words, strictly
///              decreasing level, the first one == logMaxHeight (the caller derives them from
///              the statement's [(log_height, width)]: rows of one height are concatenated
///              in commit order, 4 bytes per entry);
///   indices  : leaf indices in [0, 2^logMaxHeight), strictly increasing;
///   rows     : for each query in order, for each level in order, its bytesPerRow bytes;
///   siblings : the sibling digests not computable from other queries, in the order the
///              level-by-level walk consumes them (level 0 first, queries in index order).
/// Reverts (no fact recorded) on any malformed input or mismatch.
contract MerkleFacts {
    mapping(bytes32 => bool) public facts;

    error BadShape(string what);
    error PathMismatch();

    event Registered(bytes32 root, uint256 queries);

    function isValid(bytes32 fact) external view returns (bool) {
        return facts[fact];
    }

    /// The fact recorded by registerOpenings (levelsHash = keccak256 of the packed levels,
    /// indicesHash = keccak256 of the packed indices, rowsHash = keccak256 of the rows).
    function factKey(bytes32 root, uint256 logMaxHeight, bytes32 levelsHash, bytes32 indicesHash, bytes32 rowsHash)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(root, logMaxHeight, levelsHash, indicesHash, rowsHash));
    }

    function registerOpenings(
        bytes32 root,
        uint256 logMaxHeight,
        uint256[] calldata levels,
        uint256[] calldata indices,
        bytes calldata rows,
        bytes32[] calldata siblings
    ) external {
        bytes32 fact = _walk(root, logMaxHeight, levels, indices, rows, siblings);
        facts[fact] = true;
        emit Registered(root, indices.length);
    }

    /// The DEEP part of one commitment round (zkvm.stark.pcs_verifier, query_inputs), computed
    /// from the rows this call authenticates, so the rows are sent once.
    ///   alpha: the PCS batching challenge (packed extension element);
    ///   mats:  per matrix, commit order: L | w << 8 | byteOffset << 32 | firstTerm << 64 |
    ///          termCount << 96 (L its LDE log-height, w the columns used, byteOffset of its
    ///          row inside a query's rows);
    ///   terms: per opening point, 3 words: z, ys = Σ_j α^j·v_j(z), off (packed extension);
    ///   slots: the distinct L of the round, decreasing (the output order).
    /// For every leaf index i and matrix m: comb = Σ_{j<w} row_j·α^j, x the LDE point of
    /// i >> (Lr − L) (Lr = logMaxHeight), and RO_L(i) += off·(comb − ys)/(x − z).
    /// Records keccak256(openings fact, keccak256(abi.encode(alpha, mats, terms, slots)),
    /// keccak256(abi.encodePacked(partials))) and returns the partials (indices × slots).
    function registerOpeningsDeep(
        bytes32 root,
        uint256 logMaxHeight,
        uint256[] calldata levels,
        uint256[] calldata indices,
        bytes calldata rows,
        bytes32[] calldata siblings,
        Deep calldata d
    ) external returns (uint256[] memory partials) {
        bytes32 fact = _walk(root, logMaxHeight, levels, indices, rows, siblings);
        partials = _deep(logMaxHeight, indices, rows, rows.length / indices.length, d);
        bytes32 spec = keccak256(abi.encode(d.alpha, d.mats, d.terms, d.slots));
        facts[keccak256(abi.encodePacked(fact, spec, keccak256(abi.encodePacked(partials))))] = true;
        emit Registered(root, indices.length);
    }

    struct Deep {
        uint256 alpha;
        uint256[] mats;
        uint256[] terms;
        uint256[] slots;
    }

    function _deep(uint256 Lr, uint256[] calldata indices, bytes calldata rows, uint256 rowBytes, Deep calldata d)
        private
        view
        returns (uint256[] memory partials)
    {
        if (!Field.canonical(d.alpha)) revert BadShape("alpha");
        for (uint256 t = 0; t < d.terms.length; t++) if (!Field.canonical(d.terms[t])) revert BadShape("term");
        uint256 maxW = 0;
        uint256 nextTerm = 0; // the matrices' term ranges must tile [0, terms/3) in order
        for (uint256 m = 0; m < d.mats.length; m++) {
            uint256 mm = d.mats[m];
            if ((mm >> 64) & 0xffffffff != nextTerm) revert BadShape("term ranges");
            nextTerm += (mm >> 96) & 0xffffffff;
            uint256 w = (mm >> 8) & 0xffffff;
            if ((mm & 0xff) > Lr || ((mm >> 32) & 0xffffffff) + 4 * w > rowBytes) revert BadShape("matrix");
            if (((mm >> 64) & 0xffffffff) + ((mm >> 96) & 0xffffffff) > d.terms.length / 3) revert BadShape("terms");
            if (_slot(d.slots, mm & 0xff) == type(uint256).max) revert BadShape("slot");
            if (w > maxW) maxW = w;
        }
        if (nextTerm * 3 != d.terms.length) revert BadShape("term ranges");
        // α^j as four limb arrays (lazy reduction in the row combination)
        uint256[] memory ap = new uint256[](2 * maxW);
        {
            uint256 x = 1;
            for (uint256 j = 0; j < maxW; j++) {
                ap[2 * j] = (x & Field.M64) | (((x >> 64) & Field.M64) << 128);
                ap[2 * j + 1] = ((x >> 128) & Field.M64) | ((x >> 192) << 128);
                x = Field.mul(x, d.alpha);
            }
        }
        uint256[] memory cs = this.combs(rows, rowBytes, d.mats, ap);
        partials = this.deepSums(Lr, indices, cs, d.mats, d.terms, d.slots);
    }

    /// For every leaf index and matrix: RO_L += Σ_terms off·(comb − ys)/(x − z) (see
    /// registerOpeningsDeep), from the row combinations `cs` (leaves × matrices).  An
    /// external (self-)call for the same reason as combs; pure arithmetic, proves nothing
    /// by itself.
    function deepSums(
        uint256 Lr,
        uint256[] calldata indices,
        uint256[] calldata cs,
        uint256[] calldata mats,
        uint256[] calldata terms,
        uint256[] calldata slots
    ) external view returns (uint256[] memory partials) {
        uint256 ns = slots.length;
        uint256 nm = mats.length;
        if (cs.length != indices.length * nm) revert BadShape("combs");
        partials = new uint256[](indices.length * ns);
        uint256 nt = terms.length / 3;
        uint256[] memory den = new uint256[](nt);
        uint256[] memory pre = new uint256[](nt);
        for (uint256 q = 0; q < indices.length; q++) {
            // every term's x − z (x: the matrix's LDE point), inverted together (Montgomery)
            {
                uint256 lastL = type(uint256).max;
                uint256 x;
                uint256 run = 1;
                for (uint256 m = 0; m < nm; m++) {
                    uint256 mm = mats[m];
                    uint256 L = mm & 0xff;
                    if (L != lastL) {
                        x = Field.domainPoint(L, indices[q] >> (Lr - L), Field.GENERATOR);
                        lastL = L;
                    }
                    uint256 t0 = (mm >> 64) & 0xffffffff;
                    uint256 t1 = t0 + ((mm >> 96) & 0xffffffff);
                    for (uint256 t = t0; t < t1; t++) {
                        uint256 dz = Field.sub(x, terms[3 * t]);
                        if (dz == 0) revert BadShape("opening point in the LDE domain");
                        den[t] = dz;
                        pre[t] = run;
                        run = Field.mul(run, dz);
                    }
                }
                uint256 inv = Field.inv(run);
                for (uint256 t = nt; t > 0; t--) {
                    if (den[t - 1] == 0) continue; // a term no matrix uses
                    uint256 it = Field.mul(inv, pre[t - 1]);
                    inv = Field.mul(inv, den[t - 1]);
                    den[t - 1] = it;
                }
            }
            for (uint256 m = 0; m < nm; m++) {
                uint256 mm = mats[m];
                uint256 si = q * ns + _slot(slots, mm & 0xff);
                uint256 comb = cs[q * nm + m];
                uint256 acc = partials[si];
                uint256 t0 = (mm >> 64) & 0xffffffff;
                uint256 t1 = t0 + ((mm >> 96) & 0xffffffff);
                for (uint256 t = t0; t < t1; t++) {
                    // off · (comb − ys) / (x − z)
                    uint256 num = Field.mul(terms[3 * t + 2], Field.sub(comb, terms[3 * t + 1]));
                    acc = Field.add(acc, Field.mul(num, den[t]));
                }
                partials[si] = acc;
            }
            for (uint256 t = 0; t < nt; t++) den[t] = 0;
        }
    }

    function _slot(uint256[] calldata slots, uint256 L) private pure returns (uint256) {
        for (uint256 i = 0; i < slots.length; i++) if (slots[i] == L) return i;
        return type(uint256).max;
    }

    /// Every leaf's and matrix's Σ_{j<w} row_j·α^j (row_j: u32 LE, canonical), as one
    /// external (self-)call: compiled as its own function, the unrolled loop below stays on
    /// the stack (~110 gas per value instead of ~350 inlined into _deep).  `ap` holds α^j
    /// as two words per j (c0 | c1 << 128, c2 | c3 << 128): one multiplication feeds two
    /// 128-bit lanes (products < 2^62: no lane overflows below 2^66 terms).  Pure: anyone
    /// may call it; it proves nothing by itself.
    function combs(bytes calldata rows, uint256 rowBytes, uint256[] calldata mats, uint256[] calldata ap)
        external
        pure
        returns (uint256[] memory out)
    {
        uint256 nm = mats.length;
        if (rowBytes == 0 || rows.length % rowBytes != 0) revert BadShape("rows");
        uint256 nq = rows.length / rowBytes;
        out = new uint256[](nq * nm);
        for (uint256 q = 0; q < nq; q++) {
            for (uint256 m = 0; m < nm; m++) {
                uint256 mm = mats[m];
                uint256 w = (mm >> 8) & 0xffffff;
                uint256 off = q * rowBytes + ((mm >> 32) & 0xffffffff);
                if (off + 4 * w > (q + 1) * rowBytes || 2 * w > ap.length) revert BadShape("row");
                out[q * nm + m] = _comb(rows[off:], w, ap);
            }
        }
    }

    function _comb(bytes calldata row, uint256 w, uint256[] calldata ap) private pure returns (uint256 r) {
        uint256 bad;
        assembly ("memory-safe") {
            let lo := 0
            let hi := 0
            let src := row.offset
            let apd := ap.offset
            let j := 0
            let v := 0
            // eight values per calldata word: swap the bytes of every 32-bit lane at once
            for { } lt(add(j, 7), w) { j := add(j, 8) } {
                let x := calldataload(add(src, shl(2, j)))
                x := or(shl(8, and(x, 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)),
                        and(shr(8, x), 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff))
                x := or(shl(16, and(x, 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)),
                        and(shr(16, x), 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff))
                let e := add(apd, shl(6, j))
                v := and(shr(224, x), 0xffffffff)
                bad := or(bad, iszero(lt(v, 2013265921)))
                lo := add(lo, mul(v, calldataload(add(e, 0))))
                hi := add(hi, mul(v, calldataload(add(e, 32))))
                v := and(shr(192, x), 0xffffffff)
                bad := or(bad, iszero(lt(v, 2013265921)))
                lo := add(lo, mul(v, calldataload(add(e, 64))))
                hi := add(hi, mul(v, calldataload(add(e, 96))))
                v := and(shr(160, x), 0xffffffff)
                bad := or(bad, iszero(lt(v, 2013265921)))
                lo := add(lo, mul(v, calldataload(add(e, 128))))
                hi := add(hi, mul(v, calldataload(add(e, 160))))
                v := and(shr(128, x), 0xffffffff)
                bad := or(bad, iszero(lt(v, 2013265921)))
                lo := add(lo, mul(v, calldataload(add(e, 192))))
                hi := add(hi, mul(v, calldataload(add(e, 224))))
                v := and(shr(96, x), 0xffffffff)
                bad := or(bad, iszero(lt(v, 2013265921)))
                lo := add(lo, mul(v, calldataload(add(e, 256))))
                hi := add(hi, mul(v, calldataload(add(e, 288))))
                v := and(shr(64, x), 0xffffffff)
                bad := or(bad, iszero(lt(v, 2013265921)))
                lo := add(lo, mul(v, calldataload(add(e, 320))))
                hi := add(hi, mul(v, calldataload(add(e, 352))))
                v := and(shr(32, x), 0xffffffff)
                bad := or(bad, iszero(lt(v, 2013265921)))
                lo := add(lo, mul(v, calldataload(add(e, 384))))
                hi := add(hi, mul(v, calldataload(add(e, 416))))
                v := and(shr(0, x), 0xffffffff)
                bad := or(bad, iszero(lt(v, 2013265921)))
                lo := add(lo, mul(v, calldataload(add(e, 448))))
                hi := add(hi, mul(v, calldataload(add(e, 480))))
            }
            for { } lt(j, w) { j := add(j, 1) } {
                v := shr(224, calldataload(add(src, shl(2, j))))
                v := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), shr(24, v)))
                bad := or(bad, iszero(lt(v, 2013265921)))
                let e := add(apd, shl(6, j))
                lo := add(lo, mul(v, calldataload(e)))
                hi := add(hi, mul(v, calldataload(add(e, 0x20))))
            }
            let p := 2013265921
            let m := 0xffffffffffffffffffffffffffffffff
            r := or(or(mod(and(lo, m), p), shl(64, mod(shr(128, lo), p))),
                    or(shl(128, mod(and(hi, m), p)), shl(192, mod(shr(128, hi), p))))
        }
        if (bad != 0) revert BadShape("non-canonical row");
    }

    function _walk(
        bytes32 root,
        uint256 logMaxHeight,
        uint256[] calldata levels,
        uint256[] calldata indices,
        bytes calldata rows,
        bytes32[] calldata siblings
    ) private view returns (bytes32) {
        uint256 L = logMaxHeight;
        if (L > 31) revert BadShape("logMaxHeight");
        uint256 nq = indices.length;
        uint256 nl = levels.length;
        if (nq == 0 || nl == 0) revert BadShape("empty");
        if (levels[0] >> 32 != L) revert BadShape("first level");
        uint256 rowBytes = 0;
        for (uint256 j = 0; j < nl; j++) {
            uint256 lv = levels[j] >> 32;
            uint256 nb = levels[j] & 0xffffffff;
            if (nb == 0 || nb % 4 != 0) revert BadShape("level bytes");
            if (j > 0 && lv >= levels[j - 1] >> 32) revert BadShape("levels order");
            rowBytes += nb;
        }
        if (rows.length != rowBytes * nq) revert BadShape("rows length");
        for (uint256 q = 0; q < nq; q++) {
            if (indices[q] >> L != 0) revert BadShape("index range");
            if (q > 0 && indices[q] <= indices[q - 1]) revert BadShape("indices order");
        }
        // rows entries must be u32 (any 4 bytes are), and the walk below binds them.
        bytes32 levelsHash = keccak256(abi.encodePacked(levels));

        // Per live node: position, digest, first query whose path it is.
        uint256[] memory pos = new uint256[](nq);
        bytes32[] memory dig = new bytes32[](nq);
        uint256[] memory owner = new uint256[](nq);
        uint256[] memory span = new uint256[](nq); // number of queries merged into the node
        for (uint256 q = 0; q < nq; q++) {
            pos[q] = indices[q];
            dig[q] = _leaf(rows, q * rowBytes, levels[0] & 0xffffffff);
            owner[q] = q;
            span[q] = 1;
        }
        uint256 live = nq;
        uint256 sp = 0; // siblings consumed
        uint256 nextLevel = 1; // index into levels of the next injected height
        for (uint256 k = 0; k < L; k++) {
            uint256 lvl = L - k - 1;
            bool inject = nextLevel < nl && (levels[nextLevel] >> 32) == lvl;
            uint256 injOff = 0;
            uint256 injLen = 0;
            if (inject) {
                for (uint256 j = 0; j < nextLevel; j++) injOff += levels[j] & 0xffffffff;
                injLen = levels[nextLevel] & 0xffffffff;
                nextLevel++;
            }
            uint256 out = 0;
            uint256 i = 0;
            while (i < live) {
                uint256 p = pos[i];
                bytes32 parent;
                uint256 o = owner[i];
                uint256 s = span[i];
                if (i + 1 < live && pos[i + 1] == (p ^ 1)) {
                    // both children known (p even, since positions are increasing)
                    parent = _node(dig[i], dig[i + 1]);
                    s += span[i + 1];
                    i += 2;
                } else {
                    if (sp >= siblings.length) revert BadShape("siblings short");
                    bytes32 sib = siblings[sp++];
                    parent = (p & 1) == 1 ? _node(sib, dig[i]) : _node(dig[i], sib);
                    i += 1;
                }
                if (inject) {
                    // every query under this node opens the same row at this height:
                    // hash the first one's, require the others' to be byte-identical.
                    uint256 base = injOff;
                    bytes32 lf = _leaf(rows, o * rowBytes + base, injLen);
                    for (uint256 t = 1; t < s; t++) {
                        if (keccak256(rows[(o + t) * rowBytes + base:(o + t) * rowBytes + base + injLen])
                            != keccak256(rows[o * rowBytes + base:o * rowBytes + base + injLen])) {
                            revert PathMismatch();
                        }
                    }
                    parent = _inject(parent, lf);
                }
                pos[out] = p >> 1;
                dig[out] = parent;
                owner[out] = o;
                span[out] = s;
                out++;
            }
            live = out;
        }
        if (nextLevel != nl) revert BadShape("level below the tree");
        if (sp != siblings.length) revert BadShape("siblings long");
        if (live != 1 || dig[0] != root) revert PathMismatch();
        return factKey(root, L, levelsHash, keccak256(abi.encodePacked(indices)), keccak256(rows));
    }

    function _sha(uint256 ptr, uint256 len) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            if iszero(staticcall(gas(), 0x02, ptr, len, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    function _leaf(bytes calldata rows, uint256 off, uint256 len) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore8(m, 0x00)
            calldatacopy(add(m, 1), add(rows.offset, off), len)
            if iszero(staticcall(gas(), 0x02, m, add(len, 1), 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    function _node(bytes32 l, bytes32 r) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore8(m, 0x01)
            mstore(add(m, 1), l)
            mstore(add(m, 33), r)
            if iszero(staticcall(gas(), 0x02, m, 65, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    function _inject(bytes32 n, bytes32 lf) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore8(m, 0x02)
            mstore(add(m, 1), n)
            mstore(add(m, 33), lf)
            if iszero(staticcall(gas(), 0x02, m, 65, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }
}
