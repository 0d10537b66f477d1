/* entry.S - the first and last instructions of every interrupt, exception and system call.
 *
 * The IDT (idt.c) points each vector at a tiny stub here.  A stub makes every frame look the same
 * (pushes a dummy error code when the CPU did not push one, then the vector number) and jumps to
 * trap_common, which saves the rest of the registers as a struct trap_frame (trap.h) and calls
 * trap_dispatch(frame) in C.  The way back, trap_return, pops it all and executes IRET.
 *
 * Stack at the call to trap_dispatch (higher addresses first):
 *
 *     [SS, ESP]        pushed by the CPU only when entering from ring 3
 *     EFLAGS, CS, EIP  pushed by the CPU
 *     error code       pushed by the CPU (vectors 8, 10-14, 17, 21) or 0 by the stub
 *     vector           pushed by the stub
 *     EAX ... EDI      PUSHA
 *     DS, ES, FS, GS   trap_common      <- ESP; this address is the trap_frame pointer
 */
#include "layout.h"

/* A stub for a vector where the CPU pushes no error code. */
.macro STUB_NO_ERROR vector
    .globl isr_stub_\vector
    .type isr_stub_\vector, @function
isr_stub_\vector:
    pushl $0
    pushl $\vector
    jmp trap_common
    .size isr_stub_\vector, . - isr_stub_\vector
.endm

/* A stub for a vector where the CPU already pushed an error code (Intel SDM Vol. 3A Table 6-1,
 * the same facts as idt/vectors.json's "errorCode"). */
.macro STUB_ERROR vector
    .globl isr_stub_\vector
    .type isr_stub_\vector, @function
isr_stub_\vector:
    pushl $\vector
    jmp trap_common
    .size isr_stub_\vector, . - isr_stub_\vector
.endm

    .text

    /* Exceptions 0-31. */
    STUB_NO_ERROR 0   /* #DE divide error */
    STUB_NO_ERROR 1   /* #DB debug */
    STUB_NO_ERROR 2   /* NMI */
    STUB_NO_ERROR 3   /* #BP breakpoint */
    STUB_NO_ERROR 4   /* #OF overflow */
    STUB_NO_ERROR 5   /* #BR bound range */
    STUB_NO_ERROR 6   /* #UD invalid opcode */
    STUB_NO_ERROR 7   /* #NM device not available */
    STUB_ERROR    8   /* #DF double fault (error code always 0) */
    STUB_NO_ERROR 9   /* coprocessor segment overrun (386 only) */
    STUB_ERROR    10  /* #TS invalid TSS */
    STUB_ERROR    11  /* #NP segment not present */
    STUB_ERROR    12  /* #SS stack fault */
    STUB_ERROR    13  /* #GP general protection */
    STUB_ERROR    14  /* #PF page fault */
    STUB_NO_ERROR 15  /* reserved */
    STUB_NO_ERROR 16  /* #MF x87 error */
    STUB_ERROR    17  /* #AC alignment check */
    STUB_NO_ERROR 18  /* #MC machine check */
    STUB_NO_ERROR 19  /* #XM SIMD error */
    STUB_NO_ERROR 20  /* #VE virtualization */
    STUB_ERROR    21  /* #CP control protection */
    STUB_NO_ERROR 22
    STUB_NO_ERROR 23
    STUB_NO_ERROR 24
    STUB_NO_ERROR 25
    STUB_NO_ERROR 26
    STUB_NO_ERROR 27
    STUB_NO_ERROR 28
    STUB_NO_ERROR 29
    STUB_NO_ERROR 30
    STUB_NO_ERROR 31

    /* Hardware interrupts: IRQ 0-15, remapped by pic.c to vectors 32-47. */
    STUB_NO_ERROR 32
    STUB_NO_ERROR 33
    STUB_NO_ERROR 34
    STUB_NO_ERROR 35
    STUB_NO_ERROR 36
    STUB_NO_ERROR 37
    STUB_NO_ERROR 38
    STUB_NO_ERROR 39
    STUB_NO_ERROR 40
    STUB_NO_ERROR 41
    STUB_NO_ERROR 42
    STUB_NO_ERROR 43
    STUB_NO_ERROR 44
    STUB_NO_ERROR 45
    STUB_NO_ERROR 46
    STUB_NO_ERROR 47

    /* System calls: int $0x80 from ring 3. */
    STUB_NO_ERROR 128

    .globl trap_common
    .type trap_common, @function
trap_common:
    pushal
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    /* The interrupted code may have had ring-3 data segments loaded; the kernel uses its own.
     * (FS and GS are saved and restored but the kernel never uses them.) */
    movl $KERNEL_DS, %eax
    movw %ax, %ds
    movw %ax, %es
    cld                 /* ring 3 may have left DF=1; C code requires DF=0 */
    pushl %esp          /* argument: struct trap_frame * */
    call trap_dispatch
    addl $4, %esp
    /* fall through */

    /* The only way out of the kernel to an interrupted context, and also how a new task first
     * enters ring 3: task_create builds a trap_frame on the task's kernel stack whose
     * context-switch return address is trap_return. */
    .globl trap_return
trap_return:
    popl %gs
    popl %fs
    popl %es
    popl %ds
    popal
    addl $8, %esp       /* drop the vector and the error code */
    iret                /* pops EIP, CS, EFLAGS (and ESP, SS when returning to ring 3) */
    .size trap_common, . - trap_common

/* Stub addresses for idt.c, as data so that they sit in .rodata, not in a code page. */
    .section .rodata
    .balign 4
    .globl exception_stubs, irq_stubs, syscall_stub
exception_stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long isr_stub_\v
    .endr
irq_stubs:
    .irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    .long isr_stub_\v
    .endr
syscall_stub:
    .long isr_stub_128
