// QEMU `-d int` log -> kdbt trace: replays the same kernel natively on kdbt, aligned event by event with the log.
//
// QEMU's log says which events happened and the registers at each, but not how many instructions
// ran in between, which a trace needs (`retired`, the replay's injection point). So the kernel is
// booted on kdbt natively with the PIT silenced, and driven one instruction boundary at a time:
//   - an exception or software interrupt in the log must be the next event kdbt delivers by
//     itself; its vector, EIP, error code, CR2 and CPL must agree with the log;
//   - a hardware interrupt is injected: kdbt steps until its registers (EIP, EAX..EDI, the EFLAGS
//     arithmetic bits with IF and DF, CPL) equal the logged ones, raises the IRQ on the PIC and
//     lets the CPU take it there.
// Each delivery becomes a record with kdbt's retired count and cycle at that point. Fields the log
// cannot supply are listed in the result's `notRecovered`.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { Machine } from "../machine/machine.js";
import { RUN_STOP } from "../cpu/cpu.js";
import { EVENT_EXTERNAL, EVENT_SOFTWARE } from "../cpu/interrupts.js";
import type { CpuProbe, DeliveryInfo } from "../cpu/interfaces.js";
import { materializeFlags } from "../cpu/flags.js";
import { vectorLabel } from "../cpu/vectors.js";
import {
  ARITH_FLAGS,
  C_CYCLES,
  C_ICOUNT,
  FLAG_DF,
  FLAG_IF,
  REG_EAX,
  REG_EBP,
  REG_EBX,
  REG_ECX,
  REG_EDI,
  REG_EDX,
  REG_ESI,
  REG_ESP,
  S_CC_OP,
  S_CPL,
  S_EFLAGS,
  S_EIP,
  S_HALTED,
} from "../cpu/state.js";
import { loadCostModel, type CostModel } from "../cost/model.js";
import { GuestStop, InputError, MissingInputError, UsageError } from "../errors.js";
import type { DeliveryRecord, TraceEnd, TraceHeader, TraceLine } from "./format.js";
import { validateTraceLines } from "./jsonl.js";
import { irqOfVector, pulseIrq } from "./pic-irq.js";
import { eventKindOf, traceHeader } from "./recorder.js";
import { kernelEvents, readQemuLog, type QemuCpuState, type QemuInterruptEvent, type QemuLog } from "./qemu-log.js";

/** stateHash of every imported record until a real hash function is passed (see stateHashOf). */
export const PLACEHOLDER_STATE_HASH = "0000000000000000";

/** Default bound on instruction boundaries kdbt may step while looking for one logged event. */
export const DEFAULT_MAX_STEPS = 20_000_000;

export interface QemuImportOptions {
  /** The -append string QEMU ran with. The log does not record it, so it is required. */
  cmdline?: string;
  /** The name the guest sees first on its command line: QEMU passes the -kernel argument as given (default: the file's base name). */
  kernelName?: string;
  /** Cost model for kdbt's aligned run (default: the icount preset, QEMU's -icount shift=0). */
  cost?: CostModel;
  /** Guest RAM in MiB (QEMU's -m; not in the log; default 128, QEMU's default). */
  ramMiB?: number;
  /**
   * The hash of the guest-visible state at a delivery, called inside kdbt's delivery (the frame is
   * pushed, the handler not yet run). Default: PLACEHOLDER_STATE_HASH for every record.
   */
  stateHashOf?: (machine: Machine, delivery: DeliveryInfo) => string;
  /** Instruction boundaries to try per logged event before giving up (default DEFAULT_MAX_STEPS). */
  maxSteps?: number;
}

export interface QemuImportReport {
  log: string;
  kernel: string;
  /** Protected-mode events in the log. */
  logEvents: number;
  /** Events before the kernel's first (SeaBIOS, the multiboot option ROM), skipped. */
  firmwareEvents: number;
  /** "Servicing hardware INT" lines taken in real mode (firmware), skipped. */
  realModeInterrupts: number;
  /** Register dumps that belong to no event (SMM entry/exit at boot), skipped. */
  otherDumps: number;
  /** Delivery attempts QEMU logged that faulted; the guest saw the event after them instead. */
  aborted: { line: number; vector: number }[];
  imported: { exceptions: number; software: number; external: number };
  /** How kdbt's aligned run ended: exit, triple-fault, hung, log-end or max-steps. */
  stop: string;
  /** Differences that did not stop the import (registers that differ at a matched exception, ...). */
  warnings: string[];
}

