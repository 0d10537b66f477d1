/* syscall.c - system calls: `int $0x80` from ring 3 lands here through the DPL-3 trap gate.
 *
 * The ABI is Linux's on i386 (syscall-numbers.h): the number in EAX, arguments in EBX, ECX,
 * EDX.  The handler's return value is stored into the saved EAX of the trap frame, so IRET
 * hands it back to the task with every other register unchanged.
 */
#include "counters.h"
#include "frames.h"
#include "layout.h"
#include "paging.h"
#include "syscall-numbers.h"
#include "task.h"
#include "trap.h"
#include "uaccess.h"

typedef u32 syscall_fn(struct trap_frame *f);

/* SYS_EXIT(value, failures): the task is done; never returns to it. */
static u32 sys_exit(struct trap_frame *f) { task_exit(f->ebx, f->ecx); }

/* SYS_NULL(x) -> x + 1: a round trip that does (almost) nothing, but does carry data both ways,
 * so the syscall workload can check every call really reached the kernel. */
static u32 sys_null(struct trap_frame *f) { return f->ebx + 1; }

/* SYS_COPY(buf, len) -> a checksum of the bytes, computed on the kernel's copy.  Copying into
 * the kernel first is the point: it is what every write() or ioctl() does with its argument. */
static u8 copy_buffer[COPY_MAX];

static u32 sys_copy(struct trap_frame *f) {
    u32 buf = f->ebx, len = f->ecx;
    if (len > COPY_MAX)
        return (u32)-EINVAL;
    if (copy_from_user(copy_buffer, buf, len) != 0)
        return (u32)-EFAULT;
    u32 sum = 0;
    for (u32 i = 0; i < len; i++)
        sum = sum * 31 + copy_buffer[i]; /* position matters: a misplaced byte changes it */
    return sum;
}

/* SYS_YIELD() -> 0: give the CPU to the next runnable task. */
static u32 sys_yield(struct trap_frame *f) {
    (void)f;
    schedule(); /* returns when this task is picked again */
    return 0;
}

/* SYS_UNMAP(page) -> the word at page+4, read just before the page is unmapped.  Only pages of
 * the demand-paged area can be unmapped; the frame goes back to the allocator. */
static u32 sys_unmap(struct trap_frame *f) {
    u32 page = f->ebx;
    u32 demand_end = USER_DEMAND + USER_DEMAND_PAGES * PAGE_SIZE;
    if ((page & ~PAGE_MASK) != 0 || page < USER_DEMAND || page >= demand_end)
        return (u32)-EINVAL;
    u32 *pte = user_pte(&current_task->as, page);
    if (!(*pte & PTE_P))
        return (u32)-EINVAL;
    u32 value = ((u32 *)(*pte & PTE_FRAME))[1]; /* through the kernel's identity map */
    frame_free(user_unmap_page(&current_task->as, page)); /* clears the PTE, then INVLPG */
    counters.pages_unmapped++;
    return value;
}

static syscall_fn *const syscall_table[SYSCALL_COUNT] = {
    [SYS_EXIT] = sys_exit, [SYS_NULL] = sys_null,   [SYS_COPY] = sys_copy,
    [SYS_YIELD] = sys_yield, [SYS_UNMAP] = sys_unmap,
};

void syscall_dispatch(struct trap_frame *f) {
    u32 number = f->eax;
    f->eax = number < SYSCALL_COUNT ? syscall_table[number](f) : (u32)-ENOSYS;
}
