#include <cstdio>

int main() {
    long long n, x, s = 0;
    if (scanf("%lld", &n) != 1) return 1;
    for (long long i = 0; i < n; i++) {
        scanf("%lld", &x);
        s += x;
    }
    printf("%lld\n", s);
}
