/* Input validator for Sum of Numbers (Kattis interface): the input file is on
 * stdin; exit 42 if valid, 43 if not.
 *
 *   line 1: N, 1 <= N <= max_n
 *   line 2: N integers a_i, |a_i| <= max_abs, separated by single spaces
 *
 * Arguments (input_validator_args from test_group.yaml) tighten the limits:
 *   --max-n K      (default 200000)
 *   --max-abs K    (default 10000000000000)
 * Integers have no '+' sign, no leading zeros and no "-0". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reject(const char *why) {
    fprintf(stderr, "invalid input: %s\n", why);
    exit(43);
}

static int next_char(void) { return getchar(); }

/* Reads one integer in the strict format and returns the character after it. */
static int read_int(long long *value, long long max_abs) {
    int c = next_char();
    int negative = 0;
    if (c == '-') {
        negative = 1;
        c = next_char();
    }
    if (c < '0' || c > '9') reject("expected an integer");
    if (c == '0') {
        c = next_char();
        if (c >= '0' && c <= '9') reject("leading zero");
        if (negative) reject("-0 is not allowed");
        *value = 0;
        return c;
    }
    unsigned long long v = 0;
    int digits = 0;
    while (c >= '0' && c <= '9') {
        if (++digits > 18) reject("integer too large");
        v = v * 10 + (unsigned long long)(c - '0');
        c = next_char();
    }
    if (v > (unsigned long long)max_abs) reject("integer out of range");
    *value = negative ? -(long long)v : (long long)v;
    return c;
}

static long long parse_arg(const char *s) {
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0) {
        fprintf(stderr, "bad argument '%s'\n", s);
        exit(2); /* not 42: a validator that cannot run must not accept */
    }
    return v;
}

int main(int argc, char **argv) {
    long long max_n = 200000, max_abs = 10000000000000LL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--max-n") == 0) {
            max_n = parse_arg(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--max-abs") == 0) {
            max_abs = parse_arg(argv[++i]);
        } else {
            fprintf(stderr, "unknown argument '%s'\n", argv[i]);
            exit(2);
        }
    }

    long long n;
    int c = read_int(&n, max_n);
    if (n < 1) reject("N must be at least 1");
    if (c != '\n') reject("expected newline after N");
    for (long long i = 0; i < n; i++) {
        long long a;
        c = read_int(&a, max_abs);
        if (i + 1 < n && c != ' ') reject("expected a single space between numbers");
    }
    if (c != '\n') reject("expected newline after the last number");
    if (getchar() != EOF) reject("trailing data after the last line");
    return 42;
}
