// Teaching tables and --json views: layout, highlighting, translations side by side, and schema validation on the booted kernel.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import { S_CPL } from "../../src/cpu/state.js";
import { parseElf } from "../../src/machine/elf.js";
import type { Machine } from "../../src/machine/machine.js";
import { disassemble, SymbolTable, syntheticSymbol } from "../../src/teach/disasm.js";
import { ansi, byteSize, hex, renderTable, stripAnsi, visibleWidth, wantColor } from "../../src/teach/format.js";
import { InspectJsonSchema, type CodeCacheBlockView, type IdtGate, type RegistersView } from "../../src/teach/schemas.js";
import { decodeGate, readGdt, readIdt, readLinear, readTss, registers, walkPageTables } from "../../src/teach/snapshot.js";
import {
  changedRegisters,
  codeCacheJson,
  codeCacheTable,
  disasmJson,
  disasmListing,
  gdtJson,
  gdtTable,
  idtJson,
  idtTable,
  pageTablesJson,
  pageTableTable,
  pairTranslations,
  registersJson,
  registerTable,
  sideBySide,
  translationJson,
  tssJson,
  tssTable,
} from "../../src/teach/tables.js";
import { runKdbt } from "../helpers/run-kdbt.js";

const image = readFileSync(DEFAULT_KERNEL);
const elf = parseElf(image, "kernel.elf");
const symbols = new SymbolTable(elf.symbols);
const addr = (name: string): number => {
  const s = elf.symbols.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no symbol ${name}`);
  return s.value;
};

let m: Machine;
beforeAll(() => {
  m = runKdbt({ cmdline: "workload=syscall iters=10000", maxCycles: 200_000 }).machine;
  while (m.cpu.s[S_CPL] !== 3 && m.cycles < 300_000) m.run(m.cycles + 1);
});

/** JSON as `kdbt ... --json` prints it: through stringify and parse, then the schema. */
const roundTrip = (doc: unknown): unknown => InspectJsonSchema.parse(JSON.parse(JSON.stringify(doc)));

describe("format primitives", () => {
  it("renderTable sizes columns to the widest cell, aligns right on request and trims line ends", () => {
    const t = renderTable([{ header: "n", align: "right" }, { header: "name" }], [["1", "a"], ["100", "bbbb"]]);
    expect(t.split("\n")).toEqual(["  n  name", "---  ----", "  1  a", "100  bbbb"]);
  });

  it("measures width without ANSI escapes, so highlighted cells line up", () => {
    const hi = ansi.inverse("abc");
    expect(visibleWidth(hi)).toBe(3);
    expect(stripAnsi(renderTable([{ header: "x" }, { header: "y" }], [[hi, "1"], ["abcd", "2"]]))).toBe("x     y\n----  -\nabc   1\nabcd  2");
  });

  it("colors only a TTY, and never with NO_COLOR", () => {
    expect(wantColor({ isTTY: true }, {})).toBe(true);
    expect(wantColor({ isTTY: false }, {})).toBe(false);
    expect(wantColor({}, {})).toBe(false);
    expect(wantColor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
  });

  it("hex and sizes", () => {
    expect(hex(-1)).toBe("0xffffffff");
    expect(hex(5, 2)).toBe("0x05");
    expect(byteSize(4096)).toBe("4 KiB");
    expect(byteSize(0x400000 - 0x1000)).toBe("4092 KiB");
    expect(byteSize(4 << 20)).toBe("4 MiB");
    expect(byteSize(100)).toBe("100 bytes");
  });
});

describe("views of the booted kernel", () => {
  it("GDT table: one row per entry with selector, kind, DPL and the registers using it", () => {
    const lines = gdtTable(readGdt(m)).split("\n");
    expect(lines[0]).toBe(`GDT at ${hex(addr("gdt"))}, limit 0x2f (6 entries)`);
    const row = (sel: string): string => lines.find((l) => l.includes(` ${sel} `))!;
    expect(row("0x08")).toMatch(/code\s+00000000\s+4 GiB \(flat\)\s+0\s+P execute\/read 32-bit A G$/);
    expect(row("0x18")).toMatch(/code .* 3 .* cs$/);
    expect(row("0x20")).toMatch(/data .* 3 .* es ss ds fs gs$/);
    expect(row("0x28")).toMatch(/tss32-busy\s+[0-9a-f]{8}\s+0x67\s+0\s+P\s+tr$/);
  });

  it("IDT table: vector, name from idt/vectors.json, the guest gate with its handler symbol", () => {
    const t = idtTable(readIdt(m), null, { symbols });
    const lines = t.split("\n");
    expect(lines[0]).toMatch(/^\s*vector\s+name\s+guest gate$/);
    expect(lines).toContain("  0 0x00  #DE Divide Error                   int32 dpl0 0x8:isr_stub_0");
    expect(lines.find((l) => l.includes("0x0e"))).toMatch(/#PF Page Fault\s+int32 dpl0 0x8:isr_stub_14$/);
    expect(lines.find((l) => l.startsWith("128"))).toMatch(/trap32 dpl3 0x8:isr_stub_128$/);
    expect(lines).toHaveLength(2 + 49); // header, rule, 48 + 1 present gates
    expect(idtTable(readIdt(m), null, { rows: "all" }).split("\n")).toHaveLength(2 + 256);
    expect(idtTable(readIdt(m), null, { vectorNames: { 128: "system call" } })).toMatch(/128 0x80\s+system call\s+trap32/);
  });

  it("IDT beside a shadow IDT: both gates per row, attributes compared", () => {
    // A shadow IDT as a precise-mode DBT might build it: every present vector to a dispatcher entry
    // in the monitor region, keeping type and DPL, except one deliberately wrong gate.
    const guest = readIdt(m);
    const shadowGates: IdtGate[] = guest.gates.map((g) => {
      if (!g.present) return g;
      const target = 0xffc00000 + g.vector * 16;
      const typeAttr = g.vector === 14 ? 0x8f : 0x80 | (g.dpl << 5) | g.typeCode; // #PF as a trap gate: wrong
      return decodeGate(g.vector, (0x08 << 16) | (target & 0xffff), ((target & 0xffff0000) | (typeAttr << 8)) >>> 0);
    });
    const t = idtTable(guest, shadowGates, { symbols, shadowTarget: (g) => `dispatch_${g.vector}` });
    const lines = t.split("\n");
    expect(lines[0]).toMatch(/guest gate\s+shadow gate\s+attributes$/);
    expect(lines.find((l) => l.startsWith("128"))).toMatch(/trap32 dpl3 0x8:isr_stub_128\s+trap32 dpl3 0x8:dispatch_128\s+same$/);
    expect(lines.find((l) => l.includes("0x0e"))).toMatch(/int32 dpl0 0x8:isr_stub_14\s+trap32 dpl0 0x8:dispatch_14\s+DIFFER$/);
    expect(lines.filter((l) => l.endsWith("DIFFER"))).toHaveLength(1);
    const doc = roundTrip(idtJson(guest, { base: 0xffc00000, limit: 0x7ff, gates: shadowGates, unreadable: [] }));
    expect(doc).toMatchObject({ view: "idt", shadow: { base: 0xffc00000 } });
  });

  it("TSS table leads with ss0:esp0", () => {
    const tss = readTss(m)!;
    const lines = tssTable(tss).split("\n");
    expect(lines[3]).toMatch(new RegExp(`^ss0:esp0\\s+0x10:${hex(tss.esp0)}\\s+the ring-0 stack`));
    expect(tssTable(null)).toMatch(/^no TSS/);
  });

  it("page-table table: coalesced ranges with U/S, R/W, A/D, and the directory on request", () => {
    const t = pageTableTable(walkPageTables(m), { symbols, directory: true });
    const lines = t.split("\n");
    expect(lines[0]).toBe(`page directory at ${hex(m.cpu.s[36]!)}: paging on, PSE off, WP on`);
    expect(lines[3]).toMatch(/^00001000-003fffff\s+identity\s+4092 KiB\s+1023 x 4K\s+supervisor\s+rw\s/);
    expect(lines.find((l) => l.startsWith("40000000-40000fff"))).toMatch(/user\s+ro\s+all\s+-\s+user_compute$/);
    expect(lines.find((l) => l.startsWith("403ff000-403fffff"))).toMatch(/user\s+rw\s+all\s+all$/);
    expect(t).toMatch(/\n\s*256\s+40000000\s+[0-9a-f]{8}\s+page table at 0x[0-9a-f]+\s+user\s+rw\s+3$/m);
  });

  it("register table: a grid with flags, CR0 bits and EIP's symbol; changes highlighted", () => {
    const now = registers(m);
    const plain = registerTable(now, null, { symbols });
    expect(plain).toMatch(/^eax\s+[0-9a-f]{8}\s+ecx/m);
    expect(plain).toMatch(/eip\s+[0-9a-f]{8} <user_syscall\+0x[0-9a-f]+>/);
    expect(plain).toMatch(/cr0\s+80010011 \[PE ET WP PG\]/);
    expect(plain).toMatch(/eflags\s+[0-9a-f]{8} \[[A-Z ]*IF[A-Z ]*\] iopl=0/);
    expect(plain).not.toMatch(/\*/);
    expect(plain).not.toMatch(/\u001b/);

    const prev: RegistersView = { ...now, eax: (now.eax + 1) >>> 0, cs: { ...now.cs, selector: 0x08 } };
    expect(changedRegisters(now, prev)).toEqual(["eax", "cs"]);
    const marked = registerTable(now, prev);
    expect(marked).toMatch(new RegExp(`eax\\s+${now.eax.toString(16).padStart(8, "0")}\\*`));
    expect(marked).toMatch(/cs\s+001b\*/);
    expect(marked).toMatch(/ecx\s+[0-9a-f]{8}\s/); // unchanged: no mark
    const colored = registerTable(now, prev, { color: true });
    expect(colored).toContain(ansi.inverse(now.eax.toString(16).padStart(8, "0")));
    expect(stripAnsi(colored)).toBe(registerTable(now, null));
    expect(roundTrip(registersJson(now, prev))).toMatchObject({ view: "registers", changed: ["eax", "cs"] });
  });

  it("a disassembly listing of guest code read from linear memory, with labels", () => {
    const start = addr("isr_stub_128");
    const lines = disassemble(readLinear(m, start, 9).bytes, start, { symbols });
    expect(disasmListing(lines).split("\n")).toEqual([
      "isr_stub_128:",
      `  ${start.toString(16).padStart(8, "0")}  6a 00           push 0x0`,
      `  ${(start + 2).toString(16).padStart(8, "0")}  68 80 00 00 00  push 0x80`,
      `  ${(start + 7).toString(16).padStart(8, "0")}  eb 00           jmp trap_common`,
    ]);
    expect(disasmListing(lines, { bytes: false, current: start + 2 }).split("\n")[2]).toBe(`  =>  ${(start + 2).toString(16).padStart(8, "0")}  push 0x80`);
    roundTrip(disasmJson(lines));
  });

  it("every view's JSON validates against InspectJsonSchema", () => {
    const docs = [
      gdtJson(readGdt(m)),
      idtJson(readIdt(m)),
      tssJson(readTss(m)),
      tssJson(null),
      pageTablesJson(walkPageTables(m)),
      pageTablesJson(walkPageTables(m, undefined, { mappings: true })),
      registersJson(registers(m)),
    ];
    for (const d of docs) expect(roundTrip(d)).toEqual(JSON.parse(JSON.stringify(d)));
  });

  it("the schemas reject malformed documents", () => {
    const good = JSON.parse(JSON.stringify(gdtJson(readGdt(m)))) as { gdt: { entries: { dpl: number }[] } };
    good.gdt.entries[1]!.dpl = 4;
    expect(InspectJsonSchema.safeParse(good).success).toBe(false);
    expect(InspectJsonSchema.safeParse({ view: "nope" }).success).toBe(false);
    expect(InspectJsonSchema.safeParse({ ...registersJson(registers(m)), extra: 1 }).success).toBe(false);
  });
});

// ---- the DBT's views, on data shaped as the DBT will produce it

const stub = addr("isr_stub_128");
const trapCommon = addr("trap_common");
const CACHE = 0xffc00000;

function translationOfSyscallStub(): { guest: ReturnType<typeof disassemble>; host: ReturnType<typeof disassemble>; guestPc: Map<number, number> } {
  const guest = disassemble(readLinear(m, stub, 9).bytes, stub, { symbols });
  // The translation: both pushes copied, the jmp linked to trap_common's block, then an exit stub
  // (push the guest target, jump to the dispatcher) that is host-only glue.
  const rel = (from: number, to: number): number[] => {
    const d = (to - from) >>> 0;
    return [d & 0xff, (d >>> 8) & 0xff, (d >>> 16) & 0xff, d >>> 24];
  };
  const hostBytes = [
    0x6a, 0x00,
    0x68, 0x80, 0x00, 0x00, 0x00,
    0xe9, ...rel(CACHE + 12, CACHE + 0x100),
    0x68, ...rel(0, trapCommon),
    0xe9, ...rel(CACHE + 22, CACHE + 0xf00),
  ];
  const hostSymbols = new SymbolTable([
    ...elf.symbols,
    syntheticSymbol("cache:trap_common", CACHE + 0x100, 0x40),
    syntheticSymbol("dispatcher_entry", CACHE + 0xf00, 16),
  ]);
  const host = disassemble(Uint8Array.from(hostBytes), CACHE, { symbols: hostSymbols });
  const guestPc = new Map([
    [CACHE, stub],
    [CACHE + 2, stub + 2],
    [CACHE + 7, stub + 7],
  ]);
  return { guest, host, guestPc };
}

describe("translations side by side", () => {
  it("pairTranslations groups host instructions under their guest instruction, glue after", () => {
    const { guest, host, guestPc } = translationOfSyscallStub();
    const pairs = pairTranslations(guest, host, (h) => guestPc.get(h.address) ?? null);
    expect(pairs.map((p) => [p.guest?.text ?? null, p.host.map((h) => h.text)])).toEqual([
      ["push 0x0", ["push 0x0"]],
      ["push 0x80", ["push 0x80"]],
      ["jmp trap_common", ["jmp cache:trap_common"]],
      [null, [`push ${hex(trapCommon)}`, "jmp dispatcher_entry"]],
    ]);
    expect(pairs[3]!.host[0]!.comment).toBe("trap_common");
  });

  it("sideBySide aligns each guest line with the first line of its translation", () => {
    const { guest, host, guestPc } = translationOfSyscallStub();
    const pairs = pairTranslations(guest, host, (h) => guestPc.get(h.address) ?? null);
    pairs[2]!.note = "direct jmp: linked to the next block";
    const out = sideBySide(pairs, { bytes: false });
    const g = (a: number): string => a.toString(16).padStart(8, "0");
    expect(out.split("\n")).toEqual([
      "guest (native)            | code cache",
      "--------------------------+---------------------------------------",
      "isr_stub_128:             |",
      `${g(stub)}  push 0x0        | ${g(CACHE)}  push 0x0`,
      `${g(stub + 2)}  push 0x80       | ${g(CACHE + 2)}  push 0x80`,
      `${g(stub + 7)}  jmp trap_common | ${g(CACHE + 7)}  jmp cache:trap_common  ; direct jmp: linked to the next block`,
      `                          | ${g(CACHE + 12)}  push ${hex(trapCommon)}  ; trap_common`,
      `                          | ${g(CACHE + 17)}  jmp dispatcher_entry`,
    ]);
    const json = roundTrip(translationJson(pairs)) as { pairs: { note?: string }[] };
    expect(json.pairs[2]!.note).toBe("direct jmp: linked to the next block");
  });

  it("an elided guest instruction keeps its row with nothing beside it", () => {
    const { guest, host, guestPc } = translationOfSyscallStub();
    guestPc.delete(CACHE + 2);
    const pairs = pairTranslations(guest, host.slice(0, 1), (h) => guestPc.get(h.address) ?? null);
    expect(pairs.map((p) => p.host.length)).toEqual([1, 0, 0]);
    expect(sideBySide(pairs, { bytes: false }).split("\n")[4]).toMatch(/push 0x80\s+\|$/);
  });
});

describe("code cache table", () => {
  const blocks: CodeCacheBlockView[] = [
    {
      cacheStart: CACHE,
      cacheEnd: CACHE + 22,
      guestStart: stub,
      guestEnd: stub + 9,
      cpl: 0,
      paging: true,
      hostInstructions: 5,
      guestInstructions: 3,
      links: [{ toCache: CACHE + 0x100, guestTarget: trapCommon, linked: true }],
    },
    {
      cacheStart: CACHE + 0x100,
      cacheEnd: CACHE + 0x140,
      guestStart: trapCommon,
      guestEnd: addr("trap_return"),
      cpl: 0,
      paging: true,
      hostInstructions: 16,
      guestInstructions: 12,
      links: [{ toCache: CACHE + 0x130, guestTarget: addr("trap_dispatch"), linked: false }],
    },
  ];

  it("one row per block: ranges, where, CPL, paging, counts, expansion and exits", () => {
    const lines = codeCacheTable(blocks, { symbols }).split("\n");
    expect(lines[0]).toMatch(/^code cache\s+bytes\s+guest\s+at\s+cpl\s+paging\s+guest insns\s+host insns\s+ratio\s+exits$/);
    expect(lines[2]).toMatch(/^ffc00000-ffc00016\s+22\s+[0-9a-f]{8}-[0-9a-f]{8}\s+isr_stub_128\s+0\s+on\s+3\s+5\s+1\.67\s+trap_common$/);
    expect(lines[3]).toMatch(/trap_common\s+0\s+on\s+12\s+16\s+1\.33\s+trap_dispatch \(stub\)$/);
    expect(lines[4]).toBe("2 blocks, 86 bytes of code cache, 1 of 2 exits linked");
  });

  it("lists each exit on request", () => {
    const t = codeCacheTable(blocks, { symbols, links: true });
    expect(t).toMatch(/-> trap_dispatch \(0x[0-9a-f]+\)\s+exit stub 0xffc00130$/m);
    expect(t).toMatch(/1\/1 linked$/m);
  });

  it("JSON validates and is a copy", () => {
    const doc = codeCacheJson(blocks);
    expect(roundTrip(doc)).toEqual(JSON.parse(JSON.stringify(doc)));
    doc.blocks[0]!.links[0]!.linked = false;
    expect(blocks[0]!.links[0]!.linked).toBe(true);
  });
});
