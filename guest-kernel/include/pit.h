/* pit.h - the 8254 programmable interval timer, channel 0 (IRQ 0), and the tick handler. */
#ifndef KDBT_PIT_H
#define KDBT_PIT_H

#include "types.h"
#include "trap.h"

#define PIT_INPUT_HZ 1193182 /* the PIT's fixed input clock */
#define PIT_MIN_HZ 100
#define PIT_MAX_HZ 200000
#define PIT_DEFAULT_HZ 50000

/* Number of timer interrupts since timer_start. */
extern volatile u32 timer_ticks;

/* Program channel 0 as a rate generator at `hz` and unmask IRQ 0 (IF is left as it is). */
void timer_start(u32 hz);
/* Mask IRQ 0 again: no more timer interrupts until the next timer_start. */
void timer_stop(void);
void timer_interrupt(struct trap_frame *f);

#endif
