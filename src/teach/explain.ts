// `kdbt explain`: run to one interrupt or exception delivery and narrate its path through the DBT, step by step.
//
// Capture and narration are separate: the capture (watching the dispatcher through its observer,
// the guest-visible deliveries and IRETs through the session) collects plain data at the moment
// each thing happens; the narration turns it into an ExplainJson document whose `steps` are what
// the text view prints. Nothing here writes to the machine: every read is a side-effect-free peek.
import { NULL_DISPATCHER_OBSERVER, type DispatcherObserver } from "../dbt/dispatcher.js";
import { Tpl, TEMPLATE_NAMES, type TBlock } from "../dbt/code-cache.js";
import type { PcResolution, RollbackStep } from "../dbt/restore.js";
import { CODE_CACHE, HOST_ENTRIES, HOST_ENTRIES_END, MONITOR_BASE, SHADOW_IDT, isCodeCache, isMonitor } from "../dbt/layout.js";
import { EVENT_EXTERNAL, EVENT_SOFTWARE } from "../cpu/interrupts.js";
import { REG_ESP, S_CPL, S_EIP } from "../cpu/state.js";
import { VECTORS } from "../cpu/vectors.js";
import { SHADOW_IDT_LIMIT } from "../dbt/shadow-idt.js";
import { UsageError } from "../errors.js";
import type { SymbolTable } from "./disasm.js";
import { blockPairs, blockView, guestInstruction, guestName, hostInsnAt, markHost, monitorSymbols, namedPc, pairsAround, shadowTargetName, translationOf } from "./dbt-views.js";
import { hex, hex8, renderTable } from "./format.js";
import { ExplainJsonSchema, type ExplainJson, type ExplainStep, type FrameWord, type IdtGate, type RegistersView, type Restored, type TranslationPair } from "./schemas.js";
import type { Delivery, TeachSession } from "./session.js";
import { readIdt, readLinear, readLinearU32, registers } from "./snapshot.js";
import { changedRegisters, gateSummary, sideBySide } from "./tables.js";

/** Which delivery to explain: exactly the Nth, or the first of a vector (preferring one that shows the DBT at work). */
export type ExplainSelection = { event: number } | { vector: number; first: boolean };

/** Host instructions the handler may run before the explain view stops waiting for its IRET. */
export const WAY_BACK_LIMIT = 200_000;

// ---------------------------------------------------------------- capture

/** What the precise dispatcher saw of one hardware delivery through the shadow IDT. */
interface HardwareSide {
  delivery: Delivery;
  frame: FrameWord[];
  /** Registers once the dispatcher popped the hardware frame: the interrupted code's. */
  interrupted: RegistersView | null;
  resolution: { nativePc: number; steps: number; template: string; block: TBlock | null; insnIndex: number; detail: RollbackStep[] } | null;
  afterRollback: RegistersView | null;
  /** Stack words around the interrupted ESP before and after rollback, to show what it restored. */
  stackBefore: StackWindow | null;
  stackAfter: StackWindow | null;
}

interface StackWindow {
  base: number;
  words: (number | null)[];
}

interface AtDelivery {
  seq: number;
  d: Delivery;
  hw: HardwareSide | null;
  guestFrame: FrameWord[];
  guestGate: IdtGate | null;
  shadowGate: IdtGate | null;
  leak: boolean;
  leaksSoFar: number;
  cachePc: number | null;
  nativePc: number;
  dispatcherCycles: number;
  blocksBefore: number;
  /** The interrupted block as it was (relaxed: the block holding the pushed PC). */
  block: TBlock | null;
  hostIndex: number;
  pairs: TranslationPair[];
  hostSymbols: SymbolTable | null;
  stackCachePcs: { address: number; value: number }[];
}

const STACK_WINDOW = 8;

function readStack(s: TeachSession, esp: number): StackWindow {
  const base = (esp - 4 * STACK_WINDOW) >>> 0;
  const words: (number | null)[] = [];
  for (let i = 0; i < 2 * STACK_WINDOW; i++) words.push(readLinearU32(s.machine, (base + 4 * i) >>> 0));
  return { base, words };
}

/** The frame at esp as the CPU lays it out (SDM 3A Figure 6-4): [error code], EIP, CS, EFLAGS, [ESP, SS]. */
function readFrame(s: TeachSession, d: Delivery, note: (name: string, value: number) => string | null): FrameWord[] {
  const names = [...(d.hasErrorCode ? ["error code"] : []), "eip", "cs", "eflags", ...(d.privilegeChange ? ["esp", "ss"] : [])];
  return names.map((name, i) => {
    const address = (d.frameEsp + 4 * i) >>> 0;
    const raw = readLinearU32(s.machine, address) ?? 0;
    const value = name === "cs" || name === "ss" ? raw & 0xffff : raw;
    return { address, name, value, note: note(name, value) };
  });
}

function kindOf(d: Delivery): ExplainJson["event"]["kind"] {
  if (d.kind === EVENT_EXTERNAL) return "external";
  if (d.kind === EVENT_SOFTWARE) return "software";
  const k = VECTORS[d.vector]?.klass;
  return k === "trap" ? "trap" : k === "abort" ? "abort" : "fault";
}

