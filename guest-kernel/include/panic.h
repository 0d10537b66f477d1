/* panic.h - stopping the machine: QEMU's isa-debug-exit port, panic, failed checks. */
#ifndef KDBT_PANIC_H
#define KDBT_PANIC_H

#include "types.h"

/* Write `code` (exit-codes.h) to the debug-exit port; halts forever if no such device exists. */
noreturn void machine_exit(u32 code);

/* Print "PANIC: <message>" and exit with EXIT_PANIC. */
noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Like panic, for a given exit code and prefix (used for boot errors). */
noreturn void die(u32 code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
