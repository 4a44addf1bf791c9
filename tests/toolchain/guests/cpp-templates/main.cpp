// Test guest: C++ templates and the standard library (libc++) in a zkvm guest.
// Input: u32 n. Prints a report on stdout and commits: u32 n, u32 checksum of the
// sorted vector, u32 length + bytes of the joined string, u64 fold result, u32 map size.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "zkvm.h"

namespace {

// A CRTP base: static polymorphism.
template <typename Derived>
struct Shape {
    std::uint64_t area() const { return static_cast<const Derived *>(this)->area_impl(); }
};
struct Rect : Shape<Rect> {
    std::uint64_t w, h;
    Rect(std::uint64_t w_, std::uint64_t h_) : w(w_), h(h_) {}
    std::uint64_t area_impl() const { return w * h; }
};
struct Square : Shape<Square> {
    std::uint64_t s;
    explicit Square(std::uint64_t s_) : s(s_) {}
    std::uint64_t area_impl() const { return s * s; }
};

// Variadic fold over any shapes.
template <typename... S>
std::uint64_t total_area(const S &...shapes) { return (shapes.area() + ... + 0); }

// A constexpr table computed at compile time.
template <std::size_t N>
constexpr std::array<std::uint32_t, N> squares() {
    std::array<std::uint32_t, N> a{};
    for (std::size_t i = 0; i < N; i++) a[i] = static_cast<std::uint32_t>(i * i);
    return a;
}
constexpr auto kSquares = squares<16>();
static_assert(kSquares[15] == 225, "constexpr evaluation");

// Runtime polymorphism with unique_ptr.
struct Animal {
    virtual ~Animal() = default;
    virtual std::string speak() const = 0;
};
struct Dog : Animal { std::string speak() const override { return "woof"; } };
struct Cat : Animal { std::string speak() const override { return "meow"; } };

template <typename T>
void commit_le(T v) {
    unsigned char b[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); i++) b[i] = static_cast<unsigned char>(v >> (8 * i));
    zkvm_commit(b, sizeof(T));
}

// A function-local static (thread-safe static initialisation guard).
const std::string &greeting() {
    static const std::string g = std::string("hello") + ", " + "zkvm";
    return g;
}

}  // namespace

int main() {
    const std::uint32_t n = zkvm_read_u32();

    std::vector<std::uint32_t> v;
    for (std::uint32_t i = 0; i < n; i++) v.push_back((i * 2654435761u) % 1000u);
    std::sort(v.begin(), v.end(), std::greater<>());
    std::uint32_t checksum = 0;
    for (auto x : v) checksum = checksum * 31u + x;

    std::vector<std::string> words;
    for (std::uint32_t i = 0; i < n; i++) words.push_back("w" + std::to_string((i * 7u) % 11u));
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    std::string joined;
    for (const auto &w : words) joined += (joined.empty() ? "" : ",") + w;

    std::map<std::string, int> counts;
    for (std::uint32_t i = 0; i < n; i++) counts["k" + std::to_string(i % 5u)] += static_cast<int>(i);

    std::vector<std::unique_ptr<Animal>> zoo;
    zoo.push_back(std::make_unique<Dog>());
    zoo.push_back(std::make_unique<Cat>());
    std::string sounds;
    for (const auto &a : zoo) sounds += a->speak();

    const std::uint64_t area = total_area(Rect(3, n), Square(n + 1), Rect(2, 2));
    const std::uint64_t fold = std::accumulate(kSquares.begin(), kSquares.end(), area);

    std::printf("%s: n=%u checksum=%u words=%s sounds=%s fold=%llu map=%zu\n", greeting().c_str(), n,
                checksum, joined.c_str(), sounds.c_str(), static_cast<unsigned long long>(fold),
                counts.size());

    commit_le<std::uint32_t>(n);
    commit_le<std::uint32_t>(checksum);
    commit_le<std::uint32_t>(static_cast<std::uint32_t>(joined.size()));
    zkvm_commit(joined.data(), joined.size());
    commit_le<std::uint64_t>(fold);
    commit_le<std::uint32_t>(static_cast<std::uint32_t>(counts.size()));
    return 0;
}
