// Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
// sorted array modulo 1e9+7.
#include <algorithm>
#include <iostream>
#include <vector>

int main() {
    int n;
    std::cin >> n;
    std::vector<int> a(n);
    long long x = 12345;
    for (auto &value : a) {
        x = x * 48271 % 2147483647;
        value = static_cast<int>(x);
    }
    std::sort(a.begin(), a.end());
    long long hash = 0;
    for (int value : a) hash = (hash * 31 + value) % 1000000007;
    std::cout << hash << '\n';
}
