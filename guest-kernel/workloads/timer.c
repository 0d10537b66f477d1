/* timer.c - workload "timer": fast timer interrupts landing in kernel code.
 *
 * The PIT fires at hz (default 50 kHz) while the kernel, in ring 0 with interrupts enabled,
 * runs a deeply recursive computation: almost every instruction is in the middle of a call
 * chain, so the interrupts arrive with kernel return addresses all over the stack (under a
 * relaxed DBT those are code-cache addresses).  The result is the computation's value, which
 * cannot depend on where or how often the interrupts land: they save and restore everything.
 */
#include "cmdline.h"
#include "pit.h"
#include "timing.h"
#include "workload.h"
#include "x86.h"

#define TREE_DEPTH 5 /* 2^6 - 1 = 63 calls per iteration */

/* A binary tree of calls; the second call depends on the first's result, so neither can be
 * turned into a loop or run in parallel, and `really_called` keeps every call a real CALL. */
static really_called u32 call_tree(u32 depth, u32 seed) {
    if (depth == 0)
        return (seed * 0x9E3779B1u) ^ (seed >> 15);
    u32 left = call_tree(depth - 1, seed * 3 + 1);
    u32 right = call_tree(depth - 1, seed ^ left);
    return (left << 1) ^ right ^ depth;
}

void workload_timer(u32 iters, struct workload_result *r) {
    u32 acc = 0;
    timer_start(boot_options.hz);

    u64 start = timing_start();
    sti();
    for (u32 i = 0; i < iters; i++)
        acc = (acc * 0x01000193u) ^ call_tree(TREE_DEPTH, i);
    cli();
    r->cycles = timing_stop(start);

    /* With very few iterations the loop can finish before the first tick; wait for one so the
     * workload always exercises the mechanism it is named after.  (Not timed.) */
    while (timer_ticks == 0)
        wait_for_interrupt();
    timer_stop();
    r->check = acc;
}
