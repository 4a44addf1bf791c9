// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import "./Transcript.sol";

/// @title TranscriptReplay: runs a script of transcript operations with the Transcript
/// library and returns the final state and every sample (for the differential tests
/// against zkvm.stark.transcript, and to measure the gas of a verifier's transcript).
/// Script: a sequence of
///   0x00 u16 labelLen label u32 dataLen data   absorb
///   0x01 u16 labelLen label                    sampleExt  (one output, packed)
///   0x02 u16 labelLen label                    sampleBase (one output)
///   0x03 u8 n u16 labelLen label               sampleBits (one output)
///   0x04 u8 bits u64 nonce                     checkPow   (reverts if it fails)
///   0x05 u16 labelLen label u32 dataLen data   absorb, data copied to memory (Transcript.absorb)
///   0x06 u16 labelLen label bytes32 w          absorbWord (= absorb of w's 32 bytes)
/// (big-endian lengths in the script; the transcript's own encoding is little-endian).
contract TranscriptReplay {
    using Transcript for Transcript.State;

    function replay(bytes calldata tag, bytes calldata script)
        external
        view
        returns (bytes32 state, uint256[] memory outs)
    {
        Transcript.State memory st = Transcript.init(tag);
        uint256[] memory buf = new uint256[](script.length);
        uint256 n = 0;
        uint256 p = 0;
        while (p < script.length) {
            uint8 op = uint8(script[p]);
            p += 1;
            if (op == 0) {
                uint256 ll = uint16(bytes2(script[p:p + 2]));
                bytes memory label = script[p + 2:p + 2 + ll];
                p += 2 + ll;
                uint256 dl = uint32(bytes4(script[p:p + 4]));
                st.absorbCalldata(label, script[p + 4:p + 4 + dl]);
                p += 4 + dl;
            } else if (op == 1 || op == 2) {
                uint256 ll = uint16(bytes2(script[p:p + 2]));
                bytes memory label = script[p + 2:p + 2 + ll];
                p += 2 + ll;
                buf[n++] = op == 1 ? st.sampleExt(label) : st.sampleBase(label);
            } else if (op == 3) {
                uint256 bits = uint8(script[p]);
                uint256 ll = uint16(bytes2(script[p + 1:p + 3]));
                bytes memory label = script[p + 3:p + 3 + ll];
                p += 3 + ll;
                buf[n++] = st.sampleBits(label, bits);
            } else if (op == 4) {
                uint256 bits = uint8(script[p]);
                uint256 nonce = uint64(bytes8(script[p + 1:p + 9]));
                p += 9;
                st.checkPow(bits, nonce);
            } else if (op == 5) {
                uint256 ll = uint16(bytes2(script[p:p + 2]));
                bytes memory label = script[p + 2:p + 2 + ll];
                p += 2 + ll;
                uint256 dl = uint32(bytes4(script[p:p + 4]));
                bytes memory data = script[p + 4:p + 4 + dl];
                st.absorb(label, data);
                p += 4 + dl;
            } else if (op == 6) {
                uint256 ll = uint16(bytes2(script[p:p + 2]));
                bytes memory label = script[p + 2:p + 2 + ll];
                p += 2 + ll;
                st.absorbWord(label, bytes32(script[p:p + 32]));
                p += 32;
            } else {
                revert("bad op");
            }
        }
        outs = new uint256[](n);
        for (uint256 i = 0; i < n; i++) outs[i] = buf[i];
        state = st.s;
    }
}
