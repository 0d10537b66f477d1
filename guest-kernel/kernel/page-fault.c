/* page-fault.c - #PF: demand paging for ring 3, exception-table fixups for ring 0.
 *
 * The CPU leaves the faulting linear address in CR2 and pushes an error code saying why (not
 * present or protection; read or write; ring 0 or 3).  The saved EIP points at the faulting
 * instruction, which has changed nothing, so after the handler fixes the cause IRET simply
 * runs it again.  Three outcomes:
 *
 *   ring 3, not present, in the demand area  -> map a fresh zeroed page and retry
 *   ring 0, EIP listed in an exception table -> resume at the fixup (copy_from_user failed)
 *   anything else                            -> report and panic
 */
#include "counters.h"
#include "extable.h"
#include "frames.h"
#include "layout.h"
#include "paging.h"
#include "task.h"
#include "trap.h"
#include "x86.h"

struct event_counters counters;

static int in_demand_area(u32 addr) {
    return addr >= USER_DEMAND && addr < USER_DEMAND + USER_DEMAND_PAGES * PAGE_SIZE;
}

/* Give the current task a page at the faulting address.  The new page is zeroed (a task must
 * never see another task's old data) and then the kernel writes the page's own address in its
 * first word, so the pagefault workload can check it got the page it asked for. */
static void map_demand_page(u32 addr) {
    u32 page = addr & PAGE_MASK;
    u32 frame = frame_alloc_zeroed();
    *(u32 *)frame = page; /* frames are identity-mapped, so the kernel writes through `frame` */
    *user_pte(&current_task->as, page) = frame | PTE_P | PTE_W | PTE_U;
    /* No INVLPG needed: the CPU does not cache not-present entries, and a page fault removes
     * any TLB entry for the faulting address anyway (Intel SDM Vol. 3A 4.10.4.1). */
    counters.demand_faults++;
}

void page_fault_handler(struct trap_frame *f) {
    u32 addr = read_cr2(); /* first: nothing may fault before it is read */

    if (frame_cpl(f) == 3) {
        if (!(f->error_code & PF_ERR_P) && in_demand_area(addr) && current_task != NULL) {
            map_demand_page(addr);
            return;
        }
        fatal_exception(f, "page fault in ring 3 outside the demand-paged area");
    }

    /* A fault in kernel mode is a bug unless the faulting instruction is one that touches user
     * memory on purpose and has said, in an exception table, where to go if that fails. */
    u32 fixup = extable_search(f->eip);
    if (fixup != 0) {
        f->eip = fixup;
        counters.fixups++;
        return;
    }
    fatal_exception(f, "page fault in the kernel");
}
