// Checks a pair-sum answer: the team's two indices must be distinct, in range, and add up to
// the target; any such pair is accepted. Kattis interface: input answer feedback_dir < output.
#include <stdio.h>
#include <stdlib.h>

static void reject(const char *dir, const char *why) {
    char path[4096];
    snprintf(path, sizeof path, "%s/judgemessage.txt", dir);
    FILE *f = fopen(path, "w");
    if (f) { fputs(why, f); fclose(f); }
    exit(43);
}

int main(int argc, char **argv) {
    if (argc < 4) return 1;
    FILE *in = fopen(argv[1], "r");
    if (!in) return 1;
    long long n, target;
    if (fscanf(in, "%lld %lld", &n, &target) != 2) return 1;
    long long *a = malloc(sizeof *a * (size_t)n);
    for (long long i = 0; i < n; i++) if (fscanf(in, "%lld", &a[i]) != 1) return 1;
    long long i, j;
    if (scanf("%lld %lld", &i, &j) != 2) reject(argv[3], "expected two indices");
    if (i < 1 || i > n || j < 1 || j > n) reject(argv[3], "index out of range");
    if (i == j) reject(argv[3], "the indices must differ");
    if (a[i - 1] + a[j - 1] != target) reject(argv[3], "the numbers do not add up to the target");
    char extra;
    if (scanf(" %c", &extra) == 1) reject(argv[3], "trailing output");
    return 42;
}
