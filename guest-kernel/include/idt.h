/* idt.h - the interrupt descriptor table. */
#ifndef KDBT_IDT_H
#define KDBT_IDT_H

#include "types.h"

/* One 8-byte gate descriptor (Intel SDM Vol. 3A Figure 6-2). */
struct idt_gate {
    u16 offset_low;  /* handler address, bits 0-15 */
    u16 selector;    /* code segment of the handler (always KERNEL_CS here) */
    u8 zero;
    u8 type_attr;    /* P | DPL | 0 | type (0xE = 32-bit interrupt gate, 0xF = 32-bit trap gate) */
    u16 offset_high; /* handler address, bits 16-31 */
};

extern struct idt_gate idt[256];

void idt_init(void);

#endif
