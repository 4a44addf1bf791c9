// SPDX-License-Identifier: MIT OR Apache-2.0
// Test contract for the differential tests: a recursive call chain whose every level
// follows one byte of a "plan": the call kind to the next level (CALL with or without
// value, DELEGATECALL, STATICCALL, CALLCODE), whether to give the child little gas,
// whether to revert after the call, to bubble a failed child up, or to hit INVALID.
// Every level writes storage, transient storage and a log, so every revert is visible.
pragma solidity 0.8.28;

contract Nest {
    uint256 public counter;
    mapping(uint256 => uint256) public marks;

    event Enter(uint256 depth, uint256 action, uint256 seen);

    function step(uint256 depth, bytes calldata plan) external payable returns (uint256) {
        if (depth >= plan.length) {
            return depth;
        }
        uint256 a = uint8(plan[depth]);
        uint256 seen;
        assembly {
            seen := tload(depth)
            tstore(depth, add(a, 1))
        }
        counter += 1;
        marks[depth] = a + 1;
        emit Enter(depth, a, seen);
        bytes memory data = abi.encodeCall(this.step, (depth + 1, plan));
        uint256 g = (a & 0x10) != 0 ? 40000 : gasleft();
        uint256 kind = a & 3;
        bool ok;
        if (kind == 0) {
            (ok, ) = address(this).call{gas: g, value: (a & 0x20) != 0 && address(this).balance > 0 ? 1 : 0}(data);
        } else if (kind == 1) {
            (ok, ) = address(this).delegatecall{gas: g}(data);
        } else if (kind == 2) {
            (ok, ) = address(this).staticcall{gas: g}(data);
        } else {
            address self = address(this);
            assembly {
                ok := callcode(g, self, 0, add(data, 32), mload(data), 0, 0)
            }
        }
        marks[depth + 1000] = ok ? 1 : 2;
        if ((a & 0x40) != 0) {
            assembly {
                invalid()
            }
        }
        if ((a & 0x04) != 0) {
            revert("planned");
        }
        if ((a & 0x08) != 0 && !ok) {
            revert("bubble");
        }
        return depth;
    }
}
