/* trap.h - the saved register frame every interrupt, exception and system call builds.
 *
 * Read it from the bottom up to follow the order things are pushed: the CPU pushes SS and ESP
 * (only when coming from ring 3), EFLAGS, CS, EIP and for some exceptions an error code; the
 * stub in entry.S pushes a dummy error code (if the CPU did not) and the vector number;
 * trap_common pushes the general registers with PUSHA and then DS, ES, FS, GS.  The handler
 * receives a pointer to the lowest word, so the struct lists fields from low to high address.
 */
#ifndef KDBT_TRAP_H
#define KDBT_TRAP_H

#include "types.h"

struct trap_frame {
    u32 gs, fs, es, ds;                                     /* pushed by trap_common */
    u32 edi, esi, ebp, esp_before_pusha, ebx, edx, ecx, eax; /* PUSHA's order, reversed */
    u32 vector;                                             /* pushed by the stub */
    u32 error_code;                                         /* by the CPU, or 0 by the stub */
    u32 eip, cs, eflags;                                    /* pushed by the CPU */
    u32 user_esp, user_ss; /* pushed by the CPU only on entry from ring 3 */
};
static_assert_size(struct trap_frame, 19 * 4);

/* The privilege level the interrupted code ran at: the low two bits of its CS selector. */
static inline u32 frame_cpl(const struct trap_frame *f) { return f->cs & 3; }

void trap_dispatch(struct trap_frame *f);
void exception_dispatch(struct trap_frame *f);
void irq_dispatch(struct trap_frame *f);
void syscall_dispatch(struct trap_frame *f);

/* Handlers for the exceptions the kernel handles on purpose. */
void divide_error_handler(struct trap_frame *f);
void page_fault_handler(struct trap_frame *f);

/* Print the frame, the vector's name and CR2, then panic. */
noreturn void fatal_exception(struct trap_frame *f, const char *why);

/* entry.S: the common exit path (restores a trap_frame and IRETs). */
extern void trap_return(void);

/* entry.S: the address of each entry stub, for idt.c to install. */
extern const u32 exception_stubs[32];
extern const u32 irq_stubs[16];
extern const u32 syscall_stub;

#endif
