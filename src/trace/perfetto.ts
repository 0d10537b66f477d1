// Trace -> Chrome Trace Event JSON (the legacy JSON format ui.perfetto.dev and chrome://tracing open), one track per concern.
//
// Layout: one process "kdbt" with four threads (tracks) and process-wide counters:
//   "guest handlers"       an X (complete) event per delivery, named by the vector's mnemonic from
//                          idt/vectors.json, starting when the dispatcher is done with it and lasting
//                          until the next delivery (or the end line), or a fixed width when unknown;
//   "dispatcher"           an X event of dispatcherCycles for each delivery the DBT dispatcher handled;
//   "rollbacks"            an instant event for each delivery that needed rollbackSteps > 0;
//   "external interrupts"  an instant event when each external interrupt arrived;
//   counters               "deliveries" (running total), plus any extra series the caller passes
//                          (the code-cache size, which records do not carry: `kdbt trace export
//                          --code-cache` measures it by replaying the trace, see replay.ts).
// Timestamps are microseconds of simulated time: cycle / cpuHz * 1e6.
//
// Large traces are truncated, never split: past maxEvents (default 200,000) no further delivery is
// exported, the metadata says how many were left out, and the result carries a warning. One file
// keeps one timeline (split files would each start a separate, unrelated trace in the viewer).
// Lines are consumed as a stream, one record behind; past the cap records are only counted.
import { VECTORS } from "../cpu/vectors.js";
import { UsageError } from "../errors.js";
import type { DeliveryRecord, TraceEnd, TraceHeader, TraceLine } from "./format.js";
import { AtomicFile } from "./jsonl.js";

export const DEFAULT_MAX_EVENTS = 200_000;
/** Width of a handler slice whose end is unknown (the last delivery of a trace without an end line), in cycles. */
export const DEFAULT_FIXED_WIDTH_CYCLES = 100;

export const PID = 1;
export const TID_HANDLERS = 1;
export const TID_DISPATCHER = 2;
export const TID_ROLLBACKS = 3;
export const TID_EXTERNAL = 4;

export type TraceEventArgs = Record<string, string | number | boolean | null>;

/** One event of the Chrome Trace Event format (the subset kdbt writes). */
export type ChromeTraceEvent =
  | { ph: "M"; name: "process_name" | "thread_name" | "process_sort_index" | "thread_sort_index"; pid: number; tid?: number; args: TraceEventArgs }
  | { ph: "X"; name: string; cat: string; ts: number; dur: number; pid: number; tid: number; args: TraceEventArgs }
  | { ph: "i"; name: string; cat: string; ts: number; s: "t" | "p" | "g"; pid: number; tid: number; args: TraceEventArgs }
  | { ph: "C"; name: string; ts: number; pid: number; args: Record<string, number> };

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: "ns";
  metadata: Record<string, string | number | boolean | null>;
}

/** An extra counter track: a value at given cycles (e.g. code-cache bytes after each translation). */
export interface CounterSeries {
  name: string;
  points: ReadonlyArray<{ cycle: number; value: number }>;
}

export interface PerfettoOptions {
  /** CPU clock of the trace's cost model (CostModel.cpuHz): converts cycles to microseconds. */
  cpuHz: number;
  /** Cap on exported events (metadata included); default DEFAULT_MAX_EVENTS. */
  maxEvents?: number;
  /**
   * How long a guest-handler slice lasts: "next-delivery" (default) until the next delivery or
   * the end line, which is an upper bound on the handler's time (it includes whatever ran after
   * its iret); "fixed" always fixedWidthCycles.
   */
  handlerDuration?: "next-delivery" | "fixed";
  fixedWidthCycles?: number;
  /** Extra counter tracks. */
  counters?: readonly CounterSeries[];
}

export interface PerfettoExport {
  trace: ChromeTrace;
  /** Deliveries exported, of how many in the trace. */
  exportedDeliveries: number;
  totalDeliveries: number;
  /** Non-empty when the output was truncated (the same message is in the metadata). */
  warnings: string[];
}

