/* usys.h - what a ring-3 program can use: the system calls, and the user memory layout.
 *
 * Ring-3 code is linked into the user image (kernel.ld), mapped read-only at USER_BASE in every
 * task.  It cannot call kernel functions (their pages are supervisor-only) and must not have
 * writable globals (.data/.bss: the build refuses them), because every task shares the image.
 * Per-task writable memory is the stack and the data page at USER_DATA.
 */
#ifndef KDBT_USYS_H
#define KDBT_USYS_H

#include "layout.h"
#include "syscall-numbers.h"
#include "types.h"

/* `int $0x80` with the number in EAX and arguments in EBX, ECX; the result comes back in EAX.
 * The "memory" clobber makes gcc finish every store first: the kernel may read the memory. */
static inline u32 syscall2(u32 number, u32 a, u32 b) {
    u32 result;
    __asm__ volatile("int $0x80" : "=a"(result) : "a"(number), "b"(a), "c"(b) : "memory");
    return result;
}

static inline noreturn void sys_exit(u32 value, u32 failures) {
    syscall2(SYS_EXIT, value, failures);
    __builtin_unreachable();
}

static inline u32 sys_null(u32 x) { return syscall2(SYS_NULL, x, 0); }
static inline u32 sys_copy(u32 buf, u32 len) { return syscall2(SYS_COPY, buf, len); }
static inline u32 sys_yield(void) { return syscall2(SYS_YIELD, 0, 0); }
static inline u32 sys_unmap(u32 page) { return syscall2(SYS_UNMAP, page, 0); }

/* Every program is entered as program(arg0, arg1) and ends with sys_exit. */
#define USER_PROGRAM(name) noreturn void name(u32 arg0, u32 arg1)

#endif
