/* x86.h - one-line C wrappers around the privileged and special instructions the kernel uses.
 *
 * Keeping every inline `asm` for a single instruction here means the rest of the kernel reads as
 * plain C, and a simulator author can see at a glance which special instructions exist.  The
 * "memory" clobbers stop gcc from moving ordinary loads and stores across instructions that
 * change how memory is translated (CR3, invlpg) or that have device side effects (in/out).
 */
#ifndef KDBT_X86_H
#define KDBT_X86_H

#include "types.h"

/* ---- Port I/O (ports are a separate 64 KiB address space, reached only by in/out) ---- */
static inline u8 inb(u16 port) {
    u8 value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

static inline void outb(u16 port, u8 value) {
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline void outl(u16 port, u32 value) {
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

/* ---- Interrupt flag ---- */
static inline void cli(void) { __asm__ volatile("cli" : : : "memory"); }
static inline void sti(void) { __asm__ volatile("sti" : : : "memory"); }

static inline u32 read_eflags(void) {
    u32 flags;
    __asm__ volatile("pushfl; popl %0" : "=r"(flags) : : "memory");
    return flags;
}

/* Disable interrupts and return the previous EFLAGS so irq_restore can put IF back as it was. */
static inline u32 irq_save(void) {
    u32 flags = read_eflags();
    cli();
    return flags;
}

static inline void irq_restore(u32 flags) {
    __asm__ volatile("pushl %0; popfl" : : "r"(flags) : "memory", "cc");
}

/* Wait for an interrupt with IF=1, race-free: STI only takes effect after the next instruction,
 * so no interrupt can slip in between STI and HLT and leave us halted with nothing to wake us.
 * Interrupts are disabled again when this returns. */
static inline void wait_for_interrupt(void) {
    __asm__ volatile("sti; hlt; cli" : : : "memory");
}

/* ---- Control registers ---- */
#define CR0_PE 0x00000001 /* protected mode (already on when the multiboot loader calls us) */
#define CR0_WP 0x00010000 /* write protect: ring 0 also honours read-only pages */
#define CR0_PG 0x80000000 /* paging */

static inline u32 read_cr0(void) {
    u32 v;
    __asm__ volatile("movl %%cr0, %0" : "=r"(v));
    return v;
}

static inline void write_cr0(u32 v) { __asm__ volatile("movl %0, %%cr0" : : "r"(v) : "memory"); }

/* CR2 holds the linear address that caused the last page fault. */
static inline u32 read_cr2(void) {
    u32 v;
    __asm__ volatile("movl %%cr2, %0" : "=r"(v));
    return v;
}

static inline u32 read_cr3(void) {
    u32 v;
    __asm__ volatile("movl %%cr3, %0" : "=r"(v));
    return v;
}

/* Loading CR3 switches address space and flushes every (non-global) TLB entry. */
static inline void write_cr3(u32 v) { __asm__ volatile("movl %0, %%cr3" : : "r"(v) : "memory"); }

/* Drop the TLB entry for one page after its page-table entry changed (486 and later). */
static inline void invlpg(u32 linear) {
    __asm__ volatile("invlpg (%0)" : : "r"(linear) : "memory");
}

/* ---- Descriptor tables ---- */
struct table_register {
    u16 limit; /* size of the table in bytes, minus one */
    u32 base;  /* linear address of the table */
} __attribute__((packed));

static inline void lgdt(const struct table_register *r) {
    __asm__ volatile("lgdt %0" : : "m"(*r) : "memory");
}

static inline void lidt(const struct table_register *r) {
    __asm__ volatile("lidt %0" : : "m"(*r) : "memory");
}

static inline void sidt(struct table_register *r) { __asm__ volatile("sidt %0" : "=m"(*r)); }

static inline void ltr(u16 selector) { __asm__ volatile("ltr %0" : : "r"(selector) : "memory"); }

/* ---- Time stamp counter (Pentium and later; under `-icount shift=0` QEMU counts 1 per insn) */
static inline u64 rdtsc(void) {
    u64 t;
    __asm__ volatile("rdtsc" : "=A"(t)); /* "A" = the EDX:EAX pair on i386 */
    return t;
}

#endif
