/* exceptions.c - routing CPU exceptions, and reporting the ones the kernel does not expect.
 *
 * Two exceptions are part of normal operation (see divide-error.c and page-fault.c); any other
 * is a bug, in the kernel or in the machine running it, and stops the run with a full report:
 * vector, error code, EIP, CR2 and every register, then exit code EXIT_PANIC.
 */
#include "exit-codes.h"
#include "layout.h"
#include "panic.h"
#include "print.h"
#include "trap.h"
#include "x86.h"

/* The same names as idt/vectors.json (Intel SDM Vol. 3A Table 6-1). */
static const char *const exception_names[32] = {
    "#DE divide error",    "#DB debug",          "NMI",                "#BP breakpoint",
    "#OF overflow",        "#BR bound range",    "#UD invalid opcode", "#NM device not available",
    "#DF double fault",    "coprocessor overrun", "#TS invalid TSS",   "#NP segment not present",
    "#SS stack fault",     "#GP general protection", "#PF page fault", "reserved 15",
    "#MF x87 error",       "#AC alignment check", "#MC machine check", "#XM SIMD error",
    "#VE virtualization",  "#CP control protection", "reserved 22",    "reserved 23",
    "reserved 24",         "reserved 25",        "reserved 26",        "reserved 27",
    "reserved 28",         "reserved 29",        "reserved 30",        "reserved 31",
};

void exception_dispatch(struct trap_frame *f) {
    switch (f->vector) {
    case EXC_DE:
        divide_error_handler(f);
        break;
    case EXC_PF:
        page_fault_handler(f);
        break;
    default:
        fatal_exception(f, "unexpected exception");
    }
}

noreturn void fatal_exception(struct trap_frame *f, const char *why) {
    /* CR2 first: printing could (if something is badly wrong) fault and change it. */
    u32 cr2 = read_cr2();
    static int reporting;
    if (reporting) /* a fault while reporting a fault: stop before it recurses */
        machine_exit(EXIT_PANIC);
    reporting = 1;
    const char *name = f->vector < 32 ? exception_names[f->vector] : "interrupt";
    kprintf("PANIC: %s: vector=%u (%s) error=%08x eip=%08x cr2=%08x\n", why, f->vector, name,
            f->error_code, f->eip, cr2);
    kprintf("  cs=%04x eflags=%08x cpl=%u cr3=%08x\n", f->cs, f->eflags, frame_cpl(f), read_cr3());
    kprintf("  eax=%08x ebx=%08x ecx=%08x edx=%08x\n", f->eax, f->ebx, f->ecx, f->edx);
    kprintf("  esi=%08x edi=%08x ebp=%08x esp=%08x\n", f->esi, f->edi, f->ebp,
            frame_cpl(f) == 3 ? f->user_esp : (u32)&f->user_esp);
    panic("unhandled %s", name);
}