/** "IRQ 0 (PIT timer)" for vectors the PIC delivers, the SDM name for exceptions, "int 0x80" style otherwise. */
export function eventName(s: TeachSession, vector: number, kind: number): string {
  const v = VECTORS[vector];
  if (vector < 32 && v !== undefined) return `${v.mnemonic} ${v.name.toLowerCase()}`;
  const pic = s.machine.pic.registers();
  for (const [chip, first] of [
    [pic.master, 0],
    [pic.slave, 8],
  ] as const) {
    const irq = vector - chip.vectorBase;
    if (kind === EVENT_EXTERNAL && irq >= 0 && irq < 8) return `IRQ ${first + irq}${first + irq === 0 ? " (PIT timer)" : ""}`;
  }
  return kind === EVENT_SOFTWARE ? `int ${hex(vector)}` : `vector ${vector}`;
}

/**
 * Run the session to the selected delivery, capture it, follow the handler back to its IRET, and
 * narrate. Throws UsageError when the run has no such delivery.
 */
export function explain(s: TeachSession, sel: ExplainSelection, cmdline: string): ExplainJson {
  const d = s.dispatcher;
  if (d === null || (s.mode !== "precise" && s.mode !== "relaxed")) throw new UsageError("explain: --mode must be precise or relaxed (a DBT mode)");
  const m = s.machine;
  let hw: HardwareSide | null = null;
  const observer: DispatcherObserver = {
    onShadowDelivery(x) {
      const copy = { ...x };
      hw = { delivery: copy, frame: readFrame(s, copy, () => null), interrupted: null, resolution: null, afterRollback: null, stackBefore: null, stackAfter: null };
    },
    onFrameRewound() {
      if (hw === null) return;
      hw.interrupted = { ...registers(m), eip: hw.delivery.pushedEip >>> 0 };
      hw.stackBefore = readStack(s, m.cpu.s[REG_ESP]!);
    },
    onPcResolved(r: Readonly<PcResolution>) {
      if (hw === null) return;
      hw.resolution = { nativePc: r.nativePc >>> 0, steps: r.steps, template: r.template, block: r.block, insnIndex: r.insnIndex, detail: [...(r.detail ?? [])] };
      hw.afterRollback = { ...registers(m), eip: r.nativePc >>> 0 };
      hw.stackAfter = hw.stackBefore === null ? null : readStack(s, hw.stackBefore.base + 4 * STACK_WINDOW);
    },
  };
  d.observer = observer;
  let firstOfVector: number | null = null;
  let at: AtDelivery | null = null;
  const wanted = (seq: number, x: Delivery, side: HardwareSide | null, leak: boolean): boolean => {
    if ("event" in sel) return seq === sel.event;
    if (x.vector !== sel.vector) return false;
    firstOfVector ??= seq;
    if (sel.first) return true;
    return s.mode === "precise" ? (side?.resolution?.steps ?? 0) > 0 : leak;
  };
  s.watch = {
    delivery: (x, seq) => {
      const note = d.currentEvent;
      // The hardware side belongs to this delivery only if the dispatcher is re-delivering it now.
      const side = s.mode === "precise" && note !== null ? hw : null;
      const leak = s.mode === "relaxed" && note !== null && note.leak;
      if (!wanted(seq, x, side, leak)) return false;
      at = captureAt(s, seq, x, side, note?.dispatcherCycles ?? 0, leak);
      return true;
    },
  };
  try {
    let why = s.run();
    if (at === null && "vector" in sel && !sel.first && firstOfVector !== null) {
      // No delivery of the vector showed the DBT at work: explain the first one, from a fresh run.
      throw new FallBack(firstOfVector);
    }
    if (at === null) {
      const what = "event" in sel ? `--event ${sel.event}` : `--vector ${sel.vector}`;
      const range = s.deliveries === 0 ? "" : s.deliveries === 1 ? " (0)" : ` (0-${s.deliveries - 1})`;
      throw new UsageError(`${what}: the run ${why === "exit" ? "ended" : "stopped"} after ${plural(s.deliveries, "delivery")}${range} without ${"event" in sel ? "it" : `a delivery of vector ${sel.vector}`}`);
    }
    const a: AtDelivery = at;
    const handler = handlerEntry(s, a);
    // On to the IRET that pops this frame (nested events may come and go meanwhile).
    const frameAt = (a.d.frameEsp + (a.d.hasErrorCode ? 4 : 0)) >>> 0;
    let nested = 0;
    let back: WayBackCapture | null = null;
    const retiredAtDelivery = s.retired;
    s.watch = {
      delivery: () => {
        nested++;
        return false;
      },
      iret: (fromCpl, toCpl, eip) => {
        if (fromCpl !== 0 || toCpl !== a.d.fromCpl) return false;
        const esp = m.cpu.s[REG_ESP]! >>> 0;
        const popped = a.d.privilegeChange ? readLinearU32(m, frameAt) === eip >>> 0 && readLinearU32(m, frameAt + 12) === esp : esp === frameAt + 12;
        if (!popped) return false;
        back = { iretPc: m.cpu.insnEip >>> 0, toPc: eip >>> 0, toCpl, cs: readLinearU32(m, frameAt + 4) ?? 0, eflags: readLinearU32(m, frameAt + 8) ?? 0, blocksBefore: d.cache.stats.blocks };
        return true;
      },
    };
    why = s.run({ icount: s.hostInstructions + WAY_BACK_LIMIT });
    if (handler.cachePc === null && handler.viaStub) {
      // Relaxed: the stub has translated the handler by now and patched the gate.
      const pc = d.shadow.resolved[a.d.vector]! >>> 0;
      const b = pc !== 0 ? d.cache.blockAt(pc) : undefined;
      if (b !== undefined) Object.assign(handler, { cachePc: pc, translatedNow: true, pairs: blockPairs(m, b, s.symbols, monitorSymbols(d, m.boot.symbols, s.symbols)).slice(0, 6) });
    }
    const wayBack = why === "iret" && back !== null ? wayBackOf(s, a, back, s.retired - retiredAtDelivery, nested) : null;
    const doc = narrate(s, a, handler, wayBack, sel, cmdline, why);
    return ExplainJsonSchema.parse(doc);
  } finally {
    s.watch = {};
    d.observer = NULL_DISPATCHER_OBSERVER;
  }
}

