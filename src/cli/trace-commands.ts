// The trace commands on the command line: `kdbt replay`, `kdbt trace import-qemu`, `kdbt trace export`.
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { PRESET_NAMES } from "../cost/model.js";
import { ExitCode, KdbtError } from "../errors.js";
import { captureGuestState, stateHash } from "../machine/guest-state.js";
import { EXEC_MODES, type ExecMode } from "../machine/machine.js";
import { AsyncPolicySchema, type AsyncPolicy, type TraceLine } from "../trace/format.js";
import { TraceWriter } from "../trace/jsonl.js";
import { DEFAULT_MAX_EVENTS, exportPerfetto, writeChromeTrace } from "../trace/perfetto.js";
import { formatImportReport, importQemuLog } from "../trace/qemu-import.js";
import { codeCacheSeries, recreateRecordedState, replayTrace, type RecordedState, type ReplayOptions } from "../trace/replay.js";
import { TraceCursor } from "../trace/trace-cursor.js";
import { positiveInt } from "./flags.js";
import { DEFAULT_KERNEL } from "./paths.js";
import { formatReplay, verdictOf } from "./replay-report.js";

type ArgsOf<B> = B extends (y: Argv) => Argv<infer U> ? U : never;

// ---------------------------------------------------------------- kdbt replay

const replayOptions = (y: Argv) =>
  y
    .positional("file", { type: "string", demandOption: true, describe: "the trace to replay (JSON Lines, see docs/traces.md)" })
    .option("kernel", { type: "string", describe: "the kernel image the trace was recorded with (default: the bundled guest-kernel/kernel.elf); checked by SHA-256" })
    .option("mode", { type: "string", choices: EXEC_MODES, describe: "native, precise or relaxed (default: the recording's mode)" })
    .option("async-policy", { type: "string", choices: AsyncPolicySchema.options, describe: "DBT: rollback or defer (default: the recording's)" })
    .option("cost", { type: "string", describe: `cost model: ${PRESET_NAMES.join(" | ")} | FILE.json (default: the recording's)` })
    .option("trace", { alias: "o", type: "string", describe: "also write the replay's own trace here (header source \"replay\")" })
    .option("max-cycles", { type: "string", describe: "stop after this many simulated cycles", coerce: positiveInt("max-cycles") })
    .option("json", { type: "boolean", default: false, describe: "print the result as one JSON document" });

export const replayCommand: CommandModule<object, ArgsOf<typeof replayOptions>> = {
  command: "replay <file>",
  describe: "replay a trace: raise its external interrupts at their recorded instruction counts and compare every delivery (exit 116 on divergence)",
  builder: replayOptions,
  handler: (a) => {
    const opts: ReplayOptions = {
      trace: a.file,
      kernel: a.kernel ?? DEFAULT_KERNEL,
      ...(a.mode !== undefined ? { mode: a.mode as ExecMode } : {}),
      ...(a.asyncPolicy !== undefined ? { asyncPolicy: a.asyncPolicy as AsyncPolicy } : {}),
      ...(a.cost !== undefined ? { cost: a.cost } : {}),
      ...(a.maxCycles !== undefined ? { maxCycles: a.maxCycles } : {}),
      ...(a.trace !== undefined ? { out: a.trace } : {}),
    };
    const r = replayTrace(opts);
    const d = r.divergence;
    // The trace holds only a hash of the guest's state: re-create the recorded registers for the diff.
    let recorded: RecordedState | null = null;
    if (d !== null && d.replayState !== null && d.recorded?.type === "delivery") recorded = recreateRecordedState(opts, d.seq, d.recorded);
    process.stdout.write(a.json ? JSON.stringify({ verdict: verdictOf(r), ...r, recordedState: recorded }, null, 2) + "\n" : formatReplay(r, recorded));
    if (d !== null) throw new KdbtError(`replay of ${a.file} diverged at ${d.recorded?.type === "end" ? "the end" : `delivery ${d.seq}`} (details on stdout)`, ExitCode.divergence);
  },
};

// ---------------------------------------------------------------- kdbt trace import-qemu / export

