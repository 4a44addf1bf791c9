// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import "./Field.sol";

interface IMerkleFacts {
    function isValid(bytes32 fact) external view returns (bool);
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
        uint256[][] memory pos = new uint256[][](nl);
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
                bytes32 f = keccak256(abi.encodePacked(a.commits[j], h, keccak256(abi.encodePacked(lv)),
                                                       keccak256(abi.encodePacked(pos[j])), keccak256(a.layerRows[j])));
                if (!merkleFacts.isValid(f)) revert BadShape("layer rows not a Merkle fact");
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
        uint256 acc = 0;
        for (uint256 i = a.finalPoly.length; i > 0; i--) {
            acc = Field.add(Field.mulBase(acc, xf), a.finalPoly[i - 1]);
        }
        if (acc != val) revert FriMismatch(q, type(uint256).max);
    }

    /// One layer's fold_row; returns the folded value and β^(2^ar).
    function _fold(bytes calldata rows, uint256 ar, uint256 yInv, uint256 b) private pure returns (uint256, uint256) {
        uint256 k = 1 << ar;
        uint256[8] memory vals;
        for (uint256 t = 0; t < k; t++) vals[t] = _extAt(rows, t);
        for (uint256 r = 0; r < ar; r++) {
            uint256 half = k >> (r + 1);
            uint256 lb = ar - r; // log2 of the points per row this round
            uint256 c = mulmod(Field.INV2, yInv, Field.P);
            for (uint256 t = 0; t < half; t++) {
                // 1/(2x_t) = INV2 · yInv^(2^r) · ω_{2^lb}^{-bitrev_lb(2t)}, ω_{2^lb}^e = ω_8^(e << (3 − lb))
                uint256 inv2x = mulmod(c, _w8inv((Field.bitrev(2 * t, lb) << (3 - lb)) & 7), Field.P);
                uint256 ev = vals[2 * t];
                uint256 od = vals[2 * t + 1];
                vals[t] = Field.add(Field.mulBase(Field.add(ev, od), Field.INV2),
                                    Field.mul(b, Field.mulBase(Field.sub(ev, od), inv2x)));
            }
            yInv = mulmod(yInv, yInv, Field.P);
            b = Field.mul(b, b);
        }
        return (vals[0], b);
    }

    /// ω_8^{-e} for e in 0..7 (ω_8 = 31^((p−1)/8), zkvm.field.babybear.two_adic_generator(3)).
    function _w8inv(uint256 e) private pure returns (uint256) {
        if (e == 0) return 1;
        if (e == 1) return 1801542727;
        if (e == 2) return 284861408;
        if (e == 3) return 420899707;
        if (e == 4) return 2013265920;
        if (e == 5) return 211723194;
        if (e == 6) return 1728404513;
        return 1592366214;
    }

    /// The t-th extension value of a row (four u32 LE coefficients); reverts if not canonical.
    function _extAt(bytes calldata rows, uint256 t) private pure returns (uint256 v) {
        if (16 * t + 16 > rows.length) revert BadShape("row");
        uint256 w;
        assembly ("memory-safe") {
            w := shr(128, calldataload(add(rows.offset, shl(4, t))))
        }
        // w = 16 bytes b0..b15 big-endian; coefficient i is bytes 4i..4i+3 little-endian
        for (uint256 i = 0; i < 4; i++) {
            uint256 x = (w >> (96 - 32 * i)) & 0xffffffff;
            x = ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | (x >> 24);
            if (x >= Field.P) revert BadShape("non-canonical row");
            v |= x << (64 * i);
        }
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
