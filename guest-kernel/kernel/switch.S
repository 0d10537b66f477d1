/* switch.S - context_switch: the one place where the kernel changes stacks between tasks.
 *
 * void context_switch(u32 *save_esp, u32 new_esp)
 *
 * Saves the callee-saved registers (the C calling convention lets the caller assume EBX, ESI,
 * EDI and EBP survive a call) on the current stack, stores ESP in *save_esp, loads new_esp and
 * pops the registers that the other side saved when it called context_switch.  The final RET
 * then returns into whatever called context_switch on that other stack, normally schedule().
 *
 * A task that has never run has no such caller: task_create builds its stack by hand so that
 * this RET lands on trap_return, which IRETs into ring 3 (see task.c).
 */
    .text
    .globl context_switch
    .type context_switch, @function
context_switch:
    movl 4(%esp), %eax      /* save_esp */
    movl 8(%esp), %edx      /* new_esp */
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, (%eax)
    movl %edx, %esp         /* from here on we are on the other stack */
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret
    .size context_switch, . - context_switch
