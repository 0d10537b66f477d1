/* extable.c - exception tables: how the kernel survives a fault it expected might happen.
 *
 * copy_from_user (uaccess.S) reads user memory that may be unmapped.  Checking every page first
 * would be slow and racy, so instead each instruction that may fault is listed, together with a
 * "fixup" address, in the section __ex_table (the EXTABLE macro puts the entry there; the linker
 * collects all entries between __start___ex_table and __stop___ex_table).  On a kernel page
 * fault, page-fault.c calls extable_search(faulting EIP); if an entry matches, the handler
 * rewrites the frame's EIP to the fixup and IRETs there, and the fixup returns an error.
 *
 * A second, run-time table follows the built-in one, as Linux loadable modules have their own
 * tables: kdbt_extable_ext[] with kdbt_extable_ext_count valid entries.  The kernel only ever
 * reads it.  A binary translator that runs copy_from_user from a copy of the code (its code
 * cache) writes entries there mapping the copy's faulting addresses to fixups, because the CPU
 * then reports the copy's EIP, which is in no built-in entry.  The table's storage and exact
 * layout are in extable-ext.S.
 */
#include "extable.h"

static u32 search(const struct extable_entry *first, u32 count, u32 fault_eip) {
    for (u32 i = 0; i < count; i++)
        if (first[i].fault_eip == fault_eip)
            return first[i].fixup_eip;
    return 0;
}

u32 extable_search(u32 fault_eip) {
    u32 builtin_count = (u32)(__stop___ex_table - __start___ex_table);
    u32 fixup = search(__start___ex_table, builtin_count, fault_eip);
    if (fixup != 0)
        return fixup;

    /* Read the count once; a count beyond the capacity is treated as a full table rather than
     * letting a bad writer send us past the end of the array. */
    u32 ext_count = kdbt_extable_ext_count;
    if (ext_count > EXTABLE_EXT_CAPACITY)
        ext_count = EXTABLE_EXT_CAPACITY;
    return search(kdbt_extable_ext, ext_count, fault_eip);
}
