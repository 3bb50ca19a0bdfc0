// Reads 64-bit values but adds them up in a 32-bit int: correct while the
// numbers and the sum fit in 32 bits (group 1), wrong once they do not.
#include <cstdint>
#include <cstdio>

int main() {
    int n;
    if (std::scanf("%d", &n) != 1) return 1;
    std::int32_t total = 0;
    for (int i = 0; i < n; i++) {
        long long a;
        if (std::scanf("%lld", &a) != 1) return 1;
        // Modular (wrapping) arithmetic, as a 32-bit accumulator would do.
        total = static_cast<std::int32_t>(static_cast<std::uint32_t>(total) + static_cast<std::uint32_t>(a));
    }
    std::printf("%d\n", total);
    return 0;
}
