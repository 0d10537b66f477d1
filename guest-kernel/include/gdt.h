/* gdt.h - the global descriptor table and the task-state segment. */
#ifndef KDBT_GDT_H
#define KDBT_GDT_H

#include "types.h"

/* The 32-bit TSS (Intel SDM Vol. 3A Figure 8-2).  With software task switching only esp0/ss0
 * matter: the stack the CPU switches to when an interrupt arrives in ring 3. */
struct tss {
    u32 link;
    u32 esp0, ss0;
    u32 esp1, ss1;
    u32 esp2, ss2;
    u32 cr3, eip, eflags;
    u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
    u32 es, cs, ss, ds, fs, gs;
    u32 ldt;
    u16 trap;
    u16 iomap_base;
};

extern u64 gdt[];
extern struct tss tss;

void gdt_init(void);
/* Called on every switch to a task: where its kernel stack starts. */
void tss_set_kernel_stack(u32 esp0);

#endif
