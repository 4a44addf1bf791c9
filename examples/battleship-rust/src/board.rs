//! Board validation: every ship is one straight, contiguous line of its exact length
//! (the same rules, messages and checks as examples/battleship/board.c).

use zkvm_guest::eprintln;

pub const BOARD_SIZE: usize = 10;
pub const BOARD_CELLS: usize = BOARD_SIZE * BOARD_SIZE;
pub const SALT_LEN: usize = 32;
pub const NUM_SHIPS: usize = 5;

/// Length of ship k (ids 1..=NUM_SHIPS; index 0 unused): carrier, battleship, cruiser,
/// submarine, destroyer.
pub const SHIP_LENGTHS: [usize; NUM_SHIPS + 1] = [0, 5, 4, 3, 3, 2];

/// Check the standard placement rules. `board` is row-major: cell (x, y) is
/// `board[y * BOARD_SIZE + x]`; 0 is water and k in 1..=NUM_SHIPS is part of ship k.
/// Prints why on stderr and returns false if the board is invalid.
pub fn validate_board(board: &[u8; BOARD_CELLS]) -> bool {
    let mut count = [0usize; NUM_SHIPS + 1];
    let mut min_x = [BOARD_SIZE; NUM_SHIPS + 1];
    let mut min_y = [BOARD_SIZE; NUM_SHIPS + 1];
    let mut max_x = [-1isize; NUM_SHIPS + 1];
    let mut max_y = [-1isize; NUM_SHIPS + 1];

    for y in 0..BOARD_SIZE {
        for x in 0..BOARD_SIZE {
            let v = board[y * BOARD_SIZE + x] as usize;
            if v > NUM_SHIPS {
                eprintln!("invalid board: cell ({}, {}) holds {} (expected 0..{})", x, y, v, NUM_SHIPS);
                return false;
            }
            if v == 0 {
                continue;
            }
            count[v] += 1;
            min_x[v] = min_x[v].min(x);
            min_y[v] = min_y[v].min(y);
            max_x[v] = max_x[v].max(x as isize);
            max_y[v] = max_y[v].max(y as isize);
        }
    }
    for k in 1..=NUM_SHIPS {
        let len = SHIP_LENGTHS[k] as isize;
        // `len` cells all in one row spanning exactly `len` columns (or one column
        // spanning `len` rows) are necessarily contiguous.
        let horizontal = min_y[k] as isize == max_y[k] && max_x[k] - min_x[k] as isize == len - 1;
        let vertical = min_x[k] as isize == max_x[k] && max_y[k] - min_y[k] as isize == len - 1;
        if count[k] as isize != len || !(horizontal || vertical) {
            eprintln!("invalid board: ship {} must be a straight line of {} cells", k, len);
            return false;
        }
    }
    true
}
