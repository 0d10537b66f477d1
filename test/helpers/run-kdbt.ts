// Run a kernel on kdbt in-process and collect what the user would see (console, exit value, stop reason).
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { Machine } from "../../src/machine/machine.js";
import { loadCostModel } from "../../src/cost/model.js";
import { GuestStop } from "../../src/errors.js";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";

export interface KdbtRun {
  machine: Machine;
  /** COM1 output, one char per byte (latin1), as QEMU's serial output is compared. */
  stdout: string;
  exitValue: number | null;
  stop: GuestStop | null;
}

export function runKdbt(opts: { kernel?: string; cmdline?: string; cost?: string; maxCycles?: number; mode?: "native" | "precise" | "relaxed"; asyncPolicy?: "rollback" | "defer" } = {}): KdbtRun {
  const path = opts.kernel ?? DEFAULT_KERNEL;
  const out: number[] = [];
  const machine = new Machine({
    kernelImage: readFileSync(path),
    kernelName: basename(path),
    cmdline: opts.cmdline ?? "",
    cost: loadCostModel(opts.cost ?? "icount"),
    onConsole: (b) => void out.push(b),
    mode: opts.mode ?? "native",
    asyncPolicy: opts.asyncPolicy ?? "rollback",
  });
  let stop: GuestStop | null = null;
  let exitValue: number | null = null;
  try {
    const r = machine.run(opts.maxCycles ?? 5e9);
    if (r.reason === "exit") exitValue = r.exit!.value;
    else stop = new GuestStop("max cycles", 114, "max-cycles");
  } catch (e) {
    if (!(e instanceof GuestStop)) throw e;
    stop = e;
  }
  return { machine, stdout: Buffer.from(out).toString("latin1"), exitValue, stop };
}
