/* ctxswitch.c - workload "ctxswitch": two ring-3 tasks, two address spaces, CR3 switches.
 *
 * Both tasks run user/ctxswitch.c and yield every iteration; the timer (at hz) also preempts
 * them on its own schedule.  Each task's result depends only on its id and the iteration count,
 * so the check is the same whatever the timer does.
 */
#include "cmdline.h"
#include "pit.h"
#include "task.h"
#include "user-programs.h"
#include "workload.h"

static u32 rotate_left(u32 x, u32 n) { return (x << n) | (x >> (32 - n)); }

void workload_ctxswitch(u32 iters, struct workload_result *r) {
    struct task a, b;
    struct task *tasks[2] = {&a, &b};
    task_create(&a, 1, user_ctxswitch, iters, 1);
    task_create(&b, 2, user_ctxswitch, iters, 2);

    preemption_enabled = 1;
    timer_start(boot_options.hz);
    r->cycles = tasks_run(tasks, 2);
    timer_stop();
    preemption_enabled = 0;

    workload_fail(r, a.exit_failures + b.exit_failures,
                  "a task saw the other task's data at its own USER_DATA");
    r->check = a.exit_value ^ rotate_left(b.exit_value, 16);
    task_destroy(&a);
    task_destroy(&b);
}
