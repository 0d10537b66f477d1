/* boot.S - the multiboot header and the very first instructions the kernel runs.
 *
 * A multiboot loader (QEMU -kernel, GRUB, kdbt) finds the header below in the first 8 KiB of
 * the file, loads the ELF program headers at their physical addresses (1 MiB and up, see
 * kernel.ld), and jumps to _start in 32-bit protected mode with paging off, interrupts off and
 * flat segments.  The loader's GDT is not ours and may be anywhere, so C code loads a GDT of
 * its own before touching any segment register (gdt.c).
 */
#include "layout.h"
#include "multiboot.h"

/* The header: three 32-bit words whose sum is zero.  Its own section so the linker script can
 * put it at the very start of .text, well inside the first 8 KiB of the file. */
    .section .multiboot, "a"
    .balign 4
multiboot_header:
    .long MULTIBOOT_HEADER_MAGIC
    .long MULTIBOOT_HEADER_FLAGS
    .long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS)

    .section .text.boot, "ax"
    .globl _start
    .type _start, @function
_start:
    /* EAX = boot magic, EBX = multiboot info: keep both out of the registers REP STOSL uses. */
    movl %eax, %ebp
    cli
    cld                          /* C code assumes the direction flag is clear (SysV ABI) */
    movl $boot_stack_top, %esp

    /* Zero .bss.  The ELF loader should already have done it (p_memsz > p_filesz), but the
     * kernel's counters, stacks and page tables must start at zero whatever loaded us. */
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    shrl $2, %ecx                /* kernel.ld keeps .bss a multiple of 4 KiB */
    xorl %eax, %eax
    rep stosl

    pushl $0                     /* EFLAGS = 0x2: known state (IF=0, DF=0, IOPL=0, NT=0) */
    popfl

    pushl %ebx                   /* kmain(magic, multiboot_info) */
    pushl %ebp
    xorl %ebp, %ebp              /* end of the frame-pointer chain, for debuggers */
    call kmain

    /* kmain never returns; if it did, stop here rather than run off into whatever follows. */
1:  cli
    hlt
    jmp 1b
    .size _start, . - _start

    /* The boot stack: kmain and every kernel-mode workload run on it. */
    .section .bss
    .balign 16
    .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    .skip BOOT_STACK_SIZE
boot_stack_top:
