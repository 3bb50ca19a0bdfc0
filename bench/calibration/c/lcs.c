// Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
// LCG (seed 12345): the first N draws, then the next N. Prints its length.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    char *s = malloc(n + 1), *t = malloc(n + 1);
    int *prev = calloc(n + 1, sizeof *prev), *cur = calloc(n + 1, sizeof *cur);
    long long x = 12345;
    for (int i = 0; i < n; i++) {
        x = x * 48271 % 2147483647;
        s[i] = (char)(x % 4);
    }
    for (int i = 0; i < n; i++) {
        x = x * 48271 % 2147483647;
        t[i] = (char)(x % 4);
    }
    for (int i = 1; i <= n; i++) {
        for (int j = 1; j <= n; j++) {
            if (s[i - 1] == t[j - 1])
                cur[j] = prev[j - 1] + 1;
            else
                cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
        }
        int *swap = prev;
        prev = cur;
        cur = swap;
    }
    printf("%d\n", prev[n]);
    return 0;
}
