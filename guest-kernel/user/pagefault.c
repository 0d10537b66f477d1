/* pagefault.c (ring 3) - demand paging: touch a page that is not mapped yet.
 *
 * Each iteration reads the first word of a page in the demand area (cycling through 8 pages).
 * The page is unmapped, so the read faults; the kernel maps a fresh zeroed page with its own
 * address in that word, and the read is restarted and succeeds.  We write a word of our own,
 * then ask the kernel to unmap the page again (SYS_UNMAP clears the PTE and runs INVLPG), which
 * hands back the word we wrote.  The next visit to that page must fault again; if a stale TLB
 * entry survived the INVLPG, it would not, and the kernel's fault count would come out short.
 * Result: the sum over iterations of (first word + returned word).
 */
#include "usys.h"

USER_PROGRAM(user_pagefault) {
    u32 iters = arg0;
    (void)arg1;
    u32 sum = 0, failures = 0;
    for (u32 i = 0; i < iters; i++) {
        u32 page = USER_DEMAND + (i % USER_DEMAND_PAGES) * PAGE_SIZE;
        volatile u32 *p = (volatile u32 *)page;
        u32 first = p[0]; /* page fault here: the kernel maps the page */
        if (first != page)
            failures++;
        p[1] = first ^ i;
        u32 back = sys_unmap(page);
        if (back != (page ^ i))
            failures++;
        sum += first + back;
    }
    sys_exit(sum, failures);
}
