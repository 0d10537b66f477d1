/* idt.c - the interrupt descriptor table: which code runs for each of the 256 vectors.
 *
 *   0-31   CPU exceptions          interrupt gates, DPL 0
 *   32-47  IRQ 0-15 (8259A PICs)   interrupt gates, DPL 0
 *   0x80   system calls            trap gate, DPL 3
 *   others not present: using one raises #NP (or #GP for INT n from ring 3)
 *
 * Interrupt gates clear IF on entry, so a handler cannot be interrupted before it has saved
 * state (the page-fault handler must read CR2 before another fault could change it).  The
 * system-call gate is a trap gate: IF stays as ring 3 had it (set), so the timer can interrupt
 * a system call in progress, as on Linux.  Its DPL of 3 is what allows `int $0x80` from ring 3;
 * INT n from ring 3 through a DPL-0 gate raises #GP.
 */
#include "idt.h"
#include "layout.h"
#include "panic.h"
#include "trap.h"
#include "x86.h"

#define GATE_PRESENT 0x80
#define GATE_DPL(n) ((n) << 5)
#define GATE_INTERRUPT32 0x0E
#define GATE_TRAP32 0x0F

struct idt_gate idt[256] __attribute__((aligned(8)));
static_assert_size(struct idt_gate, 8);

static void set_gate(u32 vector, u32 handler, u32 dpl, u32 type) {
    idt[vector].offset_low = (u16)handler;
    idt[vector].selector = KERNEL_CS;
    idt[vector].zero = 0;
    idt[vector].type_attr = (u8)(GATE_PRESENT | GATE_DPL(dpl) | type);
    idt[vector].offset_high = (u16)(handler >> 16);
}

void idt_init(void) {
    for (u32 v = 0; v < 32; v++)
        set_gate(v, exception_stubs[v], 0, GATE_INTERRUPT32);
    for (u32 irq = 0; irq < IRQ_COUNT; irq++)
        set_gate(IRQ_BASE + irq, irq_stubs[irq], 0, GATE_INTERRUPT32);
    set_gate(SYSCALL_VECTOR, syscall_stub, 3, GATE_TRAP32);

    struct table_register idtr = {.limit = sizeof(idt) - 1, .base = (u32)idt};
    lidt(&idtr);

    /* Read it back.  Natively this cannot fail; under binary translation the real IDTR points
     * at the translator's shadow IDT, and SIDT must still report ours (transparency). */
    struct table_register check;
    sidt(&check);
    if (check.base != idtr.base || check.limit != idtr.limit)
        panic("SIDT returned base=%08x limit=%x, LIDT loaded base=%08x limit=%x", check.base,
              check.limit, idtr.base, idtr.limit);
}
