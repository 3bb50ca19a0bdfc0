// Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    char *composite = calloc(n + 1, 1);
    for (int i = 2; (long long)i * i <= n; i++)
        if (!composite[i])
            for (int j = i * i; j <= n; j += i) composite[j] = 1;
    long long count = 0, sum = 0;
    for (int i = 2; i <= n; i++)
        if (!composite[i]) {
            count++;
            sum += i;
        }
    printf("%lld %lld\n", count, sum);
    free(composite);
    return 0;
}
