/* Prints and flushes, then parse_row() dereferences NULL (a fault the CLI must report
 * with the guest's output so far and a symbolised pc). */
#include <stdio.h>

#include "zkvm.h"

int parse_row(const int *row);

int main(void)
{
    int *row = 0;
    printf("about to crash\n");
    fflush(stdout);
    fprintf(stderr, "stderr before the crash\n");
    return parse_row(zkvm_read_u32() == 7 ? row : row);
}
