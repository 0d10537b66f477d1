// Trace replay: boot the recorded kernel, raise the recorded external interrupts at their retired counts, compare every delivery.
//
// How a replay drives the machine:
//   - the PIT's own interrupts are suppressed (its counters still run: the guest may read them);
//   - each recorded external interrupt is raised on the PIC line the guest's PIC programming maps
//     its vector to, when the replay reaches the record's retired guest instruction count (the run
//     stops exactly there), so the guest's EOI and mask handling behave as recorded;
//   - if the CPU sits in HLT when the interrupt is raised, the clock is moved on to the recorded
//     delivery's cycle, as the recorded run idled until its timer fired, so rdtsc readings agree;
//   - every guest-visible delivery is turned into a record (recorder.ts) and compared with the
//     next recorded one: vector, kind, error code, CR2, CPL and native PC must be equal; the
//     retired count and the guest-visible state hash too, except as described for relaxed mode.
//
// Relaxed mode (BTKernel) leaves code-cache PCs where the guest can see them: in interrupt frames,
// on kernel stacks (call pushes a code-cache return address) and in the kernel's exception table
// extension. A relaxed replay therefore calls a difference a leak, not a divergence, when it is
// one a code-cache PC explains: the frame's EIP is a code-cache PC that maps back to the recorded
// native PC; or only the state hash and retired count differ while guest memory holds code-cache
// PCs (the exception-table search walks the extra entries, so the relaxed guest retires more
// instructions; later external interrupts are raised that many instructions later, the offset
// being re-learned at each delivery the guest raises itself). Anything else is a divergence.
import { readFileSync } from "node:fs";
import type { CpuProbe, DeliveryInfo } from "../cpu/interfaces.js";
import { EVENT_EXTERNAL } from "../cpu/interrupts.js";
import { C_CYCLES, S_HALTED } from "../cpu/state.js";
import { costModelHash, loadCostModel, PRESET_NAMES, type CostModel } from "../cost/model.js";
import { isCodeCache } from "../dbt/layout.js";
import { GuestStop, InputError, MissingInputError, UsageError } from "../errors.js";
import { PAGE_SHIFT, PAGE_SIZE } from "../mem/physical.js";
import { captureGuestState, type GuestState } from "../machine/guest-state.js";
import { Machine, type ExecMode } from "../machine/machine.js";
import type { AsyncPolicy, DeliveryRecord, TraceEnd, TraceHeader } from "./format.js";
import type { CounterSeries } from "./perfetto.js";
import { PLACEHOLDER_STATE_HASH } from "./qemu-import.js";
import { deliveryRecord, kernelSha256, observeDeliveries, traceEnd, traceHeader, TraceRecorder, type TraceStop } from "./recorder.js";
import { irqOfVector, pulseIrq } from "./pic-irq.js";
import { scanTrace, TraceCursor } from "./trace-cursor.js";

/** A raised interrupt the guest has not taken after this many instructions is a divergence. */
export const MAX_PENDING_INSTRUCTIONS = 10_000;

export interface ReplayOptions {
  trace: string;
  /** The kernel image; its SHA-256 must equal the header's. */
  kernel: string;
  mode?: ExecMode;
  asyncPolicy?: AsyncPolicy;
  /** A preset name or a cost model file; default the recording's model (a preset). */
  cost?: string;
  maxCycles?: number;
  /** Write the replay's own trace here (header source "replay"). */
  out?: string;
  onConsole?: (byte: number) => void;
}

export interface FieldDifference {
  field: keyof DeliveryRecord | keyof TraceEnd;
  recorded: string;
  replayed: string;
}

export interface Divergence {
  /** The delivery (seq) where the replay first disagreed, or the recorded delivery count when it was the end. */
  seq: number;
  /** One line: what differed. */
  what: string;
  differences: FieldDifference[];
  recorded: DeliveryRecord | TraceEnd | null;
  replayed: DeliveryRecord | TraceEnd | null;
  /** The replay's guest-visible state at the divergent delivery (null at the end). */
  replayState: GuestState | null;
}

