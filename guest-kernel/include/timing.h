/* timing.h - measuring a workload with the time-stamp counter, lmbench style. */
#ifndef KDBT_TIMING_H
#define KDBT_TIMING_H

#include "types.h"
#include "x86.h"

/* A workload reads the TSC just before and just after the part it measures; setup and checking
 * are outside.  RDTSC is not serialising, but an in-order simulator and QEMU's TCG do not
 * reorder, and the measured loops are thousands of instructions long. */
static inline u64 timing_start(void) { return rdtsc(); }
static inline u64 timing_stop(u64 start) { return rdtsc() - start; }

#endif