function mnemonic(vector: number): string {
  return VECTORS[vector]?.mnemonic ?? `vector ${vector}`;
}

function recordArgs(r: DeliveryRecord): TraceEventArgs {
  const hex = (v: number | null): string | null => (v === null ? null : `0x${v.toString(16).padStart(8, "0")}`);
  return {
    seq: r.seq,
    retired: r.retired,
    cycle: r.cycle,
    vector: r.vector,
    vectorName: VECTORS[r.vector]?.name ?? "",
    kind: r.kind,
    errorCode: hex(r.errorCode),
    cr2: hex(r.cr2),
    cpl: r.cpl,
    nativePc: hex(r.nativePc),
    cachePc: hex(r.cachePc),
    rollbackSteps: r.rollbackSteps,
    dispatcherCycles: r.dispatcherCycles,
    stateHash: r.stateHash,
  };
}

/**
 * Convert trace lines (header, records, end; the end line may be missing) to Chrome Trace Event
 * JSON. Write `result.trace` with JSON.stringify (or writeChromeTrace).
 */
export function exportPerfetto(lines: Iterable<TraceLine>, options: PerfettoOptions): PerfettoExport {
  if (!Number.isFinite(options.cpuHz) || options.cpuHz <= 0) throw new UsageError(`perfetto export: cpuHz must be a positive number, got ${options.cpuHz}`);
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  const fixed = options.fixedWidthCycles ?? DEFAULT_FIXED_WIDTH_CYCLES;
  const untilNext = (options.handlerDuration ?? "next-delivery") === "next-delivery";
  const us = (cycles: number): number => (cycles * 1e6) / options.cpuHz;

  const meta: ChromeTraceEvent[] = [
    { ph: "M", name: "process_name", pid: PID, args: { name: "kdbt" } },
    { ph: "M", name: "thread_name", pid: PID, tid: TID_HANDLERS, args: { name: "guest handlers" } },
    { ph: "M", name: "thread_name", pid: PID, tid: TID_DISPATCHER, args: { name: "dispatcher" } },
    { ph: "M", name: "thread_name", pid: PID, tid: TID_ROLLBACKS, args: { name: "rollbacks" } },
    { ph: "M", name: "thread_name", pid: PID, tid: TID_EXTERNAL, args: { name: "external interrupts" } },
  ];
  [TID_HANDLERS, TID_DISPATCHER, TID_ROLLBACKS, TID_EXTERNAL].forEach((tid, i) => meta.push({ ph: "M", name: "thread_sort_index", pid: PID, tid, args: { sort_index: i } }));

  const events: ChromeTraceEvent[] = [...meta];
  let exported = 0;
  let truncated = false;
  /** Emit one delivery's events, now that the next delivery's cycle (or the end's) is known. */
  const emit = (r: DeliveryRecord, nextCycle: number | null): void => {
    const batch: ChromeTraceEvent[] = [];
    const args = recordArgs(r);
    const name = mnemonic(r.vector);
    if (r.kind === "external") {
      batch.push({ ph: "i", name: `${name} arrives`, cat: "interrupt", ts: us(r.cycle), s: "t", pid: PID, tid: TID_EXTERNAL, args: { seq: r.seq, vector: r.vector, retired: r.retired } });
    }
    if (r.dispatcherCycles > 0) {
      batch.push({ ph: "X", name: `dispatch ${name}`, cat: "dispatcher", ts: us(r.cycle), dur: us(r.dispatcherCycles), pid: PID, tid: TID_DISPATCHER, args: { seq: r.seq, dispatcherCycles: r.dispatcherCycles, rollbackSteps: r.rollbackSteps } });
    }
    if (r.rollbackSteps > 0) {
      batch.push({ ph: "i", name: `rollback ${r.rollbackSteps}`, cat: "rollback", ts: us(r.cycle), s: "t", pid: PID, tid: TID_ROLLBACKS, args: { seq: r.seq, rollbackSteps: r.rollbackSteps, cachePc: args.cachePc ?? null, nativePc: args.nativePc ?? null } });
    }
    const start = r.cycle + r.dispatcherCycles;
    const stop = untilNext && nextCycle !== null && nextCycle > start ? nextCycle : start + fixed;
    batch.push({ ph: "X", name, cat: r.kind, ts: us(start), dur: us(stop - start), pid: PID, tid: TID_HANDLERS, args });
    batch.push({ ph: "C", name: "deliveries", ts: us(r.cycle), pid: PID, args: { deliveries: exported + 1 } });
    if (events.length + batch.length > maxEvents) {
      truncated = true;
      return;
    }
    events.push(...batch);
    exported++;
  };

  // Streaming, one record behind: a slice ends at the next delivery, so each record waits for it.
  // Past the cap records are only counted, so memory stays bounded by the output.
  let header: TraceHeader | null = null;
  let end: TraceEnd | null = null;
  let previous: DeliveryRecord | null = null;
  let total = 0;
  for (const l of lines) {
    if (l.type === "header") header = l;
    else if (l.type === "end") end = l;
    else {
      total++;
      if (previous !== null && !truncated) emit(previous, l.cycle);
      previous = l;
    }
  }
  if (previous !== null && !truncated) emit(previous, end ? end.cycles : null);

  let counterPoints = 0;
  let counterTotal = 0;
  for (const series of options.counters ?? []) {
    for (const p of series.points) {
      counterTotal++;
      if (events.length >= maxEvents) {
        truncated = true;
        continue;
      }
      events.push({ ph: "C", name: series.name, ts: us(p.cycle), pid: PID, args: { [series.name]: p.value } });
      counterPoints++;
    }
  }

  const warnings: string[] = [];
  const metadata: ChromeTrace["metadata"] = {
    generator: "kdbt trace export",
    cpuHz: options.cpuHz,
    deliveries: total,
    exportedDeliveries: exported,
    maxEvents,
    handlerDuration: untilNext ? "until the next delivery (an upper bound)" : `fixed ${fixed} cycles`,
  };
  if (header) {
    metadata.kernelName = header.kernelName;
    metadata.kernelSha256 = header.kernelSha256;
    metadata.cmdline = header.cmdline;
    metadata.mode = header.mode;
    metadata.asyncPolicy = header.asyncPolicy;
    metadata.costModel = header.costModel;
    metadata.costModelHash = header.costModelHash;
    metadata.source = header.source;
  }
  if (end) {
    metadata.stop = end.stop;
    metadata.retired = end.retired;
    metadata.cycles = end.cycles;
  }
  if (truncated) {
    const msg =
      `truncated: the ${maxEvents}-event limit kept ${exported} of ${total} deliveries` +
      (counterTotal > 0 ? ` and ${counterPoints} of ${counterTotal} extra counter points` : "") +
      "; raise the limit or export a shorter trace";
    metadata.truncated = msg;
    warnings.push(msg);
  }
  return { trace: { traceEvents: events, displayTimeUnit: "ns", metadata }, exportedDeliveries: exported, totalDeliveries: total, warnings };
}

/** An export's trace as JSON text, one event per line (readable diffs, no giant single line). */
export function formatChromeTrace(trace: ChromeTrace): string {
  const body = trace.traceEvents.map((e) => `  ${JSON.stringify(e)}`).join(",\n");
  return `{"displayTimeUnit":"ns","metadata":${JSON.stringify(trace.metadata)},"traceEvents":[\n${body}\n]}\n`;
}

/**
 * Write the trace to `path` through a temporary file (never a half-written file under the final
 * name), one event per line, never over `refuseIfSameAs` (the input trace).
 */
export function writeChromeTrace(path: string, trace: ChromeTrace, refuseIfSameAs?: string | readonly string[]): void {
  const file = new AtomicFile(path, refuseIfSameAs);
  file.write(`{"displayTimeUnit":"ns","metadata":${JSON.stringify(trace.metadata)},"traceEvents":[\n`);
  trace.traceEvents.forEach((e, i) => file.write(`${i === 0 ? "" : ",\n"}  ${JSON.stringify(e)}`));
  file.write("\n]}\n");
  file.commit();
}
