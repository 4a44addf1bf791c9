/* battleship: shared definitions (see README.md for the input and journal layouts). */
#ifndef BATTLESHIP_H
#define BATTLESHIP_H

#include <stdint.h>

#define BOARD_SIZE 10                       /* 10 x 10 grid */
#define BOARD_CELLS (BOARD_SIZE * BOARD_SIZE)
#define SALT_LEN 32
#define NUM_SHIPS 5

/* Exit codes. */
#define EXIT_BAD_BOARD 1
#define EXIT_BAD_SHOT 2
#define EXIT_TRAILING_INPUT 3

/* Length of ship i (ids 1..NUM_SHIPS; index 0 unused): carrier, battleship, cruiser,
 * submarine, destroyer. */
extern const uint8_t SHIP_LENGTHS[NUM_SHIPS + 1];

/* Check the standard placement rules. `board` is row-major: cell (x, y) is
 * board[y * BOARD_SIZE + x]; 0 is water and k in 1..NUM_SHIPS is part of ship k.
 * Returns 0 if valid, otherwise prints why on stderr and returns non-zero. */
int validate_board(const uint8_t board[BOARD_CELLS]);

#endif
