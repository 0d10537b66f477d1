/* uaccess.c - the range check in front of the raw user-memory accessors.
 *
 * The exception table only catches faults.  A user pointer into kernel memory would not fault
 * (ring 0 may read it), so a malicious task could make the kernel copy its own secrets; the
 * range check rejects any pointer that is not entirely in the user area before touching it.
 */
#include "layout.h"
#include "syscall-numbers.h"
#include "uaccess.h"

int access_ok(u32 addr, u32 size) {
    /* Written so that addr + size cannot overflow. */
    return addr >= USER_BASE && addr <= USER_END && size <= USER_END - addr;
}

u32 copy_from_user(void *dst, u32 src, u32 n) {
    if (!access_ok(src, n))
        return n;
    return raw_copy_from_user(dst, src, n);
}

i32 get_user_u8(u8 *dst, u32 src) {
    if (!access_ok(src, 1))
        return -EFAULT;
    return raw_get_user_u8(dst, src);
}
