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
        for (uint256 i = 0; i < a.betas.length; i++) if (!a.betas[i].canonical()) revert BadShape("beta");
        for (uint256 i = 0; i < a.finalPoly.length; i++) if (!a.finalPoly[i].canonical()) revert BadShape("final");
        for (uint256 i = 0; i < a.ro.length; i++) if (!a.ro[i].canonical()) revert BadShape("ro");
        for (uint256 q = 0; q < nq; q++) if (a.queries[q] >> a.L0 != 0) revert BadShape("query");
        for (uint256 i = 1; i < ns; i++) if (a.inputSizes[i] >= a.inputSizes[i - 1]) revert BadShape("sizes");

        // per layer: the sorted distinct positions, authenticated rows
        pos = new uint256[][](nl);
        {
            uint256 cur = a.L0;
            for (uint256 j = 0; j < nl; j++) {
                uint256 ar = a.logArities[j];
                if (ar == 0 || ar > 3 || ar > cur) revert BadShape("arity");
                uint256 h = cur - ar;
                pos[j] = _sortedDistinct(a.queries, a.L0 - h);
                uint256 rowBytes = 16 << ar;
                if (a.layerRows[j].length != rowBytes * pos[j].length) revert BadShape("rows");
                uint256[] memory lv = new uint256[](1);
                lv[0] = (h << 32) | rowBytes;
                if (!paths) {
                    bytes32 f = keccak256(abi.encodePacked(a.commits[j], h, keccak256(abi.encodePacked(lv)),
                                                           keccak256(abi.encodePacked(pos[j])), keccak256(a.layerRows[j])));
                    if (!merkleFacts.isValid(f)) revert BadShape("layer rows not a Merkle fact");
                }
                cur = h;
            }
        }
        for (uint256 q = 0; q < nq; q++) {
            _query(a, pos, q);
        }
        fact = factOf(a);
        facts[fact] = true;
    }

    function _query(Args calldata a, uint256[][] memory pos, uint256 q) private view {
        uint256 ns = a.inputSizes.length;
        uint256 cur = a.L0;
        uint256 p = a.queries[q];
        uint256 shift = Field.GENERATOR;
        uint256 shiftInv = GEN_INV;
        uint256 val = a.ro[q * ns];
        uint256 nextInput = 1;
        uint256 b;
        for (uint256 j = 0; j < a.logArities.length; j++) {
            uint256 ar = a.logArities[j];
            uint256 k = 1 << ar;
            uint256 row = _find(pos[j], p >> ar);
            bytes calldata rows = a.layerRows[j][row * (16 << ar):(row + 1) * (16 << ar)];
            if (_extAt(rows, p & (k - 1)) != val) revert FriMismatch(q, j);
            // fold_row: chain of binary folds with β, β², β⁴, …  The points of the row
            // (positions k·r + t of shift·H_{2^cur}, bit-reversed) are y0·ω_k^{bitrev(t)} with
            // y0 = shift·ω_cur^{bitrev_{cur−a}(r)}, so one modexp gives 1/y0 and every
            // 1/(2x) of every round is INV2 · (1/y0)^{2^i} · a constant 8th root of unity.
            uint256 yInv = mulmod(shiftInv, Field.rootPow(cur, ((1 << cur) - Field.bitrev(p >> ar, cur - ar)) % (1 << cur)), Field.P);
            (val, b) = _fold(rows, ar, yInv, a.betas[j]);
            for (uint256 r = 0; r < ar; r++) {
                shift = mulmod(shift, shift, Field.P);
                shiftInv = mulmod(shiftInv, shiftInv, Field.P);
            }
            p >>= ar;
            cur -= ar;
            if (nextInput < ns && a.inputSizes[nextInput] == cur) {
                // β^k · RO_cur (b is now β^k)
                val = Field.add(val, Field.mul(b, a.ro[q * ns + nextInput]));
                nextInput++;
            }
        }
        if (nextInput != ns) revert BadShape("input below the final size");
        uint256 xf = Field.domainPoint(cur, p, shift);
        if (_horner(a.finalPoly, xf) != val) revert FriMismatch(q, type(uint256).max);
    }

    /// Σ_i c_i·x^i (Horner) for extension coefficients c and a base-field x < p, in one
    /// assembly loop (the Field calls cost ~1 k gas each inside the via-IR code).
    function _horner(uint256[] calldata c, uint256 x) private pure returns (uint256 acc) {
        assembly ("memory-safe") {
            let p := 2013265921
            let m := 0xffffffffffffffff
            for { let i := c.length } gt(i, 0) { } {
                i := sub(i, 1)
                let v := calldataload(add(c.offset, shl(5, i)))
                acc := or(or(addmod(mulmod(and(acc, m), x, p), and(v, m), p),
                             shl(64, addmod(mulmod(and(shr(64, acc), m), x, p), and(shr(64, v), m), p))),
                          or(shl(128, addmod(mulmod(and(shr(128, acc), m), x, p), and(shr(128, v), m), p)),
                             shl(192, addmod(mulmod(shr(192, acc), x, p), shr(192, v), p))))
            }
        }
    }

    /// One layer's fold_row; returns the folded value and β^(2^ar).  One assembly block
    /// (as Field's operations, with the lane-parallel extension multiplication of
    /// MerkleFacts): per round r and pair t, with inv2x = INV2 · yInv^(2^r) · ω_8^{-e},
    /// e = bitrev_lb(2t) << (3 − lb):  v_t = (ev + od)·INV2 + β·(ev − od)·inv2x.
    function _fold(bytes calldata rows, uint256 ar, uint256 yInv, uint256 b) private pure returns (uint256 v, uint256 bb) {
        if (ar == 0 || ar > 3 || rows.length < (16 << ar)) revert BadShape("row");
        uint256 bad;
        assembly ("memory-safe") {
            let vals := mload(0x40)
            let k := shl(ar, 1)
            for { let t := 0 } lt(t, k) { t := add(t, 1) } {
                let x := ext16(shr(128, calldataload(add(rows.offset, shl(4, t)))))
                bad := or(bad, iszero(canon(x)))
                mstore(add(vals, shl(5, t)), x)
            }
            for { let r := 0 } lt(r, ar) { r := add(r, 1) } {
                foldRound(vals, shr(add(r, 1), k), sub(ar, r), mulmod(1006632961, yInv, 2013265921), b)
                yInv := mulmod(yInv, yInv, 2013265921)
                b := extmul(b, b)
            }
            v := mload(vals)
            bb := b

            function foldRound(vp, half, lb, c, beta) {
                let p := 2013265921
                for { let t := 0 } lt(t, half) { t := add(t, 1) } {
                    // ω_8^{-e} from a packed table of the eight inverses (32 bits each)
                    let e := and(shl(sub(3, lb), bitrev(shl(1, t), lb)), 7)
                    let inv2x := mulmod(c, and(shr(shl(5, e), 0x5ee9948667055c210c9ea3ba7800000019166b7b10faa3e06b615c4700000001), 0xffffffff), p)
                    let ev := mload(add(vp, shl(6, t)))
                    let od := mload(add(vp, add(shl(6, t), 0x20)))
                    mstore(add(vp, shl(5, t)), extadd(mulbase(extadd(ev, od), 1006632961),
                                                        extmul(beta, mulbase(extsub(ev, od), inv2x))))
                }
            }

            function bitrev(j, n) -> r {
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    r := or(shl(1, r), and(j, 1))
                    j := shr(1, j)
                }
            }

            function canon(x) -> ok {
                let p := 2013265921
                let m := 0xffffffffffffffff
                ok := and(and(lt(and(x, m), p), lt(and(shr(64, x), m), p)), and(lt(and(shr(128, x), m), p), lt(shr(192, x), p)))
            }

            // 16 bytes (four u32 LE, the first in the high bytes) -> packed 64-bit limbs
            function ext16(w) -> r {
                w := or(shl(8, and(w, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, w), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
                w := or(shl(16, and(w, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, w), 0x0000ffff0000ffff0000ffff0000ffff))
                r := or(or(shr(96, w), shl(64, and(shr(64, w), 0xffffffff))),
                        or(shl(128, and(shr(32, w), 0xffffffff)), shl(192, and(w, 0xffffffff))))
            }

            function mulbase(x, c) -> z {
                let p := 2013265921
                let m := 0xffffffffffffffff
                z := or(or(mulmod(and(x, m), c, p), shl(64, mulmod(and(shr(64, x), m), c, p))),
                        or(shl(128, mulmod(and(shr(128, x), m), c, p)), shl(192, mulmod(shr(192, x), c, p))))
            }

            function extadd(x, y) -> z {
                let p := 2013265921
                let m := 0xffffffffffffffff
                z := or(or(addmod(and(x, m), and(y, m), p), shl(64, addmod(and(shr(64, x), m), and(shr(64, y), m), p))),
                        or(shl(128, addmod(and(shr(128, x), m), and(shr(128, y), m), p)), shl(192, addmod(shr(192, x), shr(192, y), p))))
            }

            function extsub(x, y) -> z {
                let p := 2013265921
                let m := 0xffffffffffffffff
                z := or(or(addmod(and(x, m), sub(p, and(y, m)), p), shl(64, addmod(and(shr(64, x), m), sub(p, and(shr(64, y), m)), p))),
                        or(shl(128, addmod(and(shr(128, x), m), sub(p, and(shr(128, y), m)), p)), shl(192, addmod(shr(192, x), sub(p, shr(192, y)), p))))
            }

            // lane-parallel x·y mod X^4 − 11 (see MerkleFacts: lane sums < 4p² < 2^64)
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
        if (bad != 0) revert BadShape("non-canonical row");
    }

    /// The t-th extension value of a row (four u32 LE coefficients); reverts if not canonical.
    function _extAt(bytes calldata rows, uint256 t) private pure returns (uint256 v) {
        if (16 * t + 16 > rows.length) revert BadShape("row");
        uint256 ok;
        assembly ("memory-safe") {
            let w := shr(128, calldataload(add(rows.offset, shl(4, t))))
            w := or(shl(8, and(w, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, w), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
            w := or(shl(16, and(w, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, w), 0x0000ffff0000ffff0000ffff0000ffff))
            v := or(or(shr(96, w), shl(64, and(shr(64, w), 0xffffffff))),
                    or(shl(128, and(shr(32, w), 0xffffffff)), shl(192, and(w, 0xffffffff))))
            let p := 2013265921
            let m := 0xffffffffffffffff
            ok := and(and(lt(and(v, m), p), lt(and(shr(64, v), m), p)), and(lt(and(shr(128, v), m), p), lt(shr(192, v), p)))
        }
        if (ok == 0) revert BadShape("non-canonical row");
    }

    function _sortedDistinct(uint256[] calldata qs, uint256 shiftBits) private pure returns (uint256[] memory out) {
        uint256 n = qs.length;
        uint256[] memory v = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            uint256 x = qs[i] >> shiftBits;
            uint256 j = i;
            while (j > 0 && v[j - 1] > x) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = x;
        }
        uint256 m = 0;
        for (uint256 i = 0; i < n; i++) {
            if (i == 0 || v[i] != v[m - 1]) v[m++] = v[i];
        }
        out = new uint256[](m);
        for (uint256 i = 0; i < m; i++) out[i] = v[i];
    }

    function _find(uint256[] memory xs, uint256 x) private pure returns (uint256) {
        uint256 lo = 0;
        uint256 hi = xs.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (xs[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        require(lo < xs.length && xs[lo] == x, "position");
        return lo;
    }
}
