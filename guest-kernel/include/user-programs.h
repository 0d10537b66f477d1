/* user-programs.h - the ring-3 programs (in user/), as the kernel sees them: entry addresses in
 * the user image at USER_BASE.  The kernel never calls these; it IRETs to them in ring 3. */
#ifndef KDBT_USER_PROGRAMS_H
#define KDBT_USER_PROGRAMS_H

#include "task.h"

user_program user_compute, user_syscall, user_copy, user_pagefault, user_divzero, user_fixup,
    user_ctxswitch;

/* Linker-script symbols bounding the user image. */
extern const u8 __user_image_start[]; /* == USER_BASE (virtual, where tasks see it) */
extern const u8 __user_image_end[];   /* page-aligned end, virtual */
extern const u8 __user_image_lma[];   /* physical address of its first byte in the kernel image */

#endif
