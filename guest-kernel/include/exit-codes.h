/* exit-codes.h - what the kernel writes to QEMU's isa-debug-exit port when it stops.
 *
 * QEMU (and kdbt) exit with status (value << 1) | 1, so 0 here becomes host status 1.
 * docs/guest-kernel.md lists the same table.
 */
#ifndef KDBT_EXIT_CODES_H
#define KDBT_EXIT_CODES_H

#define EXIT_OK 0           /* every selected workload ran and passed its self-checks */
#define EXIT_PANIC 1        /* unexpected exception or internal kernel error */
#define EXIT_CHECK_FAILED 2 /* a workload's self-check failed (a FAIL line says which) */
#define EXIT_BAD_CMDLINE 3  /* unknown key or workload, malformed value */
#define EXIT_BOOT_ERROR 4   /* not booted by a multiboot loader, or too little memory */

#define DEBUG_EXIT_PORT 0xF4

#endif