/** Where code-cache PCs reached the guest in a relaxed replay. */
export interface LeakCounts {
  /** Deliveries counted as leaks, all reasons. */
  deliveries: number;
  /** The frame's EIP was a code-cache PC (mapping back to the recorded native PC). */
  frame: number;
  /** Only the state hash and/or retired count differed, with code-cache PCs in guest memory. */
  state: number;
  byVector: Record<number, number>;
  /** The end line's retired count differed (the relaxed guest ran its exception-table search longer). */
  endRetired: boolean;
}

export interface ReplayResult {
  trace: string;
  recording: TraceHeader;
  mode: ExecMode;
  asyncPolicy: AsyncPolicy;
  costModel: string;
  /** Same cost model numbers as the recording (if not, cycles and rdtsc readings differ). */
  sameCostModel: boolean;
  recordedDeliveries: number;
  /** Deliveries compared (up to and including a divergent one). */
  compared: number;
  /** Compared and equal in every field compared. */
  matched: number;
  leaks: LeakCounts;
  /** External interrupts raised at their recorded retired counts. */
  injected: number;
  /** False when the trace's state hashes are placeholders (a QEMU import without hashes). */
  stateHashesCompared: boolean;
  /** The first delivery whose cycle differs from the recording (informational), or null. */
  firstCycleDifference: number | null;
  divergence: Divergence | null;
  /** The recorded end line, and the replay's. */
  end: { recorded: TraceEnd; replayed: TraceEnd };
  notes: string[];
}

const hex = (v: number | null): string => (v === null ? "null" : `0x${(v >>> 0).toString(16).padStart(8, "0")}`);

/** Words in written guest RAM that are code-cache instruction PCs (relaxed mode's leaks into memory). */
export function countCodeCachePcs(machine: Machine): number {
  const d = machine.dbt?.dispatcher;
  if (!d) return 0;
  const phys = machine.phys;
  const words = phys.i32;
  const pages = phys.guestSize >>> PAGE_SHIFT;
  let n = 0;
  for (let p = 0; p < pages; p++) {
    if (phys.touched[p] === 0) continue;
    const base = (p * PAGE_SIZE) >>> 2;
    for (let w = base; w < base + PAGE_SIZE / 4; w++) {
      const v = words[w]! >>> 0;
      if (isCodeCache(v) && d.nativePcOf(v) !== v) n++;
    }
  }
  return n;
}

/** The cost model for a replay: --cost, or the recording's own when it is a preset. */
function replayCost(spec: string | undefined, header: TraceHeader, notes: string[]): CostModel {
  if (spec !== undefined) return loadCostModel(spec);
  if (!(PRESET_NAMES as readonly string[]).includes(header.costModel)) {
    throw new UsageError(`the trace was recorded with cost model "${header.costModel}", not a preset (${PRESET_NAMES.join(", ")}); pass its file with --cost`);
  }
  const cost = loadCostModel(header.costModel);
  if (costModelHash(cost) !== header.costModelHash) {
    notes.push(`the ${header.costModel} preset has changed since the recording (hash ${costModelHash(cost)}, recorded ${header.costModelHash})`);
  }
  return cost;
}

/** Boot the recorded kernel with the recorded command line and RAM, PIT interrupts suppressed. */
function bootForReplay(image: Buffer, header: TraceHeader, cost: CostModel, mode: ExecMode, asyncPolicy: AsyncPolicy, onConsole?: (b: number) => void): Machine {
  const m = new Machine({
    kernelImage: image,
    // The guest sees the name on its multiboot command line (and hashes it with the rest of memory).
    kernelName: header.kernelName,
    cmdline: header.cmdline,
    cost,
    ramBytes: header.ramMiB << 20,
    mode,
    asyncPolicy,
    ...(onConsole ? { onConsole } : {}),
  });
  m.pit.suppressInterrupts = true;
  return m;
}

interface EngineOptions {
  machine: Machine;
  trace: string;
  header: TraceHeader;
  recordedEnd: TraceEnd;
  /** Compare deliveries and stop at the first divergence (false: a reference run). */
  compare: boolean;
  /** Reference run: stop after this delivery, keeping its record and state. */
  captureAt?: number;
  maxCycles: number;
  writer: TraceRecorder | null;
  /** Called with each delivery's record as the replay makes it. */
  onRecord?: (record: DeliveryRecord) => void;
}

