/* multiboot.h - the parts of the Multiboot 0.6.96 specification this kernel uses.
 *
 * The loader (QEMU's -kernel, GRUB, or kdbt) enters _start in 32-bit protected mode with paging
 * off, EAX = MULTIBOOT_BOOT_MAGIC and EBX = the physical address of a multiboot_info structure.
 */
#ifndef KDBT_MULTIBOOT_H
#define KDBT_MULTIBOOT_H

#define MULTIBOOT_HEADER_MAGIC 0x1BADB002 /* in our image: "this is a multiboot kernel" */
#define MULTIBOOT_BOOT_MAGIC 0x2BADB002   /* in EAX at entry: "a multiboot loader started you" */

/* Header flags.  Bit 16 (the "a.out kludge": load addresses in the header) is deliberately
 * clear, so the loader reads the ELF program headers instead. */
#define MULTIBOOT_PAGE_ALIGN 0x00000001 /* align boot modules on pages (we have none) */
#define MULTIBOOT_MEMORY_INFO 0x00000002 /* please fill in mem_lower / mem_upper */
#define MULTIBOOT_HEADER_FLAGS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

/* multiboot_info.flags bits: which fields the loader filled in. */
#define MULTIBOOT_INFO_MEMORY 0x00000001
#define MULTIBOOT_INFO_CMDLINE 0x00000004

#ifndef __ASSEMBLER__
#include "types.h"

struct multiboot_info {
    u32 flags;
    u32 mem_lower; /* KiB of memory below 1 MiB */
    u32 mem_upper; /* KiB of contiguous memory from 1 MiB up */
    u32 boot_device;
    u32 cmdline; /* physical address of a NUL-terminated string */
    /* ... more fields (modules, symbols, memory map) that this kernel does not read ... */
};
#endif

#endif