/** Thrown inside explain() when --vector found no delivery that shows the DBT at work: explain the first one instead. */
class FallBack extends Error {
  constructor(readonly seq: number) {
    super(`fall back to delivery ${seq}`);
  }
}

/**
 * explain() with --vector's fallback: when no delivery of the vector shows the DBT at work (a
 * rollback, or a leaked code-cache PC), explain its first delivery, from a fresh run of the same
 * (deterministic) machine.
 */
export function explainRun(open: () => TeachSession, sel: ExplainSelection, cmdline: string): ExplainJson {
  try {
    return explain(open(), sel, cmdline);
  } catch (e) {
    if (!(e instanceof FallBack) || !("vector" in sel)) throw e;
    const doc = explain(open(), { event: e.seq }, cmdline);
    const what = doc.mode === "precise" ? "cut a translation short" : "interrupted translated code";
    return { ...doc, selection: `--vector ${sel.vector}: no delivery of vector ${sel.vector} ${what}, so the first one (delivery ${e.seq})` };
  }
}

function captureAt(s: TeachSession, seq: number, x: Delivery, hw: HardwareSide | null, dispatcherCycles: number, leak: boolean): AtDelivery {
  const m = s.machine;
  const d = s.dispatcher!;
  const guestIdt = readIdt(m, d.shadow.guestBase, d.shadow.guestLimit);
  const shadowIdt = readIdt(m, SHADOW_IDT, SHADOW_IDT_LIMIT);
  const cachePc = hw !== null ? (isMonitor(hw.delivery.pushedEip) && hw.delivery.fromCpl === 0 ? hw.delivery.pushedEip >>> 0 : null) : leak ? x.pushedEip >>> 0 : null;
  const nativePc = hw?.resolution?.nativePc ?? (cachePc !== null ? d.nativePcOf(cachePc) : x.pushedEip >>> 0);
  let block: TBlock | null = hw?.resolution?.block ?? null;
  if (block === null && cachePc !== null && isCodeCache(cachePc)) block = d.cache.blockAt(cachePc) ?? null;
  const hostSymbols = block !== null || s.mode === "relaxed" ? monitorSymbols(d, m.boot.symbols, s.symbols) : null;
  let hostIndex = -1;
  let pairs: TranslationPair[] = [];
  if (block !== null && cachePc !== null && hostSymbols !== null) {
    hostIndex = hostInsnAt(block, cachePc)?.index ?? -1;
    pairs = pairsAround(blockPairs(m, block, s.symbols, hostSymbols), nativePc, 2, 1);
  }
  const leakNote = (name: string, v: number): string | null => (name === "eip" && isMonitor(v) ? `a code-cache PC: natively ${namedPc(d.nativePcOf(v), s.symbols)}` : null);
  const guestFrame = readFrame(s, x, (name, v) => (name === "eip" ? (isMonitor(v) ? leakNote(name, v) : guestName(v, s.symbols)) : frameNote(name, v)));
  // Relaxed: return addresses that copied calls pushed are code-cache PCs too.
  const stackCachePcs: { address: number; value: number }[] = [];
  if (s.mode === "relaxed" && x.fromCpl === 0) {
    const top = (x.frameEsp + 4 * guestFrame.length) >>> 0;
    const raw = readLinear(m, top, 4 * 64);
    for (let i = 0; i + 4 <= raw.readable; i += 4) {
      const v = (raw.bytes[i]! | (raw.bytes[i + 1]! << 8) | (raw.bytes[i + 2]! << 16) | (raw.bytes[i + 3]! << 24)) >>> 0;
      if (isCodeCache(v)) stackCachePcs.push({ address: (top + i) >>> 0, value: v });
    }
  }
  return {
    seq,
    d: x,
    hw,
    guestFrame,
    guestGate: guestIdt.gates.find((g) => g.vector === x.vector) ?? null,
    shadowGate: shadowIdt.gates.find((g) => g.vector === x.vector) ?? null,
    leak,
    leaksSoFar: d.stats.leaks.deliveries,
    cachePc,
    nativePc,
    dispatcherCycles,
    blocksBefore: d.cache.stats.blocks,
    block,
    hostIndex,
    pairs,
    hostSymbols,
    stackCachePcs,
  };
}

function frameNote(name: string, v: number): string | null {
  if (name === "cs" || name === "ss") return `selector ${hex(v, 2)}: ring ${v & 3}`;
  if (name === "eflags") return (v & 0x200) !== 0 ? "IF set" : "IF clear";
  return null;
}

