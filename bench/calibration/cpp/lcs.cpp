// Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
// LCG (seed 12345): the first N draws, then the next N. Prints its length.
#include <algorithm>
#include <iostream>
#include <vector>

int main() {
    int n;
    std::cin >> n;
    std::vector<char> s(n), t(n);
    long long x = 12345;
    for (auto &c : s) {
        x = x * 48271 % 2147483647;
        c = static_cast<char>(x % 4);
    }
    for (auto &c : t) {
        x = x * 48271 % 2147483647;
        c = static_cast<char>(x % 4);
    }
    std::vector<int> prev(n + 1), cur(n + 1);
    for (int i = 1; i <= n; i++) {
        for (int j = 1; j <= n; j++)
            cur[j] = s[i - 1] == t[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
        std::swap(prev, cur);
    }
    std::cout << prev[n] << '\n';
}
