// SPDX-License-Identifier: MIT OR Apache-2.0
// A small Battleship round for the zkvm EVM example.
//
// The defender commits to a 10x10 board (a 100-bit mask of ship cells) with a salt:
// commitment = keccak256(abi.encodePacked(uint128 board, bytes32 salt)). The attacker
// shoots one cell at a time; the defender answers hit or miss. At the end the defender
// reveals board and salt: the contract checks the commitment, that the board has exactly
// 17 ship cells, and that every answer was truthful; a false answer makes the attacker
// win. Otherwise the attacker wins iff all 17 ship cells were hit.
pragma solidity 0.8.28;

contract Battleship {
    uint8 public constant SHIP_CELLS = 17;
    uint8 constant NONE = 255;

    address public immutable defender;
    address public immutable attacker;
    bytes32 public immutable commitment;

    uint128 public shots;      // cells shot at (bit i = cell i)
    uint128 public claimedHits; // cells the defender answered "hit"
    uint8 public pending = NONE; // cell awaiting an answer
    bool public finished;
    address public winner;

    event Shot(uint8 cell);
    event Answer(uint8 cell, bool hit);
    event Revealed(bool honest, uint8 hits, address winner);

    constructor(address attacker_, bytes32 commitment_) {
        defender = msg.sender;
        attacker = attacker_;
        commitment = commitment_;
    }

    function shoot(uint8 cell) external {
        require(msg.sender == attacker, "not the attacker");
        require(!finished, "finished");
        require(pending == NONE, "answer pending");
        require(cell < 100, "off the board");
        uint128 bit = uint128(1) << cell;
        require(shots & bit == 0, "already shot");
        shots |= bit;
        pending = cell;
        emit Shot(cell);
    }

    function answer(bool hit) external {
        require(msg.sender == defender, "not the defender");
        uint8 cell = pending;
        require(cell != NONE, "no shot");
        if (hit) {
            claimedHits |= uint128(1) << cell;
        }
        pending = NONE;
        emit Answer(cell, hit);
    }

    function reveal(uint128 board, bytes32 salt) external {
        require(msg.sender == defender, "not the defender");
        require(!finished && pending == NONE, "not now");
        require(keccak256(abi.encodePacked(board, salt)) == commitment, "commitment");
        require(board >> 100 == 0 && popcount(board) == SHIP_CELLS, "not a board");
        bool honest = (board & shots) == claimedHits;
        uint8 hits = popcount(board & shots);
        finished = true;
        winner = (!honest || hits == SHIP_CELLS) ? attacker : defender;
        emit Revealed(honest, hits, winner);
    }

    function popcount(uint128 x) internal pure returns (uint8 n) {
        while (x != 0) {
            x &= x - 1;
            n++;
        }
    }
}