interface HandlerCapture {
  guestPc: number;
  cachePc: number | null;
  viaStub: boolean;
  translatedNow: boolean;
  pairs: TranslationPair[];
}

/** Where the CPU went after the delivery: the handler's translation (or, relaxed, the stub that makes it). */
function handlerEntry(s: TeachSession, a: AtDelivery): HandlerCapture {
  const d = s.dispatcher!;
  const m = s.machine;
  const eip = m.cpu.s[S_EIP]! >>> 0;
  const guestPc = a.guestGate?.offset ?? eip;
  const b = isCodeCache(eip) ? d.cache.blockAt(eip) : undefined;
  const pairs = b !== undefined ? blockPairs(m, b, s.symbols, monitorSymbols(d, m.boot.symbols, s.symbols)).slice(0, 6) : [];
  return { guestPc, cachePc: b !== undefined ? eip : null, viaStub: eip >= HOST_ENTRIES && eip < HOST_ENTRIES_END, translatedNow: d.cache.stats.blocks > a.blocksBefore, pairs };
}

interface WayBackCapture {
  iretPc: number;
  toPc: number;
  toCpl: number;
  cs: number;
  eflags: number;
  /** Blocks in the cache when the IRET completed: more afterwards means its target was translated then. */
  blocksBefore: number;
}

interface WayBack extends WayBackCapture {
  via: "dispatcher" | "direct";
  continuesAt: number;
  translatedNow: boolean;
  frameEipChanged: boolean;
  guestInstructions: number;
  nested: number;
  iretPairs: TranslationPair[];
  resumePairs: TranslationPair[];
  resumeBlock: TBlock | null;
}

function wayBackOf(s: TeachSession, a: AtDelivery, c: WayBackCapture, guestInstructions: number, nested: number): WayBack {
  const d = s.dispatcher!;
  const m = s.machine;
  const syms = monitorSymbols(d, m.boot.symbols, s.symbols);
  const via = isCodeCache(c.iretPc) ? "direct" : "dispatcher";
  // The IRET's translation: the block holding its copy (relaxed) or its jump to an emulation entry (precise).
  let iretPairs: TranslationPair[] = [];
  const iretNative = via === "direct" ? d.nativePcOf(c.iretPc) : c.iretPc;
  const iretBlock = via === "direct" ? d.cache.blockAt(c.iretPc) : d.cache.liveBlocks().find((b) => translationOf(b, iretNative).some((h) => h.insn.tpl === Tpl.EMULATE));
  if (iretBlock !== undefined) iretPairs = pairsAround(blockPairs(m, iretBlock, s.symbols, syms), iretNative, 1, 0);
  const continuesAt = m.cpu.s[S_EIP]! >>> 0;
  const resumeBlock = m.cpu.s[S_CPL] === 0 && isCodeCache(continuesAt) ? (d.cache.blockAt(continuesAt) ?? null) : null;
  const resumePairs = resumeBlock !== null ? pairsAround(blockPairs(m, resumeBlock, s.symbols, syms), d.nativePcOf(continuesAt), 0, 1) : [];
  const framePc = a.guestFrame.find((w) => w.name === "eip")?.value ?? 0;
  return {
    ...c,
    via,
    continuesAt,
    translatedNow: d.cache.stats.blocks > c.blocksBefore,
    frameEipChanged: c.toPc !== framePc,
    guestInstructions,
    nested,
    iretPairs,
    resumePairs,
    resumeBlock,
  };
}

// ---------------------------------------------------------------- narration

const plural = (n: number, word: string): string => `${n.toLocaleString("en-US")} ${n === 1 ? word : word.endsWith("y") ? `${word.slice(0, -1)}ies` : `${word}s`}`;

function frameTable(words: readonly FrameWord[]): string[] {
  const rows = words.map((w, i) => [`[esp+${4 * i}]`.padEnd(8), hex8(w.address), w.name, hex(w.value, w.name === "cs" || w.name === "ss" ? 2 : 8), w.note ?? ""]);
  return renderTable([{ header: "" }, { header: "address" }, { header: "field" }, { header: "value" }, { header: "" }], rows, { indent: "    ", rule: false }).split("\n").slice(1);
}

function table(pairs: readonly TranslationPair[]): string[] {
  return pairs.length === 0 ? [] : sideBySide(pairs).split("\n").map((l) => `    ${l}`);
}

function restoredOf(hw: HardwareSide): Restored[] {
  const out: Restored[] = [];
  if (hw.interrupted !== null && hw.afterRollback !== null) {
    for (const n of changedRegisters(hw.afterRollback, hw.interrupted)) {
      if (n === "eip") continue;
      const before = hw.interrupted[n];
      const after = hw.afterRollback[n];
      if (typeof before === "number" && typeof after === "number") out.push({ what: n, before, after });
    }
  }
  const b = hw.stackBefore;
  const a = hw.stackAfter;
  if (b !== null && a !== null) {
    b.words.forEach((w, i) => {
      const v = a.words[i];
      if (w !== null && v !== null && v !== undefined && w !== v) out.push({ what: `[${hex8(b.base + 4 * i)}]`, before: w, after: v });
    });
  }
  return out;
}

