// kdbt explain on fixed events, checked against expectations worked out by hand from the SDM, the translation templates and the kernel's ELF.
//
// Where each expectation comes from:
// - gates: guest-kernel/kernel/idt.c (exceptions and IRQs: interrupt gates, DPL 0; 0x80: trap gate,
//   DPL 3; handlers isr_stub_N from entry.S) and idt/vectors.json's "shadow" layout (precise: every
//   shadow gate a DPL-3 interrupt gate to the stub at hostEntries + vector * stride);
// - frames: SDM 3A 6.12.1, Figure 6-4 (same privilege: EFLAGS, CS, EIP at ESP-12; from ring 3 SS,
//   ESP first; #PF adds an error code below EIP);
// - translations: the templates in src/dbt/translate.ts: a direct call is `push imm32` (the native
//   return address) then `jmp rel32`; a ret is `pop [spill0]` (8f 05 + the slot's address) then
//   `jmp rel32` to the lookup; relaxed mode copies instructions byte for byte;
// - rollback: the recipes in src/dbt/restore.ts: an interrupted call-push gives back its 4 stack
//   bytes (ESP += 4); an interrupted ret-pop takes the slot back (ESP -= 4) and rewrites it with the
//   return address, which the hardware's EFLAGS had overwritten;
// - native PCs and return addresses: the kernel image's own bytes and symbols, read here from the ELF.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import { TEACH_CMDLINE } from "../../src/cli/teach-commands.js";
import { loadCostModel } from "../../src/cost/model.js";
import { FLAG_IF, S_CPL, S_EFLAGS, S_EIP } from "../../src/cpu/state.js";
import { Tpl } from "../../src/dbt/code-cache.js";
import { parseElf, type ElfSymbol } from "../../src/machine/elf.js";
import { explain, explainRun } from "../../src/teach/explain.js";
import { ExplainJsonSchema, InspectJsonSchema, type ExplainJson } from "../../src/teach/schemas.js";
import { TeachSession } from "../../src/teach/session.js";
import { expectOneLine, kdbt as kdbtCli, type CliRun } from "../helpers/run-cli.js";

/** Bad input as the README promises: exit status 64 and one line on stderr. */
function expectUsageError(r: CliRun, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(64);
  expectOneLine(r.stderr, pattern);
}

