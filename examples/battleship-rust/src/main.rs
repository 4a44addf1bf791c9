//! battleship (Rust): prove the result of a shot at a secret board without revealing
//! the board. The same game, input, journal and exit codes as examples/battleship (C),
//! so the same referee accepts either (with its own pinned image ID).
//!
//! Private input (134 bytes): board[100] || salt[32] || shot_x (u8) || shot_y (u8).
//! Journal (35 bytes): sha256(board || salt)[32] || shot_x || shot_y || hit (0 or 1).
//! Exit codes: 0 ok, 1 invalid board, 2 shot off the board, 3 trailing input,
//!             250 input too short (from the SDK).
#![no_std]
#![no_main]

mod board;

use board::{validate_board, BOARD_CELLS, BOARD_SIZE, SALT_LEN};
use zkvm_guest::{eprintln, println};

const EXIT_BAD_BOARD: i32 = 1;
const EXIT_BAD_SHOT: i32 = 2;
const EXIT_TRAILING_INPUT: i32 = 3;

zkvm_guest::entry!(main);

fn main() {
    let mut input = [0u8; BOARD_CELLS + SALT_LEN];
    zkvm_guest::read_exact(&mut input);
    let shot: [u8; 2] = zkvm_guest::read_array();
    if zkvm_guest::read(&mut [0u8; 1]) != 0 {
        eprintln!("invalid input: trailing bytes after the shot");
        zkvm_guest::exit(EXIT_TRAILING_INPUT);
    }
    let board: &[u8; BOARD_CELLS] = input[..BOARD_CELLS].try_into().unwrap();
    if !validate_board(board) {
        zkvm_guest::exit(EXIT_BAD_BOARD);
    }
    let (x, y) = (shot[0] as usize, shot[1] as usize);
    if x >= BOARD_SIZE || y >= BOARD_SIZE {
        eprintln!("invalid shot ({}, {}): off the board", x, y);
        zkvm_guest::exit(EXIT_BAD_SHOT);
    }
    let hit = board[y * BOARD_SIZE + x] != 0;

    // commitment = sha256(board || salt), on the SHA-256 precompile
    zkvm_guest::commit(&zkvm_guest::sha256(&input));
    zkvm_guest::commit(&shot);
    zkvm_guest::commit_bool(hit);

    println!("board valid; shot ({}, {}): {}", x, y, if hit { "hit" } else { "miss" });
}
