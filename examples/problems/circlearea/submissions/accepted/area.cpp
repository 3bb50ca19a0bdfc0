#include <cmath>
#include <cstdio>

int main() {
    int t;
    if (std::scanf("%d", &t) != 1) return 1;
    const double pi = std::acos(-1.0);
    for (int i = 0; i < t; i++) {
        double r;
        std::scanf("%lf", &r);
        std::printf("%.10f\n", pi * r * r);
    }
    return 0;
}
