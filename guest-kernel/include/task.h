/* task.h - ring-3 tasks and the round-robin scheduler. */
#ifndef KDBT_TASK_H
#define KDBT_TASK_H

#include "paging.h"
#include "types.h"

enum task_state { TASK_RUNNABLE = 1, TASK_EXITED = 2 };

struct task {
    u32 saved_esp;            /* kernel ESP while switched out (see switch.S) */
    u32 kernel_stack;         /* the frame holding this task's kernel stack */
    struct address_space as;  /* its own page directory */
    u32 id;
    enum task_state state;
    u32 exit_value;           /* what the task passed to SYS_EXIT ... */
    u32 exit_failures;        /* ... and how many of its own self-checks failed */
};

/* The entry point of a ring-3 program: `program(arg0, arg1)`, ending with SYS_EXIT. */
typedef void user_program(u32 arg0, u32 arg1);

extern struct task *current_task;
/* Set by the timer when tasks may be preempted; checked on every return to ring 3. */
extern volatile u32 need_resched;
extern u32 preemption_enabled;

void task_create(struct task *t, u32 id, user_program *program, u32 arg0, u32 arg1);
void task_destroy(struct task *t);
/* Run the tasks until all have exited; returns the TSC cycles that took. */
u64 tasks_run(struct task **tasks, u32 count);
void schedule(void);
noreturn void task_exit(u32 value, u32 failures);

/* switch.S: save callee-saved registers and ESP into *save_esp, continue on new_esp. */
void context_switch(u32 *save_esp, u32 new_esp);

#endif
