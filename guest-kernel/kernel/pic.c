/* pic.c - the two 8259A interrupt controllers of the PC (master at 0x20, slave at 0xA0).
 *
 * At power-on the master delivers IRQ 0-7 on vectors 8-15, which in protected mode are CPU
 * exceptions (IRQ 0, the timer, would look like a double fault).  So the first job is to
 * re-initialise both chips with new vector bases: IRQ 0-7 -> 32-39, IRQ 8-15 -> 40-47.
 * Then every line is masked; timer_start unmasks IRQ 0 only while a workload wants ticks.
 */
#include "layout.h"
#include "pic.h"
#include "x86.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1

#define ICW1_INIT 0x10 /* start initialisation */
#define ICW1_ICW4 0x01 /* an ICW4 will follow */
#define ICW4_8086 0x01 /* 8086 mode (not 8080) */
#define OCW2_EOI 0x20  /* non-specific end of interrupt */
#define OCW3_READ_ISR 0x0B
#define CASCADE_IRQ 2  /* the slave is wired to the master's IRQ 2 */

/* The interrupt mask registers as we last wrote them (bit set = line masked). */
static u16 irq_mask = 0xFFFF;

static void write_masks(void) {
    outb(PIC1_DATA, (u8)irq_mask);
    outb(PIC2_DATA, (u8)(irq_mask >> 8));
}

void pic_init(void) {
    /* ICW1: edge triggered, cascaded, ICW4 needed.  ICW2: vector base.  ICW3: wiring (master:
     * bit mask of the line with a slave; slave: its cascade identity).  ICW4: 8086 mode.
     * Old boards needed short delays between these writes; QEMU and kdbt do not. */
    outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
    outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
    outb(PIC1_DATA, IRQ_BASE);
    outb(PIC2_DATA, IRQ_BASE + 8);
    outb(PIC1_DATA, 1 << CASCADE_IRQ);
    outb(PIC2_DATA, CASCADE_IRQ);
    outb(PIC1_DATA, ICW4_8086);
    outb(PIC2_DATA, ICW4_8086);

    irq_mask = 0xFFFF; /* everything off until a workload asks */
    write_masks();
}

void pic_unmask(u32 irq) {
    irq_mask &= (u16)~(1u << irq);
    if (irq >= 8)
        irq_mask &= (u16)~(1u << CASCADE_IRQ); /* slave lines also need the cascade line */
    write_masks();
}

void pic_mask(u32 irq) {
    irq_mask |= (u16)(1u << irq);
    write_masks();
}

void pic_eoi(u32 irq) {
    if (irq >= 8)
        outb(PIC2_CMD, OCW2_EOI);
    outb(PIC1_CMD, OCW2_EOI); /* the master always: the slave's interrupt came through IRQ 2 */
}

/* A spurious IRQ 7/15 is reported when a line drops before the CPU acknowledges it.  The
 * in-service register tells: if the bit is clear, nothing is in service and there must be no
 * EOI to the chip that raised it (though the master did service the cascade for a slave one). */
int pic_is_spurious(u32 irq) {
    if (irq != 7 && irq != 15)
        return 0;
    u16 cmd = irq == 7 ? PIC1_CMD : PIC2_CMD;
    outb(cmd, OCW3_READ_ISR);
    if (inb(cmd) & 0x80)
        return 0;
    if (irq == 15)
        outb(PIC1_CMD, OCW2_EOI);
    return 1;
}
