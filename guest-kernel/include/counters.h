/* counters.h - event counters the handlers increment and the workloads check.
 *
 * A workload zeroes them before it starts and compares them with what it expects afterwards
 * (e.g. "one demand fault per iteration").  They never go into a RESULT check value when they
 * depend on timing; the timer tick count lives in pit.c for that reason.
 */
#ifndef KDBT_COUNTERS_H
#define KDBT_COUNTERS_H

#include "types.h"

struct event_counters {
    u32 demand_faults;    /* user page faults resolved by mapping a fresh page */
    u32 fixups;           /* kernel page faults resolved through an exception table */
    u32 divide_skips;     /* ring-3 #DE resolved by skipping the instruction */
    u32 pages_unmapped;   /* SYS_UNMAP calls that removed a mapping */
};

extern struct event_counters counters;

static inline void counters_reset(void) {
    counters.demand_faults = 0;
    counters.fixups = 0;
    counters.divide_skips = 0;
    counters.pages_unmapped = 0;
}

#endif
