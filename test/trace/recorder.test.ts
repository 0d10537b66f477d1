// The trace recorder: streaming to disk while the run goes, additive probes, and what a relaxed-mode record says about a leak.
import { readdirSync, readFileSync, mkdtempSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import { loadCostModel } from "../../src/cost/model.js";
import type { CpuProbe, DeliveryInfo } from "../../src/cpu/interfaces.js";
import { isMonitor } from "../../src/dbt/layout.js";
import { captureGuestState } from "../../src/machine/guest-state.js";
import { Machine, type ExecMode } from "../../src/machine/machine.js";
import { readTraceSync } from "../../src/trace/jsonl.js";
import { deliveryRecord, observeDeliveries, startRunTrace } from "../../src/trace/recorder.js";

const dir = mkdtempSync(join(tmpdir(), "kdbt-recorder-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function boot(cmdline: string, mode: ExecMode = "native"): { machine: Machine; image: Buffer } {
  const image = readFileSync(DEFAULT_KERNEL);
  return { machine: new Machine({ kernelImage: image, kernelName: basename(DEFAULT_KERNEL), cmdline, cost: loadCostModel("icount"), mode }), image };
}

describe("TraceRecorder", () => {
  it("streams: records reach the disk (a temporary file) while the run goes; the final name appears only at the end", () => {
    const cmdline = "workload=syscall iters=1200";
    const { machine, image } = boot(cmdline);
    const path = join(dir, "stream.trace.jsonl");
    const recorder = startRunTrace(machine, path, { kernelImage: image, kernelPath: DEFAULT_KERNEL, kernelName: "kernel.elf", cmdline, mode: "native", asyncPolicy: "rollback", cost: machine.cost, ramMiB: 128 });
    const sizes: number[] = [];
    let seen = 0;
    observeDeliveries(machine, {
      onDelivery() {
        if (++seen % 400 !== 0) return;
        expect(existsSync(path)).toBe(false);
        const temp = readdirSync(dir).filter((f) => f.startsWith(".stream.trace.jsonl."));
        expect(temp).toHaveLength(1);
        sizes.push(statSync(join(dir, temp[0]!)).size);
      },
      onIret() {},
    });
    machine.run();
    recorder.finish("exit");
    // 64 KiB buffers: by the 1,200th of ~1,200 records (~250 bytes each) most are on disk, and the size only grows.
    expect(sizes.length).toBe(3);
    expect(sizes[2]!).toBeGreaterThanOrEqual(64 * 1024 * 3);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
    expect(readTraceSync(path).records).toHaveLength(seen);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("observers add up: the run statistics, the recorder and another probe each see every delivery", () => {
    const { machine, image } = boot("workload=divzero iters=5", "precise");
    const path = join(dir, "two.trace.jsonl");
    const recorder = startRunTrace(machine, path, { kernelImage: image, kernelPath: DEFAULT_KERNEL, kernelName: "kernel.elf", cmdline: "workload=divzero iters=5", mode: "precise", asyncPolicy: "rollback", cost: machine.cost, ramMiB: 128 });
    let other = 0;
    observeDeliveries(machine, { onDelivery: () => void other++, onIret() {} });
    machine.run();
    recorder.finish("exit");
    expect(readTraceSync(path).records).toHaveLength(machine.stats.total);
    expect(other).toBe(machine.stats.total);
    expect(machine.stats.vectorCounts[0]).toBe(5);
  });

  it("relaxed mode: a frame holding a code-cache PC is recorded with that PC in cachePc and the native PC it stands for in nativePc", () => {
    const { machine } = boot("workload=fixup iters=3", "relaxed");
    const leaks: { frameEip: number; nativePc: number; cachePc: number | null }[] = [];
    const probe: CpuProbe = {
      onDelivery(d: DeliveryInfo) {
        if (d.fromCpl !== 0) return;
        const state = captureGuestState(machine, d);
        const rec = deliveryRecord(machine, d, 0, state);
        // The frame is what the guest's handler reads: [error code], EIP, CS, EFLAGS.
        leaks.push({ frameEip: state.frame[d.hasErrorCode ? 1 : 0]!, nativePc: rec.nativePc, cachePc: rec.cachePc });
      },
      onIret() {},
    };
    observeDeliveries(machine, probe);
    machine.run();
    // The reference: the faulting kernel instruction's address natively.
    const native = boot("workload=fixup iters=3").machine;
    const nativePcs: number[] = [];
    observeDeliveries(native, { onDelivery: (d) => void (d.fromCpl === 0 && nativePcs.push(d.pushedEip >>> 0)), onIret() {} });
    native.run();
    expect(nativePcs).toHaveLength(3); // fixup: one kernel-mode #PF per iteration
    expect(leaks.map((l) => l.nativePc)).toEqual(nativePcs);
    for (const l of leaks) {
      expect(isMonitor(l.frameEip)).toBe(true);
      expect(l.cachePc).toBe(l.frameEip);
    }
  });
});
