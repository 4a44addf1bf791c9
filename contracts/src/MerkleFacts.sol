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

    /// The fact registerOpenings would record for these arguments, without recording it
    /// (reverts exactly when registerOpenings does): FriQueries.verifyWithPaths checks the
    /// FRI layers' paths with it.
    function openingFact(
        bytes32 root,
        uint256 logMaxHeight,
        uint256[] calldata levels,
        uint256[] calldata indices,
        bytes calldata rows,
        bytes32[] calldata siblings
    ) external view returns (bytes32) {
        return _walk(root, logMaxHeight, levels, indices, rows, siblings);
    }

    /// One registerOpenings call's arguments (registerOpeningsMany).
    struct Opening {
        bytes32 root;
        uint256 logMaxHeight;
        uint256[] levels;
        uint256[] indices;
        bytes rows;
        bytes32[] siblings;
    }

    /// registerOpenings for several commitments in one transaction (the FRI layers: one
    /// transaction's base cost instead of one per layer); records the same facts, one per
    /// opening, and reverts (nothing recorded) unless every opening verifies.
    function registerOpeningsMany(Opening[] calldata ops) external {
        for (uint256 i = 0; i < ops.length; i++) {
            Opening calldata o = ops[i];
            facts[_walk(o.root, o.logMaxHeight, o.levels, o.indices, o.rows, o.siblings)] = true;
            emit Registered(o.root, o.indices.length);
        }
    }

    /// The DEEP part of one commitment round (zkvm.stark.pcs_verifier, query_inputs), computed
    /// from the rows this call authenticates, so the rows are sent once.
    ///   alpha: the PCS batching challenge (packed extension element);
    ///   mats:  per matrix, commit order: L | w << 8 | byteOffset << 32 | firstTerm << 64 |
    ///          termCount << 96 (L its LDE log-height, w the columns used, byteOffset of its
    ///          row inside a query's rows);
    ///   terms: per opening point, 3 words: z, ys = Σ_{c∈C} α^c·v_c(z), off (packed extension);
    ///   slots: the distinct L of the round, decreasing (the output order);
    ///   cols:  per term, in term order, its column set C: one word n, then (n > 0) n
    ///          strictly increasing column indices < w; n = 0: every column (C = [0, w)).
    ///          Proof format v6 opens at ζ·ω only the columns a constraint reads at the next
    ///          row; c is the ORIGINAL column index (α^c, not α^position).
    /// For every leaf index i and term t of matrix m: comb_t = Σ_{c∈C_t} row_c·α^c, x the LDE
    /// point of i >> (Lr − L) (Lr = logMaxHeight), and RO_L(i) += off_t·(comb_t − ys_t)/(x − z_t).
    /// Records keccak256(openings fact, keccak256(abi.encode(alpha, mats, terms, slots, cols)),
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
        bytes32 spec = keccak256(abi.encode(d.alpha, d.mats, d.terms, d.slots, d.cols));
        facts[keccak256(abi.encodePacked(fact, spec, keccak256(abi.encodePacked(partials))))] = true;
        emit Registered(root, indices.length);
    }

    struct Deep {
        uint256 alpha;
        uint256[] mats;
        uint256[] terms;
        uint256[] slots;
        uint256[] cols;
    }

    /// One input round of registerOpeningsDeepMany: registerOpeningsDeep's arguments less
    /// the leaf indices and logMaxHeight, which the rounds share.
    struct DeepRound {
        bytes32 root;
        uint256[] levels;
        bytes rows;
        bytes32[] siblings;
        Deep d;
    }

    /// registerOpeningsDeep for several input rounds opened at the same leaf indices of
    /// trees of the same height (a receipt's rounds at the same LDE height: one
    /// transaction's base cost instead of one per round, the α powers computed once).  All
    /// rounds must have the same α (else BadShape).  Records exactly the facts the separate
    /// registerOpeningsDeep(root_r, logMaxHeight, levels_r, indices, rows_r, siblings_r, d_r)
    /// calls would record, one per round, and returns their partials concatenated in round
    /// order (round r: indices × its slots); reverts (nothing recorded) unless every round
    /// verifies.
    function registerOpeningsDeepMany(uint256 logMaxHeight, uint256[] calldata indices, DeepRound[] calldata rs)
        external
        returns (uint256[] memory all)
    {
        uint256 n = rs.length;
        uint256 nq = indices.length;
        if (n == 0 || nq == 0) revert BadShape("empty");
        uint256 alpha = rs[0].d.alpha;
        if (!Field.canonical(alpha)) revert BadShape("alpha");
        uint256 maxW = 0;
        uint256 total = 0;
        uint256[][] memory tcs = new uint256[][](n);
        for (uint256 r = 0; r < n; r++) {
            DeepRound calldata x = rs[r];
            Deep calldata d = x.d;
            if (d.alpha != alpha) revert BadShape("alpha");
            (uint256 w, uint256[] memory tc) =
                _checkDeep(logMaxHeight, x.rows.length / nq, d.mats, d.terms, d.cols, d.slots);
            tcs[r] = tc;
            if (w > maxW) maxW = w;
            total += nq * d.slots.length;
        }
        uint256[] memory ap = _powers(alpha, maxW);
        all = new uint256[](total);
        uint256 at = 0;
        for (uint256 r = 0; r < n; r++) {
            uint256 fmp;
            assembly ("memory-safe") {
                fmp := mload(0x40)
            }
            uint256[] memory part = _deepRound(logMaxHeight, indices, rs[r], ap, tcs[r]);
            // (part.length = nq · its slots: deepSums' output; checked, as the copy is unchecked)
            if (at + part.length > total) revert BadShape("partials");
            // nothing the round allocated is used after it (its partials are copied): the
            // next round reuses that memory (no further expansion cost)
            assembly ("memory-safe") {
                let len := mload(part)
                mcopy(add(add(all, 0x20), shl(5, at)), add(part, 0x20), shl(5, len))
                at := add(at, len)
                mstore(0x40, fmp)
            }
        }
    }

    /// One round of registerOpeningsDeepMany (its shape already checked: tc from _checkDeep,
    /// ap the α powers up to at least its widest matrix): as registerOpeningsDeep.
    function _deepRound(uint256 Lr, uint256[] calldata indices, DeepRound calldata x, uint256[] memory ap,
                        uint256[] memory tc) private returns (uint256[] memory partials) {
        bytes32 root = x.root;
        bytes calldata rows = x.rows;
        bytes32 fact = _walk(root, Lr, x.levels, indices, rows, x.siblings);
        Deep calldata d = x.d;
        partials = _deepWith(Lr, indices, rows, rows.length / indices.length, d, ap, tc);
        bytes32 spec = keccak256(abi.encode(d.alpha, d.mats, d.terms, d.slots, d.cols));
        facts[keccak256(abi.encodePacked(fact, spec, keccak256(abi.encodePacked(partials))))] = true;
        emit Registered(root, indices.length);
    }

    function _deep(uint256 Lr, uint256[] calldata indices, bytes calldata rows, uint256 rowBytes, Deep calldata d)
        private
        view
        returns (uint256[] memory partials)
    {
        if (!Field.canonical(d.alpha)) revert BadShape("alpha");
        (uint256 maxW, uint256[] memory tc) = _checkDeep(Lr, rowBytes, d.mats, d.terms, d.cols, d.slots);
        partials = _deepWith(Lr, indices, rows, rowBytes, d, _powers(d.alpha, maxW), tc);
    }

    /// α^j for j < maxW, packed (one word per j: four 64-bit lanes, for the row combinations).
    function _powers(uint256 al, uint256 maxW) private pure returns (uint256[] memory ap) {
        ap = new uint256[](maxW);
        assembly ("memory-safe") {
            // as Field.mul, lane-parallel (see _deepLeaves' extmul)
            let x := 1
            let at := add(ap, 0x20)
            for { let j := 0 } lt(j, maxW) { j := add(j, 1) } {
                mstore(add(at, shl(5, j)), x)
                x := mulx4(x, al)
            }
            function mulx4(x_, y) -> z {
                let p := 2013265921
                z := mul(x_, and(y, 0xffffffffffffffff))
                x_ := or(shl(64, x_), mulmod(shr(192, x_), 11, p))
                z := add(z, mul(x_, and(shr(64, y), 0xffffffffffffffff)))
                x_ := or(shl(64, x_), mulmod(shr(192, x_), 11, p))
                z := add(z, mul(x_, and(shr(128, y), 0xffffffffffffffff)))
                x_ := or(shl(64, x_), mulmod(shr(192, x_), 11, p))
                z := add(z, mul(x_, shr(192, y)))
                z := or(or(mod(and(z, 0xffffffffffffffff), p), shl(64, mod(and(shr(64, z), 0xffffffffffffffff), p))),
                        or(shl(128, mod(and(shr(128, z), 0xffffffffffffffff), p)), shl(192, mod(shr(192, z), p))))
            }
        }
    }

    /// The DEEP partials of one round from its checked shape (tc) and the α powers ap
    /// (ap.length ≥ its widest matrix).
    function _deepWith(uint256 Lr, uint256[] calldata indices, bytes calldata rows, uint256 rowBytes, Deep calldata d,
                       uint256[] memory ap, uint256[] memory tc) private view returns (uint256[] memory partials) {
        uint256[] calldata mats = d.mats;
        uint256[] memory cs = _termCombs(rows, rowBytes, mats, ap, d.cols, tc, this.combs(rows, rowBytes, mats, ap));
        partials = this.deepSums(Lr, indices, cs, mats, d.terms, d.slots);
    }

    /// For every leaf index and term: RO_L += off·(comb − ys)/(x − z) (see
    /// registerOpeningsDeep), from the row combinations `cs` (leaves × terms).  An
    /// external (self-)call for the same reason as combs; pure arithmetic, proves nothing
    /// by itself.
    /// The terms are grouped by (slot, z): for a group g of a leaf,
    ///   Σ_{t∈g} off_t·(comb_t − ys_t)/(x − z_g) = (Σ_{t∈g} off_t·comb_t − C_g)/(x − z_g)
    /// with C_g = Σ_{t∈g} off_t·ys_t independent of the leaf (computed once), so a leaf costs
    /// one extension multiplication per term and two per group: 1/(x − z_g) with x in F_p
    /// is ((x − A) + X·B)·(e0 − u·e1)/N(x) (z_g = A + X·B over F_p[u]/(u² − 11), N(x) in
    /// F_p its norm; see _deepLeaves' dens), the N of a leaf's groups inverted together
    /// (Montgomery's trick in F_p, one modexp per leaf).  Every LDE point of a leaf
    /// comes from one modexp: with k = Lr − L, (ω_Lr^{bitrev_Lr(i)})^{2^k} = ω_L^{bitrev_L(i >> k)}
    /// (the low k bits of i land above bit L of bitrev_Lr(i)).  Same field values as the
    /// term-by-term sum.
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
        uint256 nt = terms.length / 3;
        if (cs.length != indices.length * nt) revert BadShape("combs");
        if (Lr > 27) revert BadShape("logMaxHeight");
        for (uint256 s = 0; s < ns; s++) {
            if (slots[s] > Lr || (s > 0 && slots[s] >= slots[s - 1])) revert BadShape("slots");
        }
        partials = new uint256[](indices.length * ns);
        // the groups: distinct (slot, z) of the terms, in order of first use
        uint256[] memory tg = new uint256[](nt); // term -> group
        uint256[] memory gz = new uint256[](nt); // group -> z
        uint256[] memory gs = new uint256[](nt); // group -> slot
        uint256[] memory gc = new uint256[](nt); // group -> Σ off·ys
        uint256 ng = 0;
        uint256 bad = 0;
        assembly ("memory-safe") {
            // as the Solidity loop it replaces (Field.add/Field.mul: lane-parallel, see
            // _deepLeaves' extmul); a slot missing or a term range past nt sets bad
            let tgd := add(tg, 0x20)
            let gzd := add(gz, 0x20)
            let gsd := add(gs, 0x20)
            let gcd := add(gc, 0x20)
            for { let m := 0 } lt(m, nm) { m := add(m, 1) } {
                let mm := calldataload(add(mats.offset, shl(5, m)))
                let s := slotOf(slots.offset, ns, and(mm, 0xff))
                if eq(s, ns) { bad := 1 }
                let t := and(shr(64, mm), 0xffffffff)
                let t1 := add(t, and(shr(96, mm), 0xffffffff))
                if gt(t1, nt) { bad := 1 t1 := t }
                for { } lt(t, t1) { t := add(t, 1) } {
                    let tp := add(terms.offset, mul(96, t))
                    let z := calldataload(tp)
                    let g := 0
                    for { } and(lt(g, ng), or(iszero(eq(mload(add(gsd, shl(5, g))), s)),
                                              iszero(eq(mload(add(gzd, shl(5, g))), z)))) { } { g := add(g, 1) }
                    if eq(g, ng) {
                        mstore(add(gzd, shl(5, g)), z)
                        mstore(add(gsd, shl(5, g)), s)
                        ng := add(ng, 1)
                    }
                    mstore(add(tgd, shl(5, t)), g)
                    let at := add(gcd, shl(5, g))
                    mstore(at, extadd(mload(at), extmul(calldataload(add(tp, 64)), calldataload(add(tp, 32)))))
                }
            }

            function slotOf(so, n, L) -> r {
                for { } lt(r, n) { r := add(r, 1) } { if eq(calldataload(add(so, shl(5, r))), L) { break } }
            }

            function extadd(x, y) -> z {
                let p := 2013265921
                let mk := 0xffffffffffffffff
                z := or(or(addmod(and(x, mk), and(y, mk), p), shl(64, addmod(and(shr(64, x), mk), and(shr(64, y), mk), p))),
                        or(shl(128, addmod(and(shr(128, x), mk), and(shr(128, y), mk), p)), shl(192, addmod(shr(192, x), shr(192, y), p))))
            }

            function extmul(x, y) -> z {
                let p := 2013265921
                z := mul(x, and(y, 0xffffffffffffffff))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, and(shr(64, y), 0xffffffffffffffff)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, and(shr(128, y), 0xffffffffffffffff)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, shr(192, y)))
                z := or(or(mod(and(z, 0xffffffffffffffff), p), shl(64, mod(and(shr(64, z), 0xffffffffffffffff), p))),
                        or(shl(128, mod(and(shr(128, z), 0xffffffffffffffff), p)), shl(192, mod(shr(192, z), p))))
            }
        }
        if (bad != 0) revert BadShape("terms");
        _deepLeaves(DeepCtx(Lr, ns, nt, ng, tg, gz, gs, gc), indices, cs, terms, slots, partials);
    }

    struct DeepCtx {
        uint256 Lr;
        uint256 ns;
        uint256 nt;
        uint256 ng;
        uint256[] tg;
        uint256[] gz;
        uint256[] gs;
        uint256[] gc;
    }

    /// The per-leaf part of deepSums, one assembly block (see there).
    function _deepLeaves(
        DeepCtx memory c,
        uint256[] calldata indices,
        uint256[] calldata cs,
        uint256[] calldata terms,
        uint256[] calldata slots,
        uint256[] memory partials
    ) private view {
        uint256 bad;
        assembly ("memory-safe") {
            // Context words at ctx (every loop below is its own Yul function with few
            // live variables: a stack-too-deep block would be moved to memory by via-IR):
            // 0 ng, 1 ns, 2 nt, 3 Lr, 4 tg, 5 gz, 6 gs, 7 gc (array data), 8 xs[ns],
            // 9 den[ng], 10 pre[ng], 11 acc[ng], 12 modexp scratch, 13 partials data,
            // 14 indices, 15 cs, 16 nn[ng], 17 terms, 18 slots (calldata offsets), 19 gk[4·ng]
            let cx_ := mload(0x40)
            mstore(cx_, mload(add(c, 0x60)))
            mstore(add(cx_, 0x20), mload(add(c, 0x20)))
            mstore(add(cx_, 0x40), mload(add(c, 0x40)))
            mstore(add(cx_, 0x60), mload(c))
            mstore(add(cx_, 0x80), add(mload(add(c, 0x80)), 0x20))
            mstore(add(cx_, 0xa0), add(mload(add(c, 0xa0)), 0x20))
            mstore(add(cx_, 0xc0), add(mload(add(c, 0xc0)), 0x20))
            mstore(add(cx_, 0xe0), add(mload(add(c, 0xe0)), 0x20))
            let xs_ := add(cx_, 0x280)
            mstore(add(cx_, 0x100), xs_)
            let ng_ := mload(cx_)
            mstore(add(cx_, 0x120), add(xs_, shl(5, mload(add(cx_, 0x20)))))
            mstore(add(cx_, 0x140), add(mload(add(cx_, 0x120)), shl(5, ng_)))
            mstore(add(cx_, 0x160), add(mload(add(cx_, 0x140)), shl(5, ng_)))
            mstore(add(cx_, 0x180), add(mload(add(cx_, 0x160)), shl(5, ng_)))
            mstore(add(cx_, 0x1a0), add(partials, 0x20))
            mstore(add(cx_, 0x1c0), indices.offset)
            mstore(add(cx_, 0x1e0), cs.offset)
            mstore(add(cx_, 0x220), terms.offset)
            mstore(add(cx_, 0x240), slots.offset)
            mstore(add(cx_, 0x200), add(mload(add(cx_, 0x180)), 0xc0)) // after the modexp scratch
            mstore(add(cx_, 0x260), add(mload(add(cx_, 0x200)), shl(5, ng_)))
            setup(cx_)
            for { let q := 0 } lt(q, indices.length) { q := add(q, 1) } {
                points(cx_, q)
                if iszero(dens(cx_)) { bad := 1 break }
                accum(cx_, q)
                fin(cx_, q)
            }

            // xs[s] = 31·ω_{L_s}^{bitrev(i >> (Lr − L_s))} for leaf q (one modexp)
            function points(ctx, q) {
                let Lr := mload(add(ctx, 0x60))
                let y := modexp(mload(add(ctx, 0x180)), 31,
                                mul(shr(Lr, 2013265920), bitrev(calldataload(add(mload(add(ctx, 0x1c0)), shl(5, q))), Lr)))
                let sl := mload(add(ctx, 0x240))
                let xs := mload(add(ctx, 0x100))
                let ns := mload(add(ctx, 0x20))
                for { let s := 0 } lt(s, ns) { s := add(s, 1) } {
                    let L := calldataload(add(sl, shl(5, s)))
                    for { } gt(Lr, L) { Lr := sub(Lr, 1) } { y := mulmod(y, y, 2013265921) }
                    mstore(add(xs, shl(5, s)), mulmod(31, y, 2013265921))
                }
            }

            // Per group, once per call, for 1/(x − z) with x in F_p (below): z = A + X·B over
            // F_p[u]/(u² − 11), u = X²; gk[g] = [z0, zc = z1·X − z2·X² + z3·X³ (packed),
            // K0 = 11·z2² − 22·z1·z3, K1 = z1² + 11·z3²]
            function setup(ctx) {
                let p := 2013265921
                let mk := 0xffffffffffffffff
                let gz := mload(add(ctx, 0xa0))
                let gk := mload(add(ctx, 0x260))
                for { let g := 0 } lt(g, mload(ctx)) { g := add(g, 1) } {
                    let z := mload(add(gz, shl(5, g)))
                    let z1 := and(shr(64, z), mk)
                    let z2 := and(shr(128, z), mk)
                    let z3 := shr(192, z)
                    let o := add(gk, shl(7, g))
                    mstore(o, and(z, mk))
                    mstore(add(o, 0x20), or(or(shl(64, z1), shl(128, mod(sub(p, z2), p))), shl(192, z3)))
                    mstore(add(o, 0x40), addmod(mulmod(11, mulmod(z2, z2, p), p), sub(p, mulmod(22, mulmod(z1, z3, p), p)), p))
                    mstore(add(o, 0x60), addmod(mulmod(z1, z1, p), mulmod(11, mulmod(z3, z3, p), p), p))
                }
            }

            // den[g] = 1/(x_{slot g} − z_g), acc[g] = 0; 0 if some x = z.  With a0 = x − z0,
            // a1 = −z2: x − z = (x − A) − X·B, so (x − z)·((x − A) + X·B) = (x − A)² − u·B² =
            // e0 + u·e1 (e0 = a0² + K0, e1 = 2·a0·a1 − K1) and (e0 + u·e1)(e0 − u·e1) = N =
            // e0² − 11·e1² in F_p (0 iff x = z): 1/(x − z) = ((x − A) + X·B)·(e0 − u·e1)/N, one
            // extension multiplication per group and the N inverted together (Montgomery in
            // F_p, one modexp per leaf).  Same values as the extension inverse.
            function dens(ctx) -> ok {
                let p := 2013265921
                let ng := mload(ctx)
                let gk := mload(add(ctx, 0x260))
                let den := mload(add(ctx, 0x120))
                let pre := mload(add(ctx, 0x140))
                let nn := mload(add(ctx, 0x200))
                let run := 1
                ok := 1
                for { let g := 0 } lt(g, ng) { g := add(g, 1) } {
                    let o := shl(5, g)
                    let k := add(gk, shl(7, g))
                    let a0 := addmod(mload(add(mload(add(ctx, 0x100)), shl(5, mload(add(mload(add(ctx, 0xc0)), o))))),
                                     sub(p, mload(k)), p)
                    let zc := mload(add(k, 0x20))
                    let e0 := addmod(mulmod(a0, a0, p), mload(add(k, 0x40)), p)
                    let e1 := addmod(mulmod(2, mulmod(a0, and(shr(128, zc), 0xffffffffffffffff), p), p),
                                     sub(p, mload(add(k, 0x60))), p)
                    let n := addmod(mulmod(e0, e0, p), sub(p, mulmod(11, mulmod(e1, e1, p), p)), p)
                    if iszero(n) { ok := 0 }
                    // ((x − A) + X·B)·(e0 − u·e1) unreduced: with y = (x − A) + X·B (lanes
                    // < p), y·e0 + (y·X²)·(p − e1), y·X² = (11·y2, 11·y3, y0, y1): every
                    // lane < 2p² < 2^63, no carry; reduced lane by lane below (times 1/N)
                    {
                        let y := or(a0, zc)
                        mstore(add(den, o), add(mul(y, e0),
                                                mul(or(shl(128, y), or(mulmod(and(shr(128, y), 0xffffffffffffffff), 11, p),
                                                                       shl(64, mulmod(shr(192, y), 11, p)))),
                                                    mod(sub(p, e1), p))))
                    }
                    mstore(add(nn, o), n)
                    mstore(add(pre, o), run)
                    mstore(add(mload(add(ctx, 0x160)), o), 0)
                    run := mulmod(run, n, p)
                }
                if ok {
                    let inv := modexp(mload(add(ctx, 0x180)), run, 2013265919)
                    for { let o := shl(5, ng) } gt(o, 0) { } {
                        o := sub(o, 0x20)
                        let s := mulmod(inv, mload(add(pre, o)), p)
                        inv := mulmod(inv, mload(add(nn, o)), p)
                        // den·s mod p, lane by lane
                        let v := mload(add(den, o))
                        let mk := 0xffffffffffffffff
                        mstore(add(den, o), or(or(mulmod(and(v, mk), s, p), shl(64, mulmod(and(shr(64, v), mk), s, p))),
                                               or(shl(128, mulmod(and(shr(128, v), mk), s, p)), shl(192, mulmod(shr(192, v), s, p)))))
                    }
                }
            }

            // acc[group(t)] += off_t·comb_t over every term t, lane by lane without reducing
            // mod p: the product's lanes (mulraw, before extmul's final reduction) are < 4p²;
            // acc's lanes stay < 2^60 (fold, as in combs: a lane L = hi·2^32 + lo becomes
            // lo + hi·(2^28 − 2) ≡ L, < 2^32 + 2^60 − 2^33 < 2^60 for L < 2^64) and
            // 2^60 + 4p² < 2^64, so no lane carries into the next; fin's extsub reduces them
            // (addmod of a lane < 2^64).  Same field values as the reduced sums.
            function accum(ctx, q) {
                let nt := mload(add(ctx, 0x40))
                let crow := add(mload(add(ctx, 0x1e0)), shl(5, mul(q, nt)))
                let acc := mload(add(ctx, 0x160))
                let tg := mload(add(ctx, 0x80))
                let tp := add(mload(add(ctx, 0x220)), 64)
                for { let t := 0 } lt(t, nt) { t := add(t, 1) } {
                    let at := add(acc, shl(5, mload(add(tg, shl(5, t)))))
                    let v := add(mload(at), mulraw(calldataload(add(tp, mul(96, t))), calldataload(add(crow, shl(5, t)))))
                    mstore(at, sub(v, mul(and(shr(32, v), 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff),
                                          4026531842)))
                }
            }

            // extmul before its final reduction: every lane < 4p² (x, y canonical)
            function mulraw(x, y) -> z {
                let p := 2013265921
                z := mul(x, and(y, 0xffffffffffffffff))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, and(shr(64, y), 0xffffffffffffffff)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, and(shr(128, y), 0xffffffffffffffff)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, shr(192, y)))
            }

            // partials[q][slot g] += (acc[g] − C_g)·den[g]
            function fin(ctx, q) {
                let ng := mload(ctx)
                let prow := add(mload(add(ctx, 0x1a0)), shl(5, mul(q, mload(add(ctx, 0x20)))))
                for { let o := 0 } lt(o, shl(5, ng)) { o := add(o, 0x20) } {
                    let v := extmul(extsub(mload(add(mload(add(ctx, 0x160)), o)), mload(add(mload(add(ctx, 0xe0)), o))),
                                    mload(add(mload(add(ctx, 0x120)), o)))
                    let at := add(prow, shl(5, mload(add(mload(add(ctx, 0xc0)), o))))
                    mstore(at, extadd(mload(at), v))
                }
            }

            // the low n ≤ 32 bits of j reversed: the low 32 bits reversed by swapping halves,
            // then the top n of them shifted down (bit k < n lands at n − 1 − k)
            function bitrev(j, n) -> r {
                r := and(j, 0xffffffff)
                r := or(and(shr(1, r), 0x55555555), shl(1, and(r, 0x55555555)))
                r := or(and(shr(2, r), 0x33333333), shl(2, and(r, 0x33333333)))
                r := or(and(shr(4, r), 0x0f0f0f0f), shl(4, and(r, 0x0f0f0f0f)))
                r := or(and(shr(8, r), 0x00ff00ff), shl(8, and(r, 0x00ff00ff)))
                r := shr(sub(32, n), or(shr(16, r), shl(16, and(r, 0xffff))))
            }

            function modexp(m, b, e) -> r {
                mstore(m, 0x20)
                mstore(add(m, 0x20), 0x20)
                mstore(add(m, 0x40), 0x20)
                mstore(add(m, 0x60), b)
                mstore(add(m, 0x80), e)
                mstore(add(m, 0xa0), 2013265921)
                if iszero(staticcall(gas(), 0x05, m, 0xc0, m, 0x20)) { revert(0, 0) }
                r := mload(m)
            }

            function extadd(x, y) -> z {
                let p := 2013265921
                let mk := 0xffffffffffffffff
                z := or(or(addmod(and(x, mk), and(y, mk), p), shl(64, addmod(and(shr(64, x), mk), and(shr(64, y), mk), p))),
                        or(shl(128, addmod(and(shr(128, x), mk), and(shr(128, y), mk), p)), shl(192, addmod(shr(192, x), shr(192, y), p))))
            }

            function extsub(x, y) -> z {
                let p := 2013265921
                let mk := 0xffffffffffffffff
                z := or(or(addmod(and(x, mk), sub(p, and(y, mk)), p), shl(64, addmod(and(shr(64, x), mk), sub(p, and(shr(64, y), mk)), p))),
                        or(shl(128, addmod(and(shr(128, x), mk), sub(p, and(shr(128, y), mk)), p)), shl(192, addmod(shr(192, x), sub(p, shr(192, y)), p))))
            }

            // x·y in F_p[X]/(X^4 − 11), four lanes at once: mul(x, y_j) multiplies every
            // 64-bit lane of x by the limb y_j (each product < p² < 2^62), x·X rotates the
            // lanes (the top one times 11, reduced), and the four partial products add up to
            // < 4p² < 2^64 per lane, so no lane carries into the next.
            function extmul(x, y) -> z {
                let p := 2013265921
                z := mul(x, and(y, 0xffffffffffffffff))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, and(shr(64, y), 0xffffffffffffffff)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, and(shr(128, y), 0xffffffffffffffff)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, shr(192, y)))
                z := or(or(mod(and(z, 0xffffffffffffffff), p), shl(64, mod(and(shr(64, z), 0xffffffffffffffff), p))),
                        or(shl(128, mod(and(shr(128, z), 0xffffffffffffffff), p)), shl(192, mod(shr(192, z), p))))
            }
        }
        if (bad != 0) revert BadShape("opening point in the LDE domain");
    }

    /// The checks of registerOpeningsDeep's shape (the members of `Deep` decoded once by the
    /// caller: every access to a calldata struct member re-decodes its offset): every term
    /// word canonical; the matrices' term ranges tile [0, #terms) in order; every matrix
    /// within the row, at a height ≤ Lr with a slot; each term's column set
    /// cols[start .. start + n) strictly increasing and < the matrix's width (n = 0: every
    /// column), returned as tc[t] = start << 32 | n (0: every column); and the widest matrix.
    function _checkDeep(uint256 Lr, uint256 rowBytes, uint256[] calldata mats, uint256[] calldata terms,
                        uint256[] calldata cols, uint256[] calldata slots)
        private
        pure
        returns (uint256 maxW, uint256[] memory tc)
    {
        // (in assembly, the same checks in the same order as the Solidity loops it replaced:
        // the first failing one reverts with its message)
        tc = new uint256[](terms.length / 3);
        uint256 err;
        assembly ("memory-safe") {
            let cx := mload(0x40) // context (scratch, not allocated): Lr, rowBytes, #terms/3, slots
            mstore(cx, Lr)
            mstore(add(cx, 0x20), rowBytes)
            mstore(add(cx, 0x40), div(terms.length, 3))
            mstore(add(cx, 0x60), slots.offset)
            mstore(add(cx, 0x80), slots.length)
            if canon(terms.offset, terms.length) { err := 1 }
            if iszero(err) { err, maxW := check(mats.offset, mats.length, cx) }
            if iszero(or(err, eq(mul(mload(add(cx, 0x40)), 3), terms.length))) { err := 2 }
            if iszero(err) { err := colSets(mats.offset, mats.length, cols.offset, cols.length, add(tc, 0x20)) }

            // every term word canonical: each 64-bit lane < 2^32 (no bit of the first mask)
            // and then lane + 2^32 − p < 2^33 (no carry into the next lane) has bit 32 set
            // iff lane ≥ p (err 1)
            function canon(to, tl) -> b {
                for { let o := to } lt(o, add(to, shl(5, tl))) { o := add(o, 0x20) } {
                    let x := calldataload(o)
                    b := or(b, or(and(x, 0xffffffff00000000ffffffff00000000ffffffff00000000ffffffff00000000),
                                  and(add(x, 0x0000000087ffffff0000000087ffffff0000000087ffffff0000000087ffffff),
                                      0x0000000100000000000000010000000000000001000000000000000100000000)))
                }
            }

            // per matrix: its term range starts where the previous one ended, L ≤ Lr and its
            // bytes inside the row, its range within the terms, its L a slot; the ranges
            // cover every term (err: 2 term ranges, 3 matrix, 4 terms, 5 slot)
            function check(mo, ml, c) -> e, mw {
                let next := 0
                for { let m := 0 } lt(m, ml) { m := add(m, 1) } {
                    let mm := calldataload(add(mo, shl(5, m)))
                    let t0 := and(shr(64, mm), 0xffffffff)
                    if iszero(eq(t0, next)) { e := 2 leave }
                    next := add(next, and(shr(96, mm), 0xffffffff))
                    let w := and(shr(8, mm), 0xffffff)
                    if or(gt(and(mm, 0xff), mload(c)), gt(add(and(shr(32, mm), 0xffffffff), shl(2, w)), mload(add(c, 0x20)))) {
                        e := 3
                        leave
                    }
                    if gt(next, mload(add(c, 0x40))) { e := 4 leave }
                    if iszero(hasSlot(mload(add(c, 0x60)), mload(add(c, 0x80)), and(mm, 0xff))) { e := 5 leave }
                    if gt(w, mw) { mw := w }
                }
                if iszero(eq(next, mload(add(c, 0x40)))) { e := 2 }
            }

            function hasSlot(so, sl, L) -> f {
                for { let s := 0 } lt(s, sl) { s := add(s, 1) } {
                    if eq(calldataload(add(so, shl(5, s))), L) { f := 1 leave }
                }
            }

            // each term's column set at cols[at]: n ≤ w, then n strictly increasing column
            // indices < w, all inside cols; tc[t] = (at + 1) << 32 | n (0 for n = 0: every
            // column); every word of cols used (err 6)
            function colSets(mo, ml, co, cl, tcd) -> e {
                let at := 0
                for { let m := 0 } lt(m, ml) { m := add(m, 1) } {
                    let mm := calldataload(add(mo, shl(5, m)))
                    let w := and(shr(8, mm), 0xffffff)
                    let t := and(shr(64, mm), 0xffffffff)
                    for { let t1 := add(t, and(shr(96, mm), 0xffffffff)) } lt(t, t1) { t := add(t, 1) } {
                        if iszero(lt(at, cl)) { e := 6 leave }
                        let n := calldataload(add(co, shl(5, at)))
                        if or(gt(n, w), gt(add(add(at, 1), n), cl)) { e := 6 leave }
                        let prev := 0
                        for { let k := 0 } lt(k, n) { k := add(k, 1) } {
                            let c := calldataload(add(co, shl(5, add(add(at, 1), k))))
                            if or(iszero(lt(c, w)), and(gt(k, 0), iszero(gt(c, prev)))) { e := 6 leave }
                            prev := c
                        }
                        if n { mstore(add(tcd, shl(5, t)), or(shl(32, add(at, 1)), n)) }
                        at := add(add(at, 1), n)
                    }
                }
                if iszero(eq(at, cl)) { e := 6 }
            }
        }
        if (err == 1) revert BadShape("term");
        if (err == 2) revert BadShape("term ranges");
        if (err == 3) revert BadShape("matrix");
        if (err == 4) revert BadShape("terms");
        if (err == 5) revert BadShape("slot");
        if (err == 6) revert BadShape("cols");
    }

    /// Every leaf's and matrix's Σ_{j<w} row_j·α^j (row_j: u32 LE, canonical), as one
    /// external (self-)call: compiled as its own function, the unrolled loop below stays on
    /// the stack.  `ap` holds α^j packed (c0 | c1 << 64 | c2 << 128 | c3 << 192): one
    /// multiplication by the base value feeds all four 64-bit lanes (products < p^2 <
    /// 2^62), the lanes folded after every four values (_comb).  Pure: anyone may call it;
    /// it proves nothing by itself.
    function combs(bytes calldata rows, uint256 rowBytes, uint256[] calldata mats, uint256[] calldata ap)
        external
        pure
        returns (uint256[] memory out)
    {
        uint256 nm = mats.length;
        if (rowBytes == 0 || rows.length % rowBytes != 0) revert BadShape("rows");
        uint256 nq = rows.length / rowBytes;
        out = new uint256[](nq * nm);
        // every matrix's byte range lies inside a row and has its α powers (once, not per leaf)
        for (uint256 m = 0; m < nm; m++) {
            uint256 mm = mats[m];
            uint256 w = (mm >> 8) & 0xffffff;
            if (((mm >> 32) & 0xffffffff) + 4 * w > rowBytes || w > ap.length) revert BadShape("row");
        }
        uint256 bad;
        assembly ("memory-safe") {
            let o := add(out, 0x20)
            for { let q := 0 } lt(q, nq) { q := add(q, 1) } {
                let base := add(rows.offset, mul(q, rowBytes))
                for { let m := 0 } lt(m, nm) { m := add(m, 1) } {
                    let mm := calldataload(add(mats.offset, shl(5, m)))
                    let r, b := comb(add(base, and(shr(32, mm), 0xffffffff)), and(shr(8, mm), 0xffffff), ap.offset)
                    mstore(o, r)
                    o := add(o, 0x20)
                    bad := or(bad, b)
                }
            }

            // Σ_{j<w} row_j·α^j for the row at calldata src (u32 LE values) and the packed
            // powers at apd, in the four 64-bit lanes of one word: row_j·α^j adds a product
            // < p^2 < 2^62 to every lane; after every four values each lane L = hi·2^32 + lo
            // is folded to L − hi·2p = lo + hi·(2^28 − 2) ≡ L (mod p) (2^32 = 2p + 2^28 − 2;
            // no borrow: the result is ≥ 0 lane by lane), < 2^60 + 2^32, which leaves room
            // for four more products (2^60 + 2^32 + 4·(p − 1)^2 < 2^64): no lane ever
            // carries into the next.  Eight values per calldata word (w8): the full words in
            // the loop, then the last partial word with its values at j ≥ w masked to 0 (they
            // belong to the next matrix: their α "powers", read past the table, are
            // multiplied by 0).  bad_ ≠ 0 iff some row_j ≥ p (w8's lane-wise test).
            function comb(src, w, apd) -> r, bad_ {
                let e := apd
                for { let end := add(src, shl(5, shr(3, w))) } lt(src, end) { src := add(src, 0x20) } {
                    let b
                    r, b := w8(calldataload(src), e, r)
                    bad_ := or(bad_, b)
                    e := add(e, 0x100)
                }
                if and(w, 7) {
                    let b
                    r, b := w8(and(calldataload(src), not(shr(shl(5, and(w, 7)), not(0)))), e, r)
                    bad_ := or(bad_, b)
                }
                bad_ := and(bad_, 0x8000000080000000800000008000000080000000800000008000000080000000)
                r := reduce(r)
            }

            // r + Σ_{k<8} v_k·α^{j+k} for the calldata word x of eight u32 LE values v_k and
            // the powers at e (α^j first), folded after every four values (comb).  b has bit
            // 31 of some 32-bit lane set iff some v_k ≥ p (its other bits are noise, masked off
            // by comb): with u = v mod 2^31, v ≥ p iff
            // v ≥ 2^31 (bit 31 of v) or u ≥ p, i.e. u + (2^31 − p) = u + 0x07ffffff ≥ 2^31
            // (bit 31 of the sum); u + 0x07ffffff < 2^32 never carries into the next lane, so
            // all eight lanes are tested at once.
            function w8(x, e, r) -> s, b {
                x := or(shl(8, and(x, 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)),
                        and(shr(8, x), 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff))
                x := or(shl(16, and(x, 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)),
                        and(shr(16, x), 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff))
                // (unmasked: comb keeps bit 31 of every lane of the OR of all words)
                b := or(x, add(and(x, 0x7fffffff7fffffff7fffffff7fffffff7fffffff7fffffff7fffffff7fffffff),
                               0x07ffffff07ffffff07ffffff07ffffff07ffffff07ffffff07ffffff07ffffff))
                s := add(r, mul(shr(224, x), calldataload(e)))
                s := add(s, mul(and(shr(192, x), 0xffffffff), calldataload(add(e, 0x20))))
                s := add(s, mul(and(shr(160, x), 0xffffffff), calldataload(add(e, 0x40))))
                s := add(s, mul(and(shr(128, x), 0xffffffff), calldataload(add(e, 0x60))))
                s := sub(s, mul(and(shr(32, s), 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff), 4026531842))
                s := add(s, mul(and(shr(96, x), 0xffffffff), calldataload(add(e, 0x80))))
                s := add(s, mul(and(shr(64, x), 0xffffffff), calldataload(add(e, 0xa0))))
                s := add(s, mul(and(shr(32, x), 0xffffffff), calldataload(add(e, 0xc0))))
                s := add(s, mul(and(x, 0xffffffff), calldataload(add(e, 0xe0))))
                s := sub(s, mul(and(shr(32, s), 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff), 4026531842))
            }

            // every 64-bit lane mod p
            function reduce(r) -> z {
                let p := 2013265921
                let mk := 0xffffffffffffffff
                z := or(or(mod(and(r, mk), p), shl(64, mod(and(shr(64, r), mk), p))),
                        or(shl(128, mod(and(shr(128, r), mk), p)), shl(192, mod(shr(192, r), p))))
            }
        }
        if (bad != 0) revert BadShape("non-canonical row");
    }

    /// Every leaf's and term's combination (registerOpeningsDeep): `cs[q·nm + m]` (the full
    /// combination of matrix m, combs) for a term over every column (tc[t] = 0), else
    /// Σ_k row_{c_k}·α^{c_k} over its column subset c = cols[start .. start + n) (tc[t] =
    /// start << 32 | n; _deep checked every c < w, combs every row range and that every
    /// value of the row is canonical), as _comb (64-bit lanes, folded after every value).  Reads the rows from this call's
    /// calldata (no copy); one assembly block of small Yul functions over a context in
    /// memory (few live variables: nothing is moved to memory by via-IR).  Subsets are a
    /// few columns (v6: those read at the next row), so this is cheap next to combs.
    function _termCombs(
        bytes calldata rows,
        uint256 rowBytes,
        uint256[] calldata mats,
        uint256[] memory ap,
        uint256[] calldata cols,
        uint256[] memory tc,
        uint256[] memory cs
    ) private pure returns (uint256[] memory ct) {
        uint256 nq = rows.length / rowBytes;
        uint256 nt = tc.length;
        ct = new uint256[](nq * nt);
        assembly ("memory-safe") {
            // ctx: 0 rows.offset, 1 rowBytes, 2 mats.offset, 3 #mats, 4 ap data, 5 cols.offset,
            // 6 tc data, 7 cs data, 8 ct data, 9 nt, 10 32·nq·nt
            let cx := mload(0x40)
            mstore(cx, rows.offset)
            mstore(add(cx, 0x20), rowBytes)
            mstore(add(cx, 0x40), mats.offset)
            mstore(add(cx, 0x60), mats.length)
            mstore(add(cx, 0x80), add(ap, 0x20))
            mstore(add(cx, 0xa0), cols.offset)
            mstore(add(cx, 0xc0), add(tc, 0x20))
            mstore(add(cx, 0xe0), add(cs, 0x20))
            mstore(add(cx, 0x100), add(ct, 0x20))
            mstore(add(cx, 0x120), nt)
            mstore(add(cx, 0x140), shl(5, mul(nq, nt)))
            mstore(0x40, add(cx, 0x160))
            for { let m := 0 } lt(m, mats.length) { m := add(m, 1) } { matrix(cx, m) }

            // ct[q·nt + t] for every leaf q and term t of matrix m (matrix by matrix: its
            // fields decoded once; a matrix without a column-subset term only copies its
            // full combination cs[q·nm + m] to its terms)
            function matrix(c, m) {
                let mm := calldataload(add(mload(add(c, 0x40)), shl(5, m)))
                let t0 := and(shr(64, mm), 0xffffffff)
                let n := and(shr(96, mm), 0xffffffff)
                let fp := add(mload(add(c, 0xe0)), shl(5, m))
                let o := add(mload(add(c, 0x100)), shl(5, t0))
                let oe := add(o, mload(add(c, 0x140)))
                switch anySubset(mload(add(c, 0xc0)), t0, n)
                case 0 {
                    let fs := shl(5, mload(add(c, 0x60)))
                    let os := shl(5, mload(add(c, 0x120)))
                    let ne := shl(5, n)
                    for { } lt(o, oe) { o := add(o, os) } {
                        let v := mload(fp)
                        for { let k := 0 } lt(k, ne) { k := add(k, 0x20) } { mstore(add(o, k), v) }
                        fp := add(fp, fs)
                    }
                }
                default {
                    let src := add(mload(c), and(shr(32, mm), 0xffffffff))
                    for { } lt(o, oe) { o := add(o, shl(5, mload(add(c, 0x120)))) } {
                        subs(c, src, mload(fp), o, t0, n)
                        fp := add(fp, shl(5, mload(add(c, 0x60))))
                        src := add(src, mload(add(c, 0x20)))
                    }
                }
            }

            function anySubset(tcd, t0, n) -> f {
                for { let t := t0 } lt(t, add(t0, n)) { t := add(t, 1) } { f := or(f, mload(add(tcd, shl(5, t)))) }
            }

            // one leaf's terms t0 .. t0 + n of one matrix (row at src, full combination full),
            // written from o
            function subs(c, src, full, o, t0, n) {
                let tcp := add(mload(add(c, 0xc0)), shl(5, t0))
                for { let k := 0 } lt(k, shl(5, n)) { k := add(k, 0x20) } {
                    let st := mload(add(tcp, k))
                    let r := full
                    if st { r := subset(c, src, st) }
                    mstore(add(o, k), r)
                }
            }

            // Σ_k row_{c_k}·α^{c_k} over the subset st = start << 32 | n (every value of the
            // row is < w and canonical: combs checked the whole row)
            function subset(c, src, st) -> r {
                let co := add(mload(add(c, 0xa0)), shl(5, shr(32, st)))
                let end := add(co, shl(5, and(st, 0xffffffff)))
                let apd := mload(add(c, 0x80))
                let fm := 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff
                for { } lt(co, end) { co := add(co, 0x20) } {
                    let cc := calldataload(co)
                    let v := shr(224, calldataload(add(src, shl(2, cc))))
                    v := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), shr(24, v)))
                    r := add(r, mul(v, mload(add(apd, shl(5, cc)))))
                    r := sub(r, mul(and(shr(32, r), fm), 4026531842))
                }
                let p := 2013265921
                let mk := 0xffffffffffffffff
                r := or(or(mod(and(r, mk), p), shl(64, mod(and(shr(64, r), mk), p))),
                        or(shl(128, mod(and(shr(128, r), mk), p)), shl(192, mod(shr(192, r), p))))
            }
        }
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
        uint256 b = _leaves(indices, rows, rowBytes, levels[0] & 0xffffffff);
        uint256 n = nq;
        uint256 sp;
        uint256 send;
        uint256 src; // calldata offset of the rows
        assembly ("memory-safe") {
            sp := siblings.offset
            send := add(siblings.offset, shl(5, siblings.length))
            src := rows.offset
        }
        uint256 nextLevel = 1; // index into levels of the next injected height
        uint256 injOff = 0; // byte offset in a query's rows of the next injected height
        for (uint256 k = 0; k < L; k++) {
            uint256 st = _level(b, n, sp);
            if (st >> 128 != 0) revert BadShape("precompile");
            n = (st >> 64) & 0xffffffffffffffff;
            sp = st & 0xffffffffffffffff;
            if (sp > send) revert BadShape("siblings short");
            if (nextLevel < nl && (levels[nextLevel] >> 32) == L - k - 1) {
                injOff += levels[nextLevel - 1] & 0xffffffff;
                if (_inject(b, n, nq, src + injOff, rowBytes, levels[nextLevel] & 0xffffffff) != 0) {
                    revert PathMismatch();
                }
                nextLevel++;
            }
        }
        if (nextLevel != nl) revert BadShape("level below the tree");
        if (sp != send) revert BadShape("siblings long");
        bytes32 top;
        assembly ("memory-safe") {
            top := mload(add(b, 0x20))
        }
        if (n != 1 || top != root) revert PathMismatch();
        return factKey(root, L, levelsHash, keccak256(abi.encodePacked(indices)), keccak256(rows));
    }

    /// The walk's live nodes, allocated: 4-word records at b + 128·i (position, digest,
    /// first query under the node, unused), one per query: its leaf index and leaf
    /// SHA-256(0x00 ‖ its rows of the top height, `len` bytes); the 0x60 bytes below b are
    /// _level's hash scratch.  A level rewrites the records in place, in increasing
    /// position; the queries under record i are [q_i, q_{i+1}) (q_n = nq): the leaves are
    /// sorted and distinct and a merge keeps the left record's q.
    function _leaves(uint256[] calldata indices, bytes calldata rows, uint256 rowBytes, uint256 len)
        private
        view
        returns (uint256 b)
    {
        uint256 ok = 1;
        assembly ("memory-safe") {
            b := add(mload(0x40), 0x60)
            let nq := indices.length
            let t := add(b, shl(7, nq))
            mstore(0x40, t) // the records stay allocated; the leaf buffer above them is temporary
            mstore8(t, 0x00)
            for { let q := 0 } lt(q, nq) { q := add(q, 1) } {
                let r := add(b, shl(7, q))
                calldatacopy(add(t, 1), add(rows.offset, mul(q, rowBytes)), len)
                ok := and(ok, staticcall(gas(), 0x02, t, add(len, 1), add(r, 0x20), 0x20))
                mstore(r, calldataload(add(indices.offset, shl(5, q))))
                mstore(add(r, 0x40), q)
            }
        }
        if (ok == 0) revert BadShape("precompile");
    }

    /// One level of the multiproof walk over the n live records at b (see _leaves): pair
    /// two known children (positions 2i, 2i + 1), else take the sibling at calldata offset
    /// sp (left or right by the position's low bit); the parent SHA-256(0x01 ‖ l ‖ r) is
    /// written straight into the output record.  Returns, packed in one word, the next
    /// sibling's calldata offset (past the siblings' end: they ran out; the caller
    /// reverts: what was read there is never used), the live nodes and whether a
    /// precompile call failed.
    function _level(uint256 b, uint256 n, uint256 sp) private view returns (uint256 st) {
        assembly ("memory-safe") {
            // st = next sibling offset | live nodes << 64 | (a precompile call failed) << 128;
            // one return word and no other named variable than the loop's, so via-IR keeps
            // them all on the stack (the hash scratch is b − 0x60: 0x01 ‖ l ‖ r)
            mstore8(sub(b, 0x60), 0x01)
            let ok := 1
            let r := b
            let w := b
            let end := add(b, shl(7, n))
            for { } lt(r, end) { } {
                let p := mload(r)
                mstore(add(w, 0x40), mload(add(r, 0x40)))
                switch and(lt(add(r, 0x80), end), eq(mload(add(r, 0x80)), xor(p, 1)))
                case 1 {
                    // both children known (the next record is the sibling)
                    mstore(sub(b, 0x5f), mload(add(r, 0x20)))
                    mstore(sub(b, 0x3f), mload(add(r, 0xa0)))
                    r := add(r, 0x100)
                }
                default {
                    switch and(p, 1)
                    case 1 {
                        mstore(sub(b, 0x5f), calldataload(sp))
                        mstore(sub(b, 0x3f), mload(add(r, 0x20)))
                    }
                    default {
                        mstore(sub(b, 0x5f), mload(add(r, 0x20)))
                        mstore(sub(b, 0x3f), calldataload(sp))
                    }
                    sp := add(sp, 0x20)
                    r := add(r, 0x80)
                }
                ok := and(ok, staticcall(gas(), 0x02, sub(b, 0x60), 65, add(w, 0x20), 0x20))
                mstore(w, shr(1, p))
                w := add(w, 0x80)
            }
            st := or(or(sp, shl(64, shr(7, sub(w, b)))), shl(128, iszero(ok)))
        }
    }

    /// At a level with matrices of that height: every node's digest becomes
    /// SHA-256(0x02 ‖ node ‖ SHA-256(0x00 ‖ the injected bytes of its first query q)), the
    /// `len` bytes at calldata src + q·rowBytes; every other query under the node (up to
    /// the next record's first query) must open byte-identical rows.  Returns 0, or 1 if
    /// they differ, 2 if a precompile call failed.  The buffer is free memory (not kept).
    function _inject(uint256 b, uint256 n, uint256 nq, uint256 src, uint256 rowBytes, uint256 len)
        private
        view
        returns (uint256 e)
    {
        assembly ("memory-safe") {
            let t := mload(0x40)
            let ok := 1
            let end := add(b, shl(7, n))
            for { let r := b } lt(r, end) { r := add(r, 0x80) } {
                let q := mload(add(r, 0x40))
                let qn := nq
                if lt(add(r, 0x80), end) { qn := mload(add(r, 0xc0)) }
                let s := add(src, mul(q, rowBytes))
                calldatacopy(add(t, 1), s, len)
                if gt(sub(qn, q), 1) {
                    let k0 := keccak256(add(t, 1), len)
                    for { let u := add(q, 1) } lt(u, qn) { u := add(u, 1) } {
                        calldatacopy(add(t, 1), add(src, mul(u, rowBytes)), len)
                        if iszero(eq(keccak256(add(t, 1), len), k0)) { e := 1 }
                    }
                    calldatacopy(add(t, 1), s, len)
                }
                mstore8(t, 0x00)
                ok := and(ok, staticcall(gas(), 0x02, t, add(len, 1), 0x20, 0x20))
                mstore8(t, 0x02)
                mstore(add(t, 1), mload(add(r, 0x20)))
                mstore(add(t, 33), mload(0x20))
                ok := and(ok, staticcall(gas(), 0x02, t, 65, add(r, 0x20), 0x20))
            }
            if iszero(ok) { e := 2 }
        }
    }
}
