/* pagefault.c - workload "pagefault": demand paging from ring 3 (user/pagefault.c). */
#include "counters.h"
#include "user-programs.h"
#include "workload.h"

void workload_pagefault(u32 iters, struct workload_result *r) {
    u32 sum = run_user_program(user_pagefault, iters, 0, r);
    workload_expect(r, counters.demand_faults, iters, "not exactly one demand fault per iteration");
    workload_expect(r, counters.pages_unmapped, iters, "not exactly one unmap per iteration");
    r->check = sum + counters.demand_faults;
}
