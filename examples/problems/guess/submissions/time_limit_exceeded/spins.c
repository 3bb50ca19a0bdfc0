/* Makes one guess, reads the reply, then computes forever: exceeds the CPU
 * time limit while the validator waits for the next guess. */
#include <stdio.h>

int main(void) {
    char reply[32];
    printf("500\n");
    fflush(stdout);
    if (scanf("%31s", reply) != 1) return 0;
    volatile unsigned long long counter = 0;
    for (;;) counter++;
}
