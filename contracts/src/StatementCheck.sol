// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import "./Field.sol";
import "./StarkChallenges.sol";

interface IFacts {
    function facts(bytes32 fact) external view returns (bool);
}

/// @title StatementCheck: the final transaction of on-chain verification of one zkvm
/// receipt (a whole run, not composite) for one image: it ties the facts recorded by
/// MerkleFacts (openings + DEEP reduced openings) and FriQueries together, runs every
/// table's generated constraint code (zkvm.onchain.codegen) itself,
/// exactly as zkvm.stark.verifier's numbered steps do, and records ACCEPT for
/// (exit code, journal) only if every fact is present and consistent.
/// @notice The verifying key (constructor): the image's verifying-key digest and
/// preprocessed root, the boot public interaction EXEC(entry, 1, 0), the bus ids, and
/// the admissible shapes.  A shape is everything the Python verifier derives from the
/// verifying key and the claimed heights (steps 4 and 8: layouts, the PCS shape header,
/// opening structure, FRI schedule, the static part of the multiplicity bound, which
/// opened value feeds which constraint leaf); it is registered by keccak256 at
/// deployment, so a proof whose heights have no registered shape is rejected.
/// Per proof it replays every challenge (StarkChallenges), checks the public values
/// (exit code, journal length) and the journal (public data), ζ-derived opening points,
/// step 9 per table (the image's generated constraint code, bound by its EXTCODEHASH to
/// the shape's code hash, called here on the leaves built here from the opened values,
/// equals quotient(ζ)·Z_H(ζ) computed here), the DEEP facts
/// of every input round (terms recomputed here from α and the claimed values, query
/// indices from the transcript) summed into the FRI inputs, the FRI fact, and step 11
/// (claimed sums + EXEC + the journal's messages = 0).
contract StatementCheck {
    uint256 internal constant P = 2013265921;
    uint256 internal constant M64 = 0xffffffffffffffff;

    StarkChallenges public immutable challenges;
    IFacts public immutable merkleFacts;
    IFacts public immutable friQueries;
    /// The image ID this verifier is for (the deployer's claim: the verifying-key digest
    /// below hashes the system name, which contains the image ID, so anyone holding the
    /// ELF checks it off chain; docs/onchain.md).  Consumers such as BattleshipReferee pin it.
    bytes32 public immutable imageId;
    bytes32 public immutable vkDigest;
    bytes32 public immutable preRoot;
    uint256 public immutable entry;
    uint256 public immutable execBus;
    uint256 public immutable journalBus;

    mapping(bytes32 => bool) public shapes;
    bytes32[] internal shapeList; // the registered shapes, in constructor order (for audits)
    /// keccak256(abi.encode(vkDigest, exitCode, keccak256(journal))) => accepted
    mapping(bytes32 => bool) public accepted;
    /// Facts of recordSeparate: a separate table's generated code, run on the leaves built
    /// from (opened values, leaf specs, context), returned acc (see _separateKey).
    mapping(bytes32 => bool) public separateFacts;

    error Reject(string why);

    event Accepted(bytes32 vkDigest, uint256 exitCode, bytes32 journalHash);

    struct Shape {
        uint256[] logHeights;
        uint256 maxLogHeight;
        uint256 logBlowup;
        uint256 powBits;
        uint256 L0;
        uint256 numQueries;
        uint256 finalPolyLen;
        uint256 numClaimed;
        uint256 hasAux;
        uint256 staticBound; // multiplicity bound of the tables and EXEC (step 4), journal excluded
        uint256 batch; // leaves per DEEP fact
        bytes pcsShape;
        uint256[] pointLogs; // per (matrix, point): 0 = ζ, else log h: ζ·ω_h
        uint256[] valueCounts; // per (matrix, point)
        uint256[] logArities;
        uint256[] inputSizes;
        uint256[] roundHdr; // per round: rootSrc (0 pre, 1 main, 2 aux, 3 quotient), Lr | batch << 32 (0: `batch`),
        // #levels, #mats, #slots, #cols
        uint256[] roundData; // levels, mats, slots, cols (MerkleFacts.Deep encoding)
        uint256[] tableHdr; // per live table: codeHash (zkvm.onchain.codegen.code_hash), logN,
        // logChunk | separate << 8 (1: its code runs in a recordSeparate transaction, see _tables), #leaves, #quot
        bytes tableData; // 8-byte big-endian entries, per live table: its leaves (kind << 32 | index) (a separate
        // table: keccak256 of its local leaf specs as 4 entries, then its value ranges start << 32 | count, see
        // recordSeparate), then its quotient value indices (4 per chunk).  (Packed: 8 bytes an entry instead of a
        // 32-byte word, a quarter of the calldata; every entry is read as shr(192, calldataload(...)).)
    }

    constructor(
        StarkChallenges sc,
        IFacts mf,
        IFacts fq,
        bytes32 image,
        bytes32 vk,
        bytes32 pre,
        uint256 entryPc,
        uint256 execBusId,
        uint256 journalBusId,
        bytes32[] memory shapeHashes
    ) {
        challenges = sc;
        merkleFacts = mf;
        friQueries = fq;
        imageId = image;
        vkDigest = vk;
        preRoot = pre;
        entry = entryPc;
        execBus = execBusId;
        journalBus = journalBusId;
        for (uint256 i = 0; i < shapeHashes.length; i++) shapes[shapeHashes[i]] = true;
        shapeList = shapeHashes;
    }

    /// Every registered shape hash (an auditor recomputes each from the verifying key).
    function shapeHashes() external view returns (bytes32[] memory) {
        return shapeList;
    }

    function shapeHash(Shape calldata s) public pure returns (bytes32) {
        return keccak256(abi.encode(s));
    }

    /// ACCEPT (returns true, records `accepted`) or reverts with Reject(why).
    function check(
        Shape calldata s,
        StarkChallenges.Input calldata ci,
        uint256 exitCode,
        bytes calldata journal,
        bytes32[] calldata rowsHashes,
        uint256[] calldata partials,
        address[][] calldata evaluators
    ) external returns (bool) {
        _statement(s, ci, exitCode, journal);
        StarkChallenges.Challenges memory c = challenges.derive(ci);
        _points(s, ci, c.zeta);
        _tables(s, ci, c, evaluators);
        _logup(ci, journal, c.logupAlpha, c.logupBeta);
        uint256[] memory ro = _deep(s, ci, c, rowsHashes, partials);
        bytes32 ff = keccak256(abi.encode(ci.friCommits, s.L0, s.logArities, c.betas, ci.finalPoly, s.inputSizes,
                                          c.queries, ro));
        if (!friQueries.facts(ff)) revert Reject("FRI fact missing");
        bytes32 jh = keccak256(journal);
        accepted[keccak256(abi.encode(vkDigest, exitCode, jh))] = true;
        emit Accepted(vkDigest, exitCode, jh);
        return true;
    }

    /// Steps 2-4 and the shape: the statement the transcript is seeded with.
    function _statement(Shape calldata s, StarkChallenges.Input calldata ci, uint256 exitCode, bytes calldata journal)
        private
        view
    {
        if (!shapes[keccak256(abi.encode(s))]) revert Reject("heights/shape not in the verifying key");
        if (ci.vkDigest != vkDigest) revert Reject("verifying key");
        if (ci.publicValues.length != 2 || ci.publicValues[0] != exitCode || ci.publicValues[1] != journal.length) {
            revert Reject("public values");
        }
        if (exitCode >= P) revert Reject("exit code");
        if (keccak256(ci.publicData) != keccak256(journal)) revert Reject("journal");
        if (keccak256(abi.encode(ci.logHeights)) != keccak256(abi.encode(s.logHeights))) revert Reject("heights");
        if (ci.maxLogHeight != s.maxLogHeight || ci.logBlowup != s.logBlowup || ci.powBits != s.powBits
                || ci.L0 != s.L0 || ci.numQueries != s.numQueries) revert Reject("parameters");
        if (keccak256(ci.pcsShape) != keccak256(s.pcsShape)) revert Reject("pcs shape");
        if (keccak256(abi.encode(ci.pcsValueCounts)) != keccak256(abi.encode(s.valueCounts))) revert Reject("opening shape");
        if (ci.claimedSums.length != s.numClaimed || ci.hasAux != (s.hasAux != 0)) revert Reject("claimed sums");
        if (ci.finalPoly.length != s.finalPolyLen || ci.friCommits.length != s.logArities.length) revert Reject("FRI shape");
        if (s.staticBound + journal.length >= P) revert Reject("multiplicity bound");
    }

    /// The opening points absorbed by the transcript are ζ and ζ·ω_h (step 10): point i is
    /// ζ (pointLogs[i] = 0) or ζ·ω_h (log h = pointLogs[i] ≤ 27), else Reject("opening
    /// point"); a point past pcsPoints Reject("value index") (the first failure's reason, in
    /// point order).  ζ·ω_h computed once per height; the comparison loop in assembly.
    function _points(Shape calldata s, StarkChallenges.Input calldata ci, uint256 zeta) private view {
        uint256[] calldata logs = s.pointLogs;
        bytes calldata pts = ci.pcsPoints;
        uint256[] memory zw = new uint256[](32); // ζ·ω_h by log h (zw[0] = ζ)
        uint256 mask;
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, logs.length) { i := add(i, 1) } {
                let lg := calldataload(add(logs.offset, shl(5, i)))
                if lt(lg, 28) { mask := or(mask, shl(lg, 1)) }
            }
        }
        zw[0] = zeta;
        for (uint256 lg = 1; lg < 28; lg++) {
            if ((mask >> lg) & 1 != 0) zw[lg] = Field.mulBase(zeta, Field.rootPow(lg, 1));
        }
        uint256 code;
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, logs.length) { i := add(i, 1) } {
                let lg := calldataload(add(logs.offset, shl(5, i)))
                if gt(lg, 27) { code := 1 break }
                if gt(add(shl(4, i), 16), pts.length) { code := 2 break }
                let w := shr(128, calldataload(add(pts.offset, shl(4, i))))
                w := or(shl(8, and(w, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, w), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
                w := or(shl(16, and(w, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, w), 0x0000ffff0000ffff0000ffff0000ffff))
                let v := or(or(shr(96, w), shl(64, and(shr(64, w), 0xffffffff))),
                            or(shl(128, and(shr(32, w), 0xffffffff)), shl(192, and(w, 0xffffffff))))
                if iszero(eq(v, mload(add(zw, shl(5, add(lg, 1)))))) { code := 1 break }
            }
        }
        if (code == 1) revert Reject("opening point");
        if (code == 2) revert Reject("value index");
    }

    /// Step 9 for every live table: its generated constraint code, run here on the leaves
    /// built here (`leafEvals`), gives Σ α^i C_i = quotient(ζ)·Z_H(ζ).  `evaluators` (a
    /// witness: per live table, the addresses of its code chunks in call order) is bound
    /// by `leafEvals`: the EXTCODEHASH of every chunk, hashed with the code tag, must be the
    /// shape's code hash of the table, so only exactly the registered code runs.
    function _tables(Shape calldata s, StarkChallenges.Input calldata ci, StarkChallenges.Challenges memory c,
                     address[][] calldata evaluators)
        private
        view
    {
        bytes calldata td = s.tableData; // decoded once
        uint256[] calldata th = s.tableHdr;
        uint256 nt = th.length / 5;
        if (evaluators.length != nt) revert Reject("constraint code");
        uint256[] memory z2k = new uint256[](32); // ζ^(2^k), shared by every table
        z2k[0] = c.zeta;
        for (uint256 k = 1; k < 32; k++) z2k[k] = _mul(z2k[k - 1], z2k[k - 1]);
        // leafEvals' context: [LogUp α, β, constraint α, #public, #claimed, public values,
        // claimed sums, the row selectors at ζ of every table (is_first_row, is_last_row,
        // is_transition)]
        uint256[] calldata pv = ci.publicValues;
        uint256[] calldata cs = ci.claimedSums;
        uint256 np = pv.length;
        uint256 nc = cs.length;
        uint256[] memory ctx = new uint256[](5 + np + nc + 3 * nt);
        ctx[0] = c.logupAlpha;
        ctx[1] = c.logupBeta;
        ctx[2] = c.constraintAlpha;
        ctx[3] = np;
        ctx[4] = nc;
        for (uint256 i = 0; i < np; i++) ctx[5 + i] = pv[i];
        for (uint256 i = 0; i < nc; i++) ctx[5 + np + i] = cs[i];
        {
            uint256 zInv1 = Field.inv(_sub(c.zeta, 1)); // 1/(ζ − 1), the same for every table
            // the first two selectors by log height, computed once per height (tables
            // share heights): memo[2·logN], memo[2·logN + 1], bit 255 set once computed
            // (packed canonical elements never have it)
            uint256[] memory memo = new uint256[](56);
            uint256 at = 5 + np + nc;
            for (uint256 t = 0; t < nt; t++) {
                uint256 logN = th[5 * t + 1];
                uint256 lc = th[5 * t + 2];
                if (logN > 27 || lc & 0xff > 31 || lc >> 8 > 1) revert Reject("table height");
                if (memo[2 * logN] == 0) {
                    uint256 zh = _sub(z2k[logN], 1);
                    uint256 nInv = Field.invBase(1 << logN);
                    uint256 wInv = Field.rootPow(logN, (1 << logN) - 1); // ω^-1 = ω^(n-1)
                    memo[2 * logN] = _mul(Field.mulBase(zh, nInv), zInv1) | (1 << 255);
                    memo[2 * logN + 1] =
                        _mul(Field.mulBase(zh, mulmod(nInv, wInv, P)), Field.inv(_sub(c.zeta, wInv))) | (1 << 255);
                }
                uint256 last = memo[2 * logN + 1] & ~uint256(1 << 255);
                ctx[at + 3 * t] = memo[2 * logN] & ~uint256(1 << 255);
                ctx[at + 3 * t + 1] = last;
                ctx[at + 3 * t + 2] = _sub(1, last);
            }
        }
        uint256[] memory accs = this.leafEvals(ci.pcsValues, th, td, ctx, evaluators);
        uint256 off = 0;
        for (uint256 t = 0; t < nt; t++) {
            uint256 nq = th[5 * t + 4];
            uint256 nl = th[5 * t + 3];
            off += nl;
            uint256 q = _quotient(ci.pcsValues, td, off, nq / 4, z2k[th[5 * t + 2] & 0xff]);
            off += nq;
            uint256 rhs = _mul(q, _sub(z2k[th[5 * t + 1]], 1));
            if (th[5 * t + 2] >> 8 != 0) {
                // a separate table: the key of what its evaluation depends on (its local
                // values: the shape's ranges of ci.pcsValues; the shape's local spec hash;
                // the context, hashed by leafEvals into accs[t]; the shape's code hash);
                // recordSeparate must have recorded that it returned quotient(ζ)·Z_H(ζ)
                // (leafEvals rejected nl < 4: the spec hash is the data's first 4 entries)
                uint256 d = off - nq - nl; // the table's data: spec hash, ranges
                bytes32 k = _separateKey(_localHash(ci.pcsValues, td, d + 4, nl - 4), _entryWord(td, d),
                                         bytes32(accs[t]), bytes32(th[5 * t]));
                if (!separateFacts[keccak256(abi.encode(k, rhs))]) revert Reject("constraint fact missing");
            } else if (accs[t] != rhs) {
                revert Reject("constraints at zeta do not match the quotient");
            }
        }
        if (off * 8 != td.length) revert Reject("table data");
    }

    /// The 32 bytes of the entries d .. d + 3 of `td` (8 bytes each).
    function _entryWord(bytes calldata td, uint256 d) private pure returns (bytes32 w) {
        if (8 * d + 32 > td.length) revert Reject("table data");
        assembly ("memory-safe") {
            w := calldataload(add(td.offset, shl(3, d)))
        }
    }


    /// Step 9 of a **separate** table (its code would not fit the statement check's
    /// transaction: Keccak's 38 k constraint nodes and 3 106 leaves), in a transaction of its
    /// own, sent only the table's own data: builds the table's leaves exactly as leafEvals
    /// does, from the **local** opened values `vals` (u32 LE, 16 bytes a value: the table's
    /// value ranges of the receipt's pcsValues, concatenated in the shape's order), the
    /// table's **local** leaf specs `spec` (5 bytes each, big-endian kind << 32 | index, a
    /// value index into `vals`) and the context `ctx1` = [LogUp α, β, constraint α, np, nc,
    /// the np public values, the nc claimed sums, the table's 3 row selectors at ζ], runs
    /// the generated code `chunks` on them and records
    /// separateFacts[keccak256(abi.encode(_separateKey(keccak256(vals), keccak256(spec),
    /// keccak256(ctx1), code hash of `chunks`), acc))].  Anyone may submit it: it is a
    /// conditional fact about a pure computation.
    /// Correctness: the statement check looks up the key of ITS values: keccak256 of the
    /// ranges its registered shape names (tableData, after the spec hash) cut out of its
    /// opened values (checked canonical and bound to the transcript by
    /// StarkChallenges.derive), the local spec hash its shape holds, the context it computes
    /// (challenges from the transcript, selectors from ζ) and the shape's code hash, with
    /// acc = quotient(ζ)·Z_H(ζ) computed by itself.  The shape's local specs index those
    /// concatenated ranges (zkvm.onchain.statement.shape_of), so the leaves built here from
    /// the key's preimage are the leaves the statement check would build from its own
    /// values and the global specs; a fact recorded for another receipt, other values (of
    /// this or another table), other or renumbered specs, another context or other code is
    /// another key (keccak256 over fixed-width encodings: spec.length % 5 == 0 is
    /// required, values are 16 bytes each).  Non-canonical inputs only give facts no
    /// statement check asks for.
    function recordSeparate(bytes calldata vals, bytes calldata spec, uint256[] calldata ctx1,
                            address[] calldata chunks) external returns (uint256 acc) {
        if (ctx1.length < 5 || ctx1.length != 8 + ctx1[3] + ctx1[4]) revert Reject("selectors");
        if (spec.length % 5 != 0 || vals.length % 16 != 0) revert Reject("table data");
        uint256 nl = spec.length / 5;
        uint256 buf = _alloc(nl);
        uint256 so;
        assembly ("memory-safe") {
            so := spec.offset
        }
        _leaves(vals, ctx1, 0, buf, nl, so, 5); // the specs: 5 bytes each, big-endian
        if (chunks.length == 0) revert Reject("constraint code");
        bytes32 codeHash;
        (acc, codeHash) = _runCodeHash(chunks, buf, nl, ctx1[2]);
        bytes32 k = _separateKey(keccak256(vals), keccak256(spec), keccak256(abi.encodePacked(ctx1)), codeHash);
        separateFacts[keccak256(abi.encode(k, acc))] = true;
    }

    function _separateKey(bytes32 valsHash, bytes32 specHash, bytes32 ctxHash, bytes32 codeHash)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(valsHash, specHash, ctxHash, codeHash));
    }

    /// keccak256 of a separate table's local values as recordSeparate takes them: the
    /// `nr` value ranges, entries at .. of tableData (start << 32 | count, value indices into `vals`)
    /// of the opened values, concatenated (16 bytes a value) in fresh memory that is not
    /// kept (the free memory pointer is not moved).
    function _localHash(bytes calldata vals, bytes calldata td, uint256 at, uint256 nr)
        private
        pure
        returns (bytes32 h)
    {
        uint256 bad;
        assembly ("memory-safe") {
            // its own Yul function: a frame of its own (the caller's stack is full)
            function lh(vo, vl, ro, n) -> hh, f {
                let m := mload(0x40)
                let len := 0
                for { let r := 0 } lt(r, n) { r := add(r, 1) } {
                    let w := shr(192, calldataload(add(ro, shl(3, r))))
                    let c := and(w, 0xffffffff)
                    let s0 := shr(32, w)
                    if or(shr(32, s0), gt(shl(4, add(s0, c)), vl)) { f := 1 }
                    calldatacopy(add(m, len), add(vo, shl(4, s0)), shl(4, c))
                    len := add(len, shl(4, c))
                }
                hh := keccak256(m, len)
            }
            h, bad := lh(vals.offset, vals.length, add(td.offset, shl(3, at)), nr)
        }
        if (bad != 0 || 8 * (at + nr) > td.length) revert Reject("value index");
    }

    /// keccak256 of table t's context as recordSeparate takes it: ctx's first 5 + np + nc
    /// words, then table t's three selectors.
    function _ctxHash(uint256[] calldata ctx, uint256 t) private pure returns (bytes32 h) {
        uint256 k = 5 + ctx[3] + ctx[4];
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, ctx.offset, shl(5, k))
            calldatacopy(add(m, shl(5, k)), add(ctx.offset, shl(5, add(k, mul(3, t)))), 96)
            h := keccak256(m, add(shl(5, k), 96))
        }
    }

    /// Domain tag of a table's code hash (zkvm.onchain.codegen.CODE_TAG, 23 bytes):
    /// "zkvm.constraint-code.v1", left-aligned in a word.
    uint256 internal constant CODE_TAG = 0x7a6b766d2e636f6e73747261696e742d636f64652e7631 << 72;

    /// Σ_i α^i·C_i(leaves) of every live table (step 9, the left side): builds
    /// each table's constraint leaves from their specs (kind << 32 | index, see _fill's `leaf`) in
    /// one assembly loop: the opened values (kind 0), aux columns from their four base
    /// openings (1), the row selectors `sels` (2-4, three per table), public values (5), the
    /// LogUp challenges (6), claimed sums (7); then calls the
    /// table's generated code (zkvm.onchain.codegen) with `0 ‖ α ‖ leaves`.  ctx = [LogUp
    /// α, β, constraint α, #public values np, #claimed sums nc, the np public values, the
    /// nc claimed sums, 3 selectors per table].
    /// Correctness: the code is trusted only through its hash: keccak256(CODE_TAG ‖
    /// EXTCODEHASH(chunk_1) ‖ … ‖ EXTCODEHASH(chunk_k)) of `evaluators[t]` must equal the
    /// shape's code hash of table t (tableHdr[5t]), else Reject("constraint code").  The
    /// code assumes canonical leaves and α: every leaf source is (the opened values, claimed
    /// sums and public values are checked canonical by StarkChallenges.derive, which
    /// `check` runs first; selectors, aux columns and challenges are reduced results).  An
    /// external (self-)call so that its loop is compiled as its own function (inlined into
    /// the large statement functions its variables are moved to memory: ~1 k gas per leaf
    /// instead of ~0.2 k).
    function leafEvals(
        bytes calldata vals,
        uint256[] calldata tableHdr,
        bytes calldata tableData,
        uint256[] calldata ctx,
        address[][] calldata evaluators
    ) external view returns (uint256[] memory accs) {
        uint256 nt = tableHdr.length / 5;
        if (ctx.length < 5 || ctx.length != 5 + ctx[3] + ctx[4] + 3 * nt) revert Reject("selectors");
        if (evaluators.length != nt) revert Reject("constraint code");
        accs = new uint256[](nt);
        uint256 off = 0;
        for (uint256 t = 0; t < nt; t++) {
            uint256 nl = tableHdr[5 * t + 3];
            if (8 * (off + nl) > tableData.length) revert Reject("table data");
            if (tableHdr[5 * t + 2] >> 8 != 0) {
                // a separate table: not run here; its context's hash, for the key of the
                // recordSeparate fact _tables requires (its data: the hash of its local
                // leaf specs in 4 entries, then the ranges of its local values)
                if (nl < 4) revert Reject("table data");
                accs[t] = uint256(_ctxHash(ctx, t));
                off += nl + tableHdr[5 * t + 4];
                continue;
            }
            uint256 buf = _alloc(nl); // acc ‖ α ‖ leaves: the code's calldata
            uint256 so;
            assembly ("memory-safe") {
                so := add(tableData.offset, shl(3, off)) // the specs: 8 bytes each
            }
            _leaves(vals, ctx, t, buf, nl, so, 8);
            accs[t] = _runCode(evaluators[t], buf, nl, ctx[2], tableHdr[5 * t]);
            off += nl + tableHdr[5 * t + 4];
        }
    }

    /// Fresh memory for the generated code's calldata `acc ‖ α ‖ leaves` of `nl` leaves
    /// (returned: its address; _leaves writes the leaves at buf + 64).
    function _alloc(uint256 nl) private pure returns (uint256 buf) {
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, add(64, shl(5, nl))))
        }
    }

    /// The generated code's calldata `0 ‖ α ‖ leaves` at `buf` (_alloc; the two words
    /// before the leaves are left for acc and α): the `nl` leaves, leaf i built from the spec
    /// (kind << 32 | index) in the `w` big-endian bytes at calldata so + w·i (w = 8: the
    /// shape's tableData, 5: recordSeparate's specs), from the opened values `vals` and the context `ctx` =
    /// [LogUp α, β, constraint α, np, nc, the np public values, the nc claimed sums, then
    /// 3 row selectors per table], table `t`'s selectors (recordSeparate passes a context
    /// with one table's, t = 0).  Rejects an unknown leaf kind or a value index out of range.
    function _leaves(bytes calldata vals, uint256[] calldata ctx, uint256 t, uint256 buf, uint256 nl, uint256 so,
                     uint256 w) private pure {
        uint256[9] memory cx;
        assembly ("memory-safe") {
            mstore(cx, vals.offset)
            mstore(add(cx, 0x20), vals.length)
            let np := calldataload(add(ctx.offset, 0x60))
            let nc := calldataload(add(ctx.offset, 0x80))
            let po := add(ctx.offset, 0xa0)
            let co := add(po, shl(5, np))
            mstore(add(cx, 0x40), add(add(co, shl(5, nc)), mul(96, t)))
            mstore(add(cx, 0x60), po)
            mstore(add(cx, 0x80), np)
            mstore(add(cx, 0xa0), co)
            mstore(add(cx, 0xc0), nc)
            mstore(add(cx, 0xe0), calldataload(ctx.offset))
            mstore(add(cx, 0x100), calldataload(add(ctx.offset, 0x20)))
        }
        uint256 flags = _fill(buf + 64, nl, cx, so, w);
        if (flags & 2 != 0) revert Reject("value index");
        if (flags & 1 != 0) revert Reject("leaf kind");
    }

    /// Calls the chunks (STATICCALL, in order) on `acc ‖ α ‖ leaves` at memory `buf` (acc
    /// starts at 0; each result overwrites acc, the next chunk's input) and returns the
    /// last result, after checking that the code that ran hashes to `want`.
    function _runCode(address[] calldata chunks, uint256 buf, uint256 nl, uint256 alpha, uint256 want)
        private
        view
        returns (uint256 acc)
    {
        bytes32 h;
        (acc, h) = _runCodeHash(chunks, buf, nl, alpha);
        if (uint256(h) != want) revert Reject("constraint code");
    }

    /// Runs the chunks as _runCode describes and returns their result and the hash of the
    /// code that ran (keccak256(CODE_TAG ‖ EXTCODEHASH(chunk_1) ‖ … ‖ EXTCODEHASH(chunk_k))),
    /// which _runCode compares with the shape's and recordSeparate puts into its fact.
    function _runCodeHash(address[] calldata chunks, uint256 buf, uint256 nl, uint256 alpha)
        private
        view
        returns (uint256 acc, bytes32 h)
    {
        uint256 bad = 0;
        assembly ("memory-safe") {
            // its own Yul function: a frame of its own (the caller's stack is full)
            function run(co, n, b, size, al) -> r, hh, f {
                let hs := mload(0x40) // scratch (nothing is allocated before its last use)
                mstore(hs, 0x7a6b766d2e636f6e73747261696e742d636f64652e7631000000000000000000) // CODE_TAG
                mstore(b, 0)
                mstore(add(b, 0x20), al)
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    let a := calldataload(add(co, shl(5, i)))
                    if or(shr(160, a), iszero(extcodesize(a))) { f := 1 break }
                    mstore(add(add(hs, 23), shl(5, i)), extcodehash(a))
                    // the result overwrites acc, the next chunk's input
                    if iszero(staticcall(gas(), a, b, size, b, 0x20)) { f := 1 break }
                    if iszero(eq(returndatasize(), 0x20)) { f := 1 break }
                }
                r := mload(b)
                hh := keccak256(hs, add(23, shl(5, n)))
            }
            acc, h, bad := run(chunks.offset, chunks.length, buf, add(64, shl(5, nl)), alpha)
        }
        if (bad != 0) revert Reject("constraint code");
    }

    /// leafEvals' loop: the leaf i at memory out + 32·i from the spec in the sw bytes at
    /// calldata so + sw·i;
    /// cx = [values offset, length (bytes), this table's 3 selectors' offset, public values
    /// offset, count, claimed sums offset, count, LogUp α, β].  Flags: 1 unknown kind, 2 an
    /// index out of range.  Kinds 0 (an opened value) and 1 (an aux column), almost every
    /// leaf, inline in the loop; the others through `leaf`.
    function _fill(uint256 out, uint256 n, uint256[9] memory cx, uint256 so, uint256 sw)
        private
        pure
        returns (uint256 f)
    {
        assembly ("memory-safe") {
            let vo := mload(cx)
            let vl := mload(add(cx, 0x20))
            let sh := sub(256, shl(3, sw))
            for { let q := out } lt(q, add(out, shl(5, n))) { q := add(q, 0x20) } {
                let spec := shr(sh, calldataload(so))
                so := add(so, sw)
                let o := shl(4, and(spec, 0xffffffff)) // kinds 0, 1: the value's byte offset
                if iszero(shr(32, spec)) {
                    // kind 0, inline (as ext)
                    if gt(add(o, 16), vl) { f := or(f, 2) }
                    let x := shr(128, calldataload(add(vo, o)))
                    x := or(shl(8, and(x, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, x), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
                    x := or(shl(16, and(x, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, x), 0x0000ffff0000ffff0000ffff0000ffff))
                    mstore(q, or(or(shr(96, x), shl(64, and(shr(64, x), 0xffffffff))),
                                 or(shl(128, and(shr(32, x), 0xffffffff)), shl(192, and(x, 0xffffffff)))))
                    continue
                }
                switch shr(32, spec)
                case 1 {
                    if gt(add(o, 64), vl) { f := or(f, 2) }
                    mstore(q, aux(add(vo, o)))
                }
                default {
                    let r, fl := leaf(cx, shr(32, spec), and(spec, 0xffffffff))
                    f := or(f, fl)
                    mstore(q, r)
                }
            }

            function leaf(c, kind, idx) -> r, fl {
                switch kind
                case 2 { r := calldataload(mload(add(c, 0x40))) }
                case 3 { r := calldataload(add(mload(add(c, 0x40)), 0x20)) }
                case 4 { r := calldataload(add(mload(add(c, 0x40)), 0x40)) }
                case 5 {
                    if iszero(lt(idx, mload(add(c, 0x80)))) { fl := 2 }
                    r := calldataload(add(mload(add(c, 0x60)), shl(5, idx)))
                }
                case 6 {
                    switch idx
                    case 0 { r := mload(add(c, 0xe0)) }
                    default { r := mload(add(c, 0x100)) }
                }
                case 7 {
                    if iszero(lt(idx, mload(add(c, 0xc0)))) { fl := 2 }
                    r := calldataload(add(mload(add(c, 0xa0)), shl(5, idx)))
                }
                default { fl := 1 }
            }

            // the value in the high 16 bytes of w (4 u32 LE limbs) -> packed 64-bit lanes (as _ext)
            function ext(w) -> r {
                w := shr(128, w)
                w := or(shl(8, and(w, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, w), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
                w := or(shl(16, and(w, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, w), 0x0000ffff0000ffff0000ffff0000ffff))
                r := or(or(shr(96, w), shl(64, and(shr(64, w), 0xffffffff))),
                        or(shl(128, and(shr(32, w), 0xffffffff)), shl(192, and(w, 0xffffffff))))
            }

            // Σ_k X^k·v_k (X^4 = 11) of the four values v_0..v_3 at calldata ptr: with
            // X^k·v = (v << 64k) + 11·(v >> 64(4 − k)) lane-wise (the lanes shifted out at
            // the top come back at the bottom times 11), every lane of the sum is below
            // p + 3·11·p < 2^36 (no carries), then reduced mod p lane by lane
            function aux(ptr) -> r {
                let e1 := ext(calldataload(add(ptr, 16)))
                let e2 := ext(calldataload(add(ptr, 32)))
                let e3 := ext(calldataload(add(ptr, 48)))
                r := add(add(ext(calldataload(ptr)), add(shl(64, e1), mul(11, shr(192, e1)))),
                         add(add(shl(128, e2), mul(11, shr(128, e2))), add(shl(192, e3), mul(11, shr(64, e3)))))
                let m := 0xffffffffffffffff
                let p := 2013265921
                r := or(or(mod(and(r, m), p), shl(64, mod(and(shr(64, r), m), p))),
                        or(shl(128, mod(and(shr(128, r), m), p)), shl(192, mod(shr(192, r), p))))
            }
        }
    }

    /// quotient(ζ) = Σ_j chunk_j(ζ)·(ζ^(2^logChunk))^j from the chunks' openings (value
    /// indices idx[at ..]: the 8-byte entries of the packed tableData, 4 per chunk:
    /// chunk_j = Σ_c v[idx[at + 4j + c]]·X^c); zc =
    /// ζ^(2^logChunk).  One assembly block, Horner in X and in zc (the same field values as
    /// the term-by-term sums); rejects an index past the values or the index list.
    function _quotient(bytes calldata vals, bytes calldata idx, uint256 at, uint256 chunks, uint256 zc)
        private
        pure
        returns (uint256 q)
    {
        if (8 * (at + 4 * chunks) > idx.length) revert Reject("table data");
        uint256 bad;
        assembly ("memory-safe") {
            for { let j := chunks } gt(j, 0) {} {
                j := sub(j, 1)
                let ch, b := chunk(vals.offset, vals.length, add(idx.offset, shl(3, add(at, shl(2, j)))))
                bad := or(bad, b)
                q := extadd(extmul(q, zc), ch)
            }

            // v[i0] + X·(v[i1] + X·(v[i2] + X·v[i3])) for the indices at calldata ip
            function chunk(vo, vl, ip) -> r, b {
                for { let c := 4 } gt(c, 0) {} {
                    c := sub(c, 1)
                    let i := shr(192, calldataload(add(ip, shl(3, c))))
                    b := or(b, gt(add(shl(4, i), 16), vl))
                    b := or(b, gt(i, 0xffffffffffff))
                    r := extadd(mulx(r), ext(vo, i))
                }
            }

            // extension value i of the u32 LE stream at vo (4 limbs) -> packed 64-bit lanes
            function ext(vo, i) -> r {
                let w := shr(128, calldataload(add(vo, shl(4, and(i, 0xffffffffffff)))))
                w := or(shl(8, and(w, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, w), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
                w := or(shl(16, and(w, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, w), 0x0000ffff0000ffff0000ffff0000ffff))
                r := or(or(shr(96, w), shl(64, and(shr(64, w), 0xffffffff))),
                        or(shl(128, and(shr(32, w), 0xffffffff)), shl(192, and(w, 0xffffffff))))
            }

            function mulx(x) -> z {
                z := or(shl(64, x), mulmod(shr(192, x), 11, 2013265921))
            }

            function extadd(x, y) -> z {
                let p := 2013265921
                let m := 0xffffffffffffffff
                z := or(or(addmod(and(x, m), and(y, m), p), shl(64, addmod(and(shr(64, x), m), and(shr(64, y), m), p))),
                        or(shl(128, addmod(and(shr(128, x), m), and(shr(128, y), m), p)), shl(192, addmod(shr(192, x), shr(192, y), p))))
            }

            // x·y in F_p[X]/(X^4 − 11), lane-parallel (every lane < p^2·4 < 2^64)
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
        if (bad != 0) revert Reject("value index");
    }

    /// Step 11: Σ claimed sums + 1/(α − φ(EXEC, [entry, 1, 0])) − Σ_i 1/(α − φ(JOURNAL, [i, b_i])) = 0,
    /// φ(bus, v) = bus + Σ_j β^(j+1)·v_j.  The journal's inverses by one inversion
    /// (Montgomery's trick) in two assembly loops (_journalDens, _journalSum).
    function _logup(StarkChallenges.Input calldata ci, bytes calldata journal, uint256 a, uint256 b) private view {
        uint256 total = 0;
        uint256[] calldata cs = ci.claimedSums; // decoded once
        for (uint256 i = 0; i < cs.length; i++) total = _add(total, cs[i]);
        uint256 b2 = _mul(b, b);
        {
            uint256 phi = _add(_add(execBus, Field.mulBase(b, entry)), b2);
            uint256 den = _sub(a, phi);
            if (den == 0) revert Reject("public interaction denominator is zero");
            total = _add(total, Field.inv(den));
        }
        uint256 n = journal.length;
        if (n > 0) {
            (uint256 m, uint256 run, uint256 bad) = _journalDens(journal, a, b, b2, journalBus % P);
            if (bad != 0) revert Reject("public interaction denominator is zero");
            total = _sub(total, _journalSum(m, n, Field.inv(run)));
        }
        if (total != 0) revert Reject("bus sums do not balance");
    }

    /// The journal's denominators d_i = α − φ(JOURNAL, [i, b_i]) = α − (bus + β·i + β²·b_i)
    /// (bus < p) and their prefix products pre_i = Π_{j<i} d_j, stored (pre_i, d_i) at
    /// m + 64·i in fresh memory (allocated); returns m, run = Π d_i and bad = 1 if some
    /// d_i = 0.  φ is computed lane-wise on the packed words without reductions: for
    /// i < 2^32 every lane is below p·2^32 + p·2^8 + p < 2^64 (no carry into the next
    /// lane); each lane of α − φ is then (α_k + 2^33·p − φ_k) mod p (no borrow, in full
    /// 256-bit words).
    function _journalDens(bytes calldata journal, uint256 a, uint256 b, uint256 b2, uint256 bus)
        private
        pure
        returns (uint256 m, uint256 run, uint256 bad)
    {
        uint256 n = journal.length;
        if (n >= (1 << 32)) revert Reject("journal");
        assembly ("memory-safe") {
            m := mload(0x40)
            mstore(0x40, add(m, shl(6, n)))
            run := 1
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let phi := add(add(mul(b, i), mul(b2, shr(248, calldataload(add(journal.offset, i))))), bus)
                let d := den(a, phi)
                bad := or(bad, iszero(d))
                mstore(add(m, shl(6, i)), run)
                mstore(add(m, add(shl(6, i), 32)), d)
                run := extmul(run, d)
            }

            // (x − y) mod p lane by lane for y's lanes < 2^33·p (no borrow: 2^33·p + x_k − y_k > 0)
            function den(x, y) -> z {
                let p := 2013265921
                let mk := 0xffffffffffffffff
                let k := 17293822577692639232 // 2^33·p
                z := or(or(mod(sub(add(and(x, mk), k), and(y, mk)), p),
                           shl(64, mod(sub(add(and(shr(64, x), mk), k), and(shr(64, y), mk)), p))),
                        or(shl(128, mod(sub(add(and(shr(128, x), mk), k), and(shr(128, y), mk)), p)),
                           shl(192, mod(sub(add(shr(192, x), k), shr(192, y)), p))))
            }

            // x·y in F_p[X]/(X^4 − 11) for canonical x, y, lane-parallel (every lane < 4·p^2 < 2^64)
            function extmul(x, y) -> z {
                let p := 2013265921
                let mk := 0xffffffffffffffff
                z := mul(x, and(y, mk))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, and(shr(64, y), mk)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, and(shr(128, y), mk)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, shr(192, y)))
                z := or(or(mod(and(z, mk), p), shl(64, mod(and(shr(64, z), mk), p))),
                        or(shl(128, mod(and(shr(128, z), mk), p)), shl(192, mod(shr(192, z), p))))
            }
        }
    }

    /// Σ_i 1/d_i from _journalDens' (pre_i, d_i) at m and inv = 1/Π d_i: backwards,
    /// 1/d_i = inv_i·pre_i with inv_{n−1} = inv, inv_{i−1} = inv_i·d_i; the sum's lanes
    /// accumulated unreduced (n < 2^32 terms < p each: < 2^63) and reduced at the end.
    function _journalSum(uint256 m, uint256 n, uint256 inv) private pure returns (uint256 s) {
        assembly ("memory-safe") {
            for { let i := n } gt(i, 0) {} {
                i := sub(i, 1)
                s := add(s, extmul(inv, mload(add(m, shl(6, i)))))
                inv := extmul(inv, mload(add(m, add(shl(6, i), 32))))
            }
            let q := 2013265921
            let ms := 0xffffffffffffffff
            s := or(or(mod(and(s, ms), q), shl(64, mod(and(shr(64, s), ms), q))),
                    or(shl(128, mod(and(shr(128, s), ms), q)), shl(192, mod(shr(192, s), q))))

            // as in _journalDens
            function extmul(x, y) -> z {
                let p := 2013265921
                let mk := 0xffffffffffffffff
                z := mul(x, and(y, mk))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, and(shr(64, y), mk)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, and(shr(128, y), mk)))
                x := or(shl(64, x), mulmod(shr(192, x), 11, p))
                z := add(z, mul(x, shr(192, y)))
                z := or(or(mod(and(z, mk), p), shl(64, mod(and(shr(64, z), mk), p))),
                        or(shl(128, mod(and(shr(128, z), mk), p)), shl(192, mod(shr(192, z), p))))
            }
        }
    }

    struct DeepState {
        uint256 point; // global (matrix, point) counter
        uint256 value; // global value counter
        uint256 off; // running α^(Σ widths)
        uint256 data; // offset in roundData
        uint256 batchNo;
        uint256 partialAt;
        uint256[] ap; // α^j, packed (c0 | c1 << 64 | c2 << 128 | c3 << 192)
    }

    /// Step 10, the PCS part: the DEEP facts of every input round (terms recomputed from α
    /// and the claimed values; indices from the transcript's queries), summed per query
    /// into the FRI input values RO_L (queries × inputSizes).
    function _deep(Shape calldata s, StarkChallenges.Input calldata ci, StarkChallenges.Challenges memory c,
                   bytes32[] calldata rowsHashes, uint256[] calldata partials) private view returns (uint256[] memory ro) {
        uint256 nq = c.queries.length;
        uint256 ns = s.inputSizes.length;
        ro = new uint256[](nq * ns);
        DeepState memory st;
        st.off = 1;
        uint256 shift;
        uint256[] memory idx;
        uint256[] memory jq; // per query: the position of its leaf in idx
        _alphaPowers(s, c.pcsAlpha, st);
        uint256[] calldata rh = s.roundHdr; // decoded once
        uint256 L0 = s.L0;
        if (rh.length % 6 != 0) revert Reject("round header");
        for (uint256 r = 0; r < rh.length / 6; r++) {
            uint256 Lr = rh[6 * r + 1] & 0xffffffff;
            uint256 nSl = rh[6 * r + 4];
            bytes32 root = _root(rh[6 * r], ci);
            (bytes32 spec, bytes32 levelsHash, uint256[] memory gis) = _round(s, r, ci, c.pcsAlpha, st);
            if (Lr > L0) revert Reject("round height");
            if (r == 0 || L0 - Lr != shift) {
                // the rounds share the sorted leaf indices when they share a height
                shift = L0 - Lr;
                idx = _sortedDistinct(c.queries, shift);
                jq = _positions(c.queries, shift, idx);
            }
            uint256 bsz = _batchOf(s, rh[6 * r + 1]);
            for (uint256 k = 0; k < idx.length; k += bsz) {
                uint256 m = idx.length - k < bsz ? idx.length - k : bsz;
                if (st.partialAt + m * nSl > partials.length || st.batchNo >= rowsHashes.length) revert Reject("witness");
                bytes32 partHash; // keccak256(abi.encodePacked(idx[k .. k + m)))
                assembly ("memory-safe") {
                    partHash := keccak256(add(idx, shl(5, add(k, 1))), shl(5, m))
                }
                bytes32 f = keccak256(abi.encodePacked(root, Lr, levelsHash, partHash, rowsHashes[st.batchNo]));
                uint256[] calldata pp = partials[st.partialAt:st.partialAt + m * nSl];
                if (!merkleFacts.facts(keccak256(abi.encodePacked(f, spec, keccak256(abi.encodePacked(pp)))))) {
                    revert Reject("Merkle/DEEP fact missing");
                }
                _roAdd(ro, jq, k, m, pp, gis, ns);
                st.batchNo++;
                st.partialAt += m * nSl;
            }
        }
        if (st.batchNo != rowsHashes.length || st.partialAt != partials.length) revert Reject("witness");
        if (st.point != s.pointLogs.length || st.value * 16 != ci.pcsValues.length) revert Reject("opening count");
        _reduceAll(ro);
    }

    /// Per query q the position of its leaf queries[q] >> shift in `idx` (sorted distinct,
    /// holding every query's leaf: _sortedDistinct).
    function _positions(uint256[] memory qs, uint256 shift, uint256[] memory idx)
        private
        pure
        returns (uint256[] memory jq)
    {
        jq = new uint256[](qs.length);
        assembly ("memory-safe") {
            let n := mload(idx)
            for { let q := 0 } lt(q, mload(qs)) { q := add(q, 1) } {
                let pos := shr(shift, mload(add(qs, shl(5, add(q, 1)))))
                let j := 0
                for { } and(lt(j, n), iszero(eq(mload(add(idx, shl(5, add(j, 1)))), pos))) { j := add(j, 1) } { }
                mstore(add(jq, shl(5, add(q, 1))), j)
            }
        }
    }

    /// RO_L[q][gis[sl]] += pp[j][sl] for every query q whose leaf is the batch's j-th index
    /// (idx[k + j], j < m: jq[q] = k + j, _positions; the batch's indices are distinct) and
    /// every slot sl of the round: the DEEP partial sums a MerkleDeep fact recorded (pp:
    /// m × #slots, canonical: the fact binds their hash, MerkleFacts computed them
    /// reduced).  Added lane by lane **without reduction** (one ADD: every lane of pp is
    /// < p, and an RO entry receives one addend per slot of every round, far fewer than
    /// 2^32 addends: no lane carries into the next); _deep reduces every entry once at the
    /// end (_reduceAll).  gis[sl] < ns (_find).
    function _roAdd(uint256[] memory ro, uint256[] memory jq, uint256 k, uint256 m, uint256[] calldata pp,
                    uint256[] memory gis, uint256 ns) private pure {
        assembly ("memory-safe") {
            let nsl := mload(gis)
            for { let q := 0 } lt(q, mload(jq)) { q := add(q, 1) } {
                let j := sub(mload(add(jq, shl(5, add(q, 1)))), k) // wraps (huge) below k
                if lt(j, m) {
                    let base := add(add(ro, 0x20), shl(5, mul(q, ns)))
                    let src := add(pp.offset, shl(5, mul(j, nsl)))
                    for { let sl := 0 } lt(sl, nsl) { sl := add(sl, 1) } {
                        let at := add(base, shl(5, mload(add(gis, shl(5, add(sl, 1))))))
                        mstore(at, add(mload(at), calldataload(add(src, shl(5, sl)))))
                    }
                }
            }
        }
    }

    /// Every entry of `ro` (lanes summed without reduction by _roAdd) reduced mod p lane by lane.
    function _reduceAll(uint256[] memory ro) private pure {
        assembly ("memory-safe") {
            let p := 2013265921
            let mk := 0xffffffffffffffff
            for { let q := add(ro, 0x20) } lt(q, add(ro, shl(5, add(mload(ro), 1)))) { q := add(q, 0x20) } {
                let c := mload(q)
                mstore(q, or(or(mod(and(c, mk), p), shl(64, mod(and(shr(64, c), mk), p))),
                             or(shl(128, mod(and(shr(128, c), mk), p)), shl(192, mod(shr(192, c), p)))))
            }
        }
    }

    /// Leaves per DEEP fact of a round (h: its roundHdr[6r + 1]): h >> 32 (a wide round's own
    /// batch, see zkvm.onchain.session.deep_batch), 0: the shape's batch.
    function _batchOf(Shape calldata s, uint256 h) private pure returns (uint256 b) {
        b = h >> 32;
        if (b == 0) b = s.batch;
        if (b == 0) revert Reject("batch");
    }

    /// st.ap: α^j for j ≤ the widest matrix of the rounds (its column indices and the
    /// offset step α^w), packed: the widest matrix by one assembly scan of the round data,
    /// the powers by alphaPowers (a Keccak receipt's widest round has 3 546 columns: the
    /// Solidity loop with a second, packed table cost ~1 M gas more).
    function _alphaPowers(Shape calldata s, uint256 alpha, DeepState memory st) private view {
        uint256 maxW = 0;
        uint256 bad;
        {
            uint256[] calldata rh = s.roundHdr; // decoded once
            uint256[] calldata rd = s.roundData;
            assembly ("memory-safe") {
                // per round r: skip its #levels, scan its #mats matrix words (width: bits
                // 8..31), skip its #slots and #cols; a matrix past roundData is bad
                let at := 0
                for { let r := 0 } lt(r, div(rh.length, 6)) { r := add(r, 1) } {
                    let h := add(rh.offset, mul(192, r))
                    at := add(at, calldataload(add(h, 64)))
                    let nm := calldataload(add(h, 96))
                    if gt(add(at, nm), rd.length) { bad := 1 break }
                    for { let m := 0 } lt(m, nm) { m := add(m, 1) } {
                        let w := and(shr(8, calldataload(add(rd.offset, shl(5, add(at, m))))), 0xffffff)
                        if gt(w, maxW) { maxW := w }
                    }
                    at := add(add(at, nm), add(calldataload(add(h, 128)), calldataload(add(h, 160))))
                    if gt(at, 0xffffffffffffffff) { bad := 1 break }
                }
            }
        }
        if (bad != 0) revert Reject("round header");
        st.ap = this.alphaPowers(alpha, maxW);
    }

    /// [α^0, …, α^maxW] (packed) for a canonical α.  Pure, proves nothing by itself; an
    /// external (self-)call so that its loop runs in a frame of its own (inlined into
    /// _deep, whose stack is full, via-IR moved its variables to memory: ~2.5× the gas).
    function alphaPowers(uint256 alpha, uint256 maxW) external pure returns (uint256[] memory ap) {
        ap = new uint256[](maxW + 1);
        assembly ("memory-safe") {
            // x·α = Σ_i x_i·(X^i·α) lane-parallel: the four packed multiples X^i·α (lanes < p),
            // four products < p^2 per lane (< 2^64), then every lane mod p
            let p := 2013265921
            let m := 0xffffffffffffffff
            let a1 := or(shl(64, alpha), mulmod(shr(192, alpha), 11, p))
            let a2 := or(shl(64, a1), mulmod(shr(192, a1), 11, p))
            let a3 := or(shl(64, a2), mulmod(shr(192, a2), 11, p))
            let x := 1
            let ptr := add(ap, 0x20)
            let end := add(ptr, shl(5, add(maxW, 1)))
            for {} lt(ptr, end) { ptr := add(ptr, 0x20) } {
                mstore(ptr, x)
                let z := add(add(mul(and(x, m), alpha), mul(and(shr(64, x), m), a1)),
                             add(mul(and(shr(128, x), m), a2), mul(shr(192, x), a3)))
                x := or(or(mod(and(z, m), p), shl(64, mod(and(shr(64, z), m), p))),
                        or(shl(128, mod(and(shr(128, z), m), p)), shl(192, mod(shr(192, z), p))))
            }
        }
    }

    /// α^j from st.ap.
    function _apAt(uint256[] memory ap, uint256 j) private pure returns (uint256 x) {
        if (j >= ap.length) revert Reject("column index");
        x = ap[j];
    }

    /// Round r's DEEP spec hash (MerkleFacts.registerOpeningsDeep's keccak256(abi.encode(α,
    /// mats, terms, slots, cols)), terms recomputed here), its Merkle levels hash and each
    /// slot's index in inputSizes; advances st over the round's data, points and values.
    function _round(Shape calldata s, uint256 r, StarkChallenges.Input calldata ci, uint256 alpha,
                    DeepState memory st)
        private
        view
        returns (bytes32 spec, bytes32 levelsHash, uint256[] memory gis)
    {
        uint256 d = st.data;
        uint256[] calldata rh = s.roundHdr[6 * r:6 * r + 6]; // decoded once
        uint256[] calldata rd = s.roundData;
        uint256 nLev = rh[2];
        uint256 nMat = rh[3];
        uint256 nSl = rh[4];
        uint256 nCol = rh[5];
        levelsHash = keccak256(abi.encodePacked(rd[d:d + nLev]));
        uint256[] calldata mats = rd[d + nLev:d + nLev + nMat];
        uint256[] calldata slots = rd[d + nLev + nMat:d + nLev + nMat + nSl];
        uint256[] calldata cols = rd[d + nLev + nMat + nSl:d + nLev + nMat + nSl + nCol];
        st.data = d + nLev + nMat + nSl + nCol;
        spec = keccak256(abi.encode(alpha, mats, _terms(mats, cols, ci, st), slots, cols));
        gis = _slotIndices(slots, s.inputSizes);
    }

    /// Each slot's index in inputSizes (the first equal entry; Reject("input size") if none).
    function _slotIndices(uint256[] calldata slots, uint256[] calldata sizes) private pure returns (uint256[] memory gis) {
        gis = new uint256[](slots.length);
        uint256 bad;
        assembly ("memory-safe") {
            for { let sl := 0 } lt(sl, slots.length) { sl := add(sl, 1) } {
                let v := calldataload(add(slots.offset, shl(5, sl)))
                let j := 0
                for { } and(lt(j, sizes.length), iszero(eq(calldataload(add(sizes.offset, shl(5, j))), v))) { j := add(j, 1) } { }
                if eq(j, sizes.length) { bad := 1 }
                mstore(add(gis, shl(5, add(sl, 1))), j)
            }
        }
        if (bad != 0) revert Reject("input size");
    }

    /// A round's DEEP terms (z, ys = Σ_{c∈C} α^c·v_c, off), off running over every opening
    /// in statement order and advancing by α^w per term (zkvm.onchain.deep.specs_of).  C:
    /// the term's column set from `cols` (MerkleFacts.Deep: n, then n indices; n = 0 every
    /// column); the term's claimed values are |C| consecutive values (proof format v6: at
    /// ζ·ω only the columns the constraints read at the next row).
    function _terms(uint256[] calldata mats, uint256[] calldata cols, StarkChallenges.Input calldata ci,
                    DeepState memory st)
        private
        view
        returns (uint256[] memory terms)
    {
        uint256 nt = 0;
        assembly ("memory-safe") {
            for { let m := 0 } lt(m, mats.length) { m := add(m, 1) } {
                nt := add(nt, and(shr(96, calldataload(add(mats.offset, shl(5, m)))), 0xffffffff))
            }
        }
        terms = new uint256[](3 * nt);
        uint256[] memory widths = new uint256[](nt);
        uint256[] memory counts = new uint256[](nt);
        uint256[] memory sb = new uint256[](nt); // 0 every column, else start << 32 | n in cols
        uint256 total;
        uint256 p0 = st.point;
        {
            uint256[] calldata vcs = ci.pcsValueCounts; // decoded once (each struct-member access re-decodes)
            uint256[4] memory px;
            px[0] = p0;
            uint256 code;
            assembly ("memory-safe") {
                mstore(add(px, 0x20), widths)
                mstore(add(px, 0x40), counts)
                mstore(add(px, 0x60), sb)
                code, total := scan(mats.offset, mats.length, cols.offset, cols.length, vcs.offset, vcs.length, px)

                // per matrix m (mats[m]: w = bits 8..31, first term = bits 64..95, #points
                // np = bits 96..127) its np terms t: the column set at cols[at] (n, then n
                // indices; n = 0 every column, n <= w), the claimed count vcs[p0 + t] = n or w,
                // widths[t] = w, counts[t] = the count, sub[t] = (at + 1) << 32 | n (n != 0);
                // code 1 term ranges, 2 column sets, 3 opening width (the first failure, as
                // the checks' order)
                function scan(mo, ml, co, cl, vo, vl, x) -> code_, tot {
                    let t := 0
                    let at := 0
                    let p := mload(x)
                    for { let m := 0 } lt(m, ml) { m := add(m, 1) } {
                        let mm := calldataload(add(mo, shl(5, m)))
                        let w := and(shr(8, mm), 0xffffff)
                        if iszero(eq(and(shr(64, mm), 0xffffffff), t)) { code_ := 1 leave }
                        for { let k := and(shr(96, mm), 0xffffffff) } k { k := sub(k, 1) } {
                            if iszero(lt(at, cl)) { code_ := 2 leave }
                            let n := calldataload(add(co, shl(5, at)))
                            if or(gt(n, w), gt(add(add(at, 1), n), cl)) { code_ := 2 leave }
                            let cnt := n
                            if iszero(n) { cnt := w }
                            if iszero(lt(add(p, t), vl)) { code_ := 3 leave }
                            if iszero(eq(calldataload(add(vo, shl(5, add(p, t)))), cnt)) { code_ := 3 leave }
                            let o := shl(5, add(t, 1))
                            if n { mstore(add(mload(add(x, 0x60)), o), or(shl(32, add(at, 1)), n)) }
                            mstore(add(mload(add(x, 0x20)), o), w)
                            mstore(add(mload(add(x, 0x40)), o), cnt)
                            at := add(add(at, 1), n)
                            tot := add(tot, cnt)
                            t := add(t, 1)
                        }
                    }
                    if iszero(eq(at, cl)) { code_ := 2 }
                }
            }
            if (code == 1) revert Reject("term ranges");
            if (code == 2) revert Reject("column sets");
            if (code == 3) revert Reject("opening width");
        }
        if (16 * (st.value + total) > ci.pcsValues.length) revert Reject("value index");
        uint256[] memory ys =
            _ysRound(ci.pcsValues[16 * st.value:16 * (st.value + total)], counts, widths, st.ap, cols, sb);
        bytes calldata pts = ci.pcsPoints;
        uint256 off = st.off;
        uint256[] memory ap = st.ap;
        {
            uint256 code;
            assembly ("memory-safe") {
                code, off := build(pts.offset, pts.length, p0, nt, terms, ys, ap, widths, off)

                // terms[3t ..] = (the point p0 + t, ys[t], off), off ← off·α^{widths[t]}
                // (extmul: canonical operands, canonical product as _mul); code 1 a point
                // past pts ("value index"), 2 a width past ap ("column index")
                function build(po, pl, p, n, tm, y, a, wd, f) -> code_, off_ {
                    off_ := f
                    for { let t := 0 } lt(t, n) { t := add(t, 1) } {
                        let i := add(p, t)
                        if gt(add(shl(4, i), 16), pl) { code_ := 1 leave }
                        let w := shr(128, calldataload(add(po, shl(4, i))))
                        w := or(shl(8, and(w, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, w), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
                        w := or(shl(16, and(w, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, w), 0x0000ffff0000ffff0000ffff0000ffff))
                        let q := add(tm, mul(96, t))
                        mstore(add(q, 0x20), or(or(shr(96, w), shl(64, and(shr(64, w), 0xffffffff))),
                                                or(shl(128, and(shr(32, w), 0xffffffff)), shl(192, and(w, 0xffffffff)))))
                        mstore(add(q, 0x40), mload(add(y, shl(5, add(t, 1)))))
                        mstore(add(q, 0x60), off_)
                        let j := mload(add(wd, shl(5, add(t, 1))))
                        if iszero(lt(j, mload(a))) { code_ := 2 leave }
                        off_ := extmul(off_, mload(add(a, shl(5, add(j, 1)))))
                    }
                }

                // x·y in F_p[X]/(X^4 − 11) for canonical x, y, lane-parallel (every lane < 4·p^2 < 2^64)
                function extmul(x, y) -> z {
                    let pr := 2013265921
                    let mk := 0xffffffffffffffff
                    z := mul(x, and(y, mk))
                    x := or(shl(64, x), mulmod(shr(192, x), 11, pr))
                    z := add(z, mul(x, and(shr(64, y), mk)))
                    x := or(shl(64, x), mulmod(shr(192, x), 11, pr))
                    z := add(z, mul(x, and(shr(128, y), mk)))
                    x := or(shl(64, x), mulmod(shr(192, x), 11, pr))
                    z := add(z, mul(x, shr(192, y)))
                    z := or(or(mod(and(z, mk), pr), shl(64, mod(and(shr(64, z), mk), pr))),
                            or(shl(128, mod(and(shr(128, z), mk), pr)), shl(192, mod(shr(192, z), pr))))
                }
            }
            if (code == 1) revert Reject("value index");
            if (code == 2) revert Reject("column index");
        }
        st.off = off;
        st.value += total;
        st.point = p0 + nt;
    }

    /// ysMany for one round, handing it only the powers α^j, j ≤ the round's widest matrix:
    /// `ap`'s length word is lowered for the call (the self-call copies its arguments into
    /// fresh memory, never reused: a Keccak receipt's main round is ~2 600 columns wide, and
    /// copying the full table for every round cost ~1 M gas of memory expansion) and
    /// restored after it.  ysMany's bound checks use the shortened length.
    function _ysRound(bytes calldata vals, uint256[] memory counts, uint256[] memory widths, uint256[] memory ap,
                      uint256[] calldata cols, uint256[] memory sub) private view returns (uint256[] memory ys) {
        uint256 maxW = 0;
        for (uint256 t = 0; t < widths.length; t++) if (widths[t] > maxW) maxW = widths[t];
        uint256 full = ap.length;
        uint256 need = maxW + 1;
        if (need > full) need = full;
        assembly ("memory-safe") {
            mstore(ap, need)
        }
        ys = this.ysMany(vals, counts, ap, cols, sub);
        assembly ("memory-safe") {
            mstore(ap, full)
        }
    }

    /// For consecutive openings of `counts` values each over the u32 LE values `vals`: every
    /// ys = Σ_{j<count} α^j·v_j (sub[t] = 0), or Σ_{k<n} α^{cols[start+k]}·v_k (sub[t] =
    /// start << 32 | n: a column subset, α^c of the original column index c); α^j = ap[j]
    /// (packed; see _ys).  Pure, proves nothing by itself; an external (self-)call so that
    /// via-IR compiles its loops as their own function (inlined into the large statement
    /// functions their variables would be moved to memory).
    function ysMany(bytes calldata vals, uint256[] calldata counts, uint256[] calldata ap,
                    uint256[] calldata cols, uint256[] calldata sub)
        external
        pure
        returns (uint256[] memory ys)
    {
        if (sub.length != counts.length) revert Reject("column sets");
        ys = new uint256[](counts.length);
        uint256 at = 0;
        for (uint256 t = 0; t < counts.length; t++) {
            if (sub[t] == 0) {
                ys[t] = _ys(vals, at, counts[t], ap);
            } else {
                uint256 s0 = sub[t] >> 32;
                uint256 n = sub[t] & 0xffffffff;
                if (n != counts[t] || s0 + n > cols.length) revert Reject("column sets");
                ys[t] = _ysSub(vals, at, cols[s0:s0 + n], ap);
            }
            at += counts[t];
        }
    }

    /// Σ_k α^{cols[k]}·v_{start+k} (the column subset of a ζ·ω opening), as _ys.
    function _ysSub(bytes calldata b, uint256 start, uint256[] calldata cols, uint256[] calldata ap)
        private
        pure
        returns (uint256 r)
    {
        uint256 n = cols.length;
        if (16 * (start + n) > b.length) revert Reject("value index");
        for (uint256 k = 0; k < n; k++) if (cols[k] >= ap.length) revert Reject("column index");
        uint256 co;
        assembly ("memory-safe") {
            co := cols.offset
        }
        r = _ysCore(b, start, n, co, ap);
    }

    // ---- extension arithmetic in one assembly block each (the Field library's calls
    // cost ~1 k gas inside these large via-IR functions); same results as Field.

    function _mul(uint256 x, uint256 y) private pure returns (uint256 z) {
        assembly ("memory-safe") {
            let m := 0xffffffffffffffff
            let p := 2013265921
            let a0 := and(x, m)
            let a1 := and(shr(64, x), m)
            let a2 := and(shr(128, x), m)
            let a3 := shr(192, x)
            let b0 := and(y, m)
            let b1 := and(shr(64, y), m)
            let b2 := and(shr(128, y), m)
            let b3 := shr(192, y)
            let c0 := mod(add(mul(a0, b0), mul(11, mod(add(add(mul(a1, b3), mul(a2, b2)), mul(a3, b1)), p))), p)
            let c1 := mod(add(add(mul(a0, b1), mul(a1, b0)), mul(11, mod(add(mul(a2, b3), mul(a3, b2)), p))), p)
            let c2 := mod(add(add(add(mul(a0, b2), mul(a1, b1)), mul(a2, b0)), mul(11, mod(mul(a3, b3), p))), p)
            let c3 := mod(add(add(add(mul(a0, b3), mul(a1, b2)), mul(a2, b1)), mul(a3, b0)), p)
            z := or(or(c0, shl(64, c1)), or(shl(128, c2), shl(192, c3)))
        }
    }

    function _add(uint256 x, uint256 y) private pure returns (uint256 z) {
        assembly ("memory-safe") {
            let m := 0xffffffffffffffff
            let p := 2013265921
            for { let k := 0 } lt(k, 256) { k := add(k, 64) } {
                z := or(z, shl(k, addmod(and(shr(k, x), m), and(shr(k, y), m), p)))
            }
        }
    }

    function _sub(uint256 x, uint256 y) private pure returns (uint256 z) {
        assembly ("memory-safe") {
            let m := 0xffffffffffffffff
            let p := 2013265921
            for { let k := 0 } lt(k, 256) { k := add(k, 64) } {
                z := or(z, shl(k, addmod(and(shr(k, x), m), sub(p, and(shr(k, y), m)), p)))
            }
        }
    }

    function _root(uint256 src, StarkChallenges.Input calldata ci) private view returns (bytes32) {
        if (src == 0) return preRoot;
        if (src == 1) return ci.mainRoot;
        if (src == 2) return ci.auxRoot;
        if (src == 3) return ci.quotientRoot;
        revert Reject("root");
    }

    /// Extension element i of a u32 LE stream (4 limbs each).
    function _ext(bytes calldata b, uint256 i) private pure returns (uint256 v) {
        if (16 * i + 16 > b.length) revert Reject("value index");
        assembly ("memory-safe") {
            v := _le4(shr(128, calldataload(add(b.offset, mul(16, i)))))
            // 4 little-endian u32 limbs (128 bits, first limb in the high bytes) -> packed 64-bit limbs
            function _le4(w) -> r {
                w := or(shl(8, and(w, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, w), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
                w := or(shl(16, and(w, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, w), 0x0000ffff0000ffff0000ffff0000ffff))
                r := or(or(shr(96, w), shl(64, and(shr(64, w), 0xffffffff))),
                        or(shl(128, and(shr(32, w), 0xffffffff)), shl(192, and(w, 0xffffffff))))
            }
        }
    }

    /// Σ_{j<w} α^j·v_j over the values v_start.. of a u32 LE stream, α^j = ap[j] packed
    /// (c0 | c1 << 64 | c2 << 128 | c3 << 192).
    function _ys(bytes calldata b, uint256 start, uint256 w, uint256[] calldata ap) private pure returns (uint256 r) {
        if (16 * (start + w) > b.length || w >= ap.length) revert Reject("value index");
        r = _ysCore(b, start, w, 0, ap);
    }

    /// The sum of _ys (co = 0: value k with α^k) and _ysSub (co: the calldata offset of the
    /// column indices: value k with α^{cols[k]}), their bounds checked by the callers.
    /// Σ_k v_k·α^{c_k} = Σ_i X^i·C_i with C_i = Σ_k v_{k,i}·α^{c_k} (v_{k,i} the base
    /// coefficients of v_k): C_0..C_3 summed in the four 64-bit lanes of one word each (one
    /// multiplication per base coefficient: v_{k,i}·α^{c_k} multiplies every lane, each
    /// product < p^2 < 2^62); after every four values each lane L = hi·2^32 + lo is folded
    /// to L − hi·2p = lo + hi·(2^28 − 2) ≡ L (mod p) (2^32 = 2p + 2^28 − 2; no borrow),
    /// < 2^60 + 2^32, which leaves room for four more products (2^60 + 2^32 + 4·(p − 1)^2 <
    /// 2^64): no lane ever carries into the next.  Then Horner in X.  Four values per loop
    /// iteration through a small Yul function (a fully inlined body made via-IR move the
    /// variables to memory: more gas, not less).
    function _ysCore(bytes calldata b, uint256 start, uint256 n, uint256 co, uint256[] calldata ap)
        private
        pure
        returns (uint256 r)
    {
        assembly ("memory-safe") {
            let src := add(b.offset, shl(4, start))
            let c0, c1, c2, c3
            switch co
            case 0 { c0, c1, c2, c3 := sums(src, add(src, shl(4, n)), ap.offset) }
            default { c0, c1, c2, c3 := sumsAt(src, add(src, shl(4, n)), co, ap.offset) }
            // ((C3·X + C2)·X + C1)·X + C0
            r := extadd(mulx(extadd(mulx(extadd(mulx(c3), c2)), c1)), c0)

            // C_0..C_3 over the values at [ps, end) (16 bytes each) and the packed powers at pa
            function sums(ps, end, pa) -> c0_, c1_, c2_, c3_ {
                for {} iszero(gt(add(ps, 64), end)) {} {
                    c0_, c1_, c2_, c3_ := step(ps, calldataload(pa), c0_, c1_, c2_, c3_)
                    c0_, c1_, c2_, c3_ := step(add(ps, 16), calldataload(add(pa, 32)), c0_, c1_, c2_, c3_)
                    c0_, c1_, c2_, c3_ := step(add(ps, 32), calldataload(add(pa, 64)), c0_, c1_, c2_, c3_)
                    c0_, c1_, c2_, c3_ := step(add(ps, 48), calldataload(add(pa, 96)), c0_, c1_, c2_, c3_)
                    c0_, c1_, c2_, c3_ := fold4(c0_, c1_, c2_, c3_)
                    ps := add(ps, 64)
                    pa := add(pa, 128)
                }
                for {} lt(ps, end) {
                    ps := add(ps, 16)
                    pa := add(pa, 32)
                } {
                    c0_, c1_, c2_, c3_ := step(ps, calldataload(pa), c0_, c1_, c2_, c3_)
                }
                c0_, c1_, c2_, c3_ := red4(c0_, c1_, c2_, c3_)
            }

            // as sums, α^{cols[k]} for value k (the indices at calldata co)
            function sumsAt(ps, end, co_, pa) -> c0_, c1_, c2_, c3_ {
                for {} iszero(gt(add(ps, 64), end)) {} {
                    c0_, c1_, c2_, c3_ := step(ps, at(pa, co_, 0), c0_, c1_, c2_, c3_)
                    c0_, c1_, c2_, c3_ := step(add(ps, 16), at(pa, co_, 32), c0_, c1_, c2_, c3_)
                    c0_, c1_, c2_, c3_ := step(add(ps, 32), at(pa, co_, 64), c0_, c1_, c2_, c3_)
                    c0_, c1_, c2_, c3_ := step(add(ps, 48), at(pa, co_, 96), c0_, c1_, c2_, c3_)
                    c0_, c1_, c2_, c3_ := fold4(c0_, c1_, c2_, c3_)
                    ps := add(ps, 64)
                    co_ := add(co_, 128)
                }
                for {} lt(ps, end) {
                    ps := add(ps, 16)
                    co_ := add(co_, 32)
                } {
                    c0_, c1_, c2_, c3_ := step(ps, at(pa, co_, 0), c0_, c1_, c2_, c3_)
                }
                c0_, c1_, c2_, c3_ := red4(c0_, c1_, c2_, c3_)
            }

            // α^{cols[k]}: the power whose index sits at calldata co_ + d
            function at(pa, co_, d) -> a {
                a := calldataload(add(pa, shl(5, calldataload(add(co_, d)))))
            }

            // adds v·a to the lanes of C_0..C_3 for the value v at ps (16 bytes, u32 LE limbs;
            // byte-swapped per u32: limb 0 in bits 96..127) and the packed power a
            function step(ps, a, d0, d1, d2, d3) -> e0, e1, e2, e3 {
                let x := shr(128, calldataload(ps))
                x := or(shl(8, and(x, 0x00ff00ff00ff00ff00ff00ff00ff00ff)), and(shr(8, x), 0x00ff00ff00ff00ff00ff00ff00ff00ff))
                x := or(shl(16, and(x, 0x0000ffff0000ffff0000ffff0000ffff)), and(shr(16, x), 0x0000ffff0000ffff0000ffff0000ffff))
                e0 := add(d0, mul(shr(96, x), a))
                e1 := add(d1, mul(and(shr(64, x), 0xffffffff), a))
                e2 := add(d2, mul(and(shr(32, x), 0xffffffff), a))
                e3 := add(d3, mul(and(x, 0xffffffff), a))
            }

            function fold4(a0, a1, a2, a3) -> b0, b1, b2, b3 {
                b0 := fold(a0)
                b1 := fold(a1)
                b2 := fold(a2)
                b3 := fold(a3)
            }

            // every 64-bit lane L to L − hi·2p (see above)
            function fold(c) -> z {
                z := sub(c, mul(and(shr(32, c), 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff),
                                4026531842))
            }

            function red4(a0, a1, a2, a3) -> b0, b1, b2, b3 {
                b0 := red(a0)
                b1 := red(a1)
                b2 := red(a2)
                b3 := red(a3)
            }

            // every 64-bit lane mod p
            function red(c) -> z {
                let p := 2013265921
                let m := 0xffffffffffffffff
                z := or(or(mod(and(c, m), p), shl(64, mod(and(shr(64, c), m), p))),
                        or(shl(128, mod(and(shr(128, c), m), p)), shl(192, mod(shr(192, c), p))))
            }

            function mulx(x) -> z {
                z := or(shl(64, x), mulmod(shr(192, x), 11, 2013265921))
            }

            function extadd(x, y) -> z {
                let p := 2013265921
                let m := 0xffffffffffffffff
                z := or(or(addmod(and(x, m), and(y, m), p), shl(64, addmod(and(shr(64, x), m), and(shr(64, y), m), p))),
                        or(shl(128, addmod(and(shr(128, x), m), and(shr(128, y), m), p)), shl(192, addmod(shr(192, x), shr(192, y), p))))
            }
        }
    }

    function _sortedDistinct(uint256[] memory qs, uint256 shift) private pure returns (uint256[] memory out) {
        uint256[] memory a = new uint256[](qs.length);
        for (uint256 i = 0; i < qs.length; i++) a[i] = qs[i] >> shift;
        for (uint256 i = 1; i < a.length; i++) {
            uint256 x = a[i];
            uint256 j = i;
            while (j > 0 && a[j - 1] > x) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        uint256 n = 0;
        for (uint256 i = 0; i < a.length; i++) if (n == 0 || a[n - 1] != a[i]) a[n++] = a[i];
        out = new uint256[](n);
        for (uint256 i = 0; i < n; i++) out[i] = a[i];
    }
}