const importOptions = (y: Argv) =>
  y
    .positional("log", { type: "string", demandOption: true, describe: "a qemu-system-i386 -icount shift=0 -d int log (-D FILE)" })
    .option("kernel", { type: "string", describe: "the kernel QEMU booted (default: the bundled guest-kernel/kernel.elf)" })
    .option("cmdline", { type: "string", describe: "the -append string QEMU ran with (the log does not record it)" })
    .option("kernel-name", { type: "string", describe: "what QEMU was given as -kernel, which the guest sees on its command line (default: --kernel as given)" })
    .option("ram", { type: "string", default: "128", describe: "QEMU's -m in MiB", coerce: positiveInt("ram") })
    .option("output", { alias: "o", type: "string", demandOption: true, describe: "the trace to write" });

const exportOptions = (y: Argv) =>
  y
    .positional("file", { type: "string", demandOption: true, describe: "the trace to export" })
    .option("format", { type: "string", choices: ["perfetto"] as const, default: "perfetto" as const, describe: "perfetto: Chrome Trace Event JSON (ui.perfetto.dev, chrome://tracing)" })
    .option("max-events", { type: "string", default: String(DEFAULT_MAX_EVENTS), describe: "cap on exported events; deliveries past it are left out, with a warning", coerce: positiveInt("max-events") })
    .option("code-cache", { type: "boolean", default: false, describe: "add a code-cache size counter track, measured by replaying the trace in its own DBT mode" })
    .option("kernel", { type: "string", describe: "with --code-cache: the kernel the trace was recorded with (default: the bundled one)" })
    .option("output", { alias: "o", type: "string", demandOption: true, describe: "the JSON file to write" });

function importQemu(a: ArgumentsCamelCase<ArgsOf<typeof importOptions>>): void {
  const kernel = a.kernel ?? DEFAULT_KERNEL;
  const result = importQemuLog(a.log, kernel, {
    ...(a.cmdline !== undefined ? { cmdline: a.cmdline } : {}),
    kernelName: a.kernelName ?? a.kernel ?? "guest-kernel/kernel.elf",
    ramMiB: a.ram,
    // kdbt's state at each aligned delivery, so a replay compares more than the log's fields.
    stateHashOf: (machine, d) => stateHash(captureGuestState(machine, d)),
  });
  const [header, ...rest] = result.lines;
  if (header?.type !== "header") throw new KdbtError("trace import produced no header", ExitCode.software);
  const w = TraceWriter.open(a.output, header, { refuseIfSameAs: [a.log, kernel] });
  try {
    for (const l of rest) {
      if (l.type === "delivery") w.append(l);
      else if (l.type === "end") w.close(l);
    }
  } catch (e) {
    w.abort();
    throw e;
  }
  process.stdout.write(`${formatImportReport(result)}\nwrote ${a.output}: ${w.records} deliveries\n`);
}

function exportTrace(a: ArgumentsCamelCase<ArgsOf<typeof exportOptions>>): void {
  const cursor = new TraceCursor(a.file);
  try {
    const header = cursor.readHeader();
    const lines = function* (): Generator<TraceLine> {
      yield header;
      for (let l = cursor.read(); l !== null; l = cursor.read()) yield l;
    };
    const counters = a.codeCache ? [codeCacheSeries({ trace: a.file, kernel: a.kernel ?? DEFAULT_KERNEL }, a.maxEvents)] : [];
    const out = exportPerfetto(lines(), { cpuHz: header.cpuHz, maxEvents: a.maxEvents, counters });
    writeChromeTrace(a.output, out.trace, a.file);
    process.stdout.write(`wrote ${a.output}: ${out.exportedDeliveries} of ${out.totalDeliveries} deliveries, ${out.trace.traceEvents.length} events (open it at ui.perfetto.dev)\n`);
    for (const w of out.warnings) process.stderr.write(`kdbt: warning: ${a.file}: ${w} (--max-events)\n`);
  } finally {
    cursor.close();
  }
}

export const traceCommand: CommandModule<object, object> = {
  command: "trace",
  describe: "trace tools: import-qemu (a QEMU -d int log to a trace), export (to Perfetto)",
  builder: (y) =>
    y
      .command("import-qemu <log>", "turn a qemu-system-i386 -d int log of the same kernel into a kdbt trace, saying which fields the log cannot supply", importOptions, importQemu)
      .command("export <file>", "export a trace as Chrome Trace Event JSON for ui.perfetto.dev (large traces are capped, with a warning)", exportOptions, exportTrace)
      .demandCommand(1, "kdbt trace: name a subcommand (import-qemu, export)"),
  handler: () => {},
};
