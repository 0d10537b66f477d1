/* frames.c - physical page frames: a bump allocator with a free list.
 *
 * Frames come from the identity-mapped memory after the kernel image, so a frame's physical
 * address is also the address the kernel uses to read and write it.  A freed frame goes on a
 * singly linked list threaded through the frames themselves (the first word of a free frame
 * holds the next one), and is handed out again before any fresh frame.
 */
#include "frames.h"
#include "layout.h"
#include "panic.h"

static u32 next_fresh; /* lowest frame never handed out */
static u32 pool_end;
static u32 free_list;  /* most recently freed frame, or 0 */
static u32 in_use;

void frames_init(u32 first, u32 end) {
    next_fresh = (first + PAGE_SIZE - 1) & PAGE_MASK;
    pool_end = end & PAGE_MASK;
    free_list = 0;
    in_use = 0;
}

u32 frame_alloc(void) {
    u32 frame;
    if (free_list != 0) {
        frame = free_list;
        free_list = *(u32 *)frame;
    } else {
        if (next_fresh >= pool_end)
            panic("out of physical memory (%u frames in use)", in_use);
        frame = next_fresh;
        next_fresh += PAGE_SIZE;
    }
    in_use++;
    return frame;
}

u32 frame_alloc_zeroed(void) {
    u32 frame = frame_alloc();
    void *dst = (void *)frame;
    u32 dwords = PAGE_SIZE / 4;
    /* 1024 STOSL iterations: the dominant cost of a demand-paging fault, as on real kernels. */
    __asm__ volatile("rep stosl" : "+D"(dst), "+c"(dwords) : "a"(0) : "memory");
    return frame;
}

void frame_free(u32 frame) {
    if (frame == 0 || (frame & ~PAGE_MASK) != 0 || frame >= pool_end)
        panic("frame_free(%08x): not a frame from the pool", frame);
    *(u32 *)frame = free_list;
    free_list = frame;
    in_use--;
}

u32 frames_in_use(void) { return in_use; }
