/* copy.c (ring 3) - a system call that copies a user buffer into the kernel.
 *
 * The buffer (in the task's data page) changes a little every iteration and the length cycles
 * through 29..32 bytes, so copy_from_user's dword loop and its 0-3 byte tail are both used.
 * The kernel returns a checksum of its copy; we compare it with our own.  Result: the sum of
 * the returned checksums.
 */
#include "usys.h"

#define BUFFER_BYTES 64

/* The same checksum as the kernel's sys_copy. */
static u32 checksum(const u8 *p, u32 len) {
    u32 sum = 0;
    for (u32 i = 0; i < len; i++)
        sum = sum * 31 + p[i];
    return sum;
}

USER_PROGRAM(user_copy) {
    u32 iters = arg0;
    (void)arg1;
    u8 *buffer = (u8 *)USER_DATA;
    for (u32 j = 0; j < BUFFER_BYTES; j++)
        buffer[j] = (u8)j;

    u32 total = 0, failures = 0;
    for (u32 i = 0; i < iters; i++) {
        buffer[(i * 5) % BUFFER_BYTES] ^= (u8)i;
        u32 len = 29 + (i & 3);
        u32 r = sys_copy((u32)buffer, len);
        if (r != checksum(buffer, len))
            failures++;
        total += r;
    }
    sys_exit(total, failures);
}