export interface QemuImportResult {
  lines: TraceLine[];
  /** What the trace holds that does not come from QEMU, and why (one sentence per field). */
  notRecovered: string[];
  report: QemuImportReport;
}

/** What the probe saw at one kdbt delivery (DeliveryInfo is reused by the CPU, so copied). */
interface Seen {
  vector: number;
  kind: number;
  errorCode: number;
  hasErrorCode: boolean;
  pushedEip: number;
  /** The instruction that raised it (the INT for a software interrupt). */
  insnEip: number;
  fromCpl: number;
  cr2: number;
  retired: number;
  cycle: number;
  stateHash: string;
  /** EAX..EDI at delivery in QEMU's dump order (delivery changes only ESP among them). */
  gprs: number[];
}

const h8 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
const GPR_NAMES = ["EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP"] as const;
const GPR_INDEX = [REG_EAX, REG_EBX, REG_ECX, REG_EDX, REG_ESI, REG_EDI, REG_EBP, REG_ESP] as const;
/** EFLAGS bits a hardware interrupt's point must agree on; the arithmetic ones may be relaxed (see below). */
const STRICT_FLAGS = ARITH_FLAGS | FLAG_IF | FLAG_DF;
const RELAXED_FLAGS = FLAG_IF | FLAG_DF;
/** Vectors whose error code is a selector error code with the EXT bit in bit 0 (SDM 3A 6.13). */
const SELECTOR_ERROR_VECTORS = new Set([10, 11, 12, 13]);

function qemuGprs(q: QemuCpuState): number[] {
  return [q.eax, q.ebx, q.ecx, q.edx, q.esi, q.edi, q.ebp, q.esp];
}

function eventLabel(e: QemuInterruptEvent): string {
  const what = e.source === "hardware" ? `hardware interrupt ${vectorLabel(e.vector)}` : e.source === "software" ? `software interrupt ${vectorLabel(e.vector)}` : vectorLabel(e.vector);
  return `${what} at eip ${h8(e.eip)}`;
}

function seenLabel(d: Seen): string {
  const kind = d.kind === EVENT_EXTERNAL ? "hardware interrupt " : d.kind === EVENT_SOFTWARE ? "software interrupt " : "";
  return `${kind}${vectorLabel(d.vector)} at eip ${h8(d.kind === EVENT_SOFTWARE ? d.insnEip : d.pushedEip)} (retired ${d.retired})`;
}


/** EFLAGS with the lazy arithmetic flags computed, leaving the CPU's lazy state exactly as it was. */
function currentEflags(s: Int32Array): number {
  const eflags = s[S_EFLAGS]!;
  const ccOp = s[S_CC_OP]!;
  materializeFlags(s);
  const full = s[S_EFLAGS]!;
  s[S_EFLAGS] = eflags;
  s[S_CC_OP] = ccOp;
  return full;
}

/** The first register that differs between kdbt's CPU and a logged state, or null when they agree. */
function stateDifference(machine: Machine, q: QemuCpuState, flagMask: number): string | null {
  const s = machine.cpu.s;
  if (s[S_EIP]! >>> 0 !== q.eip) return `EIP kdbt ${h8(s[S_EIP]!)} qemu ${h8(q.eip)}`;
  if (s[S_CPL] !== q.cpl) return `CPL kdbt ${s[S_CPL]} qemu ${q.cpl}`;
  const want = qemuGprs(q);
  for (let i = 0; i < 8; i++) {
    const v = s[GPR_INDEX[i]!]! >>> 0;
    if (v !== want[i]) return `${GPR_NAMES[i]} kdbt ${h8(v)} qemu ${h8(want[i]!)}`;
  }
  const f = currentEflags(s);
  if ((f & flagMask) !== (q.eflags & flagMask)) return `EFLAGS kdbt ${h8(f)} qemu ${h8(q.eflags)}`;
  return null;
}

type StepResult = "ok" | "halted" | "exit";

