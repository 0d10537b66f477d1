// `kdbt speed` (npm run bench): simulation speed in guest MIPS on three micro loops, beside QEMU's TCG.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../machine/machine.js";
import { aluLoop, intLoop, loadStoreLoop, type MicroKernel } from "../machine/micro-kernels.js";
import { loadCostModel } from "../cost/model.js";
import { ExitCode, KdbtError } from "../errors.js";

export interface SpeedRow {
  loop: string;
  description: string;
  guestInstructions: number;
  /** Best of `repeats` runs (host time varies with load; the best is the least disturbed). */
  kdbtMips: number;
  qemuMips: number | null;
}

export interface SpeedReport {
  rows: SpeedRow[];
  /** Resident set size after the runs, MiB. */
  rssMiB: number;
  peer: string;
}

function timeKdbt(k: MicroKernel): { seconds: number; instructions: number } {
  const machine = new Machine({ kernelImage: k.image, kernelName: k.name, cmdline: "", cost: loadCostModel("icount") });
  const t0 = performance.now();
  const r = machine.run(1e11);
  const seconds = (performance.now() - t0) / 1000;
  if (r.reason !== "exit" || r.exit?.value !== 0) throw new KdbtError(`speed: the ${k.name} loop did not finish`, ExitCode.software);
  // A mis-assembled loop exits early and would report nonsense; the count proves the loop ran.
  if (machine.hostInstructions < k.iterations * k.perIteration) {
    throw new KdbtError(`speed: the ${k.name} loop retired ${machine.hostInstructions} instructions, expected at least ${k.iterations * k.perIteration}`, ExitCode.software);
  }
  return { seconds, instructions: machine.hostInstructions };
}

/** QEMU's speed on the same image: the difference between a long and a short run cancels boot time. */
function timeQemu(dir: string, make: (n: number) => MicroKernel, short: number, long: number): number | null {
  const run = (n: number): number | null => {
    const file = join(dir, `speed-${n}.elf`);
    writeFileSync(file, make(n).image);
    const t0 = performance.now();
    const r = spawnSync("qemu-system-i386", ["-kernel", file, "-display", "none", "-serial", "null", "-monitor", "none", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-m", "128"], { timeout: 120_000 });
    const s = (performance.now() - t0) / 1000;
    return r.status === 1 ? s : null;
  };
  const a = run(short);
  const b = run(long);
  if (a === null || b === null || b <= a) return null;
  return ((long - short) * make(1).perIteration) / (b - a) / 1e6;
}

export function speedCommand(opts: { iterations: number; repeats: number; qemu: boolean }): SpeedReport {
  const loops: ((n: number) => MicroKernel)[] = [aluLoop, loadStoreLoop, intLoop];
  const haveQemu = opts.qemu && spawnSync("qemu-system-i386", ["--version"]).status === 0;
  const dir = mkdtempSync(join(tmpdir(), "kdbt-speed-"));
  const rows: SpeedRow[] = [];
  try {
    for (const make of loops) {
      const k = make(opts.iterations);
      let best = 0;
      let instructions = 0;
      for (let i = 0; i < opts.repeats; i++) {
        const t = timeKdbt(k);
        instructions = t.instructions;
        best = Math.max(best, t.instructions / t.seconds / 1e6);
      }
      const qemuMips = haveQemu ? timeQemu(dir, make, opts.iterations, opts.iterations * 20) : null;
      rows.push({ loop: k.name, description: k.description, guestInstructions: instructions, kdbtMips: best, qemuMips });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const peer = haveQemu ? "qemu-system-i386 (TCG)" : opts.qemu ? "none (qemu-system-i386 not installed)" : "none (--no-qemu)";
  return { rows, rssMiB: process.memoryUsage().rss / 2 ** 20, peer };
}

export function formatSpeed(r: SpeedReport): string {
  const lines = [`guest MIPS (best of runs; peer: ${r.peer})`, `  ${"loop".padEnd(12)} ${"instructions".padStart(13)}  ${"kdbt".padStart(8)}  ${"QEMU TCG".padStart(9)}  what`];
  for (const row of r.rows) {
    lines.push(
      `  ${row.loop.padEnd(12)} ${row.guestInstructions.toLocaleString("en-US").padStart(13)}  ${row.kdbtMips.toFixed(1).padStart(8)}  ${(row.qemuMips === null ? "-" : row.qemuMips.toFixed(0)).padStart(9)}  ${row.description}`,
    );
  }
  lines.push(`  resident memory ${r.rssMiB.toFixed(0)} MiB`);
  return lines.join("\n") + "\n";
}
