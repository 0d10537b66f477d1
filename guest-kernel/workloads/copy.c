/* copy.c - workload "copy": SYS_COPY, i.e. copy_from_user of a user buffer (user/copy.c).
 * The ring-3 program checks every checksum itself; its failures end the run. */
#include "user-programs.h"
#include "workload.h"

void workload_copy(u32 iters, struct workload_result *r) {
    r->check = run_user_program(user_copy, iters, 0, r);
}
