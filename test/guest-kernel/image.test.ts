// Static checks of the committed guest-kernel/kernel.elf: needs no toolchain and no QEMU.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { type ElfImage, PT_LOAD, fileOffsetOf, findSymbol, parseElf } from "../../src/machine/elf.js";
import { GUEST_EXIT, KERNEL_ELF } from "../../guest-kernel/qemu.js";
import { WORKLOADS } from "../../guest-kernel/reference-checks.js";

const KERNEL_DIR = join(KERNEL_ELF, "..");
const bytes = readFileSync(KERNEL_ELF);
const elf: ElfImage = parseElf(bytes, "kernel.elf");
const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function sym(name: string): number {
  const s = findSymbol(elf, name);
  if (!s) throw new Error(`no symbol ${name}`);
  return s.value;
}

function u32At(addr: number): number {
  const off = fileOffsetOf(elf, addr);
  if (off === undefined) throw new Error(`address ${addr.toString(16)} has no file bytes`);
  return view.getUint32(off, true);
}

describe("committed kernel.elf", () => {
  it("matches kernel.build.json (hash and size)", () => {
    const meta = JSON.parse(readFileSync(join(KERNEL_DIR, "kernel.build.json"), "utf8")) as { sha256: string; bytes: number };
    expect(meta.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(meta.bytes).toBe(bytes.length);
  });

  it("is an i386 ELF whose entry point is _start", () => {
    expect(elf.header.machine).toBe(3);
    expect(elf.header.entry).toBe(sym("_start"));
  });

  it("has a multiboot v1 header in the first 8 KiB, ELF format (no a.out kludge), asking for memory info", () => {
    let found = -1;
    for (let off = 0; off + 12 <= Math.min(8192, bytes.length); off += 4) {
      if (view.getUint32(off, true) === 0x1badb002) {
        found = off;
        break;
      }
    }
    expect(found).toBeGreaterThanOrEqual(0);
    const flags = view.getUint32(found + 4, true);
    const checksum = view.getUint32(found + 8, true);
    expect((0x1badb002 + flags + checksum) >>> 0).toBe(0);
    expect(flags & 0x10000).toBe(0); // bit 16: a.out kludge, deliberately off
    expect(flags & 0x2).toBe(0x2); // memory information wanted
  });

  it("loads at 1 MiB in page-aligned segments that never share a page", () => {
    const loads = elf.programHeaders.filter((s) => s.type === PT_LOAD && s.memsz > 0);
    expect(Math.min(...loads.map((s) => s.paddr))).toBe(0x100000);
    const pages = new Map<number, number>();
    loads.forEach((s, i) => {
      expect(s.paddr % 4096).toBe(0);
      expect(s.vaddr % 4096).toBe(0);
      for (let p = s.paddr; p < s.paddr + s.memsz; p += 4096) {
        expect(pages.has(p), `segments ${pages.get(p)} and ${i} share page ${p.toString(16)}`).toBe(false);
        pages.set(p, i);
      }
    });
    // Code segments are read-execute, data segments read(-write): never both writable and executable.
    for (const s of loads) expect(s.flags & 3).not.toBe(3);
    // The user image: linked at 0x40000000, loaded inside the kernel's physical range.
    const user = loads.find((s) => s.vaddr === 0x40000000);
    expect(user).toBeDefined();
    expect(user?.paddr).toBeLessThan(0x400000);
  });

  it("starts .text, .rodata, .data and .bss on page boundaries", () => {
    for (const name of [".text", ".text.smc", ".rodata", ".data", ".bss", ".user.text"]) {
      const s = elf.sections.find((x) => x.name === name);
      expect(s, name).toBeDefined();
      expect((s?.addr ?? 1) % 4096, name).toBe(0);
    }
  });

  it("exports the descriptor tables, the extension table and every workload as global symbols", () => {
    const globals = ["idt", "gdt", "tss", "kdbt_extable_ext", "kdbt_extable_ext_count", "kdbt_extable_ext_capacity"];
    for (const w of WORKLOADS) globals.push(`workload_${w.name}`);
    for (const name of globals) {
      const s = findSymbol(elf, name);
      expect(s?.binding, name).toBe("global");
    }
    expect(findSymbol(elf, "idt")?.size).toBe(256 * 8);
    expect(findSymbol(elf, "gdt")?.size).toBe(6 * 8);
    expect(findSymbol(elf, "tss")?.size).toBe(104);
    for (const w of WORKLOADS) expect(findSymbol(elf, `workload_${w.name}`)?.type).toBe("func");
  });

  it("lays out the run-time exception table as documented: 256 x {fault_eip, fixup_eip}, count 0", () => {
    const table = findSymbol(elf, "kdbt_extable_ext");
    const count = findSymbol(elf, "kdbt_extable_ext_count");
    expect(table?.type).toBe("object");
    expect(table?.size).toBe(256 * 8);
    expect(count?.size).toBe(4);
    expect(u32At(sym("kdbt_extable_ext_capacity"))).toBe(256);
    // One block, on a page of its own start: entries, then the count, then the capacity.
    expect(sym("kdbt_extable_ext") % 4096).toBe(0);
    expect(sym("kdbt_extable_ext_count")).toBe(sym("kdbt_extable_ext") + 2048);
    expect(sym("kdbt_extable_ext_capacity")).toBe(sym("kdbt_extable_ext") + 2052);
    // In .data (file bytes, zero), so a tool may also fill it in the image before boot.
    expect(u32At(sym("kdbt_extable_ext_count"))).toBe(0);
    for (let i = 0; i < 256 * 2; i++) expect(u32At(sym("kdbt_extable_ext") + 4 * i)).toBe(0);
  });

  it("has a built-in exception table whose entries point at the user-copy instructions and fixups", () => {
    const start = sym("__start___ex_table");
    const stop = sym("__stop___ex_table");
    const entries: Array<[number, number]> = [];
    for (let a = start; a < stop; a += 8) entries.push([u32At(a), u32At(a + 4)]);
    expect(entries).toEqual([
      [sym("copy_dwords"), sym("copy_dwords_fault")],
      [sym("copy_bytes"), sym("copy_bytes_fault")],
      [sym("get_byte"), sym("get_byte_fault")],
    ]);
  });

  it("pushes a dummy error code exactly for the vectors where idt/vectors.json says the CPU pushes none", () => {
    const entry = readFileSync(join(KERNEL_DIR, "kernel", "entry.S"), "utf8");
    const withError = [...entry.matchAll(/^\s*STUB_ERROR\s+(\d+)/gm)].map((m) => Number(m[1]));
    const vectors = JSON.parse(readFileSync(join(KERNEL_DIR, "..", "idt", "vectors.json"), "utf8")) as {
      architectural: Array<{ vector: number; errorCode: boolean }>;
    };
    expect(withError).toEqual(vectors.architectural.filter((v) => v.errorCode).map((v) => v.vector));
    const withoutError = [...entry.matchAll(/^\s*STUB_NO_ERROR\s+(\d+)/gm)].map((m) => Number(m[1]));
    expect([...withError, ...withoutError].sort((a, b) => a - b)).toEqual([...Array.from({ length: 48 }, (_, i) => i), 128]);
  });

  it("declares the same exit codes in include/exit-codes.h as guest-kernel/qemu.ts", () => {
    const header = readFileSync(join(KERNEL_DIR, "include", "exit-codes.h"), "utf8");
    const value = (name: string): number => Number(new RegExp(`#define ${name} (\\d+)`).exec(header)?.[1]);
    expect({
      ok: value("EXIT_OK"),
      panic: value("EXIT_PANIC"),
      checkFailed: value("EXIT_CHECK_FAILED"),
      badCmdline: value("EXIT_BAD_CMDLINE"),
      bootError: value("EXIT_BOOT_ERROR"),
    }).toEqual(GUEST_EXIT);
  });

  it("lists the same workloads, order and default iterations in runner.c as reference-checks.ts", () => {
    const runner = readFileSync(join(KERNEL_DIR, "workloads", "runner.c"), "utf8");
    const rows = [...runner.matchAll(/\{"([a-z]+)", workload_\1, (\d+)\}/g)].map((m) => ({ name: m[1], defaultIters: Number(m[2]) }));
    expect(rows).toEqual(WORKLOADS.map((w) => ({ name: w.name, defaultIters: w.defaultIters })));
  });
});
