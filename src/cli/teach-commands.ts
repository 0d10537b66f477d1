// The teaching commands, `kdbt explain`, `kdbt inspect` and `kdbt step`: their flags, checked with zod, and their output.
//
// The modules that do the work (and iced-x86, which the code views load on first use) are imported
// only when one of these commands runs, so `kdbt run` and `kdbt bench` start without them.
import { basename } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { z } from "zod";
import { loadCostModel, PRESET_NAMES } from "../cost/model.js";
import { UsageError } from "../errors.js";
import { EXEC_MODES } from "../machine/machine.js";
import type { TeachSession } from "../teach/session.js";
import { readKernel } from "./run-command.js";

/**
 * The command line the teaching commands boot by default: the timer workload at a high tick rate,
 * so timer interrupts land in kernel code within a few thousand instructions of its start, and
 * the default cost model, under which every host instruction takes time, so a tick can come
 * between two host instructions of one guest instruction's translation (under `icount` only
 * guest instructions take time and a tick always lands on a guest instruction boundary).
 */
export const TEACH_CMDLINE = "workload=timer iters=20 hz=200000";
export const TEACH_COST = "default";

/** A flag's number: decimal or 0x hex, with _ separators. */
function parseCount(flag: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const t = String(v).replace(/_/g, "").trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t.slice(2), 16) : /^[0-9]+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new UsageError(`--${flag} ${String(v)}: expected a whole number from 0 to ${max}`);
  return n;
}

const TeachArgsSchema = z.object({
  kernel: z.string().optional(),
  cmdline: z.string(),
  mode: z.enum(EXEC_MODES),
  cost: z.string().min(1),
  ram: z.number().int().min(2).max(3072),
});
type TeachArgs = z.infer<typeof TeachArgsSchema>;

/** Checked arguments, or a one-line UsageError naming the first bad field. */
function parseArgs<S extends z.ZodType>(schema: S, args: unknown): z.infer<S> {
  const r = schema.safeParse(args);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const flag = issue.path.join(".");
    const given = typeof args === "object" && args !== null ? (args as Record<string, unknown>)[flag] : undefined;
    throw new UsageError(`--${flag}${given === undefined ? "" : ` ${String(given)}`}: ${issue.message}`);
  }
  return r.data;
}

/** The flags all three commands share; `at` describes --at for the commands that take it. */
function withTeachOptions<T>(y: Argv<T>, modes: readonly string[], at?: string) {
  const base: Argv<T> = at === undefined ? y : y.option("at", { type: "string", describe: at });
  return base
    .option("kernel", { type: "string", describe: "multiboot ELF kernel (default: the bundled guest-kernel/kernel.elf)" })
    .option("cmdline", { type: "string", default: TEACH_CMDLINE, describe: "multiboot command line of the run" })
    // Checked by zod rather than yargs' `choices`, whose message takes two lines.
    .option("mode", { type: "string", default: "precise", describe: `${modes.join(" | ")}: precise (DynamoRIO-Kernel/VMware) or relaxed (BTKernel) kernel DBT` + (modes.includes("native") ? ", or native" : "") })
    .option("cost", { type: "string", default: TEACH_COST, describe: `cost model: ${PRESET_NAMES.join(" | ")} | FILE.json (default: default, so interrupts can land inside translations)` })
    .option("ram", { type: "number", default: 128, describe: "guest RAM in MiB" });
}

async function openSession(a: TeachArgs): Promise<() => TeachSession> {
  const { TeachSession } = await import("../teach/session.js");
  const cost = loadCostModel(a.cost);
  const { image, path } = readKernel(a.kernel);
  return () => new TeachSession({ kernelImage: image, kernelName: basename(path), cmdline: a.cmdline, mode: a.mode, cost, ramBytes: a.ram << 20 });
}

const ExplainArgsSchema = TeachArgsSchema.extend({
  mode: z.enum(["precise", "relaxed"]),
  event: z.string().optional(),
  vector: z.string().optional(),
  first: z.boolean(),
  json: z.boolean(),
});

