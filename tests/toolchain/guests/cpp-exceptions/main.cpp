// Test guest: C++ exceptions (needs `zkvm build --cxx-exceptions`; without it the
// compiler rejects `throw`). Input: u32 n. Commits u32 (number of exceptions caught).
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "zkvm.h"

static int checked(std::uint32_t x) {
    if (x > 3) throw std::runtime_error("too big: " + std::to_string(x));
    return static_cast<int>(x) * 2;
}

int main() {
    const std::uint32_t n = zkvm_read_u32();
    std::uint32_t caught = 0;
    for (std::uint32_t i = 0; i < n; i++) {
        try {
            checked(i);
        } catch (const std::exception &e) {
            caught++;
            std::printf("caught: %s\n", e.what());
        }
    }
    std::vector<int> v(2);
    try {
        (void)v.at(n);
    } catch (const std::out_of_range &) {
        caught += 100;
    }
    zkvm_commit_u32(caught);
    return 0;
}
