/* paging.c - the page tables: the kernel mapping and one address space per task.
 *
 * x86 two-level paging with 4 KiB pages: CR3 holds the physical address of a page directory of
 * 1024 entries, each pointing at a page table of 1024 entries, each mapping one 4 KiB page.  A
 * linear address splits as  directory index (bits 31-22) | table index (21-12) | offset (11-0).
 *
 * Every address space (the kernel's own, used when no task runs, and one per task) contains:
 *
 *   PDE 0    0x00000000-0x003FFFFF  kernel_page_table: identity map, supervisor, read-write;
 *                                   page 0 left unmapped to catch NULL pointers
 *   PDE 1    0x00400000-0x007FFFFF  kmap_page_table: the ptewrite workload's 4-page window
 *   PDE 256  0x40000000-0x403FFFFF  the task's own user page table (tasks only)
 *
 * PDEs 0 and 1 point at the same two page tables in every directory, so the kernel is mapped
 * identically everywhere, and an interrupt can arrive in any address space.  Because those
 * PTEs have U/S = 0, ring 3 cannot touch kernel memory even though it is mapped.
 */
#include "frames.h"
#include "layout.h"
#include "paging.h"
#include "panic.h"
#include "user-programs.h"
#include "x86.h"

u32 kernel_page_directory[1024] __attribute__((aligned(PAGE_SIZE)));
u32 kernel_page_table[1024] __attribute__((aligned(PAGE_SIZE)));
u32 kmap_page_table[1024] __attribute__((aligned(PAGE_SIZE)));

void paging_init(void) {
    /* Identity map [4 KiB, 4 MiB).  Kernel code pages are writable too: the smc workload patches
     * kernel code, and the simulator must notice (it tracks which pages hold translated code). */
    kernel_page_table[0] = 0;
    for (u32 i = 1; i < 1024; i++)
        kernel_page_table[i] = (i * PAGE_SIZE) | PTE_P | PTE_W;
    /* The PDEs carry U/S = 0 as well; for a page to be user-accessible both levels need U. */
    kernel_page_directory[0] = (u32)kernel_page_table | PTE_P | PTE_W;
    kernel_page_directory[KMAP_BASE >> 22] = (u32)kmap_page_table | PTE_P | PTE_W;

    write_cr3((u32)kernel_page_directory);
    /* PG turns paging on.  WP makes ring 0 honour read-only pages too (as every modern kernel
     * does), so the kernel cannot scribble on a task's read-only code by accident. */
    write_cr0(read_cr0() | CR0_PG | CR0_WP);
}

void kernel_address_space_activate(void) { write_cr3((u32)kernel_page_directory); }

void address_space_activate(const struct address_space *as) { write_cr3((u32)as->page_directory); }

u32 *user_pte(const struct address_space *as, u32 va) {
    if (va < USER_BASE || va >= USER_END)
        panic("user_pte(%08x): not a user address", va);
    return &as->user_page_table[(va >> 12) & 1023];
}

u32 user_page_frame(const struct address_space *as, u32 va) {
    return *user_pte(as, va) & PTE_FRAME;
}

/* Map a fresh zeroed page for ring 3, read-write. */
static void map_private_page(const struct address_space *as, u32 va) {
    *user_pte(as, va) = frame_alloc_zeroed() | PTE_P | PTE_W | PTE_U;
}

void address_space_create(struct address_space *as) {
    as->page_directory = (u32 *)frame_alloc_zeroed();
    as->user_page_table = (u32 *)frame_alloc_zeroed();
    /* Share the kernel's page tables (see the header comment). */
    as->page_directory[0] = kernel_page_directory[0];
    as->page_directory[KMAP_BASE >> 22] = kernel_page_directory[KMAP_BASE >> 22];
    as->page_directory[USER_PDE_INDEX] = (u32)as->user_page_table | PTE_P | PTE_W | PTE_U;

    /* The user image: the code and read-only data of every ring-3 program, linked at USER_BASE
     * but loaded inside the kernel image (kernel.ld).  All tasks share these frames, so they
     * are mapped read-only: with no writable globals in user code, nothing can be shared by
     * accident. */
    u32 image_pages = ((u32)__user_image_end - (u32)__user_image_start) / PAGE_SIZE;
    for (u32 i = 0; i < image_pages; i++) {
        u32 frame = (u32)__user_image_lma + i * PAGE_SIZE;
        *user_pte(as, USER_BASE + i * PAGE_SIZE) = frame | PTE_P | PTE_U; /* no PTE_W */
    }

    map_private_page(as, USER_DATA);
    map_private_page(as, USER_STACK_TOP - PAGE_SIZE);
    /* USER_DEMAND... stays unmapped until touched; USER_UNMAPPED is never mapped. */
}

void address_space_destroy(struct address_space *as) {
    u32 image_end = (u32)__user_image_end;
    for (u32 va = USER_BASE; va < USER_END; va += PAGE_SIZE) {
        u32 pte = *user_pte(as, va);
        if ((pte & PTE_P) && va >= image_end) /* private pages only, never the shared image */
            frame_free(pte & PTE_FRAME);
    }
    frame_free((u32)as->user_page_table);
    frame_free((u32)as->page_directory);
    as->page_directory = NULL;
    as->user_page_table = NULL;
}

u32 user_unmap_page(const struct address_space *as, u32 va) {
    u32 *pte = user_pte(as, va);
    if (!(*pte & PTE_P))
        return 0;
    u32 frame = *pte & PTE_FRAME;
    *pte = 0;
    /* The CPU may still hold the old translation in its TLB; drop it.  (Only this CPU, and only
     * if this address space is live; otherwise the next CR3 load flushes it anyway.) */
    if (read_cr3() == (u32)as->page_directory)
        invlpg(va);
    return frame;
}