const explainCommand: CommandModule = {
  command: "explain",
  describe: "narrate one interrupt or exception through the DBT: where it landed, shadow IDT, PC rewrite, rollback, handler, way back",
  builder: (y) =>
    withTeachOptions(y, ["precise", "relaxed"])
      .option("event", { type: "string", describe: "explain delivery number N of the run (0, 1, 2, ... as in traces)" })
      .option("vector", {
        type: "string",
        describe:
          "explain the first delivery of vector V that shows the DBT at work (precise: one that cut a translation short and was rolled back; relaxed: one whose frame holds a code-cache PC), or, if none does, its first delivery (default: --vector 32, the timer)",
      })
      .option("first", { type: "boolean", default: false, describe: "with --vector: the very first delivery of V, wherever it landed" })
      .option("json", { type: "boolean", default: false, describe: "print the narration as one JSON document (InspectJsonSchema's explain view)" })
      .conflicts("event", "vector")
      .epilogue(
        `The default run, "${TEACH_CMDLINE}" under the ${TEACH_COST} cost model, keeps timer interrupts landing in translated kernel code, and under that model every host instruction takes time, so a tick can come between two host instructions of one guest instruction: \`kdbt explain\` (--vector 32) shows one cut short and rolled back. docs/tour.md walks through five examples.`,
      )
      .example("$0 explain --vector 32", "a timer interrupt inside a translation, and its rollback (the default run)")
      .example('$0 explain --cmdline "workload=syscall iters=3" --vector 128', "a system call from ring 3"),
  handler: async (raw) => {
    const a = parseArgs(ExplainArgsSchema, raw);
    const event = parseCount("event", a.event);
    const vector = parseCount("vector", a.vector, 255);
    if (a.first && event !== undefined) throw new UsageError("--first goes with --vector, not --event");
    const open = await openSession(a);
    const { explainRun, explainText } = await import("../teach/explain.js");
    const doc = explainRun(open, event !== undefined ? { event } : { vector: vector ?? 32, first: a.first }, a.cmdline);
    process.stdout.write(a.json ? JSON.stringify(doc, null, 2) + "\n" : explainText(doc));
  },
};

const InspectArgsSchema = TeachArgsSchema.extend({ what: z.string().optional(), at: z.string().optional(), json: z.boolean() });

const inspectCommand: CommandModule = {
  command: "inspect [what]",
  describe: "the machine at a retired-instruction count: guest IDT beside shadow IDT, GDT, TSS, page tables, code cache, registers",
  builder: (y) =>
    withTeachOptions(y, EXEC_MODES, "stop after this many guest instructions have retired (default: at the end of the run)")
      .positional("what", { type: "string", describe: "all (default), idt, gdt, tss, page-tables (pages), code-cache (cache) or registers (regs)" })
      .option("json", { type: "boolean", default: false, describe: "print each view as JSON (InspectJsonSchema; an array for all)" }),
  handler: async (raw) => {
    const a = parseArgs(InspectArgsSchema, raw);
    const at = parseCount("at", a.at);
    const { parseWhat, runToRetired, inspectHeader, inspectJsonAll, inspectText } = await import("../teach/inspect.js");
    const views = parseWhat(a.what);
    const s = (await openSession(a))();
    runToRetired(s, at);
    if (a.json) {
      process.stdout.write(JSON.stringify(inspectJsonAll(s, views), null, 2) + "\n");
      return;
    }
    process.stdout.write([inspectHeader(s, a.cmdline), ...views.map((v) => inspectText(s, v))].join("\n\n") + "\n");
  },
};

const StepArgsSchema = TeachArgsSchema.extend({ at: z.string().optional() });

const stepCommand: CommandModule = {
  command: "step",
  describe: "step through a run: guest or host instructions, on to the next interrupt, registers; commands from the terminal or stdin",
  builder: (y) =>
    withTeachOptions(y, EXEC_MODES, "start after this many guest instructions have retired (default: at the kernel's entry)")
      .epilogue("commands: s [n] (guest instructions), si [n] (host instructions), c [n] (to the next delivery), r (registers), v (side by side on/off), l (where), h (help), q (quit)"),
  handler: async (raw) => {
    const a = parseArgs(StepArgsSchema, raw);
    const at = parseCount("at", a.at);
    const { runToRetired } = await import("../teach/inspect.js");
    const { runStepper } = await import("../teach/stepper.js");
    const { wantColor } = await import("../teach/format.js");
    const s = (await openSession(a))();
    if (at !== undefined) runToRetired(s, at);
    const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
    await runStepper(s, { input: process.stdin, terminal: interactive ? process.stdout : null, write: (t) => void process.stdout.write(t), interactive, color: wantColor(process.stdout) });
  },
};

/** The teaching commands, for main.ts to register. */
export const TEACH_COMMANDS: readonly CommandModule[] = [explainCommand, inspectCommand, stepCommand];
