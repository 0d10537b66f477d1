// `kdbt run`: boot a kernel, stream COM1 to stdout, exit with the guest's isa-debug-exit value.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { Logger } from "pino";
import type { ExecMode } from "../machine/machine.js";
import { Machine } from "../machine/machine.js";
import { loadCostModel } from "../cost/model.js";
import { ExitCode, GuestStop, KdbtError, MissingInputError, UsageError } from "../errors.js";
import { dumpRegisters } from "../cpu/dump.js";
import { DEFAULT_KERNEL } from "./paths.js";
import { formatSummary, summarize, type RunSummary } from "./summary.js";
import { ConsoleSink } from "./console.js";
import { startRunTrace, stopOf } from "../trace/recorder.js";

export interface RunArgs {
  kernel?: string | undefined;
  cmdline: string;
  cost: string;
  maxCycles?: number | undefined;
  ramMib: number;
  summaryJson?: string | undefined;
  quietSummary: boolean;
  mode?: ExecMode;
  asyncPolicy?: "rollback" | "defer";
  /** Record every delivery to this trace file (`--trace`, `kdbt record`). */
  trace?: string | undefined;
}

export interface RunResult {
  exitCode: number;
  summary: RunSummary;
}

export function readKernel(path: string | undefined): { image: Buffer; path: string } {
  const p = path ?? DEFAULT_KERNEL;
  if (!existsSync(p)) {
    throw new MissingInputError(path ? `--kernel ${p}: no such file` : `the bundled guest kernel ${p} is missing (run npm run build:guest)`);
  }
  try {
    return { image: readFileSync(p), path: p };
  } catch (e) {
    throw new MissingInputError(`${p}: cannot read (${(e as Error).message})`);
  }
}

export function runCommand(args: RunArgs, log: Logger): RunResult {
  if (!Number.isInteger(args.ramMib) || args.ramMib < 2 || args.ramMib > 3072) throw new UsageError(`--ram ${args.ramMib}: must be a whole number of MiB from 2 to 3072`);
  const cost = loadCostModel(args.cost);
  const { image, path } = readKernel(args.kernel);
  const out = new ConsoleSink(process.stdout);
  const machine = new Machine({
    kernelImage: image,
    kernelName: basename(path),
    cmdline: args.cmdline,
    cost,
    ramBytes: args.ramMib << 20,
    onConsole: (b) => out.write(b),
    mode: args.mode ?? "native",
    asyncPolicy: args.asyncPolicy ?? "rollback",
  });
  log.info({ kernel: path, entry: machine.boot.entry, cmdline: machine.boot.cmdline, cost: cost.name }, "booting");
  const recorder = args.trace === undefined ? null : startRunTrace(machine, args.trace, { kernelImage: image, kernelPath: path, kernelName: basename(path), cmdline: args.cmdline, mode: machine.mode, asyncPolicy: args.asyncPolicy ?? "rollback", cost, ramMiB: args.ramMib });
  const t0 = performance.now();
  let stop = "guest exited";
  let exitCode: number = ExitCode.ok;
  let failure: KdbtError | null = null;
  try {
    const outcome = machine.run(args.maxCycles ?? Infinity);
    if (outcome.reason === "max-cycles") {
      failure = new GuestStop(`stopped after --max-cycles ${args.maxCycles} cycles without the guest exiting`, ExitCode.maxCycles, "max-cycles");
    } else {
      exitCode = outcome.exit!.value & 0xff;
    }
  } catch (e) {
    if (!(e instanceof GuestStop)) {
      recorder?.abort();
      throw e;
    }
    failure = e;
  } finally {
    out.flush();
  }
  recorder?.finish(stopOf(failure instanceof GuestStop ? failure : null));
  const hostSeconds = (performance.now() - t0) / 1000;
  if (failure) {
    stop = `${failure.name}: ${failure.message}`;
    exitCode = failure.exitCode;
    process.stderr.write(`kdbt: ${failure.message}\n${dumpRegisters(machine.cpu)}\n`);
  }
  const summary = summarize(machine, path, args.cmdline, stop, hostSeconds);
  if (!args.quietSummary) process.stderr.write(formatSummary(summary));
  if (args.summaryJson) {
    try {
      writeFileSync(args.summaryJson, JSON.stringify(summary, null, 2) + "\n");
    } catch (e) {
      throw new KdbtError(`--summary-json ${args.summaryJson}: cannot write (${(e as Error).message})`, ExitCode.ioErr);
    }
  }
  return { exitCode, summary };
}
