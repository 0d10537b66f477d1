// `kdbt bench` (npm start): the guest workloads under each execution mode, cycles per operation from the guest's rdtsc.
import { basename } from "node:path";
import { Machine } from "../machine/machine.js";
import { loadCostModel, type CostModel } from "../cost/model.js";
import { ExitCode, KdbtError, UsageError } from "../errors.js";
import { readKernel } from "./run-command.js";

/** Execution modes the bench can compare (the DBT modes join as they are built). */
export const BENCH_MODES = ["native"] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

export interface WorkloadResult {
  workload: string;
  iters: number;
  /** The guest's rdtsc delta around its measured loop. */
  cycles: number;
  cyclesPerOp: number;
  check: string;
}

export interface ModeResult {
  mode: BenchMode;
  workloads: WorkloadResult[];
  instructionsRetired: number;
  totalCycles: number;
}

export interface BenchReport {
  kernel: string;
  costModel: string;
  cpuHz: number;
  modes: ModeResult[];
}

const RESULT = /^RESULT workload=([a-z]+) iters=(\d+) cycles=(\d+) check=([0-9a-f]{8})$/;

function runMode(mode: BenchMode, image: Buffer, kernelName: string, cmdline: string, cost: CostModel): ModeResult {
  let line = "";
  const workloads: WorkloadResult[] = [];
  const machine = new Machine({
    kernelImage: image,
    kernelName,
    cmdline,
    cost,
    onConsole: (b) => {
      if (b !== 0x0a) {
        line += String.fromCharCode(b);
        return;
      }
      const m = RESULT.exec(line);
      if (m) {
        const iters = Number(m[2]);
        const cycles = Number(m[3]);
        workloads.push({ workload: m[1]!, iters, cycles, cyclesPerOp: cycles / iters, check: m[4]! });
      }
      line = "";
    },
  });
  const r = machine.run(1e12);
  if (r.reason !== "exit" || r.exit!.value !== 0) {
    throw new KdbtError(`bench: the guest kernel did not finish cleanly in ${mode} mode (${r.reason}${r.exit ? `, exit value ${r.exit.value}` : ""})`, ExitCode.software);
  }
  return { mode, workloads, instructionsRetired: machine.retired, totalCycles: machine.cycles };
}

export function benchCommand(opts: { kernel?: string | undefined; workloads: string[]; modes: string[]; cost: string }): BenchReport {
  for (const m of opts.modes) {
    if (!(BENCH_MODES as readonly string[]).includes(m)) throw new UsageError(`--modes: unknown mode "${m}" (available: ${BENCH_MODES.join(", ")})`);
  }
  const cost = loadCostModel(opts.cost);
  const { image, path } = readKernel(opts.kernel);
  const cmdlines = opts.workloads.length === 0 ? ["workload=all"] : opts.workloads.map((w) => `workload=${w}`);
  const modes = opts.modes.map((mode) => {
    const parts = cmdlines.map((c) => runMode(mode as BenchMode, image, basename(path), c, cost));
    return {
      mode: mode as BenchMode,
      workloads: parts.flatMap((p) => p.workloads),
      instructionsRetired: parts.reduce((n, p) => n + p.instructionsRetired, 0),
      totalCycles: parts.reduce((n, p) => n + p.totalCycles, 0),
    };
  });
  for (const w of opts.workloads) {
    if (!modes[0]!.workloads.some((r) => r.workload === w)) throw new UsageError(`--workloads: the guest kernel has no workload "${w}"`);
  }
  return { kernel: path, costModel: cost.name, cpuHz: cost.cpuHz, modes };
}

export function formatBench(r: BenchReport): string {
  const names = r.modes[0]!.workloads.map((w) => w.workload);
  const head = ["workload".padEnd(10), "iters".padStart(7), ...r.modes.map((m) => `${m.mode} cyc/op`.padStart(16)), "check".padStart(9)];
  const lines = [`cycles per operation (${r.costModel} cost model, ${(r.cpuHz / 1e9).toFixed(2)} GHz), from the guest's rdtsc`, head.join("  ")];
  for (const name of names) {
    const row = r.modes.map((m) => m.workloads.find((w) => w.workload === name)!);
    lines.push([name.padEnd(10), String(row[0]!.iters).padStart(7), ...row.map((w) => w.cyclesPerOp.toFixed(1).padStart(16)), row[0]!.check.padStart(9)].join("  "));
  }
  return lines.join("\n") + "\n";
}
