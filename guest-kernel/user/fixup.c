/* fixup.c (ring 3) - hand the kernel bad pointers.
 *
 * SYS_COPY with a pointer that passes the kernel's range check (it is in the user area) but is
 * not mapped.  copy_from_user faults in ring 0; the page-fault handler finds the faulting
 * instruction in the exception table and resumes at its fixup, and the call returns -EFAULT.
 * Even iterations use a pointer to a never-mapped page (the very first load faults); odd ones a
 * buffer that starts 8 bytes before the end of the data page (two dwords copy, the third
 * faults).  Result: the sum of the returned values (-14 each, mod 2^32).
 */
#include "usys.h"

USER_PROGRAM(user_fixup) {
    u32 iters = arg0;
    (void)arg1;
    u32 sum = 0, failures = 0;
    for (u32 i = 0; i < iters; i++) {
        u32 buffer = (i & 1) ? USER_DATA + PAGE_SIZE - 8 : USER_UNMAPPED;
        u32 r = sys_copy(buffer, 32);
        if (r != (u32)-EFAULT)
            failures++;
        sum += r;
    }
    sys_exit(sum, failures);
}
