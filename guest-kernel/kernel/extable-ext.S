/* extable-ext.S - storage for the run-time exception table (searched by extable.c).
 *
 * Written in assembly so the layout is exact and documented (docs/guest-kernel.md):
 *
 *   kdbt_extable_ext           +0     256 entries of { u32 fault_eip; u32 fixup_eip; }
 *   kdbt_extable_ext_count     +2048  u32: how many entries are valid (0 at boot)
 *   kdbt_extable_ext_capacity  +2052  u32: 256
 *
 * It starts the .data section (kernel.ld), on a page of its own start, in the file's data (not
 * .bss, which the boot code zeroes), so a tool may fill it before boot or at any time after.
 * The kernel never writes it.
 */
#define CAPACITY 256

    .section .data.kdbt_extable, "aw"
    .balign 4096
    .globl kdbt_extable_ext, kdbt_extable_ext_count, kdbt_extable_ext_capacity
    .type kdbt_extable_ext, @object
kdbt_extable_ext:
    .fill CAPACITY * 2, 4, 0
    .size kdbt_extable_ext, . - kdbt_extable_ext

    .type kdbt_extable_ext_count, @object
kdbt_extable_ext_count:
    .long 0
    .size kdbt_extable_ext_count, 4

    .type kdbt_extable_ext_capacity, @object
kdbt_extable_ext_capacity:
    .long CAPACITY
    .size kdbt_extable_ext_capacity, 4
