// cpp-leaderboard: a C++ guest. Private input: a list of players and their scores;
// journal (public): the top three, best first -- without revealing the other entries.
//
// Private input (typed encoding, docs/toolchain.md): u32 n, then n times
//   str name (u32 length + UTF-8 bytes, 1..64 bytes), u32 score.
// Journal: u32 k (= min(n, 3)), then k times str name, u32 score; sorted by score
//   (highest first), ties by name (byte order).
// Exit codes: 0 ok, 1 no players, 2 a name is empty or longer than 64 bytes,
//   3 the same name twice, 250 input too short (from the SDK).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "zkvm.h"

namespace {

constexpr std::size_t kTop = 3;
constexpr std::uint32_t kMaxName = 64;

// Typed encoding helpers (little-endian integers, u32-length-prefixed strings).
template <typename T>
T read_le() {
    unsigned char b[sizeof(T)];
    zkvm_read_exact(b, sizeof b);
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); i++) v |= static_cast<T>(b[i]) << (8 * i);
    return v;
}

template <typename T>
void commit_le(T v) {
    unsigned char b[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); i++) b[i] = static_cast<unsigned char>(v >> (8 * i));
    zkvm_commit(b, sizeof b);
}

void commit_str(const std::string &s) {
    commit_le<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    zkvm_commit(s.data(), s.size());
}

class Entry {
public:
    Entry(std::string name, std::uint32_t score) : name_(std::move(name)), score_(score) {}
    const std::string &name() const { return name_; }
    std::uint32_t score() const { return score_; }
    // Best first: higher score, then smaller name.
    bool operator<(const Entry &o) const {
        return score_ != o.score_ ? score_ > o.score_ : name_ < o.name_;
    }

private:
    std::string name_;
    std::uint32_t score_;
};

}  // namespace

int main() {
    const auto n = read_le<std::uint32_t>();
    if (n == 0) {
        std::fprintf(stderr, "no players\n");
        return 1;
    }
    std::vector<Entry> entries;
    std::set<std::string> seen;
    for (std::uint32_t i = 0; i < n; i++) {
        const auto len = read_le<std::uint32_t>();
        if (len == 0 || len > kMaxName) {
            std::fprintf(stderr, "player %u: name length %u (expected 1..%u)\n", i, len, kMaxName);
            return 2;
        }
        std::string name(len, '\0');
        zkvm_read_exact(name.data(), len);
        const auto score = read_le<std::uint32_t>();
        if (!seen.insert(name).second) {
            std::fprintf(stderr, "player %s appears twice\n", name.c_str());
            return 3;
        }
        entries.emplace_back(std::move(name), score);
    }
    const std::size_t k = std::min(kTop, entries.size());
    std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(k), entries.end());

    commit_le<std::uint32_t>(static_cast<std::uint32_t>(k));
    for (std::size_t i = 0; i < k; i++) {
        commit_str(entries[i].name());
        commit_le<std::uint32_t>(entries[i].score());
        std::printf("%zu. %s %u\n", i + 1, entries[i].name().c_str(), entries[i].score());
    }
    return 0;
}
