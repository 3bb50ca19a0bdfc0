// Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
// sorted array modulo 1e9+7.
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    int *a = malloc((n + 1) * sizeof *a);
    long long x = 12345;
    for (int i = 0; i < n; i++) {
        x = x * 48271 % 2147483647;
        a[i] = (int)x;
    }
    qsort(a, n, sizeof *a, compare);
    long long hash = 0;
    for (int i = 0; i < n; i++) hash = (hash * 31 + a[i]) % 1000000007;
    printf("%lld\n", hash);
    free(a);
    return 0;
}
