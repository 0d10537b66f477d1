/* io.c - workload "io": IN from port 0x80.
 *
 * Port 0x80 is the POST diagnostic port: writes show on a debug card, reads return the bus's
 * idle value 0xFF on QEMU (and on kdbt, which reads every unclaimed port as 0xFF).  An IN is a
 * privileged, serialising, slow instruction: the simplest device access there is.
 */
#include "timing.h"
#include "workload.h"
#include "x86.h"

#define POST_PORT 0x80

void workload_io(u32 iters, struct workload_result *r) {
    u32 sum = 0;
    u64 start = timing_start();
    for (u32 i = 0; i < iters; i++)
        sum += inb(POST_PORT);
    r->cycles = timing_stop(start);
    r->check = sum;
}