function narrate(s: TeachSession, a: AtDelivery, h: HandlerCapture, back: WayBack | null, sel: ExplainSelection, cmdline: string, why: string): ExplainJson {
  const d = s.dispatcher!;
  const syms = s.symbols;
  const x = a.d;
  const name = eventName(s, x.vector, x.kind);
  const kind = kindOf(x);
  const steps: ExplainStep[] = [];
  const precise = s.mode === "precise";
  const hw = a.hw;
  const res = hw?.resolution ?? null;

  // Where it landed.
  const landedLines: string[] = [];
  let landed: ExplainJson["landed"] = null;
  const guest = a.block !== null ? (guestInstruction(s.machine, a.nativePc, syms) ?? null) : null;
  if (a.block !== null && a.cachePc !== null && a.hostIndex >= 0) {
    const own = translationOf(a.block, a.nativePc);
    const done = own.filter((t) => t.index < a.hostIndex).length;
    const template = done > 0 ? TEMPLATE_NAMES[own[0]!.insn.tpl] : null;
    const pairs = markHost(a.pairs, a.cachePc, `<= ${kindWord(x)} here: this one had not run`);
    landed = { block: blockView(d, a.block), hostIndex: a.hostIndex, guest, hostDone: done, hostTotal: own.length, template, pairs };
    const insn = guest !== null ? `\`${guest.text}\`` : "the guest instruction";
    landedLines.push(
      `The CPU was in ring 0 at code-cache PC ${hex(a.cachePc)}, inside the translation of ${insn} at ${namedPc(a.nativePc, syms)}`,
      `(block ${hex(a.block.cacheStart)}-${hex(a.block.cacheEnd)}, translating guest ${hex(a.block.guestEip)}-${hex(a.block.guestEnd)}):`,
      "",
      ...table(pairs),
      "",
    );
    if (done > 0) {
      const ran = own.slice(0, done).map((t) => hostText(a, t.index));
      landedLines.push(
        `The ${kindWord(x)} came after host instruction ${done} of ${own.length} of the ${template} translation: ${ran.map((t) => `\`${t}\``).join(", ")} had run, the rest had not.`,
        precise ? `The guest's ${guest?.mnemonic ?? "instruction"} is half done: natively it is one instruction, and an interrupt comes before or after it, never inside.` : "Relaxed mode will not roll it back: the guest sees the state as it is.",
      );
    } else {
      landedLines.push(
        x.kind === EVENT_EXTERNAL
          ? `It landed on the first host instruction of ${insn}'s translation: a guest instruction boundary, nothing half done.`
          : `${insn} itself raised it from its translation's first host instruction: nothing of it had run.`,
      );
    }
  } else if (x.fromCpl === 3) {
    const u = guestInstruction(s.machine, x.kind === EVENT_SOFTWARE ? x.insnEip : x.pushedEip, syms, true);
    landedLines.push(
      `The CPU was in ring 3 at ${hex(x.kind === EVENT_SOFTWARE ? x.insnEip : x.pushedEip)}${u !== null ? ` (\`${u.text}\`)` : ""}.`,
      "User code is never translated (DRK, VMware and BTKernel all run ring 3 natively), so the PC the CPU pushes is the native one.",
    );
  } else if (a.cachePc !== null) {
    landedLines.push(`The CPU was at ${hex(a.cachePc)}, a dispatcher entry (the previous guest instruction had completed; natively the next one is ${namedPc(a.nativePc, syms)}).`);
  } else {
    landedLines.push(`The event was raised while the dispatcher itself was delivering or translating for the guest (at ${namedPc(a.nativePc, syms)}), through the guest's own IDT.`);
  }
  steps.push({ title: "Where it landed", lines: landedLines });

  // The shadow IDT.
  const target = shadowTargetName(d, syms);
  const shadowLines: string[] = [];
  if (a.shadowGate !== null) {
    shadowLines.push(`shadow gate ${x.vector}: ${gateSummary(a.shadowGate, (g) => target(g) ?? hex(g.offset))}`);
  }
  if (precise) {
    shadowLines.push(
      `The real IDTR points at the shadow IDT (${hex(SHADOW_IDT)}), not at the guest's (${hex(d.shadow.guestBase)}). Every shadow gate is a`,
      "DPL-3 interrupt gate to a dispatcher stub, so every event, from any ring, reaches the dispatcher with interrupts off.",
    );
    if (hw !== null) {
      shadowLines.push(
        "",
        `The hardware pushed its frame ${hw.delivery.privilegeChange ? `on the ring-0 stack from the TSS (ss0:esp0), switching from ring ${hw.delivery.fromCpl}` : "on the current stack (same privilege: no stack switch)"}:`,
        ...frameTable(hw.frame.map((w) => (w.name === "eip" && a.cachePc !== null ? { ...w, note: `the code-cache PC: the guest must never see it` } : { ...w, note: frameNote(w.name, w.value) }))),
      );
    }
  } else {
    shadowLines.push(
      "Relaxed (BTKernel): each shadow gate is the guest's own gate, type, DPL and selector, with the handler's",
      h.viaStub
        ? `address replaced. This handler was not translated yet, so the gate still led to dispatcher stub ${x.vector}: the dispatcher translates it and points the gate at the translation.`
        : "address replaced by its translation: the hardware delivers straight into the code cache, with no dispatcher.",
    );
  }
  steps.push({ title: "Through the shadow IDT", lines: shadowLines });

  let rollback: RollbackStep[] = [];
  let restored: Restored[] = [];
  if (precise && hw !== null) {
    const i = hw.interrupted;
    steps.push({
      title: "The dispatcher rewinds the hardware's delivery",
      lines: [
        `It pops the frame: ${i !== null ? `esp ${hex(i.esp)}, eflags ${hex(i.eflags)}, cs ${hex(i.cs.selector, 2)}` : "esp, eflags and cs back"}, as the interrupted code had them.`,
        "The event will be delivered again, natively, once the guest state is that of a guest instruction boundary.",
      ],
    });
    if (res !== null && a.cachePc !== null) {
      const at = res.block !== null ? hostInsnAt(res.block, a.cachePc) : null;
      const lookup =
        res.block !== null && at !== null
          ? `${hex(a.cachePc)} is host instruction ${at.index + 1} of ${res.block.insns.length} in block ${hex(res.block.cacheStart)}; its record says it belongs to the guest instruction at ${namedPc(at.insn.nativePc, syms)}${guest !== null ? `, \`${guest.text}\`` : ""}.`
          : `${hex(a.cachePc)} is a dispatcher entry: its record names the guest PC ${namedPc(res.nativePc, syms)}.`;
      steps.push({
        title: "PC-map lookup (restore.ts, QEMU's cpu_restore_state)",
        lines: [lookup, `The guest instruction boundary is ${namedPc(res.nativePc, syms)}: that is the PC the guest's frame will hold.`],
      });
      rollback = res.detail;
      restored = restoredOf(hw);
      const rl: string[] = [];
      if (res.steps === 0) {
        rl.push("Nothing to roll back: no host instruction of this guest instruction had run.");
      } else {
        rl.push(`The ${res.template} translation was cut short: undo what ran, last first (the rollback recipes in restore.ts):`);
        res.detail.forEach((st, k) => rl.push(`  ${k + 1}. undo ${st.undoes}: ${st.restores}`));
        rl.push("", "Restored:");
        for (const r of restored) rl.push(`  ${r.what.padEnd(12)} ${hex8(r.before)} -> ${hex8(r.after)}${restoreWhy(r, hw, syms)}`);
        rl.push("", `The guest state is now exactly that before ${guest !== null ? `\`${guest.text}\`` : "the instruction"}: a precise interrupt.`);
      }
      steps.push({ title: "Rollback", lines: rl });
    } else {
      steps.push({ title: "PC-map lookup", lines: ["The pushed PC is a native one: nothing to map and nothing to roll back."] });
    }
    steps.push({
      title: "The frame rebuilt through the guest's IDT",
      lines: [
        `guest gate ${x.vector}: ${a.guestGate !== null ? gateSummary(a.guestGate, (g) => guestName(g.offset, syms)) : "(unreadable)"}${a.guestGate?.type === "interrupt" ? ": an interrupt gate, IF cleared" : a.guestGate?.type === "trap" ? ": a trap gate, IF kept" : ""}`,
        `The dispatcher delivers vector ${x.vector} again with the CPU's own delivery code and the guest's IDT, with EIP = ${hex(a.nativePc)}:`,
        "gate type, DPL check, stack switch and error code come out exactly as natively. The guest's handler sees:",
        ...frameTable(a.guestFrame),
        ...(x.kind === EVENT_SOFTWARE && a.guestGate !== null
          ? [`\`int ${hex(x.vector)}\` from ring ${x.fromCpl} is allowed only through a gate of DPL >= ${x.fromCpl}: the guest's gate has DPL ${a.guestGate.dpl}, so ${a.guestGate.dpl >= x.fromCpl ? "it passes" : "#GP"} (the shadow gate's DPL 3 decides nothing).`]
          : []),
        `Dispatcher cost for this event: ${plural(a.dispatcherCycles, "cycle")} (entry and exit, ${res !== null ? `PC lookup, ${plural(res.steps, "rollback step")}, ` : ""}frame rebuild).`,
      ],
    });
  } else if (!precise) {
    const wl: string[] = ["The hardware's frame is the one the guest's handler sees:", ...frameTable(a.guestFrame)];
    if (a.leak) {
      wl.push(
        "",
        `Its EIP ${hex(x.pushedEip)} is a code-cache PC: natively it would be ${namedPc(a.nativePc, syms)}. A transparency leak`,
        `(${plural(a.leaksSoFar, "delivery")} so far in this run leaked one).`,
      );
    }
    if (a.stackCachePcs.length > 0) {
      const shown = Math.min(4, a.stackCachePcs.length);
      wl.push("", `The stack above the frame holds ${plural(a.stackCachePcs.length, "more code-cache PC")}: return addresses pushed by copied calls${shown < a.stackCachePcs.length ? ` (the first ${shown})` : ""}:`);
      for (const w of a.stackCachePcs.slice(0, 4)) wl.push(`    [${hex8(w.address)}] ${hex8(w.value)}  stands for ${namedPc(d.nativePcOf(w.value), syms)}`);
    }
    steps.push({ title: "What the guest sees", lines: wl });
  }

  // The handler's translation.
  const hl: string[] = [];
  if (h.cachePc !== null) {
    hl.push(`${namedPc(h.guestPc, syms)} runs as its translation at ${hex(h.cachePc)} (${h.translatedNow ? "translated just now" : "already in the code cache"}):`, "", ...table(h.pairs));
  } else if (h.viaStub) {
    hl.push(`The gate led to dispatcher stub ${x.vector}, which translates ${namedPc(h.guestPc, syms)} and enters its translation.`);
  } else {
    hl.push(`The handler ${namedPc(h.guestPc, syms)} runs.`);
  }
  steps.push({ title: "Into the guest handler's translation", lines: hl });

  // Relaxed: why nothing breaks.
  const extable = s.mode === "relaxed" ? extableEntries(s) : [];
  if (!precise) {
    const nl = [
      "- The handler never looks at the interrupted PC: it saves registers, handles the event and IRETs to whatever",
      "  the frame holds. Its IRET is translated as BTKernel's iret check: an IRET to ring 3, or to a code-cache PC (or a",
      "  dispatcher entry), runs as the copied IRET; one to a native ring-0 PC (a frame the guest built itself) goes to",
      "  the dispatcher.",
      "- Copied calls leave code-cache return addresses on the stack, and copied rets return to them: consistent.",
      "  A ret to a native kernel address (a stack the guest built itself) traps into the dispatcher (no-escape window).",
      "- Where the kernel does read an interrupted PC, its exception table (fixups for faulting user-memory accesses,",
      "  searched by the frame's EIP), the DBT registered code-cache copies of the entries in the kernel's run-time",
      `  extension table kdbt_extable_ext (as BTKernel does with Linux module tables): ${plural(extable.length, "entry")} now.`,
    ];
    for (const e of extable.slice(0, 4)) nl.push(`    fault ${hex8(e.faultPc)} -> fixup ${hex8(e.fixupPc)}   (natively ${guestName(e.nativeFault, syms)} -> ${guestName(e.nativeFixup, syms)})`);
    steps.push({ title: "Why nothing breaks", lines: nl });
  }

  // The way back.
  const bl: string[] = [];
  if (back !== null) {
    bl.push(
      `After ${plural(back.guestInstructions, "guest instruction")}${back.nested > 0 ? ` (and ${plural(back.nested, "nested delivery", )})` : ""}, the handler's iret pops this frame: eip ${hex(back.toPc)}, cs ${hex(back.cs & 0xffff, 2)}, eflags ${hex(back.eflags)}.`,
    );
    if (back.frameEipChanged) {
      const was = a.guestFrame.find((w) => w.name === "eip")?.value ?? 0;
      const where = (pc: number): string => (isMonitor(pc) ? `${hex(pc)} (the cache copy of ${guestName(d.nativePcOf(pc), syms)})` : namedPc(pc, syms));
      bl.push(`The handler changed the frame's EIP from ${where(was)} to ${where(back.toPc)}: an exception-table fixup or a skipped instruction.`);
    }
    bl.push("", ...table(back.iretPairs), "");
    if (back.via === "dispatcher") {
      bl.push(
        "The iret's translation jumps to an emulation entry: the dispatcher carries the iret out at its native PC, with the",
        "guest's IDTR in place (the frame holds a native PC, so it must not run as a copy in the code cache).",
      );
    } else {
      bl.push(
        `The iret check: the frame's CS has RPL ${back.cs & 3}${back.toCpl === 0 ? ` and its EIP ${hex(back.toPc)} is at or above ${iretCheckBound(back.iretPairs)}` : " (back to ring 3)"},`,
        "so the copied iret runs directly: no dispatcher.",
      );
    }
    if (back.toCpl === 3) {
      bl.push(`Back in ring 3 at ${hex(back.continuesAt)}: user code runs natively.`);
    } else if (back.resumeBlock !== null) {
      bl.push(
        `Execution goes on at ${hex(back.continuesAt)}, in the translation of ${namedPc(d.nativePcOf(back.continuesAt), syms)}${back.translatedNow ? " (a new block, translated just now)" : back.frameEipChanged ? "" : ", exactly where the event left it"}:`,
        "",
        ...table(back.resumePairs),
      );
      if (precise && (res?.steps ?? 0) > 0) bl.push("", `The rolled-back ${guest?.mnemonic ?? "instruction"} now runs again from its first host instruction.`);
    }
  } else {
    bl.push(why === "exit" ? "The guest exited before the handler returned to this frame." : `The handler had not returned to this frame within ${plural(WAY_BACK_LIMIT, "host instruction")} (it may have switched tasks).`);
  }
  steps.push({ title: "The way back", lines: bl });

  const framePc = a.guestFrame.find((w) => w.name === "eip")?.value ?? x.pushedEip;
  return {
    view: "explain",
    mode: precise ? "precise" : "relaxed",
    cmdline,
    selection: selectionText(sel, a.seq, precise),
    event: {
      seq: a.seq,
      vector: x.vector,
      name,
      kind,
      retired: x.retired,
      cycle: x.cycle,
      fromCpl: x.fromCpl & 3,
      errorCode: x.hasErrorCode ? x.errorCode >>> 0 : null,
      cr2: x.vector === 14 ? x.cr2 >>> 0 : null,
      framePc: framePc >>> 0,
      nativePc: a.nativePc >>> 0,
      cachePc: a.cachePc,
      leak: a.leak,
    },
    landed,
    shadowGate: a.shadowGate,
    guestGate: a.guestGate,
    hardwareFrame: hw?.frame ?? null,
    rollback,
    restored,
    guestFrame: a.guestFrame,
    handler: { guestPc: h.guestPc >>> 0, cachePc: h.cachePc, translatedNow: h.translatedNow, pairs: h.pairs },
    extable,
    wayBack:
      back === null
        ? null
        : {
            iretPc: back.iretPc,
            via: back.via,
            toPc: back.toPc,
            toCpl: back.toCpl & 3,
            continuesAt: back.continuesAt,
            frameEipChanged: back.frameEipChanged,
            guestInstructions: back.guestInstructions,
            nestedDeliveries: back.nested,
            pairs: [...back.iretPairs, ...back.resumePairs],
          },
    steps,
  };
}

