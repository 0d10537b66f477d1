/* divzero.c - workload "divzero": #DE from ring 3, skipped by the handler (user/divzero.c). */
#include "counters.h"
#include "user-programs.h"
#include "workload.h"

void workload_divzero(u32 iters, struct workload_result *r) {
    u32 sum = run_user_program(user_divzero, iters, 0, r);
    workload_expect(r, counters.divide_skips, iters, "not exactly one skipped #DE per iteration");
    r->check = sum + counters.divide_skips;
}
