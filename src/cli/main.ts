#!/usr/bin/env node
// The kdbt command line: subcommands, one-line errors, documented exit statuses (README "Exit status").
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { ExitCode, KdbtError, UsageError } from "../errors.js";
import { makeLogger } from "./log.js";
import { runCommand } from "./run-command.js";
import { formatSpeed, speedCommand } from "./speed-command.js";
import { BENCH_MODES, benchCli } from "./bench-command.js";
import { PRESET_NAMES } from "../cost/model.js";
import { EXEC_MODES, type ExecMode } from "../machine/machine.js";
import { positiveInt } from "./flags.js";
import { replayCommand, traceCommand } from "./trace-commands.js";
import { TEACH_COMMANDS } from "./teach-commands.js";

interface GlobalArgs {
  verbose: number;
  quiet: boolean;
  debug: boolean;
}

function withRunOptions<T>(y: Argv<T>) {
  return y
    .option("kernel", { type: "string", describe: "multiboot ELF kernel (default: the bundled guest-kernel/kernel.elf)" })
    .option("cmdline", { type: "string", default: "", describe: 'multiboot command line, e.g. "workload=syscall iters=1000"' })
    .option("cost", { type: "string", default: "icount", describe: `cost model: ${PRESET_NAMES.join(" | ")} | FILE.json` })
    .option("max-cycles", { type: "string", describe: "stop with an error after this many simulated cycles", coerce: positiveInt("max-cycles") })
    .option("ram", { type: "number", default: 128, describe: "guest RAM in MiB (QEMU's -m)" })
    .option("mode", { type: "string", default: "native", choices: EXEC_MODES, describe: "native, or kernel DBT: precise (DynamoRIO-Kernel/VMware: PC rewrite and rollback) or relaxed (BTKernel)" })
    .option("async-policy", { type: "string", default: "rollback", choices: ["rollback", "defer"], describe: "DBT: an interrupt inside a translation rolls back, or waits for the guest instruction boundary" })
    .option("summary-json", { type: "string", describe: "also write the run summary as JSON to this file" })
    .option("summary", { type: "boolean", default: true, describe: "print the run summary on stderr (--no-summary to omit it)" })
    .option("trace", { alias: "o", type: "string", describe: "record every interrupt and exception delivery to this trace file (JSON Lines, docs/traces.md)" });
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  let exitCode: number = ExitCode.ok;
  try {
    await yargs(argv)
      .scriptName("kdbt")
      .usage("$0 <command> [options]\n\nA kernel-level dynamic binary translation simulator.")
      .option("verbose", { alias: "v", type: "count", describe: "more log output on stderr (-vv for debug)" })
      .option("quiet", { alias: "q", type: "boolean", default: false, describe: "only errors on stderr" })
      .option("debug", { type: "boolean", default: false, describe: "print stack traces for errors" })
      .command(
        ["run", "record"],
        "boot a kernel and run it; COM1 goes to stdout, the exit status is the guest's isa-debug-exit value (record: run with --trace FILE)",
        (y) => withRunOptions(y),
        (a) => {
          const g = a as unknown as GlobalArgs;
          if (a._[0] === "record" && a.trace === undefined) throw new UsageError("kdbt record: name the trace file with --trace FILE (or -o FILE)");
          const log = makeLogger(g.verbose, g.quiet);
          const r = runCommand(
            {
              kernel: a.kernel,
              cmdline: a.cmdline,
              cost: a.cost,
              maxCycles: a["max-cycles"],
              ramMib: a.ram,
              summaryJson: a["summary-json"],
              mode: a.mode as ExecMode,
              asyncPolicy: a["async-policy"] as "rollback" | "defer",
              quietSummary: !a.summary || g.quiet,
              trace: a.trace,
            },
            log,
          );
          exitCode = r.exitCode;
        },
      )
      .command(
        "bench",
        "the guest kernel's workloads under each execution mode: cycles per operation (npm start runs this)",
        (y) =>
          y
            .option("kernel", { type: "string", describe: "multiboot ELF kernel (default: the bundled guest kernel)" })
            .option("workloads", { type: "string", default: "", describe: "comma-separated workloads (default: all)" })
            .option("modes", { type: "string", default: BENCH_MODES.join(","), describe: `comma-separated modes (native always runs: slowdowns are against it): ${BENCH_MODES.join(", ")}` })
            .option("cost", { type: "string", default: "default", describe: `cost model: ${PRESET_NAMES.join(" | ")} | FILE.json` })
            .option("iters", { type: "string", describe: "iterations per workload (default: each workload's own)", coerce: positiveInt("iters") })
            .option("json", { type: "boolean", default: false, describe: "print the report as one JSON document" })
            .option("html", { type: "string", describe: "also write a self-contained HTML report with charts to this file" }),
        (a) => {
          const g = a as unknown as GlobalArgs;
          const list = (s: string): string[] => s.split(",").map((x) => x.trim()).filter((x) => x.length > 0);
          benchCli(
            {
              kernel: a.kernel,
              workloads: list(a.workloads),
              modes: list(a.modes),
              cost: a.cost,
              guestArgs: a.iters !== undefined ? `iters=${a.iters}` : undefined,
              json: a.json,
              html: a.html,
              progress: process.stderr.isTTY === true && !g.quiet,
            },
            (s) => process.stdout.write(s),
          );
        },
      )
      .command(
        "speed",
        "simulation speed: guest MIPS on an ALU loop, a load/store loop and an int 0x80 loop, beside QEMU",
        (y) =>
          y
            .option("iterations", { type: "string", default: "25000000", describe: "loop iterations per run", coerce: positiveInt("iterations") })
            .option("repeats", { type: "string", default: "3", describe: "runs per loop (the best counts)", coerce: positiveInt("repeats") })
            .option("qemu", { type: "boolean", default: true, describe: "also time qemu-system-i386 on the same images (--no-qemu to skip)" })
            .option("json", { type: "boolean", default: false, describe: "print the report as JSON" }),
        (a) => {
          const report = speedCommand({ iterations: a.iterations!, repeats: a.repeats!, qemu: a.qemu });
          process.stdout.write(a.json ? JSON.stringify(report, null, 2) + "\n" : formatSpeed(report));
        },
      )
      .command(replayCommand)
      .command(traceCommand)
      .command([...TEACH_COMMANDS])
      .demandCommand(1, "kdbt: name a command (see kdbt --help)")
      .strict()
      .recommendCommands()
      .help()
      .version()
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .fail((msg, err) => {
        // yargs reports its own parse errors, and errors thrown by coerce(), as YError.
        if (err && !(err instanceof KdbtError) && err.name !== "YError") throw err;
        // yargs spreads some messages over lines ("Invalid values:\n  Argument: ..."): keep one line.
        throw err instanceof KdbtError ? err : new UsageError((err?.message ?? msg).replace(/:?\s*\n\s*/g, ": "));
      })
      .exitProcess(false)
      .parseAsync();
  } catch (e) {
    return report(e, debug);
  }
  return exitCode;
}

/** One line naming what went wrong; a stack trace only with --debug or for kdbt's own bugs. */
function report(e: unknown, debug: boolean): number {
  if (e instanceof KdbtError) {
    process.stderr.write(`kdbt: ${e.message}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + "\n");
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`kdbt: internal error: ${err.message} (this is a kdbt bug; rerun with --debug for the stack)\n`);
  if (debug && err.stack) process.stderr.write(err.stack + "\n");
  return ExitCode.software;
}

/** True when this file is the program node was asked to run (directly or through the npm bin symlink). */
function invokedAsProgram(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return realpathSync(arg) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedAsProgram()) {
  main(hideBin(process.argv)).then((code) => {
    process.exitCode = code;
  });
}
