/* ctxswitch.c (ring 3) - one of two tasks that take turns on the CPU.
 *
 * Both tasks run this program with different ids, each in its own address space.  Every
 * iteration a task writes a marker to USER_DATA, which is the same virtual address in both
 * tasks but a different physical page, then yields.  When it runs again it checks its marker is
 * still there: if the CR3 switch were missing or the TLB kept the other task's mapping, the
 * other task's marker would show up.  The timer also preempts the tasks at arbitrary points,
 * which changes the interleaving but, by design, not the result.
 * Result: a running hash of the markers, which depends only on the id and the iteration count.
 */
#include "usys.h"

USER_PROGRAM(user_ctxswitch) {
    u32 iters = arg0, id = arg1;
    volatile u32 *marker = (volatile u32 *)USER_DATA;
    u32 hash = id, failures = 0;
    for (u32 i = 0; i < iters; i++) {
        u32 m = (id << 28) ^ i;
        *marker = m;
        hash = hash * 33 + m;
        sys_yield();
        if (*marker != m)
            failures++;
    }
    sys_exit(hash, failures);
}
