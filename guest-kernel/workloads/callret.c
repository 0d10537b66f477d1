/* callret.c - workload "callret": a kernel loop of calls and returns.
 *
 * The cheapest interesting thing kernel code does; under DBT every RET is an indirect branch
 * that must be looked up.  `really_called` (noipa) stops gcc from inlining or specialising the
 * callee, and its result feeds the next call so the loop cannot be shortened.
 */
#include "timing.h"
#include "workload.h"

static really_called u32 callret_step(u32 x, u32 i) { return ((x << 5) + (x >> 3) + i) ^ 0x9E3779B9u; }

void workload_callret(u32 iters, struct workload_result *r) {
    u32 x = 1;
    u64 start = timing_start();
    for (u32 i = 0; i < iters; i++)
        x = callret_step(x, i);
    r->cycles = timing_stop(start);
    r->check = x;
}
