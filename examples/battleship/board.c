/* Board validation: every ship is one straight, contiguous line of its exact length. */
#include <stdio.h>

#include "battleship.h"

const uint8_t SHIP_LENGTHS[NUM_SHIPS + 1] = {0, 5, 4, 3, 3, 2};

int validate_board(const uint8_t board[BOARD_CELLS])
{
    int count[NUM_SHIPS + 1] = {0};
    int min_x[NUM_SHIPS + 1], max_x[NUM_SHIPS + 1], min_y[NUM_SHIPS + 1], max_y[NUM_SHIPS + 1];

    for (int k = 0; k <= NUM_SHIPS; k++) {
        min_x[k] = min_y[k] = BOARD_SIZE;
        max_x[k] = max_y[k] = -1;
    }
    for (int y = 0; y < BOARD_SIZE; y++) {
        for (int x = 0; x < BOARD_SIZE; x++) {
            uint8_t v = board[y * BOARD_SIZE + x];
            if (v > NUM_SHIPS) {
                fprintf(stderr, "invalid board: cell (%d, %d) holds %u (expected 0..%d)\n", x, y, v, NUM_SHIPS);
                return 1;
            }
            if (v == 0) {
                continue;
            }
            count[v]++;
            if (x < min_x[v]) min_x[v] = x;
            if (x > max_x[v]) max_x[v] = x;
            if (y < min_y[v]) min_y[v] = y;
            if (y > max_y[v]) max_y[v] = y;
        }
    }
    for (int k = 1; k <= NUM_SHIPS; k++) {
        int len = SHIP_LENGTHS[k];
        /* `len` cells all in one row spanning exactly `len` columns (or one column
         * spanning `len` rows) are necessarily contiguous. */
        int horizontal = min_y[k] == max_y[k] && max_x[k] - min_x[k] == len - 1;
        int vertical = min_x[k] == max_x[k] && max_y[k] - min_y[k] == len - 1;
        if (count[k] != len || !(horizontal || vertical)) {
            fprintf(stderr, "invalid board: ship %d must be a straight line of %d cells\n", k, len);
            return 1;
        }
    }
    return 0;
}
