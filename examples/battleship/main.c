/*
 * battleship: prove the result of a shot at a secret board without revealing the board.
 *
 * Private input (134 bytes): board[100] || salt[32] || shot_x (u8) || shot_y (u8).
 * Journal (35 bytes): sha256(board || salt)[32] || shot_x || shot_y || hit (0 or 1).
 * Exit codes: 0 ok, 1 invalid board, 2 shot off the board, 3 trailing input,
 *             250 input too short (from the SDK).
 *
 * The commitment binds the player to one board for the whole game (the salt stops the
 * opponent from brute-forcing it); each shot is answered by a new proof whose journal
 * repeats the commitment. See README.md.
 */
#include <stdio.h>

#include "battleship.h"
#include "zkvm.h"
#include "zkvm_sha256.h"

int main(void)
{
    uint8_t input[BOARD_CELLS + SALT_LEN];
    uint8_t shot[2];
    uint8_t extra;
    uint8_t journal[32 + 3];

    zkvm_read_exact(input, sizeof input);
    zkvm_read_exact(shot, sizeof shot);
    if (zkvm_read(&extra, 1) != 0) {
        fprintf(stderr, "invalid input: trailing bytes after the shot\n");
        return EXIT_TRAILING_INPUT;
    }
    const uint8_t *board = input;
    if (validate_board(board) != 0) {
        return EXIT_BAD_BOARD;
    }
    if (shot[0] >= BOARD_SIZE || shot[1] >= BOARD_SIZE) {
        fprintf(stderr, "invalid shot (%u, %u): off the board\n", shot[0], shot[1]);
        return EXIT_BAD_SHOT;
    }
    uint8_t hit = board[shot[1] * BOARD_SIZE + shot[0]] != 0;

    zkvm_sha256(input, sizeof input, journal); /* commitment = sha256(board || salt) */
    journal[32] = shot[0];
    journal[33] = shot[1];
    journal[34] = hit;
    zkvm_commit(journal, sizeof journal);

    printf("board valid; shot (%u, %u): %s\n", shot[0], shot[1], hit ? "hit" : "miss");
    return 0;
}