/** Drives a Machine one instruction boundary at a time and records what it delivers. */
class AlignedRun implements CpuProbe {
  readonly seen: Seen[] = [];
  private readonly previous: CpuProbe;

  constructor(
    readonly machine: Machine,
    private readonly hashOf: (machine: Machine, delivery: DeliveryInfo) => string,
  ) {
    this.previous = machine.cpu.probe;
    machine.cpu.probe = this;
  }

  onDelivery(d: DeliveryInfo): void {
    this.previous.onDelivery(d);
    const cpu = this.machine.cpu;
    const s = cpu.s;
    this.seen.push({
      vector: d.vector,
      kind: d.kind,
      errorCode: d.errorCode >>> 0,
      hasErrorCode: d.hasErrorCode,
      pushedEip: d.pushedEip >>> 0,
      insnEip: cpu.insnEip >>> 0,
      fromCpl: d.fromCpl,
      cr2: d.cr2 >>> 0,
      // Exact here: every step executes one instruction, so nothing is pending in a block's counters.
      retired: cpu.retired,
      cycle: cpu.ctr[C_CYCLES]!,
      stateHash: this.hashOf(this.machine, d),
      gprs: GPR_INDEX.map((r) => s[r]! >>> 0),
    });
    // End this step here, before the handler's first instruction, so every event is its own
    // instruction boundary (a hardware interrupt may land right at a trap-gate handler's entry).
    cpu.requestYield();
  }

  onIret(fromCpl: number, toCpl: number, eip: number): void {
    this.previous.onIret(fromCpl, toCpl, eip);
  }

  /** Execute one instruction or take one event (run() handles TF, HLT, shadows and pending IRQs). */
  step(): StepResult {
    const cpu = this.machine.cpu;
    cpu.stopCycle = Infinity;
    cpu.stopIcount = cpu.ctr[C_ICOUNT]! + 1;
    const r = cpu.run();
    if (r === RUN_STOP) return "exit";
    const s = cpu.s;
    if (s[S_HALTED] !== 0 && !(cpu.intr && (s[S_EFLAGS]! & FLAG_IF) !== 0)) return "halted";
    return "ok";
  }

  /** Raise and lower the IRQ line the guest's PIC programming maps `vector` to. */
  inject(vector: number, where: string): void {
    const pic = this.machine.pic;
    const irq = irqOfVector(pic, vector);
    if (irq === null) {
      const { master, slave } = pic.registers();
      throw new InputError(`${where}: vector 0x${vector.toString(16)} is not an IRQ of the PIC as the guest programmed it (bases 0x${master.vectorBase.toString(16)}, 0x${slave.vectorBase.toString(16)})`);
    }
    pulseIrq(pic, irq);
  }
}