/** One replay run: the probe that compares and the loop that injects. */
class ReplayEngine implements CpuProbe {
  private readonly m: Machine;
  private readonly expected: TraceCursor;
  private readonly externals: TraceCursor;
  private nextExternal: DeliveryRecord | null = null;
  /** A raised external interrupt not yet delivered, and the retired count when it was raised. */
  private pending: DeliveryRecord | null = null;
  private pendingSince = 0;
  private haltedAtRaise = false;
  /** Relaxed: replayed minus recorded retired count, learned at deliveries the guest raises itself. */
  private offset = 0;
  private seq = 0;
  private stopped = false;
  readonly relaxed: boolean;
  compared = 0;
  matched = 0;
  injected = 0;
  firstCycleDifference: number | null = null;
  readonly leaks: LeakCounts = { deliveries: 0, frame: 0, state: 0, byVector: {}, endRetired: false };
  divergence: Divergence | null = null;
  captured: { record: DeliveryRecord; state: GuestState } | null = null;

  constructor(private readonly o: EngineOptions) {
    this.m = o.machine;
    this.relaxed = o.machine.mode === "relaxed";
    this.expected = new TraceCursor(o.trace);
    this.externals = new TraceCursor(o.trace);
    this.expected.readHeader();
    this.externals.readHeader();
    this.nextExternal = this.readExternal();
    observeDeliveries(this.m, this);
    // HLT with the PIT silenced: the recorded interrupt that woke the guest, if it is due here.
    this.m.idleHook = () => {
      if (this.stopped || !this.due()) return false;
      this.raise();
      return this.pending !== null;
    };
  }

  private readExternal(): DeliveryRecord | null {
    for (;;) {
      const l = this.externals.readRecordOrEnd();
      if (l.type === "end") return null;
      if (l.kind === "external") return l;
    }
  }

  private diverge(d: Divergence): void {
    this.divergence = d;
    this.stop();
  }

  private stop(): void {
    this.stopped = true;
    this.m.cpu.requestStop();
  }

  /** Raise the next recorded external interrupt now. */
  private raise(): void {
    const rec = this.nextExternal!;
    const irq = irqOfVector(this.m.pic, rec.vector);
    if (irq === null) {
      const { master, slave } = this.m.pic.registers();
      this.diverge({
        seq: rec.seq,
        what: `cannot raise external vector ${rec.vector} (delivery ${rec.seq}): the guest's PIC maps IRQs to 0x${master.vectorBase.toString(16)}-0x${(master.vectorBase + 7).toString(16)} and 0x${slave.vectorBase.toString(16)}-0x${(slave.vectorBase + 7).toString(16)}`,
        differences: [],
        recorded: rec,
        replayed: null,
        replayState: null,
      });
      return;
    }
    this.pending = rec;
    this.pendingSince = this.m.retired;
    this.haltedAtRaise = this.m.cpu.s[S_HALTED] !== 0;
    this.nextExternal = this.readExternal();
    this.injected++;
    pulseIrq(this.m.pic, irq);
  }

  private due(): boolean {
    return this.pending === null && this.nextExternal !== null && this.m.retired >= this.nextExternal.retired + this.offset;
  }

  onDelivery(d: DeliveryInfo): void {
    if (this.stopped) return;
    const m = this.m;
    const expected = this.o.compare ? this.expected.readRecordOrEnd() : null;
    let idle = 0;
    if (d.kind === EVENT_EXTERNAL && this.pending !== null) {
      // The recorded run idled in HLT until its timer fired: let the same time pass (the frame is
      // pushed, the handler has not run: nothing the guest has seen depends on the clock yet).
      if (this.haltedAtRaise && this.pending.cycle > d.cycle) {
        idle = this.pending.cycle - d.cycle;
        m.cpu.ctr[C_CYCLES] += idle;
        m.idleCycles += idle;
      }
      this.pending = null;
    }
    const state = captureGuestState(m, d);
    const rec = deliveryRecord(m, d, this.seq, state);
    rec.cycle += idle;
    this.seq++;
    this.o.writer?.append(rec);
    this.o.onRecord?.(rec);
    if (this.o.captureAt !== undefined && rec.seq === this.o.captureAt) {
      this.captured = { record: rec, state };
      this.stop();
      return;
    }
    if (expected !== null) this.compareWith(expected, rec, state);
    // A second interrupt recorded at the same instruction was already pending in the recorded run.
    if (!this.stopped && d.kind === EVENT_EXTERNAL && this.due()) this.raise();
  }

