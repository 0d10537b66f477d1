// Recording a run as a trace: the header, one record per guest-visible delivery (streamed to disk), the end line.
import { createHash } from "node:crypto";
import type { CpuProbe, DeliveryInfo } from "../cpu/interfaces.js";
import { EVENT_EXCEPTION, EVENT_EXTERNAL, EVENT_SOFTWARE } from "../cpu/interrupts.js";
import { EXC_PF, VECTORS } from "../cpu/vectors.js";
import { costModelHash, type CostModel } from "../cost/model.js";
import { ProbeFanout } from "../machine/delivery-stats.js";
import { captureGuestState, stateHash, type GuestState } from "../machine/guest-state.js";
import type { ExecMode, Machine } from "../machine/machine.js";
import { TRACE_FORMAT, TRACE_VERSION, type AsyncPolicy, type DeliveryRecord, type EventKind, type TraceEnd, type TraceHeader } from "./format.js";
import { TraceWriter } from "./jsonl.js";

export function kernelSha256(image: Uint8Array): string {
  return createHash("sha256").update(image).digest("hex");
}

/** The kind a trace records: the CPU's event kind, and for exceptions the vector's class from idt/vectors.json. */
export function eventKindOf(vector: number, kind: number): EventKind {
  if (kind === EVENT_EXTERNAL) return "external";
  if (kind === EVENT_SOFTWARE) return "software";
  const klass = VECTORS[vector]!.klass;
  return klass === "interrupt" ? "external" : klass;
}

export interface TraceHeaderInput {
  kernelImage: Uint8Array;
  kernelName: string;
  cmdline: string;
  mode: ExecMode;
  asyncPolicy: AsyncPolicy;
  cost: CostModel;
  ramMiB: number;
  source: TraceHeader["source"];
}

export function traceHeader(h: TraceHeaderInput): TraceHeader {
  return {
    type: "header",
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    kernelSha256: kernelSha256(h.kernelImage),
    kernelName: h.kernelName,
    cmdline: h.cmdline,
    mode: h.mode,
    asyncPolicy: h.asyncPolicy,
    costModel: h.cost.name,
    costModelHash: costModelHash(h.cost),
    cpuHz: h.cost.cpuHz,
    ramMiB: h.ramMiB,
    source: h.source,
  };
}

/**
 * The record of the delivery being reported now (call from a delivery probe; `state` is
 * captureGuestState at the same moment). In DBT modes the dispatcher's note supplies the native PC,
 * the code-cache PC the hardware pushed, rollback steps and dispatcher cycles. In relaxed mode a
 * frame holding a code-cache PC (a leak) is recorded with the native PC it stands for in nativePc
 * and the code-cache PC in cachePc.
 */
export function deliveryRecord(machine: Machine, d: DeliveryInfo, seq: number, state: GuestState): DeliveryRecord {
  const note = machine.dbt?.dispatcher.currentEvent ?? null;
  return {
    type: "delivery",
    seq,
    retired: d.retired,
    cycle: d.cycle,
    vector: d.vector,
    kind: eventKindOf(d.vector, d.kind),
    errorCode: d.hasErrorCode ? d.errorCode >>> 0 : null,
    // An INT 14 in software pushes no error code and leaves CR2 alone.
    cr2: d.vector === EXC_PF && d.kind === EVENT_EXCEPTION ? d.cr2 >>> 0 : null,
    cpl: d.fromCpl as DeliveryRecord["cpl"],
    nativePc: note !== null ? note.nativePc >>> 0 : d.pushedEip >>> 0,
    cachePc: note !== null && note.cachePc !== null ? note.cachePc >>> 0 : null,
    rollbackSteps: note !== null ? note.rollbackSteps : 0,
    dispatcherCycles: note !== null ? note.dispatcherCycles : 0,
    stateHash: stateHash(state),
  };
}

/**
 * Add `probe` where guest-visible deliveries arrive, after the observers already there (the run
 * statistics first): the CPU's probe natively, the dispatcher's downstream in DBT modes (the
 * hardware's deliveries through the shadow IDT are the dispatcher's business, not the guest's).
 */
export function observeDeliveries(machine: Machine, probe: CpuProbe): void {
  const current = machine.dbt ? machine.dbt.dispatcher.downstream : machine.cpu.probe;
  if (current instanceof ProbeFanout) {
    current.probes.push(probe);
    return;
  }
  const fan = new ProbeFanout([current, probe]);
  if (machine.dbt) machine.dbt.dispatcher.downstream = fan;
  else machine.cpu.probe = fan;
}

/** How a run ended, as the end line's `stop` says it. */
export type TraceStop = "exit" | "max-cycles" | "triple-fault" | "unsupported" | "hung" | "divergence";

export function traceEnd(machine: Machine, deliveries: number, stop: TraceStop): TraceEnd {
  return {
    type: "end",
    deliveries,
    retired: machine.retired,
    cycles: machine.cycles,
    exitValue: stop === "exit" && machine.exitRequest !== null ? machine.exitRequest.value : null,
    stop,
  };
}

/**
 * Writes a trace while the machine runs: a probe appending one record per guest-visible delivery
 * to a TraceWriter (which buffers 64 KiB and writes through a temporary file), so nothing grows
 * with the run. finish() writes the end line and moves the file into place; abort() drops it.
 */
export class TraceRecorder implements CpuProbe {
  private seq = 0;

  private constructor(
    private readonly machine: Machine,
    private readonly writer: TraceWriter,
  ) {}

  /**
   * Open `path` (never over `refuseIfSameAs`) and write the header. With `observe` (the default)
   * the recorder watches `machine` itself; a replay passes false and appends the records it builds.
   */
  static start(machine: Machine, path: string, header: TraceHeader, options: { refuseIfSameAs?: string | readonly string[]; observe?: boolean } = {}): TraceRecorder {
    const writer = TraceWriter.open(path, header, options.refuseIfSameAs === undefined ? {} : { refuseIfSameAs: options.refuseIfSameAs });
    const r = new TraceRecorder(machine, writer);
    if (options.observe ?? true) observeDeliveries(machine, r);
    return r;
  }

  onDelivery(d: DeliveryInfo): void {
    this.append(deliveryRecord(this.machine, d, this.seq, captureGuestState(this.machine, d)));
  }

  /** Append a record built elsewhere (a replay builds each record once, to compare and to write). */
  append(record: DeliveryRecord): void {
    this.writer.append(record);
    this.seq++;
  }

  onIret(): void {}

  get records(): number {
    return this.seq;
  }

  finish(stop: TraceStop): void {
    this.writer.close(traceEnd(this.machine, this.seq, stop));
  }

  abort(): void {
    this.writer.abort();
  }
}

export interface RunTraceInput extends Omit<TraceHeaderInput, "source"> {
  /** The kernel file: the trace is never written over it. */
  kernelPath: string;
}

/** `kdbt run --trace FILE`: start recording `machine` (source "run") to `path`. */
export function startRunTrace(machine: Machine, path: string, input: RunTraceInput): TraceRecorder {
  return TraceRecorder.start(machine, path, traceHeader({ ...input, source: "run" }), { refuseIfSameAs: input.kernelPath });
}

/** The end line's `stop` for a run that ended normally (null) or with a GuestStop reason. */
export function stopOf(failure: { reason: Exclude<TraceStop, "exit" | "divergence"> } | null): TraceStop {
  return failure === null ? "exit" : failure.reason;
}