/** Import a QEMU log file; see the file header. Errors are one line naming the log line at fault. */
export function importQemuLog(logPath: string, kernelPath: string, options: QemuImportOptions = {}): QemuImportResult {
  let image: Buffer;
  try {
    image = readFileSync(kernelPath);
  } catch (e) {
    throw new MissingInputError(`${kernelPath}: cannot read kernel (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const log = readQemuLog(logPath);
  return importQemuEvents(log, image, { ...options, kernelName: options.kernelName ?? basename(kernelPath) }, kernelPath);
}

/**
 * A hardware interrupt's point matched everything but the arithmetic flags: undefined flags
 * (after MUL, shifts, ...) and flags computed from clock readings can legitimately differ. The
 * import is redone with that event matched without them (runs are deterministic, so the redo
 * reaches the same point) and a warning says so.
 */
class FlagsOnlyMismatch extends Error {
  constructor(
    readonly line: number,
    readonly failure: InputError,
  ) {
    super(failure.message);
  }
}

/** The same, from a parsed log and a kernel image in memory. */
export function importQemuEvents(log: QemuLog, kernelImage: Buffer, options: QemuImportOptions = {}, kernelLabel = options.kernelName ?? "kernel"): QemuImportResult {
  if (options.cmdline === undefined) {
    throw new UsageError(`${log.fileName}: a QEMU -d int log does not record the -append command line; pass it with --cmdline`);
  }
  const relaxed = new Set<number>();
  for (;;) {
    try {
      return attempt(log, kernelImage, options, options.cmdline, kernelLabel, relaxed);
    } catch (e) {
      if (!(e instanceof FlagsOnlyMismatch)) throw e;
      if (relaxed.has(e.line)) throw e.failure;
      relaxed.add(e.line);
    }
  }
}

function attempt(log: QemuLog, kernelImage: Buffer, options: QemuImportOptions, cmdline: string, kernelLabel: string, relaxed: ReadonlySet<number>): QemuImportResult {
  const cost = options.cost ?? loadCostModel("icount");
  const ramMiB = options.ramMiB ?? 128;
  const kernelName = options.kernelName ?? "kernel.elf";
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const hashOf = options.stateHashOf ?? ((): string => PLACEHOLDER_STATE_HASH);

  const machine = new Machine({ kernelImage, kernelName, cmdline, cost, ramBytes: ramMiB << 20 });
  machine.pit.suppressInterrupts = true;
  const run = new AlignedRun(machine, hashOf);
  const range = { start: machine.boot.loadAddress, end: machine.boot.kernelEnd };
  const { events, firmware } = kernelEvents(log, range);
  if (events.length === 0 && firmware.length > 0) {
    throw new InputError(
      `${log.fileName}:${firmware[0]!.line}: none of the log's ${firmware.length} events is in this kernel (code or IDT in ${h8(range.start)}-${h8(range.end - 1)}): a log of another kernel?`,
    );
  }

  const header: TraceHeader = traceHeader({ kernelImage, kernelName, cmdline, mode: "native", asyncPolicy: "rollback", cost, ramMiB, source: "qemu-import" });
  const report: QemuImportReport = {
    log: log.fileName,
    kernel: kernelLabel,
    logEvents: log.events.length,
    firmwareEvents: firmware.length,
    realModeInterrupts: log.realModeInterrupts.length,
    otherDumps: log.otherDumps,
    aborted: [],
    imported: { exceptions: 0, software: 0, external: 0 },
    stop: "exit",
    warnings: [],
  };
  const records: DeliveryRecord[] = [];
  const at = (e: QemuInterruptEvent): string => `${log.fileName}:${e.line}`;

  const record = (d: Seen): void => {
    const kind = eventKindOf(d.vector, d.kind);
    records.push({
      type: "delivery",
      seq: records.length,
      retired: d.retired,
      cycle: d.cycle,
      vector: d.vector,
      kind,
      errorCode: d.hasErrorCode ? d.errorCode : null,
      cr2: d.vector === 14 ? d.cr2 : null,
      cpl: d.fromCpl as 0 | 1 | 2 | 3,
      nativePc: d.pushedEip,
      cachePc: null,
      rollbackSteps: 0,
      dispatcherCycles: 0,
      stateHash: d.stateHash,
    });
    if (kind === "external") report.imported.external++;
    else if (kind === "software") report.imported.software++;
    else report.imported.exceptions++;
  };

  const guarded = <T>(e: QemuInterruptEvent, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof GuestStop) throw new InputError(`${at(e)}: kdbt's guest stopped (${err.message}) before ${eventLabel(e)}`);
      throw err;
    }
  };

  // Step until kdbt delivers something; a one-line error if it exits, halts for good or runs out of steps first.
  const nextDelivery = (e: QemuInterruptEvent): Seen => {
    for (let n = 0; n < maxSteps; n++) {
      if (run.seen.length > 0) return run.seen.shift()!;
      const r = guarded(e, () => run.step());
      if (run.seen.length > 0) return run.seen.shift()!;
      if (r === "exit") throw new InputError(`${at(e)}: kdbt's guest exited (retired ${machine.retired}) before delivering ${eventLabel(e)}`);
      if (r === "halted") throw new InputError(`${at(e)}: kdbt's guest halted with nothing to wake it (eip ${h8(machine.cpu.s[S_EIP]!)}, retired ${machine.retired}) before ${eventLabel(e)}`);
    }
    throw new InputError(`${at(e)}: kdbt did not deliver ${eventLabel(e)} within ${maxSteps} instructions`);
  };

  const checkAgainst = (e: QemuInterruptEvent, d: Seen): void => {
    const wrong = (why: string): never => {
      throw new InputError(`${at(e)}: expected ${eventLabel(e)}, kdbt delivered ${seenLabel(d)}: ${why}`);
    };
    if (d.vector !== e.vector) wrong("different vector");
    const wantKind = e.source === "hardware" ? EVENT_EXTERNAL : e.source === "software" ? EVENT_SOFTWARE : -1;
    if (wantKind !== -1 && d.kind !== wantKind) wrong("different kind of event");
    if (wantKind === -1 && (d.kind === EVENT_EXTERNAL || d.kind === EVENT_SOFTWARE)) wrong("different kind of event");
    // QEMU's IP= is the INT instruction for software interrupts, the pushed return address otherwise.
    const eip = d.kind === EVENT_SOFTWARE ? d.insnEip : d.pushedEip;
    if (eip !== e.eip) wrong(`eip differs (qemu ${h8(e.eip)})`);
    if (d.fromCpl !== e.cpl) wrong(`cpl differs (qemu ${e.cpl}, kdbt ${d.fromCpl})`);
    if (e.errorCode !== null && (!d.hasErrorCode || d.errorCode !== e.errorCode)) {
      if (d.hasErrorCode && SELECTOR_ERROR_VECTORS.has(e.vector) && (d.errorCode ^ e.errorCode) === 1) {
        // SDM 3A 6.13: EXT is set for a fault while delivering any event external to the program,
        // an earlier exception included; QEMU 7.2 sets it only for hardware interrupts.
        report.warnings.push(
          `${at(e)}: ${vectorLabel(e.vector)} error code EXT bit differs (qemu ${h8(e.errorCode)}, kdbt ${h8(d.errorCode)}): QEMU sets EXT only for hardware interrupts, the SDM (3A 6.13) also for earlier exceptions; the trace keeps kdbt's`,
        );
      } else {
        wrong(`error code differs (qemu ${h8(e.errorCode)}, kdbt ${d.hasErrorCode ? h8(d.errorCode) : "none"})`);
      }
    }
    if (e.cr2 !== null && d.cr2 !== e.cr2) wrong(`cr2 differs (qemu ${h8(e.cr2)}, kdbt ${h8(d.cr2)})`);
    const want = qemuGprs(e.state);
    // EAX..EBP (not ESP, which the delivery itself moved).
    for (let i = 0; i < 7; i++) {
      if (d.gprs[i] !== want[i]) {
        report.warnings.push(`${at(e)}: ${GPR_NAMES[i]} differs at ${vectorLabel(e.vector)} (qemu ${h8(want[i]!)}, kdbt ${h8(d.gprs[i]!)})`);
      }
    }
  };

  // A hardware interrupt: step to the logged state (see FlagsOnlyMismatch), then raise the IRQ there.
  const reachState = (e: QemuInterruptEvent): void => {
    const flagMask = relaxed.has(e.line) ? RELAXED_FLAGS : STRICT_FLAGS;
    let nearMiss: string | null = null;
    const fail = (why: string): never => {
      const err = new InputError(`${at(e)}: ${why}${nearMiss ? ` (closest: ${nearMiss})` : ""}`);
      throw nearMiss !== null ? new FlagsOnlyMismatch(e.line, err) : err;
    };
    for (let n = 0; n < maxSteps; n++) {
      const diff = stateDifference(machine, e.state, flagMask);
      if (diff === null) {
        if (flagMask === RELAXED_FLAGS) {
          report.warnings.push(`${at(e)}: ${eventLabel(e)} placed where EIP, registers and CPL match but the arithmetic flags differ (${stateDifference(machine, e.state, STRICT_FLAGS) ?? "none"}); no point matched them all`);
        }
        return;
      }
      if (nearMiss === null && diff.startsWith("EFLAGS")) nearMiss = `at retired ${machine.retired} only ${diff}`;
      const r = guarded(e, () => run.step());
      if (run.seen.length > 0) fail(`looking for the registers of ${eventLabel(e)}, kdbt delivered ${seenLabel(run.seen[0]!)}, which the log does not have here`);
      if (r === "exit") fail(`kdbt's guest exited (retired ${machine.retired}) before reaching the registers of ${eventLabel(e)}`);
      if (r === "halted") {
        const still = stateDifference(machine, e.state, flagMask);
        if (still !== null) fail(`kdbt's guest halted at eip ${h8(machine.cpu.s[S_EIP]!)} (retired ${machine.retired}) with other registers than ${eventLabel(e)}: ${still}`);
      }
    }
    fail(`kdbt never reached the registers of ${eventLabel(e)} within ${maxSteps} instructions`);
  };

  for (const e of events) {
    if (e.source === "hardware") {
      reachState(e);
      run.inject(e.vector, at(e));
    }
    if (e.aborted) {
      // QEMU's delivery faulted; kdbt's will too, and the next logged event is the result.
      report.aborted.push({ line: e.line, vector: e.vector });
      continue;
    }
    const d = nextDelivery(e);
    checkAgainst(e, d);
    record(d);
  }

  // After the last logged event the guest should finish without another event.
  let stop = "max-steps";
  const last = events[events.length - 1];
  try {
    for (let n = 0; n < maxSteps; n++) {
      const r = run.step();
      if (run.seen.length > 0) {
        stop = "log-end";
        report.warnings.push(`the log ends${last ? ` after line ${last.line}` : ""} but kdbt went on to deliver ${seenLabel(run.seen[0]!)}; the trace stops at the log's end`);
        break;
      }
      if (r === "exit") {
        stop = "exit";
        break;
      }
      if (r === "halted") {
        stop = "hung";
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof GuestStop)) throw err;
    stop = err.reason;
  }
  if (log.tripleFault !== (stop === "triple-fault")) {
    report.warnings.push(log.tripleFault ? `QEMU's log ends in a triple fault but kdbt's run ended with ${stop}` : `kdbt's run ended in a triple fault but QEMU's log does not`);
  }
  report.stop = stop;
  const end: TraceEnd = {
    type: "end",
    deliveries: records.length,
    retired: machine.retired,
    cycles: machine.cycles,
    exitValue: stop === "exit" && machine.exitRequest ? machine.exitRequest.value : null,
    stop,
  };
  const lines: TraceLine[] = [header, ...records, end];
  validateTraceLines(lines, `${log.fileName} (imported)`);
  return { lines, notRecovered: notRecovered(options, report), report };
}

