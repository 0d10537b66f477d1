/* main.c - kmain: the boot sequence, in the order each mechanism depends on the previous one.
 *
 *   serial  -> we can print (every later failure can say what went wrong)
 *   multiboot info -> the command line and the memory size, copied before anything can
 *              overwrite them (the loader put them in memory the frame allocator will reuse)
 *   GDT/TSS -> our own segments, and the ring-0 stack for entries from ring 3
 *   IDT     -> exceptions are caught and reported instead of triple-faulting
 *   PIC     -> hardware interrupts remapped away from the exception vectors, all masked
 *   paging  -> the kernel mapping; user address spaces are built per task later
 *   workloads
 */
#include "cmdline.h"
#include "exit-codes.h"
#include "frames.h"
#include "gdt.h"
#include "idt.h"
#include "kstring.h"
#include "layout.h"
#include "multiboot.h"
#include "paging.h"
#include "panic.h"
#include "pic.h"
#include "print.h"
#include "serial.h"
#include "workload.h"

/* Linker-script symbol: the first byte after the kernel image (including .bss), page-aligned. */
extern const u8 __kernel_end[];

static char cmdline_copy[CMDLINE_MAX + 1];

/* Copy the command line out of the loader's memory, or leave it empty if none was given. */
static void save_cmdline(const struct multiboot_info *mbi) {
    if (!(mbi->flags & MULTIBOOT_INFO_CMDLINE) || mbi->cmdline == 0)
        return;
    const char *src = (const char *)mbi->cmdline;
    u32 len = kstrlen(src);
    if (len > CMDLINE_MAX)
        die(EXIT_BAD_CMDLINE, "bad command line: longer than %u characters", CMDLINE_MAX);
    memcpy(cmdline_copy, src, len + 1);
}

noreturn void kmain(u32 magic, const struct multiboot_info *mbi);

noreturn void kmain(u32 magic, const struct multiboot_info *mbi) {
    serial_init();
    kputs("kdbt guest kernel\n");

    if (magic != MULTIBOOT_BOOT_MAGIC)
        die(EXIT_BOOT_ERROR, "boot error: EAX=%08x, not the multiboot magic %08x", magic,
            MULTIBOOT_BOOT_MAGIC);
    if (!(mbi->flags & MULTIBOOT_INFO_MEMORY))
        die(EXIT_BOOT_ERROR, "boot error: the loader gave no memory size (multiboot flag 0)");
    /* mem_upper counts the KiB of RAM from 1 MiB up.  Page frames come from between the end of
     * the kernel and the end of RAM or of the identity map, whichever is lower. */
    const u32 one_mib = 0x100000;
    u32 ram_end = IDENTITY_MAP_END;
    if (mbi->mem_upper < (IDENTITY_MAP_END - one_mib) / 1024)
        ram_end = one_mib + mbi->mem_upper * 1024;
    u32 pool_start = (u32)__kernel_end;
    if (ram_end < pool_start + MIN_FREE_FRAMES * PAGE_SIZE)
        die(EXIT_BOOT_ERROR, "boot error: RAM ends at %08x, the kernel needs up to %08x", ram_end,
            pool_start + MIN_FREE_FRAMES * PAGE_SIZE);
    save_cmdline(mbi);

    cmdline_parse(cmdline_copy, &boot_options);

    gdt_init();
    idt_init();
    pic_init();
    /* From here on the loader's memory may be reused: frames start right after the kernel,
     * which is exactly where QEMU put the command line (now copied). */
    frames_init(pool_start, ram_end);
    paging_init();

    workloads_run(boot_options.workload, boot_options.iters);

    kputs("kdbt guest kernel: all done\n");
    machine_exit(EXIT_OK);
}
