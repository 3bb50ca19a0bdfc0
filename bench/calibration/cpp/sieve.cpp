// Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
#include <iostream>
#include <vector>

int main() {
    int n;
    std::cin >> n;
    std::vector<char> composite(n + 1);
    for (int i = 2; (long long)i * i <= n; i++)
        if (!composite[i])
            for (int j = i * i; j <= n; j += i) composite[j] = 1;
    long long count = 0, sum = 0;
    for (int i = 2; i <= n; i++)
        if (!composite[i]) {
            count++;
            sum += i;
        }
    std::cout << count << ' ' << sum << '\n';
}
