/* pic.h - the two cascaded 8259A programmable interrupt controllers. */
#ifndef KDBT_PIC_H
#define KDBT_PIC_H

#include "types.h"

void pic_init(void);
void pic_unmask(u32 irq);
void pic_mask(u32 irq);
/* Tell the PIC(s) the handler for `irq` is done, so it can deliver that line again. */
void pic_eoi(u32 irq);
/* IRQ 7 and 15 can be spurious (the line dropped before the CPU acknowledged it). */
int pic_is_spurious(u32 irq);

#endif