/** The address the iret check compares the frame's EIP with, read from its `cmp dword [esp+4], imm32`. */
function iretCheckBound(pairs: readonly TranslationPair[]): string {
  for (const p of pairs) {
    for (const h of p.host) {
      if (!h.bytes.startsWith("81 7c 24 04")) continue;
      const imm = parseInt(h.bytes.split(" ").slice(4, 8).reverse().join(""), 16) >>> 0;
      const what = imm === MONITOR_BASE ? " (the monitor region: the code cache and the dispatcher's entries)" : imm === CODE_CACHE ? " (the code cache)" : "";
      return `${hex(imm)}${what}`;
    }
  }
  return "the monitor region";
}

function kindWord(x: Delivery): string {
  return x.kind === EVENT_EXTERNAL ? "interrupt" : x.kind === EVENT_SOFTWARE ? "software interrupt" : "exception";
}

function hostText(a: AtDelivery, index: number): string {
  const b = a.block!;
  const addr = (b.cacheStart + b.insns[index]!.offset) >>> 0;
  for (const p of a.pairs) for (const h of p.host) if (h.address === addr) return h.text;
  return hex(addr);
}

/** Why a restored stack word matters: the hardware's frame had overwritten a live slot. */
function restoreWhy(r: Restored, hw: HardwareSide, syms: SymbolTable): string {
  if (!r.what.startsWith("[")) return "";
  const why: string[] = [];
  const slot = hw.frame.find((w) => `[${hex8(w.address)}]` === r.what);
  if (slot !== undefined) why.push(`the hardware's frame had put ${slot.name.toUpperCase()} there`);
  const back = guestName(r.after, syms);
  if (back !== hex(r.after)) why.push(`${back} is back`);
  return why.length === 0 ? "" : `   (${why.join("; ")})`;
}

