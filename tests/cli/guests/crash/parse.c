/* A separate file, so the fault's pc is symbolised as parse_row (parse.c:N). */
__attribute__((noinline)) int parse_row(const int *row)
{
    int total = 0;
    for (int i = 0; i < 4; i++) {
        total += row[i]; /* row is NULL: read of address 0 */
    }
    return total;
}