  onIret(): void {}

  private compareWith(expected: DeliveryRecord | TraceEnd, rec: DeliveryRecord, state: GuestState): void {
    if (expected.type === "end") {
      this.diverge({
        seq: rec.seq,
        what: `the replay delivered ${describeRecord(rec)}, but the recording has only ${expected.deliveries} deliveries`,
        differences: [],
        recorded: expected,
        replayed: rec,
        replayState: state,
      });
      return;
    }
    this.compared++;
    if (this.firstCycleDifference === null && rec.cycle !== expected.cycle) this.firstCycleDifference = rec.seq;
    // hard: the event itself; soft: what a relaxed replay's leaks may explain.
    const hard: FieldDifference[] = [];
    const soft: FieldDifference[] = [];
    const field = (list: FieldDifference[], name: keyof DeliveryRecord, asHex: boolean): void => {
      const a = expected[name];
      const b = rec[name];
      const show = (v: string | number | null): string => (asHex && typeof v !== "string" ? hex(v) : String(v));
      if (a !== b) list.push({ field: name, recorded: show(a), replayed: show(b) });
    };
    field(hard, "vector", false);
    field(hard, "kind", false);
    field(hard, "errorCode", true);
    field(hard, "cr2", true);
    field(hard, "cpl", false);
    field(hard, "nativePc", true);
    field(soft, "retired", false);
    if (this.o.header.source === "qemu-import" && expected.stateHash === PLACEHOLDER_STATE_HASH) this.unhashed++;
    else field(soft, "stateHash", false);

    const note = this.m.dbt?.dispatcher.currentEvent ?? null;
    const frameLeak = this.relaxed && note !== null && note.leak;
    if (hard.length === 0 && soft.length === 0 && !frameLeak) {
      this.matched++;
    } else if (hard.length === 0 && this.relaxed && (frameLeak || countCodeCachePcs(this.m) > 0)) {
      this.leaks.deliveries++;
      if (frameLeak) this.leaks.frame++;
      else this.leaks.state++;
      this.leaks.byVector[rec.vector] = (this.leaks.byVector[rec.vector] ?? 0) + 1;
    } else {
      const all = [...hard, ...soft];
      this.diverge({
        seq: rec.seq,
        what: `delivery ${rec.seq} (${describeRecord(expected)}): ${all.map((f) => `${f.field} ${f.recorded} recorded, ${f.replayed} replayed`).join("; ")}`,
        differences: all,
        recorded: expected,
        replayed: rec,
        replayState: state,
      });
      return;
    }
    if (rec.kind !== "external") this.offset = rec.retired - expected.retired;
  }

  /** Deliveries whose recorded state hash was a placeholder (not compared). */
  unhashed = 0;

  /** Run to the end (or the first divergence); returns how the run stopped. */
  run(): TraceStop {
    const m = this.m;
    // A relaxed run may retire more than recorded; a run far past the recording's end has lost its way.
    const limit = this.o.recordedEnd.retired * 2 + 10_000_000;
    try {
      for (;;) {
        if (this.stopped) return this.divergence !== null ? "divergence" : "exit";
        if (this.due()) {
          this.raise();
          continue;
        }
        let target = limit;
        if (this.pending !== null) {
          if (m.retired - this.pendingSince > MAX_PENDING_INSTRUCTIONS) {
            const p = this.pending;
            this.diverge({
              seq: p.seq,
              what: `the external interrupt of delivery ${p.seq} (${describeRecord(p)}) was raised at retired ${this.pendingSince} but the guest did not take it within ${MAX_PENDING_INSTRUCTIONS} instructions`,
              differences: [],
              recorded: p,
              replayed: null,
              replayState: null,
            });
            continue;
          }
          // One instruction at a time until the guest takes it (normally at once).
          target = m.retired + 1;
        } else if (this.nextExternal !== null) {
          target = Math.min(target, this.nextExternal.retired + this.offset);
        }
        const r = m.run(this.o.maxCycles, { retired: target });
        if (r.reason === "exit") return this.divergence !== null ? "divergence" : "exit";
        if (r.reason === "max-cycles") return "max-cycles";
        if (m.retired >= limit) {
          this.diverge({
            seq: this.seq,
            what: `the replay ran on to ${m.retired} instructions, far past the recording's ${this.o.recordedEnd.retired}, without ending`,
            differences: [],
            recorded: this.o.recordedEnd,
            replayed: null,
            replayState: null,
          });
        }
      }
    } catch (e) {
      if (e instanceof GuestStop) return this.divergence !== null ? "divergence" : e.reason;
      throw e;
    }
  }

