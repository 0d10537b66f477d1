/* gdt.c - the global descriptor table and the task-state segment.
 *
 * Segmentation is switched off in all but name: every code and data descriptor is "flat" (base
 * 0, limit 4 GiB), so a segment:offset address is just the offset.  What segments still decide
 * is the privilege level: the CPU's current privilege level (CPL) is the low two bits of CS, so
 * ring 0 and ring 3 need separate code (and stack) descriptors.
 *
 * The TSS is not used for hardware task switching (the scheduler switches tasks in software,
 * see switch.S); it exists because on an interrupt from ring 3 the CPU takes the ring-0 stack
 * pointer from TSS.esp0/ss0.  The scheduler updates esp0 to each task's own kernel stack.
 */
#include "gdt.h"
#include "layout.h"
#include "x86.h"

/* Access byte: P (present) | DPL << 5 | S (code/data) | type. */
#define ACCESS_PRESENT 0x80
#define ACCESS_DPL(n) ((n) << 5)
#define ACCESS_CODE_DATA 0x10
#define TYPE_CODE_READ 0x0A /* execute/read, non-conforming */
#define TYPE_DATA_WRITE 0x02 /* read/write, expand-up */
#define TYPE_TSS32_AVAILABLE 0x09
/* Flags nibble: G (limit in 4 KiB units) | D/B (32-bit). */
#define FLAGS_4K_32BIT 0xC
#define FLAGS_BYTE_GRANULAR 0x0

/* Pack one 8-byte segment descriptor (Intel SDM Vol. 3A Figure 3-8); the base and limit are
 * split into pieces for backwards compatibility with the 80286. */
static u64 descriptor(u32 base, u32 limit, u32 access, u32 flags) {
    u64 d = 0;
    d |= (u64)(limit & 0xFFFF);
    d |= (u64)(base & 0xFFFFFF) << 16;
    d |= (u64)(access & 0xFF) << 40;
    d |= (u64)((limit >> 16) & 0xF) << 48;
    d |= (u64)(flags & 0xF) << 52;
    d |= (u64)((base >> 24) & 0xFF) << 56;
    return d;
}

/* Exported (non-static) so tools can find them in the symbol table. */
u64 gdt[GDT_ENTRIES] __attribute__((aligned(8)));
struct tss tss __attribute__((aligned(16)));
static_assert_size(struct tss, 104);

void gdt_init(void) {
    const u32 flat_limit = 0xFFFFF; /* 2^20 units of 4 KiB = 4 GiB */
    const u32 code = ACCESS_PRESENT | ACCESS_CODE_DATA | TYPE_CODE_READ;
    const u32 data = ACCESS_PRESENT | ACCESS_CODE_DATA | TYPE_DATA_WRITE;

    gdt[GDT_NULL >> 3] = 0; /* the CPU never uses entry 0; loading it means "no segment" */
    gdt[KERNEL_CS >> 3] = descriptor(0, flat_limit, code | ACCESS_DPL(0), FLAGS_4K_32BIT);
    gdt[KERNEL_DS >> 3] = descriptor(0, flat_limit, data | ACCESS_DPL(0), FLAGS_4K_32BIT);
    gdt[USER_CS >> 3] = descriptor(0, flat_limit, code | ACCESS_DPL(3), FLAGS_4K_32BIT);
    gdt[USER_DS >> 3] = descriptor(0, flat_limit, data | ACCESS_DPL(3), FLAGS_4K_32BIT);
    /* The TSS descriptor is a system descriptor (S = 0) covering the 104-byte TSS itself; it is
     * the one descriptor whose base is not 0. */
    const u32 tss_access = ACCESS_PRESENT | ACCESS_DPL(0) | TYPE_TSS32_AVAILABLE;
    gdt[TSS_SEL >> 3] = descriptor((u32)&tss, sizeof(tss) - 1, tss_access, FLAGS_BYTE_GRANULAR);

    tss.ss0 = KERNEL_DS;
    tss.esp0 = 0; /* set by the scheduler before any task runs */
    /* An I/O bitmap offset beyond the TSS limit means "no bitmap": with IOPL 0, every in/out
     * from ring 3 raises #GP. */
    tss.iomap_base = sizeof(tss);

    struct table_register gdtr = {.limit = sizeof(gdt) - 1, .base = (u32)gdt};
    lgdt(&gdtr);

    /* The segment registers still hold the loader's selectors (their hidden descriptor caches
     * are only refreshed by a load).  CS can only be reloaded by a far transfer: a far JMP to
     * the next instruction.  Then the data and stack segments. */
    __asm__ volatile("ljmp %0, $1f\n"
                     "1:\n"
                     "movw %w1, %%ds\n"
                     "movw %w1, %%es\n"
                     "movw %w1, %%fs\n"
                     "movw %w1, %%gs\n"
                     "movw %w1, %%ss\n"
                     :
                     : "i"(KERNEL_CS), "r"(KERNEL_DS)
                     : "memory");

    ltr(TSS_SEL); /* the CPU marks the TSS descriptor busy */
}

void tss_set_kernel_stack(u32 esp0) { tss.esp0 = esp0; }
