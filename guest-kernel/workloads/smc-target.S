/* smc-target.S - a function the smc workload rewrites while the kernel runs.
 *
 * It sits alone in its own page of .text (kernel.ld places .text.smc last, page-aligned), so
 * that rewriting it invalidates no other code in a simulator or translator that tracks code by
 * page.  Its original body returns its argument; workloads/smc.c overwrites the first bytes with
 * other instructions and restores them afterwards.
 */
#define SMC_TARGET_BYTES 32

    .section .text.smc, "ax"
    .balign 4096
    .globl smc_target
    .type smc_target, @function
smc_target:
    movl 4(%esp), %eax         /* 8B 44 24 04 */
    ret                        /* C3 */
    .fill SMC_TARGET_BYTES - 5, 1, 0xCC   /* room for longer patches; INT3 if ever reached */
    .size smc_target, SMC_TARGET_BYTES
    .balign 4096, 0xCC         /* the rest of the page stays empty (INT3) */
