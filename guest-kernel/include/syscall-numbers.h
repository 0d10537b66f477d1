/* syscall-numbers.h - the system call ABI shared by the kernel and the ring-3 programs.
 *
 * Like Linux on i386: `int $0x80` with the call number in EAX and arguments in EBX, ECX, EDX;
 * the result comes back in EAX and every other register is preserved.
 */
#ifndef KDBT_SYSCALL_NUMBERS_H
#define KDBT_SYSCALL_NUMBERS_H

#define SYS_EXIT 0  /* exit(value, failures): end the task; never returns */
#define SYS_NULL 1  /* null(x) -> x + 1: the cheapest possible round trip that still carries data */
#define SYS_COPY 2  /* copy(buf, len) -> checksum of the copied bytes, or -EFAULT / -EINVAL */
#define SYS_YIELD 3 /* yield() -> 0: let another task run */
#define SYS_UNMAP 4 /* unmap(page) -> the word at page+4, after the page is unmapped; -EINVAL */
#define SYSCALL_COUNT 5

/* Error numbers are returned negated, as Linux does. */
#define EFAULT 14
#define EINVAL 22
#define ENOSYS 38

/* SYS_COPY copies at most this many bytes. */
#define COPY_MAX 256

#endif
