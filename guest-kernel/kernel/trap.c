/* trap.c - trap_dispatch: the C side of every interrupt, exception and system call.
 *
 * entry.S has saved the interrupted context as a struct trap_frame; here we route on the vector
 * number, and on the way back to ring 3 give the scheduler its chance to switch tasks.  Handlers
 * change the interrupted context by editing the frame (EIP to skip an instruction or jump to a
 * fixup, EAX for a system call's result); trap_return loads whatever the frame holds.
 */
#include "layout.h"
#include "panic.h"
#include "pic.h"
#include "pit.h"
#include "task.h"
#include "trap.h"

void irq_dispatch(struct trap_frame *f) {
    u32 irq = f->vector - IRQ_BASE;
    if (pic_is_spurious(irq))
        return; /* no EOI for an interrupt that never was */
    if (irq != IRQ_TIMER)
        fatal_exception(f, "interrupt from an IRQ line the kernel never unmasked");
    timer_interrupt(f);
    /* EOI before a possible task switch below: otherwise the PIC would keep IRQ 0 "in
     * service" while the next task runs, and deliver no further ticks. */
    pic_eoi(irq);
}

void trap_dispatch(struct trap_frame *f) {
    if (f->vector < 32)
        exception_dispatch(f);
    else if (f->vector < IRQ_BASE + IRQ_COUNT)
        irq_dispatch(f);
    else if (f->vector == SYSCALL_VECTOR)
        syscall_dispatch(f);
    else
        fatal_exception(f, "interrupt on a vector with no handler");

    /* Returning to ring 3 is the one safe place to switch tasks: the kernel holds no locks and
     * no half-finished work.  A switch saves this stack, frame and all; when this task is
     * picked again, schedule() returns here and trap_return restores the frame as usual. */
    if (frame_cpl(f) == 3 && need_resched)
        schedule();
}
