/* paging.h - two-level 4 KiB paging: the kernel mapping and one address space per task. */
#ifndef KDBT_PAGING_H
#define KDBT_PAGING_H

#include "types.h"

/* Page-directory and page-table entry bits (Intel SDM Vol. 3A Table 4-5, 4-6). */
#define PTE_P 0x001 /* present */
#define PTE_W 0x002 /* writable */
#define PTE_U 0x004 /* user: ring 3 may access it */
#define PTE_A 0x020 /* accessed (set by the CPU) */
#define PTE_D 0x040 /* dirty (set by the CPU) */
#define PTE_FRAME 0xFFFFF000

/* The page-fault error code the CPU pushes (Intel SDM Vol. 3A Figure 6-11). */
#define PF_ERR_P 0x1 /* 0: page not present; 1: protection violation */
#define PF_ERR_W 0x2 /* the access was a write */
#define PF_ERR_U 0x4 /* the access came from ring 3 */

extern u32 kernel_page_directory[1024];
extern u32 kernel_page_table[1024];
extern u32 kmap_page_table[1024];

/* A task's address space: its page directory and the page table for the user area. */
struct address_space {
    u32 *page_directory;
    u32 *user_page_table;
};

void paging_init(void);
void address_space_create(struct address_space *as);
void address_space_destroy(struct address_space *as);
void address_space_activate(const struct address_space *as);
void kernel_address_space_activate(void);

/* The page-table entry mapping user address `va` (which must be in [USER_BASE, USER_END)). */
u32 *user_pte(const struct address_space *as, u32 va);
/* Clear the entry for `va`, invalidate its TLB entry, and return the frame it mapped (or 0). */
u32 user_unmap_page(const struct address_space *as, u32 va);

/* Physical address of a user page (for the kernel to fill it before the task runs). */
u32 user_page_frame(const struct address_space *as, u32 va);

#endif
