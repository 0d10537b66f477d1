/* layout.h - the kernel's fixed numbers: segment selectors, the memory map, vector numbers.
 *
 * Included from both C and assembly (so only #defines here).  docs/guest-kernel.md has the
 * same memory map as tables; keep the two in step.
 */
#ifndef KDBT_LAYOUT_H
#define KDBT_LAYOUT_H

/* ---- GDT selectors (gdt.c builds the descriptors; index = selector >> 3) ----------------
 * The low two bits of a selector are the requested privilege level (RPL).  Ring-3 selectors
 * carry RPL 3, because the CPU checks RPL against the descriptor's DPL when they are loaded. */
#define GDT_NULL 0x00
#define KERNEL_CS 0x08 /* index 1: ring-0 code, flat 4 GiB */
#define KERNEL_DS 0x10 /* index 2: ring-0 data, flat 4 GiB (also the kernel stack segment) */
#define USER_CS 0x1B   /* index 3 | RPL 3: ring-3 code, flat 4 GiB */
#define USER_DS 0x23   /* index 4 | RPL 3: ring-3 data and stack, flat 4 GiB */
#define TSS_SEL 0x28   /* index 5: the one 32-bit TSS (holds esp0/ss0 for ring 3 -> 0 entry) */
#define GDT_ENTRIES 6

/* ---- Physical memory and the kernel's view of it ------------------------------------------
 * The kernel identity-maps the first 4 MiB (virtual == physical) except page 0, which stays
 * unmapped so that a NULL pointer dereference faults instead of reading the real-mode IVT. */
#define PAGE_SIZE 4096
#define PAGE_MASK 0xFFFFF000
#define KERNEL_LOAD_ADDR 0x00100000 /* 1 MiB: where the loader puts .text (kernel.ld) */
#define IDENTITY_MAP_END 0x00400000 /* end of the identity map: one page table's worth */
#define MIN_FREE_FRAMES 64          /* boot fails with less free RAM than this after the kernel */

/* A kernel-only window of 4 pages whose page-table entries the ptewrite workload rewrites.
 * It lives in the second 4 MiB (page-directory entry 1), shared by every address space. */
#define KMAP_BASE 0x00400000
#define KMAP_PAGES 4

/* ---- User address space (one per task, page-directory entry 256) ---------------------------
 * Everything a ring-3 task can touch lies in [USER_BASE, USER_END): one page table's worth. */
#define USER_BASE 0x40000000        /* the user image (code, then read-only data), shared */
#define USER_DATA 0x40100000        /* one private read-write data page per task */
#define USER_DEMAND 0x40200000      /* demand-paged area: unmapped until touched */
#define USER_DEMAND_PAGES 8         /* the pagefault workload cycles through these pages */
#define USER_UNMAPPED 0x40300000    /* never mapped: the fixup workload's bad pointer */
#define USER_STACK_TOP 0x40400000   /* the user stack page is just below this */
#define USER_END 0x40400000
#define USER_PDE_INDEX (USER_BASE >> 22)

/* ---- Stacks ----------------------------------------------------------------------------- */
#define BOOT_STACK_SIZE 16384 /* the boot (main kernel) stack, in .bss */
/* Each task's kernel stack is one page from the frame allocator. */

/* ---- Interrupt vectors ---------------------------------------------------------------------
 * 0-31 are the CPU's exceptions (Intel SDM Vol. 3A Table 6-1).  The PICs are remapped to
 * 32-47 so hardware interrupts never collide with exceptions. */
#define EXC_DE 0  /* divide error */
#define EXC_PF 14 /* page fault */
#define IRQ_BASE 32
#define IRQ_COUNT 16
#define IRQ_TIMER 0
#define SYSCALL_VECTOR 0x80

/* ---- EFLAGS bits ---------------------------------------------------------------------- */
#define EFLAGS_RESERVED1 0x00000002 /* bit 1 always reads as 1 */
#define EFLAGS_IF 0x00000200
#define USER_INITIAL_EFLAGS (EFLAGS_RESERVED1 | EFLAGS_IF) /* IOPL 0: ring 3 cannot in/out */

#endif
