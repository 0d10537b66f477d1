// Snapshot readers on the booted guest kernel, checked against expectations worked out by hand from its source.
//
// The machine runs "workload=syscall iters=10000" for 200,000 cycles under the icount cost model:
// boot takes about 30,000, so this stops inside the syscall loop with the one task's address space
// live. (With iters=10 the whole run ends after about 37,000 cycles, back in the kernel's own
// address space, which would leave nothing of ring 3 to look at.)
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import { CC_EFLAGS, materializeFlags } from "../../src/cpu/flags.js";
import { S_CC_OP, S_CPL, S_CR2, S_EFLAGS } from "../../src/cpu/state.js";
import { parseElf, type ElfSymbol } from "../../src/machine/elf.js";
import type { Machine } from "../../src/machine/machine.js";
import {
  decodeDescriptor,
  decodeGate,
  disassembleLinear,
  lookupLinear,
  readGdt,
  readIdt,
  readLinear,
  readLinearU32,
  readTss,
  registers,
  registersFromState,
  walkPageTables,
} from "../../src/teach/snapshot.js";
import { runKdbt } from "../helpers/run-kdbt.js";

const elf = parseElf(readFileSync(DEFAULT_KERNEL), "kernel.elf");
const sym = (name: string): ElfSymbol => {
  const s = elf.symbols.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no symbol ${name} in the guest kernel`);
  return s;
};
const addr = (name: string): number => sym(name).value;

// include/layout.h
const KERNEL_CS = 0x08;
const KERNEL_DS = 0x10;
const USER_CS = 0x1b;
const USER_DS = 0x23;
const TSS_SEL = 0x28;
const USER_BASE = 0x40000000;
const USER_DATA = 0x40100000;
const USER_STACK_TOP = 0x40400000;
const PAGE = 4096;

/** Boot and run to 200,000 cycles, then on to the next instruction boundary in ring 3 if not already there. */
function bootIntoSyscallLoop(): Machine {
  const { machine, stop } = runKdbt({ cmdline: "workload=syscall iters=10000", maxCycles: 200_000 });
  expect(stop?.reason).toBe("max-cycles");
  while (machine.cpu.s[S_CPL] !== 3 && machine.cycles < 300_000) machine.run(machine.cycles + 1);
  expect(machine.cpu.s[S_CPL]).toBe(3);
  return machine;
}

let m: Machine;
beforeAll(() => {
  m = bootIntoSyscallLoop();
});

/*
 * Frames by hand (frames.c, paging.c, task.c): frames_init(__kernel_end, ...) hands out frames
 * upwards from __kernel_end (page aligned). task_create -> address_space_create allocates the
 * page directory, then the user page table, then USER_DATA's page, then the user stack page;
 * task_create then takes the kernel stack. switch_to sets TSS.esp0 to that stack's top.
 */
const frame = (n: number): number => ((addr("__kernel_end") + PAGE - 1) & ~(PAGE - 1)) + n * PAGE;
const PAGE_DIRECTORY = (): number => frame(0);
const USER_PAGE_TABLE = (): number => frame(1);
const USER_DATA_FRAME = (): number => frame(2);
const USER_STACK_FRAME = (): number => frame(3);
const KERNEL_STACK_TOP = (): number => frame(4) + PAGE;

describe("GDT (gdt.c, layout.h)", () => {
  it("has the six entries gdt_init builds, at &gdt with limit sizeof(gdt) - 1", () => {
    const gdt = readGdt(m);
    expect(gdt.base).toBe(addr("gdt"));
    expect(gdt.limit).toBe(6 * 8 - 1);
    expect(gdt.unreadable).toEqual([]);
    expect(gdt.entries.map((e) => [e.selector, e.kind, e.dpl])).toEqual([
      [0x00, "null", 0],
      [KERNEL_CS, "code", 0],
      [KERNEL_DS, "data", 0],
      [USER_CS & ~3, "code", 3],
      [USER_DS & ~3, "data", 3],
      [TSS_SEL, "tss32-busy", 0], // LTR marks it busy
    ]);
  });

  it("code and data descriptors are flat with the words descriptor() packs", () => {
    // descriptor(0, 0xFFFFF, access, 0xC): lo = 0x0000ffff, hi = 0x00c00000 | 0xf0000 | access << 8.
    // Access bytes: P|S|type = 0x9a (code) / 0x92 (data), | DPL 3 << 5 = 0xfa / 0xf2; the CPU sets the
    // accessed bit (type bit 0) when it loads a selector (SDM 3A 3.4.5.1), and every one of them has
    // been loaded by now (ring 3 is running).
    const e = readGdt(m).entries;
    expect(e.slice(1, 5).map((d) => [d.lo, d.hi])).toEqual([
      [0x0000ffff, 0x00cf9b00],
      [0x0000ffff, 0x00cf9300],
      [0x0000ffff, 0x00cffb00],
      [0x0000ffff, 0x00cff300],
    ]);
    for (const d of e.slice(1, 5)) {
      expect(d).toMatchObject({ present: true, base: 0, limit: 0xffffffff, big: true, granularity4k: true, flat: true, accessed: true });
    }
    expect(e[1]).toMatchObject({ readable: true, conforming: false });
    expect(e[2]).toMatchObject({ writable: true, expandDown: false });
  });

  it("the TSS descriptor covers the 104-byte tss, byte granular", () => {
    const t = readGdt(m).entries[5]!;
    const base = addr("tss");
    expect(t).toMatchObject({ base, limit: 103, granularity4k: false, present: true, codeOrData: false, type: 0xb });
    // descriptor(&tss, 103, 0x89, 0) with the busy bit: lo = base[15:0] << 16 | 103, hi = base[31:24] | 0x8b00 | base[23:16].
    expect(t.lo).toBe((((base & 0xffff) << 16) | 103) >>> 0);
    expect(t.hi).toBe(((base & 0xff000000) | 0x8b00 | ((base >>> 16) & 0xff)) >>> 0);
  });

  it("says which registers use each entry: ring 3 runs on 0x1b and 0x23, TR is 0x28", () => {
    const e = readGdt(m).entries;
    expect(e[3]!.inUse).toEqual(["cs"]);
    expect([...e[4]!.inUse].sort()).toEqual(["ds", "es", "fs", "gs", "ss"]);
    expect(e[5]!.inUse).toEqual(["tr"]);
    expect(e[1]!.inUse).toEqual([]);
  });

  it("decodes a descriptor's kind from its type field", () => {
    expect(decodeDescriptor(0, 0, 0).kind).toBe("null");
    expect(decodeDescriptor(7, 0, 0).kind).toBe("empty");
    expect(decodeDescriptor(7, 0x0000ffff, 0x00cf9a00)).toMatchObject({ kind: "code", accessed: false, flat: true });
    expect(decodeDescriptor(7, 0x0000ffff, 0x00409200)).toMatchObject({ kind: "data", flat: false, limit: 0xffff });
    expect(decodeDescriptor(7, 0, 0x00008900).kind).toBe("tss32");
  });
});

describe("IDT (idt.c, entry.S)", () => {
  it("is &idt with 256 gates", () => {
    const idt = readIdt(m);
    expect(idt.base).toBe(addr("idt"));
    expect(idt.limit).toBe(256 * 8 - 1);
    expect(idt.gates).toHaveLength(256);
    expect(idt.unreadable).toEqual([]);
  });

  it("gate 0x80 is a DPL-3 32-bit trap gate to isr_stub_128 (what lets ring 3 use int 0x80)", () => {
    const g = readIdt(m).gates[0x80]!;
    expect(g).toMatchObject({ present: true, type: "trap", bits: 32, typeCode: 0xf, dpl: 3, selector: KERNEL_CS, offset: addr("isr_stub_128") });
    // set_gate: type_attr = P | DPL 3 << 5 | 0xF = 0xef.
    expect(g.hi).toBe(((addr("isr_stub_128") & 0xffff0000) | 0xef00) >>> 0);
    // syscall_stub in .rodata holds the same address (entry.S).
    expect(readLinearU32(m, addr("syscall_stub"))).toBe(addr("isr_stub_128"));
  });

  it("exception (0-31) and IRQ (32-47) gates are DPL-0 32-bit interrupt gates to their stubs", () => {
    const gates = readIdt(m).gates;
    for (let v = 0; v < 48; v++) {
      expect(gates[v], `vector ${v}`).toMatchObject({ present: true, type: "interrupt", bits: 32, dpl: 0, selector: KERNEL_CS, offset: addr(`isr_stub_${v}`) });
    }
  });

  it("every other vector is not present", () => {
    const present = readIdt(m).gates.filter((g) => g.present).map((g) => g.vector);
    expect(present).toEqual([...Array.from({ length: 48 }, (_, v) => v), 0x80]);
  });

  it("decodes task gates and 16-bit gates", () => {
    expect(decodeGate(3, 0x00280000, 0x00008500)).toMatchObject({ type: "task", bits: null, selector: 0x28, offset: 0, present: true });
    expect(decodeGate(3, 0x00081234, 0x00008600)).toMatchObject({ type: "interrupt", bits: 16, offset: 0x1234 });
    expect(decodeGate(3, 0x00081234, 0x00008700)).toMatchObject({ type: "trap", bits: 16 });
    expect(decodeGate(3, 0, 0)).toMatchObject({ type: "invalid", present: false });
  });
});

describe("TSS (gdt.c, task.c)", () => {
  it("has ss0 = KERNEL_DS and esp0 = the top of the task's kernel stack", () => {
    const tss = readTss(m)!;
    expect(tss).not.toBeNull();
    expect(tss).toMatchObject({ selector: TSS_SEL, base: addr("tss"), limit: 103, busy: true, ss0: KERNEL_DS, esp0: KERNEL_STACK_TOP() });
    // iomap_base = sizeof(tss): past the limit, so no I/O bitmap.
    expect(tss.iomapBase).toBe(104);
    expect(tss.ioBitmap).toBe(false);
  });
});

describe("page tables (paging.c, docs/guest-kernel.md memory map)", () => {
  it("CR3 is the task's page directory; PDEs 0, 1 and 256 are present", () => {
    const pt = walkPageTables(m);
    expect(pt).toMatchObject({ cr3: PAGE_DIRECTORY(), paging: true, pse: false, writeProtect: true, monitor: null });
    expect(pt.directory.map((d) => [d.index, d.physical, d.user, d.writable, d.presentEntries])).toEqual([
      [0, addr("kernel_page_table"), false, true, 1023], // page 0 left unmapped
      [1, addr("kmap_page_table"), false, true, 0], // ptewrite's window, empty outside that workload
      [USER_BASE >>> 22, USER_PAGE_TABLE(), true, true, 3],
    ]);
  });

  it("maps the kernel identity range and the task's user pages as documented", () => {
    const imagePages = (addr("__user_image_end") - addr("__user_image_start")) / PAGE;
    const ranges = walkPageTables(m).ranges.map((r) => [r.linear, r.physical, r.bytes, r.user, r.writable]);
    expect(ranges).toEqual([
      [0x1000, 0x1000, 0x400000 - 0x1000, false, true], // identity, supervisor, writable
      [USER_BASE, addr("__user_image_lma"), imagePages * PAGE, true, false], // the shared user image, read-only
      [USER_DATA, USER_DATA_FRAME(), PAGE, true, true], // the task's data page
      [USER_STACK_TOP - PAGE, USER_STACK_FRAME(), PAGE, true, true], // the task's stack page
    ]);
  });

  it("reports A/D: the running code page accessed but clean (read-only), the stack page dirty", () => {
    const ranges = walkPageTables(m).ranges;
    const code = ranges.find((r) => r.linear === USER_BASE)!;
    const stack = ranges.find((r) => r.linear === USER_STACK_TOP - PAGE)!;
    expect(code.accessed).toBeGreaterThan(0);
    expect(code.dirty).toBe(0);
    expect([stack.accessed, stack.dirty]).toEqual([1, 1]);
  });

  it("lists every page on request, and can split ranges on A/D", () => {
    const pt = walkPageTables(m, undefined, { mappings: true, splitOnAccessDirty: true });
    expect(pt.mappings).toHaveLength(1023 + pt.directory[2]!.presentEntries);
    expect(pt.mappings![0]).toMatchObject({ linear: 0x1000, physical: 0x1000, size: 4096, pdeIndex: 0, pteIndex: 1 });
    expect(pt.ranges.length).toBeGreaterThan(4);
    expect(pt.ranges.reduce((n, r) => n + r.pages, 0)).toBe(pt.mappings!.length);
  });

  it("walks another directory: the kernel's own has no user mappings", () => {
    const pt = walkPageTables(m, addr("kernel_page_directory"));
    expect(pt.directory.map((d) => d.index)).toEqual([0, 1]);
    expect(pt.ranges.every((r) => !r.user)).toBe(true);
  });
});

describe("linear reads", () => {
  it("translate through the live tables, honouring U/S for user reads", () => {
    const stack = lookupLinear(m, USER_STACK_TOP - 4, { user: true });
    expect(stack).toMatchObject({ physical: USER_STACK_FRAME() + PAGE - 4, user: true, writable: true, pageSize: 4096 });
    expect(lookupLinear(m, addr("tss"))).toMatchObject({ physical: addr("tss"), user: false });
    expect(lookupLinear(m, addr("tss"), { user: true })).toBeNull(); // supervisor page
    expect(lookupLinear(m, 0)).toBeNull(); // page 0 unmapped
    expect(lookupLinear(m, 0x40300000)).toBeNull(); // USER_UNMAPPED
  });

  it("read the same bytes the guest stored: the task's initial user stack (task.c)", () => {
    // task_create pushed arg1 = 0, arg0 = iters = 10000, return address 0 below USER_STACK_TOP.
    const r = readLinear(m, USER_STACK_TOP - 12, 12, { user: true });
    expect(r.complete).toBe(true);
    expect(Array.from(new Uint32Array(r.bytes.buffer))).toEqual([0, 10000, 0]);
  });

  it("report unmapped bytes instead of faulting", () => {
    const r = readLinear(m, 0xffe, 4);
    expect(Array.from(r.present)).toEqual([0, 0, 1, 1]);
    expect(r.complete).toBe(false);
    expect(r.readable).toBe(0);
    expect(readLinearU32(m, 0)).toBeNull();
  });
});

describe("disassembling guest memory", () => {
  it("reads the instructions at EIP through the live page tables (ring-3 code at 0x40000000)", () => {
    const eip = registers(m).eip;
    const lines = disassembleLinear(m, eip, 4, { user: true, symbols: elf.symbols });
    expect(lines).toHaveLength(4);
    expect(lines[0]!.address).toBe(eip);
    expect(lines[0]!.location).toMatch(/^user_syscall\+0x[0-9a-f]+$/);
    expect(lines[1]!.address).toBe(eip + lines[0]!.length);
  });

  it("stops at an unmapped page instead of faulting", () => {
    // The user image is one page; USER_BASE + its size is unmapped.
    const end = addr("__user_image_end");
    const lines = disassembleLinear(m, end - 1, 3, { user: true });
    expect(lines.length).toBeLessThanOrEqual(1); // only the page's last byte is readable
    expect(lines.every((l) => l.address + l.length <= end)).toBe(true);
    expect(disassembleLinear(m, 0x40300000, 3)).toEqual([]);
  });
});

describe("registers", () => {
  it("after boot, in the ring-3 syscall loop", () => {
    const r = registers(m);
    const prog = sym("user_syscall");
    expect(r.cpl).toBe(3);
    expect([r.cs.selector, r.ss.selector, r.ds.selector, r.es.selector, r.fs.selector, r.gs.selector]).toEqual([USER_CS, USER_DS, USER_DS, USER_DS, USER_DS, USER_DS]);
    expect(r.cs).toMatchObject({ kind: "code", base: 0, limit: 0xffffffff, dpl: 3 });
    expect(r.eip).toBeGreaterThanOrEqual(prog.value);
    expect(r.eip).toBeLessThan(prog.value + prog.size);
    expect(r.esp).toBeGreaterThanOrEqual(USER_STACK_TOP - PAGE);
    expect(r.esp).toBeLessThan(USER_STACK_TOP - 12);
    // The loader's CR0 (PE | ET = 0x11) plus paging_init's PG | WP; CR4 never touched.
    expect([r.cr0, r.cr3, r.cr4, r.cr2]).toEqual([0x80010011, PAGE_DIRECTORY(), 0, 0]);
    expect(r.flags).toMatchObject({ if: true, iopl: 0, tf: false, df: false }); // USER_INITIAL_EFLAGS
    expect(r.gdtr).toEqual({ base: addr("gdt"), limit: 0x2f });
    expect(r.idtr).toEqual({ base: addr("idt"), limit: 0x7ff });
    expect(r.tr).toEqual({ selector: TSS_SEL, base: addr("tss"), limit: 103 });
    expect(r.halted).toBe(false);
    expect(r.cycles).toBe(m.cycles);
    expect(r.retired).toBe(m.retired);
  });

  it("computes the lazy flags without materializing them in the CPU", () => {
    // Step until the flags are lazy (an ALU instruction recorded its operands), so the test means something.
    while (m.cpu.s[S_CC_OP] === CC_EFLAGS && m.cycles < 300_000) m.run(m.cycles + 1);
    expect(m.cpu.s[S_CC_OP]).not.toBe(CC_EFLAGS);
    const before = Int32Array.from(m.cpu.s);
    const r = registers(m);
    expect(Array.from(m.cpu.s)).toEqual(Array.from(before));
    const copy = Int32Array.from(m.cpu.s);
    materializeFlags(copy);
    expect(r.eflags).toBe(copy[S_EFLAGS]! >>> 0);
    expect(registersFromState(before).eflags).toBe(r.eflags);
  });
});

describe("reading has no side effects", () => {
  it("leaves the TLB, A/D bits, CR2, the fault record and all memory as they were", () => {
    const cpu = m.cpu;
    const mmu = cpu.mem;
    // A mapped page the guest has not touched: its PTE has A clear and it is not in the TLB.
    const untouched = walkPageTables(m, undefined, { mappings: true }).mappings!.find((p) => !p.accessed && p.linear >= 0x200000)!;
    expect(untouched).toBeDefined();
    const lpn = untouched.linear >>> 12;
    expect(mmu.tlb[lpn]).toBe(0);

    const hash = (): string => createHash("sha256").update(m.phys.bytes).digest("hex");
    const before = { tlb: Int32Array.from(mmu.tlb), state: Int32Array.from(cpu.s), ctr: Float64Array.from(cpu.ctr), stats: { ...mmu.stats }, pending: cpu.fault.pending, mem: hash() };

    readLinear(m, untouched.linear, 64);
    readLinear(m, untouched.linear, 64, { user: true });
    readLinear(m, 0, 8192); // page 0: would be #PF
    readLinear(m, 0x40300000, 16, { user: true }); // USER_UNMAPPED: would be #PF with CR2 = 0x40300000
    readLinear(m, addr("tss"), 16, { user: true }); // supervisor page from ring 3: would be #PF
    readGdt(m);
    readIdt(m);
    readTss(m);
    walkPageTables(m, undefined, { mappings: true });
    walkPageTables(m, addr("kernel_page_directory"));
    registers(m);

    expect(mmu.tlb[lpn]).toBe(0);
    expect(Array.from(cpu.s)).toEqual(Array.from(before.state));
    expect(cpu.s[S_CR2]).toBe(before.state[S_CR2]);
    expect(Array.from(cpu.ctr)).toEqual(Array.from(before.ctr));
    expect(mmu.stats).toEqual(before.stats);
    expect(cpu.fault.pending).toBe(before.pending);
    expect(mmu.tlb.every((v, i) => v === before.tlb[i])).toBe(true);
    expect(hash()).toBe(before.mem);
    expect(walkPageTables(m, undefined, { mappings: true }).mappings!.find((p) => p.linear === untouched.linear)!.accessed).toBe(false);
  });

  it("the guest still runs to the same result afterwards", () => {
    const out = runKdbt({ cmdline: "workload=syscall iters=10000" });
    const again = m.run(5e9);
    expect(again.reason).toBe("exit");
    expect(again.exit?.value).toBe(out.exitValue);
    expect(m.cycles).toBe(out.machine.cycles);
  });
});
