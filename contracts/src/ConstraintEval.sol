// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title ConstraintEval: a zkvm table's constraints at the out-of-domain point ζ (step 9 of
/// zkvm.stark.verifier, the part before the quotient), Σ_i α^i · C_i(leaves) in the quartic
/// extension F_p[X]/(X^4 − 11) over BabyBear (p = 15·2^27 + 1), by Horner over the
/// constraints in reverse order, exactly like zkvm.stark.verifier._check_table.
/// @notice evaluateAndRecordCode runs each table's **straight-line generated code**
/// (zkvm.onchain.codegen: raw EVM bytecode per table, split into chunks under EIP-170) and
/// records the facts StatementCheck reads, keyed by the hash of the code that ran.
/// `evaluate` is the former interpreter over the compact program (zkvm.onchain.constraints,
/// which the code is generated from), kept pure and record-free as a reference for tests.
///
/// Extension elements are packed in one word: c0 | c1 << 64 | c2 << 128 | c3 << 192, every
/// limb canonical (< p).  Program encoding (big-endian):
///   u16 nodeCount, u16 outCount, then nodeCount nodes:
///     0x00 c:u32            constant c (< p, base field)
///     0x01 slot:u16         leaf: leaves[slot]
///     0x02 a:u16 b:u16      add    0x03 a b  sub    0x04 a b  mul    0x05 a:u16  neg
///   then outCount u16 node indices: the constraints C_0 .. C_{outCount-1}.
/// Node arguments must refer to earlier nodes (checked); any malformed program reverts.
contract ConstraintEval {
    uint256 internal constant P = 2013265921;
    uint256 internal constant W = 11;
    uint256 internal constant M64 = 0xffffffffffffffff;

    error BadProgram();
    error BadLeaf();

    /// Facts recorded by evaluateAndRecordCode (read by StatementCheck): keccak256 of the
    /// concatenated factKey(code hash, keccak256(leaves), α, result) of one call's tables.
    mapping(bytes32 => bool) public codeFacts;

    /// Domain tag of a table's code hash (zkvm.onchain.codegen.CODE_TAG, 23 bytes):
    /// "zkvm.constraint-code.v1", left-aligned in a word.
    uint256 internal constant CODE_TAG = 0x7a6b766d2e636f6e73747261696e742d636f64652e7631 << 72;

    error BadEvaluator();

    /// Straight-line evaluation (zkvm.onchain.codegen): evaluators[t] are the chunks of
    /// table t's generated code, in call order (the chunk of its last constraints first).
    /// Each chunk is called (STATICCALL) with `acc ‖ α ‖ leaves[t]` and returns acc
    /// continued by Horner over its constraints; the first gets acc = 0.  Records ONE fact
    /// per call (one storage write), codeFacts[keccak256(key_1 ‖ … ‖ key_n)] over the
    /// tables' keys key_t = factKey(codeHash, keccak256(leaves), α, acc), codeHash =
    /// keccak256(CODE_TAG ‖ EXTCODEHASH(chunk_1) ‖ … ‖ EXTCODEHASH(chunk_k)): the hash of the
    /// code that actually ran, which the statement check compares with the one its
    /// verifying key (shape) holds, so any other code (another deployment, one changed
    /// byte) records a fact the verifier never looks up.  Leaves and α must be canonical.
    function evaluateAndRecordCode(address[][] calldata evaluators, uint256[][] calldata leaves, uint256 alpha)
        external
        returns (uint256[] memory accs)
    {
        if (evaluators.length != leaves.length || !_canonical(alpha)) revert BadEvaluator();
        accs = new uint256[](evaluators.length);
        bytes32[] memory keys = new bytes32[](evaluators.length);
        for (uint256 t = 0; t < evaluators.length; t++) {
            uint256[] calldata lv = leaves[t];
            for (uint256 i = 0; i < lv.length; i++) {
                if (!_canonical(lv[i])) revert BadLeaf();
            }
            (uint256 acc, bytes32 h) = _runCode(evaluators[t], lv, alpha);
            accs[t] = acc;
            keys[t] = factKey(h, keccak256(abi.encodePacked(lv)), alpha, acc);
        }
        codeFacts[keccak256(abi.encodePacked(keys))] = true;
    }

    /// Calls the chunks in order; returns the last result and the code hash.
    function _runCode(address[] calldata chunks, uint256[] calldata lv, uint256 alpha)
        private
        view
        returns (uint256 acc, bytes32 h)
    {
        uint256 n = chunks.length;
        bytes memory hs = new bytes(23 + 32 * n);
        uint256 bad = 0;
        assembly ("memory-safe") {
            let hp := add(hs, 0x20)
            mstore(hp, CODE_TAG) // 23 tag bytes, then zeros the first hash overwrites
            hp := add(hp, 23)
            let size := add(64, shl(5, lv.length))
            let buf := mload(0x40)
            mstore(0x40, add(buf, size))
            mstore(buf, 0)
            mstore(add(buf, 0x20), alpha)
            calldatacopy(add(buf, 0x40), lv.offset, shl(5, lv.length))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let a := calldataload(add(chunks.offset, shl(5, i)))
                if or(shr(160, a), iszero(extcodesize(a))) { bad := 1 break }
                mstore(add(hp, shl(5, i)), extcodehash(a))
                // the result overwrites acc, the next chunk's input
                if iszero(staticcall(gas(), a, buf, size, buf, 0x20)) { bad := 1 break }
                if iszero(eq(returndatasize(), 0x20)) { bad := 1 break }
            }
            acc := mload(buf)
        }
        if (bad != 0) revert BadEvaluator();
        h = keccak256(hs);
    }

    function factKey(bytes32 codeHash, bytes32 leavesHash, uint256 alpha, uint256 result)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(codeHash, leavesHash, alpha, result));
    }

    function evaluate(bytes calldata program, uint256[] calldata leaves, uint256 alpha)
        external
        pure
        returns (uint256 acc)
    {
        acc = _evaluate(program, leaves, alpha);
    }

    function _evaluate(bytes memory program, uint256[] calldata leaves, uint256 alpha)
        private
        pure
        returns (uint256 acc)
    {
        for (uint256 i = 0; i < leaves.length; i++) {
            if (!_canonical(leaves[i])) revert BadLeaf();
        }
        if (!_canonical(alpha)) revert BadProgram();
        acc = _run(program, leaves, alpha);
    }

    function _canonical(uint256 x) private pure returns (bool) {
        return (x & M64) < P && ((x >> 64) & M64) < P && ((x >> 128) & M64) < P && (x >> 192) < P;
    }

    /// Interprets `prog` (in memory: a calldata program is copied, a stored one read with
    /// EXTCODECOPY).  Reads past the program's end are harmless: a node that ends past it
    /// makes the program malformed, and the outputs are read only after the exact-length
    /// check.
    function _run(bytes memory prog, uint256[] calldata leaves, uint256 alpha) private pure returns (uint256 acc) {
        uint256 len = prog.length;
        if (len < 4) revert BadProgram();
        uint256 nodeCount;
        uint256 outCount;
        uint256 base;
        assembly ("memory-safe") {
            base := add(prog, 0x20)
            nodeCount := shr(240, mload(base))
            outCount := and(shr(224, mload(base)), 0xffff)
        }
        uint256[] memory v = new uint256[](nodeCount);
        uint256 bad = 0;
        uint256 ptr = 0;
        assembly ("memory-safe") {
            // few live variables: via-IR would spill to memory otherwise (a 3x slowdown)
            ptr := run(add(v, 0x20), add(base, 4), add(base, len), nodeCount, leaves.offset, leaves.length)
            if iszero(ptr) { bad := 1 }
            if iszero(bad) {
                if iszero(eq(add(ptr, mul(outCount, 2)), add(base, len))) { bad := 1 }
            }
            if iszero(bad) {
                // Horner over the constraints in reverse order: acc = acc·α + C_i
                let vals := add(v, 0x20)
                for { let j := outCount } gt(j, 0) { j := sub(j, 1) } {
                    let idx := shr(240, mload(add(ptr, mul(sub(j, 1), 2))))
                    if iszero(lt(idx, nodeCount)) { bad := 1 break }
                    acc := extadd(extmul(acc, alpha), mload(add(vals, shl(5, idx))))
                }
            }

            // Interpret the nodes; returns the pointer after them, 0 if malformed.
            function run(vals, ptr_, end, n, loff, nleaves) -> r_ {
                r_ := 0
                let ok := 1
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    let w := mload(ptr_)
                    let op := shr(248, w)
                    let r := 0
                    switch op
                    case 0 {
                        r := and(shr(216, w), 0xffffffff)
                        if iszero(lt(r, P)) { ok := 0 }
                        ptr_ := add(ptr_, 5)
                    }
                    case 1 {
                        let s := and(shr(232, w), 0xffff)
                        if iszero(lt(s, nleaves)) { ok := 0 }
                        r := calldataload(add(loff, shl(5, s)))
                        ptr_ := add(ptr_, 3)
                    }
                    case 5 {
                        let a := and(shr(232, w), 0xffff)
                        if iszero(lt(a, i)) { ok := 0 }
                        r := extneg(mload(add(vals, shl(5, a))))
                        ptr_ := add(ptr_, 3)
                    }
                    default {
                        let a := and(shr(232, w), 0xffff)
                        let b := and(shr(216, w), 0xffff)
                        if iszero(and(lt(a, i), lt(b, i))) { ok := 0 }
                        if or(lt(op, 2), gt(op, 4)) { ok := 0 }
                        let x := mload(add(vals, shl(5, a)))
                        let y := mload(add(vals, shl(5, b)))
                        switch op
                        case 2 { r := extadd(x, y) }
                        case 3 { r := extsub(x, y) }
                        default { r := extmul(x, y) }
                        ptr_ := add(ptr_, 5)
                    }
                    if gt(ptr_, end) { ok := 0 }
                    if iszero(ok) { break }
                    mstore(add(vals, shl(5, i)), r)
                }
                if ok { r_ := ptr_ }
            }

            function extadd(x, y) -> z {
                z := or(or(addmod(and(x, M64), and(y, M64), P), shl(64, addmod(and(shr(64, x), M64), and(shr(64, y), M64), P))),
                        or(shl(128, addmod(and(shr(128, x), M64), and(shr(128, y), M64), P)), shl(192, addmod(shr(192, x), shr(192, y), P))))
            }

            function extneg(x) -> z {
                z := or(or(mod(sub(P, and(x, M64)), P), shl(64, mod(sub(P, and(shr(64, x), M64)), P))),
                        or(shl(128, mod(sub(P, and(shr(128, x), M64)), P)), shl(192, mod(sub(P, shr(192, x)), P))))
            }

            function extsub(x, y) -> z {
                z := or(or(addmod(and(x, M64), sub(P, and(y, M64)), P), shl(64, addmod(and(shr(64, x), M64), sub(P, and(shr(64, y), M64)), P))),
                        or(shl(128, addmod(and(shr(128, x), M64), sub(P, and(shr(128, y), M64)), P)), shl(192, addmod(shr(192, x), sub(P, shr(192, y)), P))))
            }

            // x·y mod X^4 − 11, four lanes at once: mul(x, y_j) multiplies every 64-bit lane
            // of x by the limb y_j (products < p² < 2^62); x·X rotates the lanes (the top one
            // times 11, reduced); the four partial products add up to < 4p² < 2^64 per lane,
            // so no lane carries into the next.
            function extmul(x, y) -> z {
                z := mul(x, and(y, M64))
                x := or(shl(64, x), mulmod(shr(192, x), W, P))
                z := add(z, mul(x, and(shr(64, y), M64)))
                x := or(shl(64, x), mulmod(shr(192, x), W, P))
                z := add(z, mul(x, and(shr(128, y), M64)))
                x := or(shl(64, x), mulmod(shr(192, x), W, P))
                z := add(z, mul(x, shr(192, y)))
                z := or(or(mod(and(z, M64), P), shl(64, mod(and(shr(64, z), M64), P))),
                        or(shl(128, mod(and(shr(128, z), M64), P)), shl(192, mod(shr(192, z), P))))
            }
        }
        if (bad != 0) revert BadProgram();
    }
}