function selectionText(sel: ExplainSelection, seq: number, precise: boolean): string {
  if ("event" in sel) return `--event ${sel.event}: delivery ${seq} of the run`;
  if (sel.first) return `--vector ${sel.vector} --first: the first delivery of vector ${sel.vector} (delivery ${seq})`;
  return `--vector ${sel.vector}: the first delivery of vector ${sel.vector} that ${precise ? "cut a translation short (a rollback)" : "interrupted translated code (a code-cache PC in its frame)"}, else the first delivery of it (delivery ${seq})`;
}

/** Relaxed: the entries the DBT wrote into the kernel's exception-table extension, read back from guest memory. */
function extableEntries(s: TeachSession): ExplainJson["extable"] {
  const m = s.machine;
  const d = s.dispatcher!;
  const find = (n: string): number | null => m.boot.symbols.find((x) => x.name === n)?.value ?? null;
  const table = find("kdbt_extable_ext");
  const count = find("kdbt_extable_ext_count");
  if (table === null || count === null) return [];
  const n = Math.min(256, readLinearU32(m, count) ?? 0);
  const out: ExplainJson["extable"] = [];
  for (let i = 0; i < n; i++) {
    const faultPc = readLinearU32(m, table + 8 * i);
    const fixupPc = readLinearU32(m, table + 8 * i + 4);
    if (faultPc === null || fixupPc === null) break;
    out.push({ faultPc, fixupPc, nativeFault: d.nativePcOf(faultPc), nativeFixup: d.nativePcOf(fixupPc) });
  }
  return out;
}