const image = readFileSync(DEFAULT_KERNEL);
const elf = parseElf(image, "kernel.elf");
const sym = (name: string): ElfSymbol => {
  const s = elf.symbols.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no symbol ${name}`);
  return s;
};
/** The function symbol holding an address. */
const funcAt = (a: number): ElfSymbol => {
  const s = elf.symbols.find((x) => x.type === "func" && a >= x.value && a < x.value + x.size);
  if (s === undefined) throw new Error(`no function holds 0x${a.toString(16)}`);
  return s;
};
/** Bytes of the kernel image at a linear address (from its sections, not from any run). */
function bytesAt(address: number, length: number): number[] {
  const s = elf.sections.find((x) => x.type !== 8 && x.addr !== 0 && address >= x.addr && address + length <= x.addr + x.size);
  if (s === undefined) throw new Error(`0x${address.toString(16)} is in no section with file bytes`);
  return [...image.subarray(s.offset + (address - s.addr), s.offset + (address - s.addr) + length)];
}
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const word = (b: number[], i = 0): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
const hexBytes = (b: number[]): string => b.map((x) => x.toString(16).padStart(2, "0")).join(" ");

const layout = JSON.parse(readFileSync(join(import.meta.dirname, "../../idt/vectors.json"), "utf8")).shadow as Record<string, number>;
const MONITOR = layout.monitorBase!;
const STUB = (v: number): number => MONITOR + layout.hostEntriesOffset! + v * layout.interruptStubStride!;
const SPILL0 = MONITOR + layout.spillOffset!;
const CACHE_START = MONITOR + layout.codeCacheOffset!;
const inCache = (pc: number | null): boolean => pc !== null && pc >= CACHE_START && pc < CACHE_START + layout.codeCacheBytes!;
const KERNEL_CS = 0x08; // include/layout.h
const EFLAGS_IF = 1 << 9; // SDM 1 3.4.3

const open = (cmdline: string, mode: "precise" | "relaxed"): TeachSession =>
  new TeachSession({ kernelImage: image, kernelName: "kernel.elf", cmdline, mode, cost: loadCostModel("default") });

const frameWord = (frame: ExplainJson["guestFrame"], name: string): number => frame.find((w) => w.name === name)!.value;

/**
 * Explain an external interrupt injected when the CPU reaches the host instruction right after
 * the first one of a rewritten call or ret (found by stepping the timer workload's recursion).
 */
function injectedInside(first: Tpl, second: Tpl): ExplainJson {
  const s = open(TEACH_CMDLINE, "precise");
  s.run({ retired: 30_000 });
  const m = s.machine;
  const cache = s.dispatcher!.cache;
  for (let i = 0; i < 500; i++) {
    const pc = m.cpu.s[S_EIP]! >>> 0;
    const b = m.cpu.s[S_CPL] === 0 && (m.cpu.s[S_EFLAGS]! & FLAG_IF) !== 0 ? cache.blockAt(pc) : undefined;
    const k = b?.insns.findIndex((x) => (b.cacheStart + x.offset) >>> 0 === pc) ?? -1;
    if (b !== undefined && k > 0 && b.insns[k]!.tpl === second && b.insns[k - 1]!.tpl === first) {
      m.injectExternal(0x20);
      return explain(s, { event: s.deliveries }, TEACH_CMDLINE);
    }
    s.run({ icount: s.hostInstructions + 1 });
  }
  throw new Error("never reached the template");
}

/** The facts every precise timer interrupt in the recursion shares, whatever it cut short. */
function expectPreciseTimer(doc: ExplainJson): void {
  expect(ExplainJsonSchema.safeParse(doc).success).toBe(true);
  expect(doc.event).toMatchObject({ vector: 32, kind: "external", fromCpl: 0, errorCode: null, leak: false });
  expect(doc.guestGate).toMatchObject({ vector: 32, present: true, type: "interrupt", dpl: 0, selector: KERNEL_CS, offset: sym("isr_stub_32").value });
  expect(doc.shadowGate).toMatchObject({ vector: 32, present: true, type: "interrupt", dpl: 3, offset: STUB(32) });
  // The hardware pushed the code-cache PC; the guest's frame holds the native one.
  expect(inCache(doc.event.cachePc)).toBe(true);
  expect(frameWord(doc.hardwareFrame!, "eip")).toBe(doc.event.cachePc);
  expect(frameWord(doc.guestFrame, "eip")).toBe(doc.event.nativePc);
  expect(doc.event.framePc).toBe(doc.event.nativePc);
  expect(frameWord(doc.guestFrame, "cs")).toBe(KERNEL_CS);
  expect(doc.hardwareFrame!.map((w) => w.name)).toEqual(["eip", "cs", "eflags"]);
  // An external interrupt is only taken with IF set; the rebuilt frame carries the same EFLAGS.
  expect(frameWord(doc.hardwareFrame!, "eflags") & EFLAGS_IF).toBe(EFLAGS_IF);
  expect(frameWord(doc.guestFrame, "eflags")).toBe(frameWord(doc.hardwareFrame!, "eflags"));
  expect(doc.handler.guestPc).toBe(sym("isr_stub_32").value);
  expect(inCache(doc.handler.cachePc)).toBe(true);
  expect(doc.handler.pairs[0]!.guest!.address).toBe(sym("isr_stub_32").value);
  expect(doc.handler.pairs[0]!.host[0]!.bytes).toBe(hexBytes(bytesAt(sym("isr_stub_32").value, 2)));
  // Back through the dispatcher (precise iret is emulated) to the native PC, translated again.
  expect(doc.wayBack).not.toBeNull();
  expect(doc.wayBack).toMatchObject({ via: "dispatcher", toPc: doc.event.nativePc, toCpl: 0, frameEipChanged: false });
  expect(bytesAt(doc.wayBack!.iretPc, 1)).toEqual([0xcf]); // IRET
  expect(inCache(doc.wayBack!.continuesAt)).toBe(true);
  const again = doc.wayBack!.pairs.find((p) => p.guest?.address === doc.event.nativePc)!;
  expect(again.host[0]!.address).toBe(doc.wayBack!.continuesAt);
}

/** A ret cut after its pop: one step, ESP back down by 4 and the return address back in its slot. */
function expectRetPop(doc: ExplainJson): void {
  const pc = doc.event.nativePc;
  expect(bytesAt(pc, 1)).toEqual([0xc3]); // RET near
  const f = funcAt(pc);
  expect(doc.landed).toMatchObject({ hostDone: 1, hostTotal: 2, template: "ret-pop" });
  const pair = doc.landed!.pairs.find((p) => p.guest?.address === pc)!;
  expect(pair.host).toHaveLength(2);
  expect(pair.host[0]!.bytes).toBe(hexBytes([0x8f, 0x05, ...le32(SPILL0)])); // pop dword [spill0]
  expect(pair.host[1]!.bytes.slice(0, 2)).toBe("e9"); // jmp rel32 to the lookup
  expect(pair.host[1]!.address).toBe(doc.event.cachePc); // it stopped before the jmp
  expect(doc.rollback).toEqual([{ undoes: "ret-pop", restores: expect.stringMatching(/esp -= 4/) }]);
  const hwEsp = doc.hardwareFrame![0]!.address + 12; // the interrupted ESP, after the pop
  const esp = doc.restored.find((r) => r.what === "esp")!;
  expect(esp).toEqual({ what: "esp", before: hwEsp, after: hwEsp - 4 });
  const slot = doc.restored.find((r) => r.what.startsWith("["))!;
  expect(parseInt(slot.what.slice(1), 16)).toBe(hwEsp - 4);
  expect(slot.before).toBe(frameWord(doc.hardwareFrame!, "eflags")); // what the hardware pushed over it
  // The return address is just after a `call rel32` to this very function (the recursion).
  const ra = slot.after;
  const call = bytesAt(ra - 5, 5);
  expect(call[0]).toBe(0xe8);
  expect((ra + word(call, 1)) >>> 0).toBe(f.value);
  expect(doc.restored).toHaveLength(2);
  expect(doc.guestFrame[0]!.address).toBe(doc.hardwareFrame![0]!.address - 4);
}

/** A call cut after its push: one step, ESP back up by 4, nothing else. */
function expectCallPush(doc: ExplainJson): void {
  const pc = doc.event.nativePc;
  const insn = bytesAt(pc, 5);
  expect(insn[0]).toBe(0xe8); // CALL rel32
  expect(doc.landed).toMatchObject({ hostDone: 1, hostTotal: 2, template: "call-push" });
  const pair = doc.landed!.pairs.find((p) => p.guest?.address === pc)!;
  expect(pair.host).toHaveLength(2);
  expect(pair.host[0]!.bytes).toBe(hexBytes([0x68, ...le32(pc + 5)])); // push the native return address
  expect(pair.host[1]!.bytes.slice(0, 2)).toBe("e9");
  expect(pair.host[1]!.address).toBe(doc.event.cachePc);
  expect(doc.rollback).toEqual([{ undoes: "call-push", restores: expect.stringMatching(/esp \+= 4/) }]);
  const hwEsp = doc.hardwareFrame![0]!.address + 12;
  expect(doc.restored).toEqual([{ what: "esp", before: hwEsp, after: hwEsp + 4 }]);
  expect(doc.guestFrame[0]!.address).toBe(doc.hardwareFrame![0]!.address + 4);
}

describe("kdbt explain, precise mode: an interrupt inside a translation, rolled back", () => {
  let retDoc: ExplainJson;
  beforeAll(() => {
    retDoc = injectedInside(Tpl.RET_POP, Tpl.IND_JMP);
  });

  it("inside ret's translation: the frame holds the ret, its return address is put back", () => {
    expectPreciseTimer(retDoc);
    expectRetPop(retDoc);
  });

  it("the hand-worked checks reject a wrong rollback (a word restored wrong, a step missing, the wrong native PC)", () => {
    const wrongWord = structuredClone(retDoc);
    wrongWord.restored = wrongWord.restored.map((r) => (r.what.startsWith("[") ? { ...r, after: r.after + 5 } : r));
    expect(() => expectRetPop(wrongWord)).toThrow();
    expect(() => expectRetPop({ ...retDoc, rollback: [] })).toThrow();
    expect(() => expectPreciseTimer({ ...retDoc, event: { ...retDoc.event, nativePc: retDoc.event.nativePc + 1 } })).toThrow();
  });

  it("inside a call's translation: the pushed return address is given back", () => {
    const doc = injectedInside(Tpl.CALL_PUSH, Tpl.CALL_JMP);
    expectPreciseTimer(doc);
    expectCallPush(doc);
  });

  it("done when: `kdbt explain --vector 32` (no other flags) shows a timer interrupt inside a translation and its rollback", async () => {
    const r = await kdbtCli("explain", "--vector", "32", "--json");
    expect(r.code, r.stderr).toBe(0);
    const doc = ExplainJsonSchema.parse(JSON.parse(r.stdout));
    expect(InspectJsonSchema.safeParse(doc).success).toBe(true);
    expect(doc.cmdline).toBe(TEACH_CMDLINE);
    expectPreciseTimer(doc);
    expect(doc.rollback.length).toBeGreaterThan(0);
    if (doc.landed!.template === "ret-pop") expectRetPop(doc);
    else expectCallPush(doc);
    // The text view tells the same story, step by step.
    const t = await kdbtCli("explain", "--vector", "32");
    expect(t.stdout).toMatch(/^1\. Where it landed$/m);
    expect(t.stdout).toMatch(/<= interrupt here: this one had not run/);
    expect(t.stdout).toMatch(/shadow gate 32: int32 dpl3 0x8:dispatcher stub 32/);
    expect(t.stdout).toMatch(/^\d\. Rollback\n.*\n\s+1\. undo (ret-pop|call-push)/m);
    expect(t.stdout).toMatch(/guest gate 32: int32 dpl0 0x8:isr_stub_32: an interrupt gate, IF cleared/);
    expect(t.stdout).toMatch(/^\d\. The way back$/m);
  });
});

describe("kdbt explain, relaxed mode: what the guest sees", () => {
  let doc: ExplainJson;
  beforeAll(() => {
    doc = explainRun(() => open(TEACH_CMDLINE, "relaxed"), { vector: 32, first: false }, TEACH_CMDLINE);
  });

  it("the frame leaks the code-cache PC of a byte-for-byte copy of the interrupted instruction", () => {
    expect(doc.event).toMatchObject({ vector: 32, fromCpl: 0, leak: true });
    expect(inCache(doc.event.cachePc)).toBe(true);
    expect(doc.event.framePc).toBe(doc.event.cachePc);
    expect(frameWord(doc.guestFrame, "eip")).toBe(doc.event.cachePc);
    expect(doc.hardwareFrame).toBeNull();
    expect(doc.rollback).toEqual([]);
    const pair = doc.landed!.pairs.find((p) => p.guest?.address === doc.event.nativePc)!;
    const h = pair.host.find((x) => x.address === doc.event.cachePc)!;
    expect(h.bytes).toBe(hexBytes(bytesAt(doc.event.nativePc, h.length)));
  });

  it("the shadow gate is the guest's gate (interrupt, DPL 0) with the handler's address replaced", () => {
    expect(doc.guestGate).toMatchObject({ type: "interrupt", dpl: 0, offset: sym("isr_stub_32").value });
    expect(doc.shadowGate).toMatchObject({ type: "interrupt", dpl: 0, selector: KERNEL_CS });
    expect(doc.shadowGate!.offset === STUB(32) || inCache(doc.shadowGate!.offset)).toBe(true);
  });

  it("the copied iret (past the iret check) returns straight to the leaked PC, no dispatcher", () => {
    expect(doc.wayBack).toMatchObject({ via: "direct", toPc: doc.event.cachePc, continuesAt: doc.event.cachePc, frameEipChanged: false });
    expect(inCache(doc.wayBack!.iretPc)).toBe(true);
  });
});

describe("kdbt explain on other events", () => {
  it("a system call from ring 3: native PC, stack switch, the guest's DPL-3 trap gate, back to ring 3", () => {
    const cmdline = "workload=syscall iters=3";
    const doc = explainRun(() => open(cmdline, "precise"), { vector: 0x80, first: false }, cmdline);
    expect(doc.selection).toMatch(/no delivery of vector 128 cut a translation short/);
    expect(doc.event).toMatchObject({ vector: 0x80, kind: "software", fromCpl: 3, cachePc: null });
    expect(bytesAt(doc.event.framePc - 2, 2)).toEqual([0xcd, 0x80]); // INT imm8: the frame holds the next instruction
    expect(doc.guestGate).toMatchObject({ type: "trap", dpl: 3, offset: sym("isr_stub_128").value });
    expect(doc.hardwareFrame!.map((w) => w.name)).toEqual(["eip", "cs", "eflags", "esp", "ss"]);
    expect(frameWord(doc.guestFrame, "cs") & 3).toBe(3);
    expect(doc.landed).toBeNull();
    expect(doc.rollback).toEqual([]);
    expect(doc.wayBack).toMatchObject({ via: "dispatcher", toCpl: 3, toPc: doc.event.framePc, continuesAt: doc.event.framePc });
  });

  it("an exception-table fixup: #PF at copy_dwords, resumed at the fixup the kernel's __ex_table names", () => {
    const cmdline = "workload=fixup iters=2";
    // kernel.ld gathers every EXTABLE(insn, fixup) pair between these two symbols.
    const start = sym("__start___ex_table").value;
    const table = bytesAt(start, sym("__stop___ex_table").value - start);
    expect(table.length).toBeGreaterThanOrEqual(16);
    const fixups = new Map<number, number>();
    for (let i = 0; i + 8 <= table.length; i += 8) fixups.set(word(table, i), word(table, i + 4));
    const precise = explainRun(() => open(cmdline, "precise"), { vector: 14, first: true }, cmdline);
    expect(precise.event).toMatchObject({ vector: 14, kind: "fault", fromCpl: 0, framePc: sym("copy_dwords").value });
    expect(precise.event.errorCode).not.toBeNull();
    expect(precise.hardwareFrame!.map((w) => w.name)).toEqual(["error code", "eip", "cs", "eflags"]);
    expect(precise.wayBack).toMatchObject({ frameEipChanged: true, toPc: fixups.get(sym("copy_dwords").value), via: "dispatcher" });
    // Relaxed: the frame holds the copy's code-cache PC; the kernel finds it in the entries the DBT registered.
    const relaxed = explainRun(() => open(cmdline, "relaxed"), { vector: 14, first: true }, cmdline);
    expect(relaxed.event.leak).toBe(true);
    const entry = relaxed.extable.find((e) => e.faultPc === relaxed.event.framePc)!;
    expect(entry).toMatchObject({ nativeFault: sym("copy_dwords").value, nativeFixup: fixups.get(sym("copy_dwords").value) });
    expect(relaxed.wayBack).toMatchObject({ frameEipChanged: true, toPc: entry.fixupPc, via: "direct" });
  });
});

describe("kdbt explain: bad input", () => {
  it("--event beyond the run's deliveries, a malformed number, --first with --event, a native mode: one line, exit 64", async () => {
    expectUsageError(await kdbtCli("explain", "--cmdline", "workload=syscall iters=2", "--event", "50"), /^kdbt: --event 50: the run ended after [3-9] deliveries \(0-\d\) without it$/);
    expectUsageError(await kdbtCli("explain", "--event", "x1"), /^kdbt: --event x1: expected a whole number/);
    expectUsageError(await kdbtCli("explain", "--vector", "256"), /^kdbt: --vector 256: expected a whole number from 0 to 255/);
    expectUsageError(await kdbtCli("explain", "--event", "1", "--first"), /^kdbt: --first goes with --vector/);
    expectUsageError(await kdbtCli("explain", "--mode", "native"), /^kdbt: .*mode/);
  });
});
