/* frames.h - the physical page-frame allocator. */
#ifndef KDBT_FRAMES_H
#define KDBT_FRAMES_H

#include "types.h"

void frames_init(u32 first, u32 end);
/* A free 4 KiB frame's physical address (== its kernel virtual address); panics when none. */
u32 frame_alloc(void);
/* Same, with the frame filled with zeros. */
u32 frame_alloc_zeroed(void);
void frame_free(u32 frame);
/* How many frames are allocated now: workloads must leave this as they found it. */
u32 frames_in_use(void);

#endif
