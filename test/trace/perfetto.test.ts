// Chrome Trace Event export: the output validated against a zod schema of the format, tracks, timestamps, truncation.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import type { TraceLine } from "../../src/trace/format.js";
import { readTraceSync, TraceWriter } from "../../src/trace/jsonl.js";
import { exportPerfetto, formatChromeTrace, TID_DISPATCHER, TID_EXTERNAL, TID_HANDLERS, TID_ROLLBACKS, writeChromeTrace, type ChromeTrace, type ChromeTraceEvent } from "../../src/trace/perfetto.js";
import { importQemuLog } from "../../src/trace/qemu-import.js";
import { sampleEnd, sampleHeader, sampleRecord } from "./fixtures/sample-trace.js";
import { validShape } from "./fixtures/trace-event-shape.js";

const dir = mkdtempSync(join(tmpdir(), "kdbt-perfetto-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const on = (trace: ChromeTrace, tid: number): Extract<ChromeTraceEvent, { tid: number }>[] =>
  trace.traceEvents.filter((e): e is Extract<ChromeTraceEvent, { tid: number }> => e.ph !== "M" && e.ph !== "C" && e.tid === tid);

type Slice = Extract<ChromeTraceEvent, { ph: "X" }>;
const slices = (trace: ChromeTrace, tid: number): Slice[] => trace.traceEvents.filter((e): e is Slice => e.ph === "X" && e.tid === tid);

/** A DBT-like trace: dispatcher work on every delivery, rollbacks on some, external interrupts. */
function dbtTrace(n: number): TraceLine[] {
  const recs = Array.from({ length: n }, (_, i) =>
    sampleRecord(i, {
      kind: i % 3 === 0 ? "external" : "software",
      vector: i % 3 === 0 ? 0x20 : 0x80,
      cachePc: 0xffe00000 + i * 16,
      rollbackSteps: i % 3 === 0 ? 2 : 0,
      dispatcherCycles: 40,
    }),
  );
  return [sampleHeader({ mode: "precise" }), ...recs, sampleEnd(n)];
}

describe("exportPerfetto", () => {
  it("a trace imported from QEMU: valid Trace Event JSON with named tracks, one handler slice per delivery", () => {
    const lines = importQemuLog(join(import.meta.dirname, "fixtures/guest-all.log"), DEFAULT_KERNEL, { cmdline: "workload=all iters=1", kernelName: "guest-kernel/kernel.elf" }).lines;
    const out = exportPerfetto(lines, { cpuHz: 1e9 });
    const trace = validShape(out.trace);
    expect(out.warnings).toEqual([]);
    expect(out.exportedDeliveries).toBe(18);
    const names = trace.traceEvents.filter((e) => e.ph === "M").map((e) => e.args["name"]).filter((x) => x !== undefined);
    expect(names).toEqual(["kdbt", "guest handlers", "dispatcher", "rollbacks", "external interrupts"]);
    const handlers = slices(trace, TID_HANDLERS);
    expect(handlers).toHaveLength(18);
    expect(new Set(handlers.map((e) => e.name))).toEqual(new Set(["INT128", "#PF", "#DE", "INT32"]));
    // Microseconds from cycles at 1 GHz; every record field in args.
    const recs = lines.filter((l) => l.type === "delivery");
    handlers.forEach((e, i) => {
      expect(e.ts).toBeCloseTo(recs[i]!.cycle / 1000, 9);
      expect(e.args["seq"]).toBe(i);
      expect(Object.keys(e.args)).toEqual(["seq", "retired", "cycle", "vector", "vectorName", "kind", "errorCode", "cr2", "cpl", "nativePc", "cachePc", "rollbackSteps", "dispatcherCycles", "stateHash"]);
    });
    // Slices on one track never overlap: each lasts until the next delivery; the last until the end line.
    for (let i = 0; i + 1 < handlers.length; i++) expect(handlers[i]!.ts + handlers[i]!.dur).toBeCloseTo(handlers[i + 1]!.ts, 9);
    const end = lines[lines.length - 1]!;
    expect(end.type === "end" && handlers[17]!.ts + handlers[17]!.dur).toBeCloseTo(end.type === "end" ? end.cycles / 1000 : 0, 9);
    expect(on(trace, TID_EXTERNAL).map((e) => e.name)).toEqual(["INT32 arrives"]);
    expect(on(trace, TID_DISPATCHER)).toEqual([]); // native: no dispatcher
    const counters = trace.traceEvents.filter((e) => e.ph === "C");
    expect(counters.map((c) => c.args["deliveries"])).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(trace.metadata).toMatchObject({ source: "qemu-import", mode: "native", costModel: "icount", deliveries: 18, stop: "exit" });
  });

  it("DBT traces: dispatcher slices of dispatcherCycles, rollback instants, handlers after the dispatcher", () => {
    const out = exportPerfetto(dbtTrace(6), { cpuHz: 2e9 });
    const trace = validShape(out.trace);
    const disp = slices(trace, TID_DISPATCHER);
    expect(disp).toHaveLength(6);
    expect(disp[0]).toMatchObject({ ph: "X", name: "dispatch INT32", ts: 1, dur: 0.02 }); // cycle 2000 at 2 GHz = 1 µs, 40 cycles = 0.02 µs
    expect(on(trace, TID_ROLLBACKS).map((e) => [e.name, e.ph])).toEqual([
      ["rollback 2", "i"],
      ["rollback 2", "i"],
    ]);
    expect(on(trace, TID_EXTERNAL)).toHaveLength(2);
    const h = slices(trace, TID_HANDLERS);
    expect(h[0]!.ts).toBeCloseTo(disp[0]!.ts + disp[0]!.dur, 9);
  });

  it("a fixed handler width on request, and for the last delivery of a trace without an end line", () => {
    const fixed = validShape(exportPerfetto(dbtTrace(3), { cpuHz: 1e9, handlerDuration: "fixed", fixedWidthCycles: 10 }).trace);
    expect(slices(fixed, TID_HANDLERS).map((e) => e.dur)).toEqual([0.01, 0.01, 0.01]);
    const open = validShape(exportPerfetto(dbtTrace(3).slice(0, -1), { cpuHz: 1e9 }).trace);
    expect(slices(open, TID_HANDLERS).map((e) => e.dur)).toEqual([0.11, 0.11, 0.1]);
  });

  it("extra counter series (e.g. a code-cache size) become their own counter tracks", () => {
    const out = exportPerfetto(dbtTrace(2), { cpuHz: 1e9, counters: [{ name: "code cache bytes", points: [{ cycle: 0, value: 0 }, { cycle: 2100, value: 4096 }] }] });
    const trace = validShape(out.trace);
    expect(trace.traceEvents.filter((e) => e.ph === "C" && e.name === "code cache bytes").map((e) => (e.ph === "C" ? e.args["code cache bytes"] : -1))).toEqual([0, 4096]);
  });

  it("large traces are truncated at maxEvents, whole deliveries at a time, with the reason in metadata and a warning", () => {
    const out = exportPerfetto(dbtTrace(1000), { cpuHz: 1e9, maxEvents: 100 });
    const trace = validShape(out.trace);
    expect(trace.traceEvents.length).toBeLessThanOrEqual(100);
    expect(out.exportedDeliveries).toBeLessThan(1000);
    expect(out.totalDeliveries).toBe(1000);
    expect(out.warnings).toEqual([`truncated: the 100-event limit kept ${out.exportedDeliveries} of 1000 deliveries; raise the limit or export a shorter trace`]);
    expect(trace.metadata["truncated"]).toBe(out.warnings[0]);
    // Every exported delivery has its handler slice and counter.
    expect(on(trace, TID_HANDLERS)).toHaveLength(out.exportedDeliveries);
    expect(trace.traceEvents.filter((e) => e.ph === "C")).toHaveLength(out.exportedDeliveries);
    // The default cap is 200,000 events.
    expect(exportPerfetto(dbtTrace(10), { cpuHz: 1e9 }).trace.metadata["maxEvents"]).toBe(200_000);
  });

  it("rejects a bad clock", () => {
    expect(() => exportPerfetto(dbtTrace(1), { cpuHz: 0 })).toThrow(UsageError);
  });

  it("from a trace file to a JSON file that parses back to the same trace, never over the input", () => {
    const input = join(dir, "run.trace.jsonl");
    let w: TraceWriter | null = null;
    for (const l of dbtTrace(4)) {
      if (l.type === "header") w = TraceWriter.open(input, l);
      else if (l.type === "delivery") w!.append(l);
      else w!.close(l);
    }
    const parsed = readTraceSync(input);
    const out = exportPerfetto([parsed.header, ...parsed.records, parsed.end], { cpuHz: 1e9 });
    const json = join(dir, "run.json");
    writeChromeTrace(json, out.trace, input);
    const back = JSON.parse(readFileSync(json, "utf8")) as unknown;
    expect(validShape(back)).toEqual(out.trace);
    expect(JSON.parse(formatChromeTrace(out.trace))).toEqual(out.trace);
    const before = readFileSync(input, "utf8");
    expect(() => writeChromeTrace(input, out.trace, input)).toThrow(UsageError);
    expect(readFileSync(input, "utf8")).toBe(before);
  });
});
