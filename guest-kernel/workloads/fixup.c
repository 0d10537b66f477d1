/* fixup.c - workload "fixup": kernel page faults recovered through the exception table
 * (user/fixup.c passes bad pointers to SYS_COPY). */
#include "counters.h"
#include "user-programs.h"
#include "workload.h"

void workload_fixup(u32 iters, struct workload_result *r) {
    u32 sum = run_user_program(user_fixup, iters, 0, r);
    workload_expect(r, counters.fixups, iters, "not exactly one exception-table fixup per iteration");
    r->check = sum + counters.fixups;
}
