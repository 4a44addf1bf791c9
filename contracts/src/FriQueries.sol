// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import "./Field.sol";

interface IMerkleFacts {
    function isValid(bytes32 fact) external view returns (bool);
    function openingFact(bytes32 root, uint256 logMaxHeight, uint256[] calldata levels,
                         uint256[] calldata indices, bytes calldata rows, bytes32[] calldata siblings)
        external view returns (bytes32);
}

/// @title FriQueries: the query phase of zkvm's FRI (zkvm.stark.fri.verify_fri, from
/// "for qi, q in enumerate(queries)" on), for all queries of one proof, recorded as a fact.
/// @notice Inputs the statement check derives itself (and must match the fact): the FRI
/// commitments, the folding schedule (L0, log arities), the β's, the final polynomial, the
/// input log-sizes, the query indices and every query's DEEP reduced input values RO_L.
/// The layer rows are authenticated by MerkleFacts: for every layer j this contract
/// requires the MerkleFacts fact of commitment j, height h_j = L_j − a_j, one matrix of
/// 4·2^a_j columns, the sorted distinct positions q >> (L0 − h_j) and the given rows.
/// Per query: the opened value at pos mod 2^a must equal the running value; fold the row
/// with β, β², β⁴, …; roll in β^(2^a)·RO at an input size; at the end, the final
/// polynomial at the last domain point must equal the value.  Reverts on any mismatch;
/// otherwise records keccak256(abi.encode(commits, L0, logArities, betas, finalPoly,
/// inputSizes, queries, ro)).
contract FriQueries {
    using Field for uint256;

    uint256 internal constant GEN_INV = 64944062; // 31^-1 mod p

    IMerkleFacts public immutable merkleFacts;
    mapping(bytes32 => bool) public facts;

    error FriMismatch(uint256 query, uint256 layer);
    error BadShape(string what);

    constructor(IMerkleFacts mf) {
        merkleFacts = mf;
    }

    struct Args {
        bytes32[] commits;
        uint256 L0;
        uint256[] logArities;
        uint256[] betas;
        uint256[] finalPoly;
        uint256[] inputSizes; // decreasing, inputSizes[0] == L0
        uint256[] queries;
        uint256[] ro; // queries.length × inputSizes.length, packed extension values
        bytes[] layerRows; // per layer: rows of the sorted distinct positions, u32 LE
    }

    function factOf(Args calldata a) public pure returns (bytes32) {
        return keccak256(abi.encode(a.commits, a.L0, a.logArities, a.betas, a.finalPoly, a.inputSizes,
                                    a.queries, a.ro));
    }

    function verify(Args calldata a) external returns (bytes32 fact) {
        (fact,) = _verify(a, false);
    }

    /// verify, with every layer's Merkle paths checked here (MerkleFacts.openingFact, the
    /// same walk as registerOpenings, without recording) instead of looked up as facts:
    /// `siblings[j]` is layer j's multiproof (registerOpenings' siblings for the sorted
    /// distinct positions and `a.layerRows[j]`), so the layer rows are sent once and no
    /// layer fact is stored.  Records the same fact as verify.
    function verifyWithPaths(Args calldata a, bytes32[][] calldata siblings) external returns (bytes32 fact) {
        uint256[][] memory pos;
        (fact, pos) = _verify(a, true); // everything but the layers' Merkle paths (reverts undo the record)
        uint256 nl = a.logArities.length;
        if (siblings.length != nl) revert BadShape("siblings");
        uint256 cur = a.L0;
        for (uint256 j = 0; j < nl; j++) {
            uint256 h = cur - a.logArities[j];
            uint256[] memory lv = new uint256[](1);
            lv[0] = (h << 32) | (16 << a.logArities[j]);
            bytes32 f = keccak256(abi.encodePacked(a.commits[j], h, keccak256(abi.encodePacked(lv)),
                                                   keccak256(abi.encodePacked(pos[j])), keccak256(a.layerRows[j])));
            // reverts unless the rows open the commitment at those positions
            if (merkleFacts.openingFact(a.commits[j], h, lv, pos[j], a.layerRows[j], siblings[j]) != f) {
                revert BadShape("layer rows not a Merkle fact");
            }
            cur = h;
        }
    }

    /// verify's checks; `paths`: leave out the layer facts' look-ups (the caller checks
    /// the paths).  Returns the recorded fact and every layer's sorted distinct positions.
    function _verify(Args calldata a, bool paths) private returns (bytes32 fact, uint256[][] memory pos) {
        uint256 nl = a.logArities.length;
        uint256 nq = a.queries.length;
        uint256 ns = a.inputSizes.length;
        if (a.commits.length != nl || a.betas.length != nl || a.layerRows.length != nl) revert BadShape("layers");
        if (ns == 0 || a.inputSizes[0] != a.L0 || a.ro.length != nq * ns || nq == 0) revert BadShape("inputs");
        if (a.L0 > 27) revert BadShape("L0");
        if (!_allCanonical(a.betas)) revert BadShape("beta");
        if (!_allCanonical(a.finalPoly)) revert BadShape("final");
        if (!_allCanonical(a.ro)) revert BadShape("ro");
        if (!_allBelow(a.queries, a.L0)) revert BadShape("query");
        for (uint256 i = 1; i < ns; i++) if (a.inputSizes[i] >= a.inputSizes[i - 1]) revert BadShape("sizes");

        // per layer: the sorted distinct positions, authenticated rows; and the layer table
        // of the query loop (everything in it is the same for every query): 8 words per
        // layer j: a_j, cur_j (log-size before the fold), shift_j^-1 (= 31^-(2^(L0 − cur_j))),
        // β_j, the calldata offset of layerRows[j], pos[j] (memory, its data), |pos[j]|, and
        // the index in a query's ro of the input rolled in after the fold (0: none).
        pos = new uint256[][](nl);
        uint256 tab;
        uint256 shiftF = Field.GENERATOR;
        uint256 curF = a.L0;
        {
            assembly ("memory-safe") {
                tab := mload(0x40)
                mstore(0x40, add(tab, shl(8, nl)))
            }
            uint256 shiftInv = GEN_INV;
            uint256 nextInput = 1;
            uint256[] calldata ars = a.logArities;
            uint256[] calldata sizes = a.inputSizes;
            // the queries sorted once at L0; a layer's positions are these shifted, then
            // deduplicated (shifting keeps the order)
            uint256[] memory sq = _sortedDistinct(a.queries, 0);
            for (uint256 j = 0; j < nl; j++) {
                uint256 ar = ars[j];
                if (ar == 0 || ar > 3 || ar > curF) revert BadShape("arity");
                uint256 h = curF - ar;
                uint256[] memory pj = _shiftedDistinct(sq, a.L0 - h);
                pos[j] = pj;
                uint256 rowBytes = 16 << ar;
                bytes calldata lr = a.layerRows[j];
                if (lr.length != rowBytes * pj.length) revert BadShape("rows");
                if (!paths) {
                    uint256[] memory lv = new uint256[](1);
                    lv[0] = (h << 32) | rowBytes;
                    bytes32 f = keccak256(abi.encodePacked(a.commits[j], h, keccak256(abi.encodePacked(lv)),
                                                           keccak256(abi.encodePacked(pj)), keccak256(lr)));
                    if (!merkleFacts.isValid(f)) revert BadShape("layer rows not a Merkle fact");
                }
                uint256 roIdx = 0;
                if (nextInput < ns && sizes[nextInput] == h) roIdx = nextInput++;
                uint256 beta = a.betas[j];
                assembly ("memory-safe") {
                    let t := add(tab, shl(8, j))
                    mstore(t, ar)
                    mstore(add(t, 0x20), curF)
                    mstore(add(t, 0x40), shiftInv)
                    mstore(add(t, 0x60), beta)
                    mstore(add(t, 0x80), lr.offset)
                    mstore(add(t, 0xa0), add(pj, 0x20))
                    mstore(add(t, 0xc0), mload(pj))
                    mstore(add(t, 0xe0), roIdx)
                    for { let r := 0 } lt(r, ar) { r := add(r, 1) } {
                        shiftF := mulmod(shiftF, shiftF, 2013265921)
                        shiftInv := mulmod(shiftInv, shiftInv, 2013265921)
                    }
                }
                curF = h;
            }
            // the inputs rolled in depend on the layer sizes only (the same for every query)
            if (nextInput != ns) revert BadShape("input below the final size");
        }
        for (uint256 q = 0; q < nq; q++) {
            (uint256 err, uint256 layer, uint256 val, uint256 xf) = _query(a, tab, nl, q, curF, shiftF);
            if (err == 1) revert FriMismatch(q, layer);
            if (err == 2) revert BadShape("non-canonical row");
            if (err == 3) revert BadShape("position");
            if (_horner(a.finalPoly, xf) != val) revert FriMismatch(q, type(uint256).max);
        }
        fact = factOf(a);
        facts[fact] = true;
    }

    /// Σ_i c_i·x^i (Horner) for extension coefficients c (canonical: _verify checked them)
    /// and a base-field x < p, in one assembly loop, lane-parallel: acc·x multiplies all
    /// four 64-bit lanes at once (each lane < p, so < p² < 2^62: no carry into the next
    /// lane), the coefficient is added (< p² + p) and every lane reduced mod p.
    function _horner(uint256[] calldata c, uint256 x) private pure returns (uint256 acc) {
        assembly ("memory-safe") {
            let p := 2013265921
            let m := 0xffffffffffffffff
            for { let i := c.length } gt(i, 0) { } {
                i := sub(i, 1)
                let v := add(mul(acc, x), calldataload(add(c.offset, shl(5, i))))
                acc := or(or(mod(and(v, m), p), shl(64, mod(and(shr(64, v), m), p))),
                          or(shl(128, mod(and(shr(128, v), m), p)), shl(192, mod(shr(192, v), p))))
            }
        }
    }

    /// Every word of xs a canonical packed extension element (each 64-bit lane < p), as
    /// Field.canonical, lane-parallel: no lane has a bit ≥ 2^31 set, and then (every lane <
    /// 2^31) lane + 2^63 − p has bit 63 set iff lane ≥ p, without carrying into the next.
    function _allCanonical(uint256[] calldata xs) private pure returns (bool ok) {
        assembly ("memory-safe") {
            let bad := 0
            for { let o := xs.offset } lt(o, add(xs.offset, shl(5, xs.length))) { o := add(o, 0x20) } {
                let x := calldataload(o)
                bad := or(bad, or(and(x, 0xffffffff80000000ffffffff80000000ffffffff80000000ffffffff80000000),
                                  and(add(x, 0x7fffffff87ffffff7fffffff87ffffff7fffffff87ffffff7fffffff87ffffff),
                                      0x8000000000000000800000000000000080000000000000008000000000000000)))
            }
            ok := iszero(bad)
        }
    }

    /// Every word of xs < 2^bits.
    function _allBelow(uint256[] calldata xs, uint256 bits) private pure returns (bool ok) {
        assembly ("memory-safe") {
            let bad := 0
            for { let o := xs.offset } lt(o, add(xs.offset, shl(5, xs.length))) { o := add(o, 0x20) } {
                bad := or(bad, shr(bits, calldataload(o)))
            }
            ok := iszero(bad)
        }
    }

    /// One query through every layer (zkvm.stark.fri.verify_fri's loop body), one assembly
    /// block of small Yul functions over the layer table of _verify (tab, 8 words per
    /// layer).  Per layer: the opened value at pos mod 2^a of the row at position pos >> a
    /// (binary search in the layer's sorted distinct positions) must equal the running value;
    /// fold the row (fold_row: per round r and pair t, with inv2x = INV2·yInv^(2^r)·ω_8^{-e},
    /// e = bitrev_lb(2t) << (3 − lb): v_t = (ev + od)·INV2 + β·(ev − od)·inv2x, where the
    /// points of the row are y0·ω_k^{bitrev(t)}, y0 = shift·ω_cur^{bitrev_{cur−a}(pos >> a)},
    /// so one modexp gives 1/y0); roll in β^(2^a)·RO at an input size.  Returns err 0 and
    /// the final value and the last domain point xf = shift_F·ω_curF^{bitrev(pos)}, or err 1
    /// (value mismatch), 2 (non-canonical row value), 3 (position not opened) and the layer.
    function _query(Args calldata a, uint256 tab, uint256 nl, uint256 q, uint256 curF, uint256 shiftF)
        private
        view
        returns (uint256 err, uint256 layer, uint256 val, uint256 xf)
    {
        uint256 ns = a.inputSizes.length;
        uint256 p0 = a.queries[q];
        uint256[] calldata ro = a.ro;
        assembly ("memory-safe") {
            let roq := add(ro.offset, shl(5, mul(q, ns)))
            let sc := mload(0x40)
            val := calldataload(roq)
            let pp := p0
            // 1/y0 of the first layer's row (one modexp), then chained: see nextY
            mstore(add(sc, 0xc0), firstY(tab, pp, sc)) // 1/y0 of the current layer's row, above the modexp scratch
            for { let j := 0 } lt(j, nl) { j := add(j, 1) } {
                let e := 0
                val, e := layerStep(add(tab, shl(8, j)), pp, val, roq, sc)
                if e {
                    err := e
                    layer := j
                    break
                }
                pp := shr(mload(add(tab, shl(8, j))), pp)
                if lt(add(j, 1), nl) { mstore(add(sc, 0xc0), nextY(add(tab, shl(8, j)), mload(add(sc, 0xc0)), pp)) }
            }
            if iszero(err) { xf := mulmod(shiftF, rootPow(curF, bitrev(pp, curF), sc), 2013265921) }

            // 1/y0 = shift^-1 · ω_cur^(−bitrev_(cur−a)(pp_ >> a)) of the first layer's row
            function firstY(t_, pp_, sc_) -> y {
                let ar := mload(t_)
                let cur := mload(add(t_, 0x20))
                y := mulmod(mload(add(t_, 0x40)),
                            rootPow(cur, mod(sub(shl(cur, 1), bitrev(shr(ar, pp_), sub(cur, ar))), shl(cur, 1)), sc_),
                            2013265921)
            }

            // 1/y0 of the next layer's row from this layer's (t_, yInv; pp_ the next layer's
            // position): with a = this layer's arity, a' the next one's and low = pp_ mod 2^a',
            // 1/y0' = (1/y0)^(2^a) · ω_{2^a'}^{bitrev_a'(low)}, since y0^(2^a) = shift'·
            // ω_{cur'}^{bitrev_cur'(pp_)} and bitrev_cur'(pp_) = bitrev_a'(low)·2^(cur' − a') +
            // bitrev_(cur'−a')(pp_ >> a') (the next row's y0' exponent).  ω_{2^a'}^k =
            // ω_8^(k << (3 − a')) = (ω_8^-1)^(8 − that) from the table of the eight inverses.
            // The same value as shift'^-1 · ω_cur'^(−bitrev_(cur'−a')(pp_ >> a')), one
            // modexp fewer per layer.
            function nextY(t_, yInv, pp_) -> y {
                y := yInv
                for { let r := mload(t_) } gt(r, 0) { r := sub(r, 1) } { y := mulmod(y, y, 2013265921) }
                let a2 := mload(add(t_, 0x100))
                let e8 := shl(sub(3, a2), bitrev(and(pp_, sub(shl(a2, 1), 1)), a2))
                y := mulmod(y, and(shr(shl(5, and(sub(8, e8), 7)), 0x5ee9948667055c210c9ea3ba7800000019166b7b10faa3e06b615c4700000001), 0xffffffff), 2013265921)
            }

            // one layer: check the opened value, fold the row (1/y0 of the row at sc_ + 0xc0,
            // see nextY), roll in the next input
            function layerStep(t_, pp_, v_, roq_, sc_) -> nv, e_ {
                let ar := mload(t_)
                let rowOff := rowAt(t_, ar, pp_)
                if eq(rowOff, not(0)) {
                    e_ := 3
                    leave
                }
                let bb := 0
                nv, bb, e_ := fold(rowOff, ar, mload(add(sc_, 0xc0)), mload(add(t_, 0x60)), add(sc_, 0xe0), and(pp_, sub(shl(ar, 1), 1)), v_)
                if e_ { leave }
                let ri := mload(add(t_, 0xe0))
                // nv + β^(2^a)·RO: nv < p and the unreduced product < 4p² per lane (< 2^64)
                if ri { nv := red(add(nv, extmulRaw(bb, calldataload(add(roq_, shl(5, ri)))))) }
            }

            // calldata offset of the row at position pp >> ar (binary search in the layer's
            // sorted distinct positions), or not(0) if it is not there
            function rowAt(t_, ar, pp_) -> off {
                let ptr := mload(add(t_, 0xa0))
                let n := mload(add(t_, 0xc0))
                let x := shr(ar, pp_)
                let lo := 0
                let hi := n
                for { } lt(lo, hi) { } {
                    let mid := shr(1, add(lo, hi))
                    switch lt(mload(add(ptr, shl(5, mid))), x)
                    case 1 { lo := add(mid, 1) }
                    default { hi := mid }
                }
                off := not(0)
                if lt(lo, n) {
                    if eq(mload(add(ptr, shl(5, lo))), x) { off := add(mload(add(t_, 0x80)), mul(lo, shl(add(ar, 4), 1))) }
                }
            }

            // ω_{2^logN}^e = 31^(((p − 1) >> logN)·e mod (p − 1)) (modexp precompile)
            function rootPow(logN, e_, m) -> r {
                mstore(m, 0x20)
                mstore(add(m, 0x20), 0x20)
                mstore(add(m, 0x40), 0x20)
                mstore(add(m, 0x60), 31)
                mstore(add(m, 0x80), mod(mul(shr(logN, 2013265920), e_), 2013265920))
                mstore(add(m, 0xa0), 2013265921)
                if iszero(staticcall(gas(), 0x05, m, 0xc0, m, 0x20)) { revert(0, 0) }
                r := mload(m)
            }

            // the low n ≤ 32 bits of j reversed (five swap steps on 32 bits, then a shift)
            function bitrev(j_, n_) -> r {
                r := or(shr(1, and(j_, 0xaaaaaaaa)), shl(1, and(j_, 0x55555555)))
                r := or(shr(2, and(r, 0xcccccccc)), shl(2, and(r, 0x33333333)))
                r := or(shr(4, and(r, 0xf0f0f0f0)), shl(4, and(r, 0x0f0f0f0f)))
                r := or(shr(8, and(r, 0xff00ff00)), shl(8, and(r, 0x00ff00ff)))
                r := shr(sub(32, n_), or(shr(16, r), shl(16, and(r, 0xffff))))
            }

            // fold_row of the row at rowOff (2^ar values, each checked canonical: else e 2;
            // the value at `sel` must be the running value `cur`: else e 1); returns the
            // folded value and β^(2^ar)
            function fold(rowOff, ar, yInv, b, vals, sel, cur) -> v, bb, e_ {
                let k := shl(ar, 1)
                for { let t := 0 } lt(t, k) { t := add(t, 1) } {
                    let x := ext16(shr(128, calldataload(add(rowOff, shl(4, t)))))
                    if iszero(canon(x)) { e_ := 2 }
                    mstore(add(vals, shl(5, t)), x)
                }
                if iszero(e_) { if iszero(eq(mload(add(vals, shl(5, sel))), cur)) { e_ := 1 } }
                for { let r := 0 } lt(r, ar) { r := add(r, 1) } {
                    foldRound(vals, shr(add(r, 1), k), sub(ar, r), mulmod(1006632961, yInv, 2013265921), b)
                    yInv := mulmod(yInv, yInv, 2013265921)
                    b := red(extmulRaw(b, b))
                }
                v := mload(vals)
                bb := b
            }

            // One folding round over the first 2·half values at vp (each a reduced packed
            // extension element): v_t = (ev + od)·INV2 + β·((ev − od)·inv2x), lazily reduced.
            // (ev − od) as ev + p − od lane by lane (< 2p, od < p: no borrow), times the base
            // inv2x < p: < 2p² < 2^63 per lane, one MUL for the four lanes, then reduced;
            // (ev + od)·INV2 < 2p² likewise; β·y without its final reduction has lanes
            // < 4p² (extmulRaw), plus the reduced first part < 4p² + p < 2^64: one final
            // reduction.  ω_8^{-e} from a packed table of the eight inverses (32 bits each),
            // e = bitrev_lb(2t) << (3 − lb) from a packed table of nibbles at 16·lb + 4·t.
            function foldRound(vp, half, lb, c, beta) {
                for { let t := 0 } lt(t, half) { t := add(t, 1) } {
                    let e8 := and(shr(add(shl(4, lb), shl(2, t)), 0x3120002000000000), 7)
                    let inv2x := mulmod(c, and(shr(shl(5, e8), 0x5ee9948667055c210c9ea3ba7800000019166b7b10faa3e06b615c4700000001), 0xffffffff), 2013265921)
                    let ev := mload(add(vp, shl(6, t)))
                    let od := mload(add(vp, add(shl(6, t), 0x20)))
                    let y := red(mul(add(ev, sub(0x0000000078000001000000007800000100000000780000010000000078000001, od)), inv2x))
                    mstore(add(vp, shl(5, t)), red(add(red(mul(add(ev, od), 1006632961)), extmulRaw(beta, y))))
                }
            }

            // every 64-bit lane mod p
            function red(v) -> z {
                let pr := 2013265921
                let mk := 0xffffffffffffffff
                z := or(or(mod(and(v, mk), pr), shl(64, mod(and(shr(64, v), mk), pr))),
                        or(shl(128, mod(and(shr(128, v), mk), pr)), shl(192, mod(shr(192, v), pr))))
            }

            // extmul without the final reduction: lanes < 4p² (x, y reduced)
            function extmulRaw(x, y) -> z {
                let pr := 2013265921
                z := mul(x, and(y, 0xffffffffffffffff))
                x := or(shl(64, x), mulmod(shr(192, x), 11, pr))
                z := add(z, mul(x, and(shr(64, y), 0xffffffffffffffff)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, pr))
                z := add(z, mul(x, and(shr(128, y), 0xffffffffffffffff)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, pr))
                z := add(z, mul(x, shr(192, y)))
            }

            // every 64-bit lane of x (each < 2^32, as ext16 gives) is < p: lane + 2^63 − p
            // < 2^63 + 2^32 never carries into the next lane, and has bit 63 set iff lane ≥ p
            function canon(x) -> ok {
                ok := iszero(and(add(x, 0x7fffffff87ffffff7fffffff87ffffff7fffffff87ffffff7fffffff87ffffff),
                                 0x8000000000000000800000000000000080000000000000008000000000000000))
            }

            // 16 bytes (four u32 LE, the first in the high bytes) -> packed 64-bit limbs
            function ext16(w) -> r {
                w := or(shl(8, and(w, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, w), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
                w := or(shl(16, and(w, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, w), 0x0000ffff0000ffff0000ffff0000ffff))
                r := or(or(shr(96, w), shl(64, and(shr(64, w), 0xffffffff))),
                        or(shl(128, and(shr(32, w), 0xffffffff)), shl(192, and(w, 0xffffffff))))
            }
        }
    }

    /// The sorted distinct values qs[i] >> shiftBits (an insertion sort, then the
    /// duplicates dropped), in one assembly block (the Solidity loops' checked indexing cost
    /// ~30 k gas per layer for 13 queries).
    function _sortedDistinct(uint256[] calldata qs, uint256 shiftBits) private pure returns (uint256[] memory out) {
        assembly ("memory-safe") {
            let n := qs.length
            out := mload(0x40)
            let v := add(out, 0x20)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let x := shr(shiftBits, calldataload(add(qs.offset, shl(5, i))))
                let j := i
                for { } gt(j, 0) { j := sub(j, 1) } {
                    let y := mload(add(v, shl(5, sub(j, 1))))
                    if iszero(gt(y, x)) { break }
                    mstore(add(v, shl(5, j)), y)
                }
                mstore(add(v, shl(5, j)), x)
            }
            let m := 0
            if n { m := 1 }
            for { let i := 1 } lt(i, n) { i := add(i, 1) } {
                let x := mload(add(v, shl(5, i)))
                if iszero(eq(x, mload(add(v, shl(5, sub(m, 1)))))) {
                    mstore(add(v, shl(5, m)), x)
                    m := add(m, 1)
                }
            }
            mstore(out, m)
            mstore(0x40, add(v, shl(5, m)))
        }
    }

    /// The distinct values xs[i] >> shiftBits of a sorted array xs (still sorted: shifting
    /// keeps the order, so equal values are adjacent).
    function _shiftedDistinct(uint256[] memory xs, uint256 shiftBits) private pure returns (uint256[] memory out) {
        assembly ("memory-safe") {
            let n := mload(xs)
            out := mload(0x40)
            let v := add(out, 0x20)
            let m := 0
            let last := not(0)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let x := shr(shiftBits, mload(add(xs, shl(5, add(i, 1)))))
                if iszero(eq(x, last)) {
                    mstore(add(v, shl(5, m)), x)
                    m := add(m, 1)
                    last := x
                }
            }
            mstore(out, m)
            mstore(0x40, add(v, shl(5, m)))
        }
    }
}
