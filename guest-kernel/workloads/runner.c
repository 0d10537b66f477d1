/* runner.c - the workload table, and running them: one RESULT line each.
 *
 * To add a workload: write workloads/<name>.c with `void workload_<name>(u32 iters, struct
 * workload_result *r)` (and a ring-3 part in user/ if it needs one), declare it in workload.h,
 * and add a row below.  docs/guest-kernel.md walks through it.
 *
 * After each workload the runner checks it left no frames allocated, so a leak in one workload
 * cannot make a later one fail mysteriously.
 */
#include "cmdline.h"
#include "counters.h"
#include "exit-codes.h"
#include "frames.h"
#include "kstring.h"
#include "panic.h"
#include "print.h"
#include "workload.h"

/* In the order `workload=all` runs them.  The default iteration counts give each workload about
 * 300,000 measured instructions and `workload=all` about 4 million in total (measured under QEMU
 * -icount shift=0, where rdtsc counts instructions): well under a second for a simulator at tens
 * of MIPS.  guest-kernel/reference-checks.ts repeats these numbers for the tests. */
const struct workload workloads[] = {
    {"compute", workload_compute, 50000},
    {"syscall", workload_syscall, 4000},
    {"copy", workload_copy, 500},
    {"pagefault", workload_pagefault, 250},
    {"divzero", workload_divzero, 2000},
    {"fixup", workload_fixup, 1500},
    {"timer", workload_timer, 200},
    {"ctxswitch", workload_ctxswitch, 1000},
    {"callret", workload_callret, 20000},
    {"ptewrite", workload_ptewrite, 12000},
    {"io", workload_io, 50000},
    {"smc", workload_smc, 3000},
};
const u32 workload_count = ARRAY_SIZE(workloads);

const struct workload *workload_find(const char *name, u32 name_len) {
    for (u32 i = 0; i < workload_count; i++)
        if (kstrneq(name, workloads[i].name, name_len))
            return &workloads[i];
    return NULL;
}

void workload_fail(struct workload_result *r, u32 count, const char *what) {
    if (count == 0)
        return;
    if (r->failures == 0)
        r->failure = what;
    r->failures += count;
}

void workload_expect(struct workload_result *r, u32 actual, u32 expected, const char *what) {
    if (actual != expected)
        workload_fail(r, 1, what);
}

u32 run_user_program(user_program *program, u32 arg0, u32 arg1, struct workload_result *r) {
    struct task task;
    struct task *tasks[1] = {&task};
    task_create(&task, 1, program, arg0, arg1);
    r->cycles = tasks_run(tasks, 1);
    workload_fail(r, task.exit_failures, "the ring-3 program's own checks failed");
    u32 value = task.exit_value;
    task_destroy(&task);
    return value;
}

static void run_one(const struct workload *w, u32 iters) {
    struct workload_result r = {.cycles = 0, .check = 0, .failures = 0, .failure = NULL};
    u32 frames_before = frames_in_use();
    counters_reset();

    w->run(iters, &r);

    kprintf("RESULT workload=%s iters=%u cycles=%llu check=%08x\n", w->name, iters, r.cycles, r.check);
    if (r.failures != 0) {
        kprintf("FAIL workload=%s: %s (%u failed checks)\n", w->name, r.failure, r.failures);
        machine_exit(EXIT_CHECK_FAILED);
    }
    if (frames_in_use() != frames_before)
        panic("workload %s leaked page frames (%u in use before, %u after)", w->name, frames_before,
              frames_in_use());
}

void workloads_run(const struct workload *only, u32 iters) {
    kprintf("kdbt guest kernel: workload=%s iters=", only ? only->name : "all");
    if (iters)
        kprintf("%u", iters);
    else
        kputs("default");
    kprintf(" hz=%u\n", boot_options.hz);

    for (u32 i = 0; i < workload_count; i++)
        if (only == NULL || only == &workloads[i])
            run_one(&workloads[i], iters != 0 ? iters : workloads[i].default_iters);
}
