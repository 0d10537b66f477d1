/* extable.h - exception tables: "if this instruction faults, continue at that one". */
#ifndef KDBT_EXTABLE_H
#define KDBT_EXTABLE_H

#include "types.h"

/* One entry: absolute linear addresses (not relative offsets as in newer Linux), so that a tool
 * can write entries with no knowledge of where the table lives. */
struct extable_entry {
    u32 fault_eip; /* address of an instruction that may fault on a user address */
    u32 fixup_eip; /* where to continue if it does */
};
static_assert_size(struct extable_entry, 8);

#define EXTABLE_EXT_CAPACITY 256

/* The built-in table: the __ex_table section, collected by the linker script. */
extern const struct extable_entry __start___ex_table[];
extern const struct extable_entry __stop___ex_table[];

/* The run-time extension table (see docs/guest-kernel.md): written by tools such as a DBT. */
extern struct extable_entry kdbt_extable_ext[EXTABLE_EXT_CAPACITY];
extern volatile u32 kdbt_extable_ext_count;
extern const u32 kdbt_extable_ext_capacity;

/* The fixup address for a faulting EIP, or 0 if neither table has an entry for it. */
u32 extable_search(u32 fault_eip);

#endif
