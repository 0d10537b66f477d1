/* divzero.c (ring 3) - divide by zero, over and over.
 *
 * DIVL by zero raises #DE before it changes anything: EDX:EAX still hold the dividend when the
 * handler runs.  The kernel skips the instruction (advancing EIP by its length, 2 bytes here)
 * and returns, so execution continues after the DIV with EAX and EDX unchanged, which we check.
 * Result: the sum over iterations of EAX + EDX after the skipped division.
 */
#include "usys.h"

USER_PROGRAM(user_divzero) {
    u32 iters = arg0;
    (void)arg1;
    u32 sum = 0, failures = 0;
    for (u32 i = 0; i < iters; i++) {
        u32 eax = i, edx = i ^ 0x5555AAAAu, divisor = 0;
        opaque(divisor); /* a register holding 0 */
        __asm__ volatile("divl %2" : "+a"(eax), "+d"(edx) : "r"(divisor));
        if (eax != i || edx != (i ^ 0x5555AAAAu))
            failures++;
        sum += eax + edx;
    }
    sys_exit(sum, failures);
}