// ---------------------------------------------------------------- text

/** The narration as printed: a header, then each step numbered. */
export function explainText(doc: ExplainJson): string {
  const e = doc.event;
  const design = doc.mode === "precise" ? "precise mode (DynamoRIO-Kernel / VMware: PC rewrite and rollback)" : "relaxed mode (BTKernel: code-cache PCs reach the guest)";
  const out = [
    `kdbt explain: "${doc.cmdline}", ${design}`,
    `delivery ${e.seq}: vector ${e.vector} (${hex(e.vector, 2)}) ${e.name}, ${e.kind === "external" ? "an external interrupt" : e.kind === "software" ? "a software interrupt" : `a ${e.kind}`}, from ring ${e.fromCpl},`,
    `taken after ${plural(e.retired, "guest instruction")} (cycle ${e.cycle.toLocaleString("en-US")})${e.errorCode !== null ? `, error code ${hex(e.errorCode)}` : ""}${e.cr2 !== null ? `, cr2 ${hex(e.cr2)}` : ""}`,
    `selected by ${doc.selection}`,
  ];
  doc.steps.forEach((st, i) => {
    out.push("", `${i + 1}. ${st.title}`, ...st.lines.map((l) => (l === "" ? "" : `   ${l}`)));
  });
  return out.map((l) => l.trimEnd()).join("\n") + "\n";
}
