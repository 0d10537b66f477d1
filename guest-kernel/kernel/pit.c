/* pit.c - the 8254 programmable interval timer, channel 0, which drives IRQ 0.
 *
 * The PIT counts down from a divisor at 1.193182 MHz; in mode 2 (rate generator) it pulses its
 * output each time the count reaches 1 and reloads, so IRQ 0 arrives at 1193182 / divisor Hz.
 * The timer and ctxswitch workloads run it at tens of kHz so that interrupts land all over the
 * code being measured.  Nothing else in the kernel needs time, so it is off otherwise.
 */
#include "layout.h"
#include "pic.h"
#include "pit.h"
#include "task.h"
#include "x86.h"

#define PIT_CHANNEL0 0x40
#define PIT_COMMAND 0x43
/* Command byte: channel 0 (bits 7-6 = 00), access lobyte then hibyte (bits 5-4 = 11),
 * mode 2 (bits 3-1 = 010), binary counting (bit 0 = 0). */
#define PIT_CMD_CH0_LOHI_MODE2 0x34

volatile u32 timer_ticks;

void timer_start(u32 hz) {
    /* Round to the nearest divisor.  cmdline.c limits hz so the divisor is in [6, 11932]. */
    u32 divisor = (PIT_INPUT_HZ + hz / 2) / hz;
    outb(PIT_COMMAND, PIT_CMD_CH0_LOHI_MODE2);
    outb(PIT_CHANNEL0, (u8)divisor);
    outb(PIT_CHANNEL0, (u8)(divisor >> 8));
    timer_ticks = 0;
    pic_unmask(IRQ_TIMER);
}

/* The PIT keeps counting (the simulator supports only the periodic modes 2 and 3), but with IRQ 0
 * masked nothing reaches the CPU.  A tick that arrives meanwhile stays pending in the PIC and is
 * delivered right after the next timer_start: harmless, as no check value depends on ticks. */
void timer_stop(void) { pic_mask(IRQ_TIMER); }

void timer_interrupt(struct trap_frame *f) {
    (void)f;
    timer_ticks++;
    /* Ask for a task switch; trap_dispatch performs it on the way back to ring 3.  Switching
     * here, in the middle of interrupted kernel code, would need a preemptible kernel. */
    if (preemption_enabled)
        need_resched = 1;
}
