/*
 * battleship-batch: the battleship referee (examples/battleship) over many games in one
 * run, so the workload is large enough for the compiler-trust corpus
 * (bench/bench_compiler_trust.py). Built together with examples/battleship/board.c:
 *
 *     zkvm build examples/battleship/board.c bench/guests/battleship-batch/batch.c
 *
 * Private input: count (u32), then count records of 134 bytes, each exactly the input of
 * examples/battleship: board[100] || salt[32] || shot_x || shot_y.
 * Journal (public): per game, as examples/battleship: sha256(board || salt)[32] ||
 * shot_x || shot_y || hit -- 35 bytes per game.
 * Exit codes: as examples/battleship (1 invalid board, 2 shot off the board, 3 trailing
 * input, 250 input too short).
 */
#include <stdio.h>

#include "battleship.h"
#include "zkvm.h"
#include "zkvm_sha256.h"

int main(void)
{
    uint32_t count = zkvm_read_u32();
    uint32_t hits = 0;
    for (uint32_t g = 0; g < count; g++) {
        uint8_t input[BOARD_CELLS + SALT_LEN];
        uint8_t shot[2];
        uint8_t journal[32 + 3];

        zkvm_read_exact(input, sizeof input);
        zkvm_read_exact(shot, sizeof shot);
        if (validate_board(input) != 0) {
            return EXIT_BAD_BOARD;
        }
        if (shot[0] >= BOARD_SIZE || shot[1] >= BOARD_SIZE) {
            fprintf(stderr, "game %u: invalid shot (%u, %u): off the board\n", g, shot[0], shot[1]);
            return EXIT_BAD_SHOT;
        }
        uint8_t hit = input[shot[1] * BOARD_SIZE + shot[0]] != 0;
        zkvm_sha256(input, sizeof input, journal);
        journal[32] = shot[0];
        journal[33] = shot[1];
        journal[34] = hit;
        zkvm_commit(journal, sizeof journal);
        hits += hit;
    }
    uint8_t extra;
    if (zkvm_read(&extra, 1) != 0) {
        fprintf(stderr, "invalid input: trailing bytes after the last game\n");
        return EXIT_TRAILING_INPUT;
    }
    printf("%u boards valid; %u hits\n", count, hits);
    return 0;
}
