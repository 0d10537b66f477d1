/* compute.c - workload "compute": a ring-3 loop, the baseline (see user/compute.c). */
#include "user-programs.h"
#include "workload.h"

/* 1^2 + 2^2 + ... + n^2 = n(n+1)(2n+1)/6, mod 2^32.  The division must happen before the
 * products wrap around, so divide whichever factors are divisible by 2 and 3 first (n is at
 * most 10^9, so 2n+1 still fits in 32 bits). */
static u32 sum_of_squares(u32 n) {
    u32 a = n, b = n + 1, c = 2 * n + 1;
    if (a % 2 == 0)
        a /= 2;
    else
        b /= 2;
    if (a % 3 == 0)
        a /= 3;
    else if (b % 3 == 0)
        b /= 3;
    else
        c /= 3;
    return a * b * c;
}

void workload_compute(u32 iters, struct workload_result *r) {
    u32 sum = run_user_program(user_compute, iters, 0, r);
    workload_expect(r, sum, sum_of_squares(iters), "sum of squares differs from n(n+1)(2n+1)/6");
    r->check = sum;
}
