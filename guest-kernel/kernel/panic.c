/* panic.c - stopping the machine through QEMU's isa-debug-exit device at port 0xF4.
 *
 * QEMU is started with `-device isa-debug-exit,iobase=0xf4,iosize=0x04`; a 32-bit OUT of value v
 * to port 0xF4 makes QEMU exit with status (v << 1) | 1.  kdbt models the same device.
 */
#include <stdarg.h>

#include "exit-codes.h"
#include "panic.h"
#include "print.h"
#include "x86.h"

noreturn void machine_exit(u32 code) {
    cli();
    outl(DEBUG_EXIT_PORT, code);
    /* No debug-exit device (plain QEMU, real hardware): stop here with interrupts off. */
    for (;;)
        __asm__ volatile("hlt");
}

static int dying; /* set once we start stopping: a fault while printing must not recurse */

noreturn void die(u32 code, const char *fmt, ...) {
    if (dying)
        machine_exit(code);
    dying = 1;
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kputs("\n");
    machine_exit(code);
}

noreturn void panic(const char *fmt, ...) {
    if (dying)
        machine_exit(EXIT_PANIC);
    dying = 1;
    kputs("PANIC: ");
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kputs("\n");
    machine_exit(EXIT_PANIC);
}
