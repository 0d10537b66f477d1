/* ptewrite.c - workload "ptewrite": rewriting kernel page-table entries, then INVLPG.
 *
 * A 4-page kernel window (KMAP_BASE) is pointed, page after page, at one of three frames in
 * turn; each frame carries a tag in its first word.  After each PTE write the window's old
 * translation may still be in the TLB, so INVLPG drops it, and the read through the window must
 * see the new frame's tag.  (Slot i%4 last held frame (i-4)%3, never the same as i%3, so a
 * missing or broken INVLPG shows up as a wrong tag.)  Each visit also adds to a counter in the
 * frame, written through the window.
 */
#include "frames.h"
#include "layout.h"
#include "paging.h"
#include "timing.h"
#include "workload.h"
#include "x86.h"

#define FRAMES 3
#define TAG(k) (0x7A600000u + (k))

static u32 rotate_left(u32 x, u32 n) { return (x << n) | (x >> (32 - n)); }

void workload_ptewrite(u32 iters, struct workload_result *r) {
    u32 frames[FRAMES];
    for (u32 k = 0; k < FRAMES; k++) {
        frames[k] = frame_alloc_zeroed();
        ((u32 *)frames[k])[0] = TAG(k);
    }

    u32 sum = 0, wrong_tags = 0, k = 0;
    u64 start = timing_start();
    for (u32 i = 0; i < iters; i++) {
        u32 slot = i % KMAP_PAGES;
        u32 va = KMAP_BASE + slot * PAGE_SIZE;
        kmap_page_table[slot] = frames[k] | PTE_P | PTE_W;
        invlpg(va);
        volatile u32 *window = (volatile u32 *)va;
        u32 tag = window[0];
        window[1] += i;
        if (tag != TAG(k))
            wrong_tags++;
        sum = sum * 31 + tag;
        k = k + 1 == FRAMES ? 0 : k + 1;
    }
    r->cycles = timing_stop(start);

    for (u32 slot = 0; slot < KMAP_PAGES; slot++) {
        kmap_page_table[slot] = 0;
        invlpg(KMAP_BASE + slot * PAGE_SIZE);
    }
    u32 counts[FRAMES];
    for (u32 f = 0; f < FRAMES; f++) {
        counts[f] = ((u32 *)frames[f])[1]; /* read through the identity map this time */
        frame_free(frames[f]);
    }
    workload_expect(r, wrong_tags, 0, "a read through the window saw a stale mapping");
    r->check = sum ^ counts[0] ^ rotate_left(counts[1], 8) ^ rotate_left(counts[2], 16);
}
