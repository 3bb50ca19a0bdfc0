// Binary search over [1, 1000]: at most 10 guesses.
#include <iostream>
#include <string>

int main() {
    int lo = 1, hi = 1000;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        std::cout << mid << std::endl;  // endl flushes
        std::string reply;
        if (!(std::cin >> reply)) return 0;
        if (reply == "correct") return 0;
        if (reply == "lower")
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return 0;
}
