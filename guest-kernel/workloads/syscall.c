/* syscall.c - workload "syscall": null system-call round trips from ring 3 (user/syscall.c). */
#include "user-programs.h"
#include "workload.h"

void workload_syscall(u32 iters, struct workload_result *r) {
    u32 sum = run_user_program(user_syscall, iters, 0, r);
    /* 1 + 2 + ... + n = n(n+1)/2, halving the even factor before multiplying. */
    u32 expected = iters % 2 == 0 ? (iters / 2) * (iters + 1) : iters * ((iters + 1) / 2);
    workload_expect(r, sum, expected, "sum of SYS_NULL results differs from n(n+1)/2");
    r->check = sum;
}
