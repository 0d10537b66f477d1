/* compute.c (ring 3) - the baseline: a loop with no kernel involvement at all.
 *
 * Its cycles per iteration are what plain user code costs, so the other workloads' extra cost
 * is the mechanism they exercise.  Result: sum of i*i for i = 1..iters, mod 2^32.
 */
#include "usys.h"

USER_PROGRAM(user_compute) {
    u32 iters = arg0;
    (void)arg1;
    u32 sum = 0;
    for (u32 i = 1; i <= iters; i++) {
        sum += i * i;
        opaque(sum); /* keep the loop a loop: no closed formula, no unrolling into tricks */
    }
    sys_exit(sum, 0);
}
