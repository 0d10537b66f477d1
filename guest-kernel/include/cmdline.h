/* cmdline.h - the multiboot command line: `workload=<name> iters=<n> hz=<n>`. */
#ifndef KDBT_CMDLINE_H
#define KDBT_CMDLINE_H

#include "types.h"

struct workload;

#define CMDLINE_MAX 256
#define ITERS_MAX 1000000000u

struct boot_options {
    const struct workload *workload; /* NULL means "all", in table order */
    u32 iters;                       /* 0 means each workload's own default */
    u32 hz;                          /* PIT rate for the timer and ctxswitch workloads */
};

extern struct boot_options boot_options;

/* Parse `cmdline` into `out`.  On any error, prints a one-line explanation and exits with
 * EXIT_BAD_CMDLINE, so callers never see a half-parsed result. */
void cmdline_parse(const char *cmdline, struct boot_options *out);

#endif
