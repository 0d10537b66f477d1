/* uaccess.h - reading ring-3 memory from the kernel safely. */
#ifndef KDBT_UACCESS_H
#define KDBT_UACCESS_H

#include "types.h"

/* Is [addr, addr + size) entirely inside the user area? (It may still be unmapped.) */
int access_ok(u32 addr, u32 size);

/* Copy n bytes from user address `src`; returns the number of bytes NOT copied (0 = success),
 * like Linux.  A fault on an unmapped page is caught through the exception table. */
u32 copy_from_user(void *dst, u32 src, u32 n);

/* Read one byte from user memory: 0 on success, -EFAULT if it is not accessible. */
i32 get_user_u8(u8 *dst, u32 src);

/* uaccess.S: the raw copies, without the access_ok range check. */
u32 raw_copy_from_user(void *dst, u32 src, u32 n);
i32 raw_get_user_u8(u8 *dst, u32 src);

#endif
