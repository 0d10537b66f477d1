/* workload.h - the table of workloads and what each one reports. */
#ifndef KDBT_WORKLOAD_H
#define KDBT_WORKLOAD_H

#include "task.h"
#include "types.h"

struct workload_result {
    u64 cycles;          /* TSC delta over the measured part only */
    u32 check;           /* depends only on the functional outcome, never on timing */
    u32 failures;        /* how many self-checks failed; nonzero ends the run with EXIT_CHECK_FAILED */
    const char *failure; /* what the first failed self-check was */
};

typedef void workload_fn(u32 iters, struct workload_result *r);

struct workload {
    const char *name;
    workload_fn *run;
    u32 default_iters;
};

extern const struct workload workloads[];
extern const u32 workload_count;

const struct workload *workload_find(const char *name, u32 name_len);
void workloads_run(const struct workload *only, u32 iters);

/* Record `count` failed self-checks (the first description recorded is the one reported). */
void workload_fail(struct workload_result *r, u32 count, const char *what);
/* Fail unless `actual == expected`. */
void workload_expect(struct workload_result *r, u32 actual, u32 expected, const char *what);

/* Run one ring-3 program to completion in a fresh task; measures its cycles into r->cycles,
 * adds its reported failures to r, and returns the value it passed to SYS_EXIT. */
u32 run_user_program(user_program *program, u32 arg0, u32 arg1, struct workload_result *r);

/* The workload entry points, exported so tools can find them in the ELF symbol table. */
workload_fn workload_compute, workload_syscall, workload_copy, workload_pagefault,
    workload_divzero, workload_fixup, workload_timer, workload_ctxswitch, workload_callret,
    workload_ptewrite, workload_io, workload_smc;

#endif