  /** After run(): the recording's remaining lines must be its end line, and the two ends must agree. */
  finish(stop: TraceStop): TraceEnd {
    const replayed = traceEnd(this.m, this.seq, stop);
    if (this.divergence !== null || !this.o.compare) return replayed;
    const next = this.expected.readRecordOrEnd();
    if (next.type === "delivery") {
      this.divergence = {
        seq: next.seq,
        what: `the recording has delivery ${next.seq} (${describeRecord(next)}), but the replay ended first (${stop}, after ${this.seq} deliveries, retired ${this.m.retired})`,
        differences: [],
        recorded: next,
        replayed: replayed,
        replayState: null,
      };
      return replayed;
    }
    const diffs: FieldDifference[] = [];
    if (next.stop !== replayed.stop) diffs.push({ field: "stop", recorded: next.stop, replayed: replayed.stop });
    if (next.exitValue !== replayed.exitValue) diffs.push({ field: "exitValue", recorded: String(next.exitValue), replayed: String(replayed.exitValue) });
    if (next.retired !== replayed.retired) {
      if (this.relaxed && diffs.length === 0) this.leaks.endRetired = true;
      else diffs.push({ field: "retired", recorded: String(next.retired), replayed: String(replayed.retired) });
    }
    if (diffs.length > 0) {
      this.divergence = {
        seq: next.deliveries,
        what: `the end: ${diffs.map((f) => `${f.field} ${f.recorded} recorded, ${f.replayed} replayed`).join("; ")}`,
        differences: diffs,
        recorded: next,
        replayed,
        replayState: null,
      };
    }
    return replayed;
  }

  close(): void {
    this.expected.close();
    this.externals.close();
  }
}

/** "IRQ0 (vector 32, external) at retired 1234, eip 0x00101000" */
export function describeRecord(r: DeliveryRecord): string {
  return `vector ${r.vector} ${r.kind} at retired ${r.retired}, eip ${hex(r.nativePc)}`;
}

