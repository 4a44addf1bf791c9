// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

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
        bytes32 fact = factKey(root, L, levelsHash, keccak256(abi.encodePacked(indices)), keccak256(rows));
        facts[fact] = true;
        emit Registered(root, nq);
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
