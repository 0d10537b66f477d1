/* uaccess.S - the kernel's only instructions that read user memory, each with a fixup.
 *
 * EXTABLE(insn, fixup) records "if the instruction at label insn faults, continue at fixup" in
 * the __ex_table section (see extable.c).  The fault is a page fault in ring 0; page-fault.c
 * finds the entry by the faulting EIP and resumes at the fixup with every register as it was at
 * the fault, so the fixup can work out how far the copy got.
 */
#define EXTABLE(insn, fixup) \
    .pushsection __ex_table, "a"; \
    .balign 4; \
    .long insn, fixup; \
    .popsection

    .text

/* u32 raw_copy_from_user(void *dst, u32 src, u32 n)
 * Returns the number of bytes NOT copied: 0 on success.  Copies 4 bytes at a time, then the
 * last 0-3 bytes.  A fault in the middle of a REP MOVS leaves ECX counting what is left, so the
 * fixups can compute the remainder exactly. */
    .globl raw_copy_from_user
    .type raw_copy_from_user, @function
raw_copy_from_user:
    pushl %esi
    pushl %edi
    movl 12(%esp), %edi        /* dst (kernel) */
    movl 16(%esp), %esi        /* src (user) */
    movl 20(%esp), %edx        /* n */
    movl %edx, %ecx
    shrl $2, %ecx              /* whole dwords */
copy_dwords:
    rep movsl
    movl %edx, %ecx
    andl $3, %ecx              /* leftover bytes */
copy_bytes:
    rep movsb
    xorl %eax, %eax            /* everything copied */
copy_done:
    popl %edi
    popl %esi
    ret
copy_dwords_fault:             /* ECX dwords and (n & 3) bytes were not copied */
    andl $3, %edx
    leal (%edx,%ecx,4), %eax
    jmp copy_done
copy_bytes_fault:              /* ECX bytes were not copied */
    movl %ecx, %eax
    jmp copy_done
    .size raw_copy_from_user, . - raw_copy_from_user

    EXTABLE(copy_dwords, copy_dwords_fault)
    EXTABLE(copy_bytes, copy_bytes_fault)

/* i32 raw_get_user_u8(u8 *dst, u32 src)
 * Returns 0, or -EFAULT (-14) if the byte cannot be read. */
    .globl raw_get_user_u8
    .type raw_get_user_u8, @function
raw_get_user_u8:
    movl 8(%esp), %edx         /* src (user) */
get_byte:
    movzbl (%edx), %ecx
    movl 4(%esp), %edx         /* dst (kernel) */
    movb %cl, (%edx)
    xorl %eax, %eax
    ret
get_byte_fault:
    movl $-14, %eax
    ret
    .size raw_get_user_u8, . - raw_get_user_u8

    EXTABLE(get_byte, get_byte_fault)