function readKernelImage(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new MissingInputError(`--kernel ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Replay a trace file; see the file header. Bad input throws a one-line KdbtError before anything runs. */
export function replayTrace(opts: ReplayOptions): ReplayResult {
  const scan = scanTrace(opts.trace);
  const header = scan.header;
  const image = readKernelImage(opts.kernel);
  const sha = kernelSha256(image);
  if (sha !== header.kernelSha256) {
    throw new InputError(
      `${opts.trace}: recorded with a kernel whose SHA-256 is ${header.kernelSha256.slice(0, 16)}... (${header.kernelName}), but ${opts.kernel} is ${sha.slice(0, 16)}...; replay needs the same image (--kernel)`,
    );
  }
  const notes: string[] = [];
  const cost = replayCost(opts.cost, header, notes);
  const sameCostModel = costModelHash(cost) === header.costModelHash;
  if (!sameCostModel) notes.push(`cost model ${cost.name} differs from the recording's ${header.costModel}: cycles differ, and so does any rdtsc reading the guest keeps`);
  const mode = opts.mode ?? header.mode;
  const asyncPolicy = opts.asyncPolicy ?? header.asyncPolicy;
  const machine = bootForReplay(image, header, cost, mode, asyncPolicy, opts.onConsole);
  const writer = opts.out
    ? TraceRecorder.start(machine, opts.out, traceHeader({ kernelImage: image, kernelName: header.kernelName, cmdline: header.cmdline, mode, asyncPolicy, cost, ramMiB: header.ramMiB, source: "replay" }), {
        refuseIfSameAs: [opts.trace, opts.kernel],
        observe: false,
      })
    : null;
  let engine: ReplayEngine | null = null;
  try {
    engine = new ReplayEngine({ machine, trace: opts.trace, header, recordedEnd: scan.end, compare: true, maxCycles: opts.maxCycles ?? Infinity, writer });
    const stop = engine.run();
    const replayedEnd = engine.finish(stop);
    writer?.finish(stop);
    if (header.source === "qemu-import" && engine.unhashed > 0) notes.push(`${engine.unhashed} recorded state hashes are placeholders (a QEMU import without hashes): not compared`);
    if (header.mode === "relaxed" && mode !== "relaxed") notes.push("the recording was made in relaxed mode: its state hashes include the code-cache PCs that reached the guest");
    return {
      trace: opts.trace,
      recording: header,
      mode,
      asyncPolicy,
      costModel: cost.name,
      sameCostModel,
      recordedDeliveries: scan.records,
      compared: engine.compared,
      matched: engine.matched,
      leaks: engine.leaks,
      injected: engine.injected,
      stateHashesCompared: engine.unhashed === 0,
      firstCycleDifference: engine.firstCycleDifference,
      divergence: engine.divergence,
      end: { recorded: scan.end, replayed: replayedEnd },
      notes,
    };
  } catch (e) {
    writer?.abort();
    throw e;
  } finally {
    engine?.close();
  }
}

/** The recorded run's state at delivery `seq`, re-created by replaying in the recording's own configuration. */
export interface RecordedState {
  record: DeliveryRecord;
  state: GuestState;
  /** The re-created record's state hash equals the recorded one: `state` is what was recorded. */
  confirmed: boolean;
  how: string;
}

/**
 * Re-run the recording's configuration (its mode, async policy and cost model) with the same
 * injected interrupts up to delivery `seq`, for the registers a trace does not store. Returns null
 * when the recording's cost model cannot be loaded (a file kdbt was not given).
 */
export function recreateRecordedState(opts: ReplayOptions, seq: number, recorded: DeliveryRecord): RecordedState | null {
  const scan = scanTrace(opts.trace);
  const header = scan.header;
  let cost: CostModel;
  if ((PRESET_NAMES as readonly string[]).includes(header.costModel)) cost = loadCostModel(header.costModel);
  else if (opts.cost !== undefined && costModelHash(loadCostModel(opts.cost)) === header.costModelHash) cost = loadCostModel(opts.cost);
  else return null;
  const machine = bootForReplay(readKernelImage(opts.kernel), header, cost, header.mode, header.asyncPolicy);
  const engine = new ReplayEngine({ machine, trace: opts.trace, header, recordedEnd: scan.end, compare: false, captureAt: seq, maxCycles: opts.maxCycles ?? Infinity, writer: null });
  try {
    engine.run();
  } finally {
    engine.close();
  }
  if (engine.captured === null) return null;
  return {
    ...engine.captured,
    confirmed: engine.captured.record.stateHash === recorded.stateHash,
    how: `re-run in the recording's ${header.mode} mode${header.mode === "native" ? "" : ` (async policy ${header.asyncPolicy})`} to delivery ${seq}`,
  };
}

/**
 * The code-cache size after each delivery, which records do not carry: measured by replaying the
 * trace in its own DBT mode (a counter track for the Perfetto export). At most `maxPoints` points.
 */
export function codeCacheSeries(opts: Pick<ReplayOptions, "trace" | "kernel" | "cost">, maxPoints = Infinity): CounterSeries {
  const scan = scanTrace(opts.trace);
  const header = scan.header;
  if (header.mode === "native") throw new UsageError(`${opts.trace}: recorded in native mode, which has no code cache to measure`);
  const image = readKernelImage(opts.kernel);
  if (kernelSha256(image) !== header.kernelSha256) throw new InputError(`${opts.trace}: recorded with another kernel than ${opts.kernel} (SHA-256 differs)`);
  const machine = bootForReplay(image, header, replayCost(opts.cost, header, []), header.mode, header.asyncPolicy);
  const points: { cycle: number; value: number }[] = [];
  const cache = machine.dbt!.dispatcher.cache;
  const engine = new ReplayEngine({
    machine,
    trace: opts.trace,
    header,
    recordedEnd: scan.end,
    compare: false,
    maxCycles: Infinity,
    writer: null,
    onRecord: (r) => void (points.length < maxPoints && points.push({ cycle: r.cycle, value: cache.stats.bytes })),
  });
  try {
    engine.run();
  } finally {
    engine.close();
  }
  return { name: "code-cache bytes", points };
}
