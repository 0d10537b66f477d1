/* task.c - ring-3 tasks: creating them, the first switch into ring 3, and round-robin
 * scheduling between them.
 *
 * Each task has its own address space (paging.c) and its own one-page kernel stack: when the
 * task traps into the kernel, the CPU switches to TSS.esp0, which the scheduler sets to the top
 * of the running task's kernel stack.  The kernel's main thread (kmain, on the boot stack) starts
 * the tasks with tasks_run() and gets control back when the last one exits.
 *
 * Task switches happen in schedule(), called from SYS_YIELD, SYS_EXIT and, when the timer asked
 * for it (need_resched), on the way back to ring 3 (trap.c).  A switch is: TSS.esp0 := the next
 * task's kernel stack; CR3 := its page directory; context_switch to its saved kernel ESP.
 */
#include "frames.h"
#include "gdt.h"
#include "layout.h"
#include "panic.h"
#include "task.h"
#include "timing.h"
#include "trap.h"
#include "x86.h"

#define MAX_TASKS 4

struct task *current_task;
volatile u32 need_resched;
u32 preemption_enabled;

static struct task *run_queue[MAX_TASKS];
static u32 run_queue_length;
static u32 main_saved_esp; /* kmain's stack while tasks run */

void task_create(struct task *t, u32 id, user_program *program, u32 arg0, u32 arg1) {
    t->id = id;
    t->state = TASK_RUNNABLE;
    t->exit_value = 0;
    t->exit_failures = 0;
    address_space_create(&t->as);

    /* The user stack: program(arg0, arg1) as if called, with a return address of 0 (a program
     * must end with SYS_EXIT; returning faults at EIP 0 and is reported). */
    u32 stack_frame = user_page_frame(&t->as, USER_STACK_TOP - PAGE_SIZE);
    u32 *user_stack = (u32 *)(stack_frame + PAGE_SIZE); /* written through the identity map */
    *--user_stack = arg1;
    *--user_stack = arg0;
    *--user_stack = 0;
    u32 user_esp = USER_STACK_TOP - 3 * 4;

    /* The kernel stack, top down: a trap_frame as if the task had been interrupted in ring 3
     * just before its first instruction, and under it what context_switch pops.  The first
     * switch to the task thus "returns" to trap_return, which IRETs to `program` in ring 3. */
    t->kernel_stack = frame_alloc();
    struct trap_frame *f = (struct trap_frame *)(t->kernel_stack + PAGE_SIZE) - 1;
    f->gs = f->fs = f->es = f->ds = USER_DS;
    f->edi = f->esi = f->ebp = f->esp_before_pusha = f->ebx = f->edx = f->ecx = f->eax = 0;
    f->vector = 0;
    f->error_code = 0;
    f->eip = (u32)program;
    f->cs = USER_CS;
    f->eflags = USER_INITIAL_EFLAGS; /* IF=1: the timer can preempt the task */
    f->user_esp = user_esp;
    f->user_ss = USER_DS;

    u32 *kstack = (u32 *)f;
    *--kstack = (u32)trap_return; /* context_switch's RET goes here */
    *--kstack = 0;                /* EBP */
    *--kstack = 0;                /* EBX */
    *--kstack = 0;                /* ESI */
    *--kstack = 0;                /* EDI */
    t->saved_esp = (u32)kstack;
}

void task_destroy(struct task *t) {
    address_space_destroy(&t->as);
    frame_free(t->kernel_stack);
    t->kernel_stack = 0;
}

/* Round robin: the first runnable task after `prev` in the run queue (possibly prev itself),
 * or NULL when every task has exited. */
static struct task *pick_next(struct task *prev) {
    u32 start = 0;
    for (u32 i = 0; i < run_queue_length; i++)
        if (run_queue[i] == prev)
            start = i + 1;
    for (u32 n = 0; n < run_queue_length; n++) {
        struct task *t = run_queue[(start + n) % run_queue_length];
        if (t->state == TASK_RUNNABLE)
            return t;
    }
    return NULL;
}

/* Make `next` (or the main thread, if NULL) run, saving the current context in *save_esp. */
static void switch_to(struct task *next, u32 *save_esp) {
    u32 next_esp;
    if (next != NULL) {
        tss_set_kernel_stack(next->kernel_stack + PAGE_SIZE);
        address_space_activate(&next->as);
        next_esp = next->saved_esp;
    } else {
        kernel_address_space_activate();
        next_esp = main_saved_esp;
    }
    current_task = next;
    context_switch(save_esp, next_esp);
}

void schedule(void) {
    /* With interrupts off, so a timer tick cannot find the kernel halfway between stacks.  The
     * flags are saved on this task's stack: when the task is resumed, its own IF comes back. */
    u32 flags = irq_save();
    need_resched = 0;
    struct task *prev = current_task;
    struct task *next = pick_next(prev);
    if (next != prev)
        switch_to(next, prev != NULL ? &prev->saved_esp : &main_saved_esp);
    irq_restore(flags);
}

noreturn void task_exit(u32 value, u32 failures) {
    struct task *t = current_task;
    t->exit_value = value;
    t->exit_failures = failures;
    t->state = TASK_EXITED;
    schedule(); /* picks another task, or the main thread: never this one again */
    panic("task %u ran after it exited", t->id);
}

u64 tasks_run(struct task **tasks, u32 count) {
    if (count == 0 || count > MAX_TASKS)
        panic("tasks_run: %u tasks", count);
    for (u32 i = 0; i < count; i++)
        run_queue[i] = tasks[i];
    run_queue_length = count;
    need_resched = 0;

    u32 flags = irq_save();
    u64 start = timing_start();
    switch_to(tasks[0], &main_saved_esp); /* returns when every task has exited */
    u64 cycles = timing_stop(start);
    irq_restore(flags);

    run_queue_length = 0;
    return cycles;
}
