/* syscall.c (ring 3) - null system calls: `int $0x80` straight back out.
 *
 * SYS_NULL returns its argument plus one, so each round trip is checked.  Result: the sum of
 * the returned values, 1 + 2 + ... + iters mod 2^32.
 */
#include "usys.h"

USER_PROGRAM(user_syscall) {
    u32 iters = arg0;
    (void)arg1;
    u32 sum = 0, failures = 0;
    for (u32 i = 0; i < iters; i++) {
        u32 r = sys_null(i);
        if (r != i + 1)
            failures++;
        sum += r;
    }
    sys_exit(sum, failures);
}