function notRecovered(options: QemuImportOptions, report: QemuImportReport): string[] {
  const out = [
    "retired: a -d int log has no instruction count; taken from kdbt's aligned native run (a hardware interrupt is placed at the first instruction boundary where kdbt's registers equal the logged ones)",
    "cycle: kdbt's cycle count under the import's cost model at that point, not QEMU's virtual clock",
    options.stateHashOf
      ? "stateHash: computed on kdbt's aligned run (the log has no memory contents to hash)"
      : `stateHash: the log has no memory contents; every record carries the placeholder ${PLACEHOLDER_STATE_HASH}`,
    "cachePc, rollbackSteps, dispatcherCycles: QEMU ran the kernel natively (null, 0, 0)",
    "cmdline: not in the log; taken from --cmdline",
    `ramMiB: not in the log; ${options.ramMiB ?? 128} assumed (QEMU's default -m is 128)`,
    "end line (retired, cycles, exitValue, stop): from kdbt's run after the last logged event",
  ];
  if (report.aborted.length > 0) {
    out.push(`${report.aborted.length} delivery attempt(s) QEMU logged but could not complete (lines ${report.aborted.map((a) => a.line).join(", ")}): no record, the guest saw the event that followed`);
  }
  return out;
}

/** The import summary for stderr: counts, what was skipped, warnings, and what is not from QEMU. */
export function formatImportReport(result: QemuImportResult): string {
  const r = result.report;
  const out = [
    `imported ${r.log} (kernel ${r.kernel}): ${r.imported.exceptions} exceptions, ${r.imported.software} software interrupts, ${r.imported.external} hardware interrupts; kdbt's run ended: ${r.stop}`,
    `  skipped: ${r.firmwareEvents} firmware events before the kernel, ${r.realModeInterrupts} real-mode interrupts, ${r.otherDumps} SMM/reset register dumps, ${r.aborted.length} delivery attempts that faulted`,
  ];
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  out.push("  not recovered from the log:");
  for (const n of result.notRecovered) out.push(`    ${n}`);
  return out.join("\n");
}
