// `kdbt bench` (npm start): the guest workloads natively and under each DBT design, cycles per operation and where they went.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import cliProgress from "cli-progress";
import { basename, isAbsolute, relative } from "node:path";
import { Machine, type ExecMode } from "../machine/machine.js";
import { costModelHash, loadCostModel, type CostModel } from "../cost/model.js";
import { ExitCode, KdbtError, UsageError } from "../errors.js";
import { readKernel } from "./run-command.js";
import { BENCH_MODE_NAMES, BREAKDOWN_CATEGORIES, BenchDocumentSchema, type BenchDocument, type BenchModeName, type Breakdown, type ModeResultDoc } from "./bench-schema.js";
import type { AsyncPolicy } from "../trace/format.js";
import { renderBenchHtml } from "./bench-report-html.js";

const { SingleBar, Presets } = cliProgress;
type SingleBar = InstanceType<typeof cliProgress.SingleBar>;

export const BENCH_MODES = BENCH_MODE_NAMES;

/** The guest kernel's workloads in the order `workload=all` runs them (docs/guest-kernel.md). */
export const WORKLOADS = ["compute", "syscall", "copy", "pagefault", "divzero", "fixup", "timer", "ctxswitch", "callret", "ptewrite", "io", "smc"] as const;

/** What one iteration of each workload is (docs/guest-kernel.md, "The workloads"). */
export const OPERATIONS: Record<(typeof WORKLOADS)[number], string> = {
  compute: "ring-3 loop iteration (sum += i*i), the baseline",
  syscall: "null int 0x80 round trip from ring 3",
  copy: "system call copying 29-32 user bytes with copy_from_user",
  pagefault: "demand-page fault from ring 3, map, write, unmap with invlpg",
  divzero: "#DE from ring 3, handler skips the instruction",
  fixup: "system call whose kernel #PF is recovered through the exception table",
  timer: "63-deep recursive kernel call chain with IRQ0 at 50 kHz landing in it",
  ctxswitch: "yield to the other task and back (2 int 0x80, 2 CR3 loads)",
  callret: "kernel call and return",
  ptewrite: "kernel PTE write, invlpg, read through the new mapping",
  io: "in from port 0x80",
  smc: "patch a kernel function's code, then call it",
};

const MODE_SETUP: Record<BenchModeName, { mode: ExecMode; asyncPolicy: AsyncPolicy }> = {
  native: { mode: "native", asyncPolicy: "rollback" },
  precise: { mode: "precise", asyncPolicy: "rollback" },
  "precise-defer": { mode: "precise", asyncPolicy: "defer" },
  relaxed: { mode: "relaxed", asyncPolicy: "rollback" },
};

const RESULT = /^RESULT workload=([a-z]+) iters=(\d+) cycles=(\d+) check=([0-9a-f]{8})$/;

/** Counters at one point of a run; a workload's segment is the difference between two. */
interface Snapshot {
  cycles: number;
  dispatcher: Omit<Breakdown, "guestCode">;
  deliveries: number;
  leaks: number;
}

interface Segment {
  workload: string;
  iters: number;
  guestCycles: number;
  check: string;
  from: Snapshot;
  to: Snapshot;
}

function snapshot(m: Machine): Snapshot {
  const d = m.dbt?.dispatcher;
  const dispatcher = Object.fromEntries(BREAKDOWN_CATEGORIES.filter((c) => c !== "guestCode").map((c) => [c, d ? d.cycles[c as Exclude<typeof c, "guestCode">] : 0])) as Omit<Breakdown, "guestCode">;
  return { cycles: m.cycles, dispatcher, deliveries: m.stats.total, leaks: d ? d.stats.leaks.deliveries : 0 };
}

/** One progress tick per finished workload segment. */
export type ProgressTick = (mode: BenchModeName, workload: string) => void;

/**
 * Boot the kernel once per mode with the workloads on its command line; each RESULT line closes
 * a segment (from the previous one, or boot), whose counters give the breakdown.
 */
function runMode(name: BenchModeName, image: Buffer, kernelName: string, cmdline: string, cost: CostModel, tick: ProgressTick): Segment[] {
  const segments: Segment[] = [];
  let line = "";
  let machine: Machine | null = null;
  let last: Snapshot | null = null;
  const setup = MODE_SETUP[name];
  machine = new Machine({
    kernelImage: image,
    kernelName,
    cmdline,
    cost,
    mode: setup.mode,
    asyncPolicy: setup.asyncPolicy,
    onConsole: (b) => {
      if (b !== 0x0a) {
        line += String.fromCharCode(b);
        return;
      }
      const r = RESULT.exec(line);
      line = "";
      if (!r || machine === null) return;
      const now = snapshot(machine);
      segments.push({ workload: r[1]!, iters: Number(r[2]), guestCycles: Number(r[3]), check: r[4]!, from: last!, to: now });
      last = now;
      tick(name, r[1]!);
    },
  });
  last = snapshot(machine);
  const r = machine.run(1e13);
  if (r.reason !== "exit" || r.exit!.value !== 0) {
    throw new KdbtError(`bench: the guest kernel did not finish cleanly in ${name} mode (${r.reason}${r.exit ? `, exit value ${r.exit.value}` : ""})`, ExitCode.software);
  }
  return segments;
}

function modeResult(seg: Segment, nativeCyclesPerOp: number): ModeResultDoc {
  const total = seg.to.cycles - seg.from.cycles;
  const breakdown = { guestCode: 0 } as Breakdown;
  let dispatcher = 0;
  for (const c of BREAKDOWN_CATEGORIES) {
    if (c === "guestCode") continue;
    breakdown[c] = seg.to.dispatcher[c] - seg.from.dispatcher[c];
    dispatcher += breakdown[c];
  }
  breakdown.guestCode = total - dispatcher;
  const cyclesPerOp = seg.guestCycles / seg.iters;
  return {
    cycles: seg.guestCycles,
    cyclesPerOp,
    slowdown: cyclesPerOp / nativeCyclesPerOp,
    breakdown,
    deliveries: seg.to.deliveries - seg.from.deliveries,
    leaks: seg.to.leaks - seg.from.leaks,
    check: seg.check,
  };
}

export interface BenchOptions {
  kernel?: string | undefined;
  workloads: string[];
  modes: string[];
  cost: string;
  /** Extra command-line words for the guest (e.g. "iters=100"). */
  guestArgs?: string;
  tick?: ProgressTick;
  /** Host seconds elapsed, measured by the caller (the simulation never reads the clock). */
  hostSeconds?: () => number;
}

export function parseBenchModes(list: string[]): BenchModeName[] {
  if (list.length === 0) throw new UsageError(`--modes: name at least one of ${BENCH_MODES.join(", ")}`);
  for (const m of list) {
    if (!(BENCH_MODES as readonly string[]).includes(m)) throw new UsageError(`--modes: unknown mode "${m}" (available: ${BENCH_MODES.join(", ")})`);
  }
  // Every slowdown is against native, so native always runs; it comes first.
  return ["native", ...BENCH_MODES.filter((m) => m !== "native" && list.includes(m))];
}

export function parseBenchWorkloads(list: string[]): string[] {
  for (const w of list) {
    if (!(WORKLOADS as readonly string[]).includes(w)) throw new UsageError(`--workloads: the guest kernel has no workload "${w}" (available: ${WORKLOADS.join(", ")})`);
  }
  return list.length === 0 ? [...WORKLOADS] : WORKLOADS.filter((w) => list.includes(w));
}

/** Run the workloads x modes matrix and return the validated bench document. */
export function benchCommand(opts: BenchOptions): BenchDocument {
  const modes = parseBenchModes(opts.modes);
  const workloads = parseBenchWorkloads(opts.workloads);
  const cost = loadCostModel(opts.cost);
  const { image, path } = readKernel(opts.kernel);
  const extra = opts.guestArgs ? ` ${opts.guestArgs}` : "";
  const cmdlines = workloads.length === WORKLOADS.length ? [`workload=all${extra}`] : workloads.map((w) => `workload=${w}${extra}`);
  const tick = opts.tick ?? ((): void => {});
  const segmentsByMode = new Map<BenchModeName, Segment[]>();
  for (const mode of modes) segmentsByMode.set(mode, cmdlines.flatMap((c) => runMode(mode, image, basename(path), c, cost, tick)));
  const native = segmentsByMode.get("native")!;
  const doc: BenchDocument = {
    tool: "kdbt bench",
    kernel: { name: displayPath(path), sha256: createHash("sha256").update(image).digest("hex") },
    costModel: { name: cost.name, hash: costModelHash(cost), cpuHz: cost.cpuHz },
    modes,
    workloads: native.map((n) => {
      const results: BenchDocument["workloads"][number]["results"] = {};
      for (const mode of modes) {
        const seg = segmentsByMode.get(mode)!.find((s) => s.workload === n.workload);
        if (!seg) throw new KdbtError(`bench: ${mode} mode printed no RESULT line for ${n.workload}`, ExitCode.software);
        if (seg.check !== n.check) throw new KdbtError(`bench: ${n.workload} in ${mode} mode computed check=${seg.check}, natively ${n.check}: the DBT changed what the guest computed`, ExitCode.divergence);
        results[mode] = modeResult(seg, n.guestCycles / n.iters);
      }
      return { name: n.workload, iters: n.iters, operation: OPERATIONS[n.workload as (typeof WORKLOADS)[number]] ?? n.workload, results };
    }),
    host: { seconds: opts.hostSeconds ? opts.hostSeconds() : 0 },
  };
  return BenchDocumentSchema.parse(doc);
}

const SHORT: Record<Exclude<keyof Breakdown, "guestCode">, string> = {
  dispatcherEntryExit: "entry/exit",
  pcMapping: "pc-map",
  rollback: "rollback",
  frameRebuild: "frame",
  indirectLookups: "indirect",
  translation: "translate",
  linking: "link",
  escapes: "traps",
  emulation: "emulate",
  shadowIdt: "shadow-idt",
};

/** The text tables: cycles per operation and slowdown, then each DBT mode's breakdown. */
export function formatBench(doc: BenchDocument): string {
  const out: string[] = [];
  const dbtModes = doc.modes.filter((m) => m !== "native");
  out.push(`kdbt bench: ${doc.kernel.name}, ${doc.costModel.name} cost model (${(doc.costModel.cpuHz / 1e9).toFixed(2)} GHz); cycles per operation from the guest's own rdtsc`);
  out.push("");
  const head = ["workload".padEnd(10), "iters".padStart(6), ...doc.modes.map((m) => m.padStart(13)), ...dbtModes.map((m) => `x ${m}`.padStart(Math.max(9, m.length + 2)))];
  out.push(head.join(" "));
  for (const w of doc.workloads) {
    const cells = doc.modes.map((m) => w.results[m]!.cyclesPerOp.toFixed(1).padStart(13));
    const slow = dbtModes.map((m) => `${w.results[m]!.slowdown.toFixed(2)}x`.padStart(Math.max(9, m.length + 2)));
    out.push([w.name.padEnd(10), String(w.iters).padStart(6), ...cells, ...slow].join(" "));
  }
  for (const m of dbtModes) {
    out.push("");
    out.push(`where ${m} mode's cycles went (% of each workload's segment: setup, measured loop, result line)${m === "relaxed" ? "; leaks = deliveries that left a code-cache PC in the guest's frame" : ""}`);
    const cats = BREAKDOWN_CATEGORIES.filter((c) => c !== "guestCode" && doc.workloads.some((w) => w.results[m]!.breakdown[c] > 0)) as Exclude<keyof Breakdown, "guestCode">[];
    out.push(["workload".padEnd(10), "guest code".padStart(10), ...cats.map((c) => SHORT[c].padStart(10)), ...(m === "relaxed" ? ["leaks".padStart(7)] : [])].join(" "));
    for (const w of doc.workloads) {
      const r = w.results[m]!;
      const total = BREAKDOWN_CATEGORIES.reduce((a, c) => a + r.breakdown[c], 0);
      const pct = (v: number): string => `${((100 * v) / total).toFixed(1)}%`.padStart(10);
      out.push([w.name.padEnd(10), pct(r.breakdown.guestCode), ...cats.map((c) => pct(r.breakdown[c])), ...(m === "relaxed" ? [String(r.leaks).padStart(7)] : [])].join(" "));
    }
  }
  return out.join("\n") + "\n";
}

/** A path as short as it can be said from here (reports should not carry the machine's directory layout). */
function displayPath(path: string): string {
  const r = relative(process.cwd(), path);
  return r.startsWith("..") || isAbsolute(r) ? path : r;
}

export interface BenchCliArgs extends Omit<BenchOptions, "tick" | "hostSeconds"> {
  json: boolean;
  html?: string | undefined;
  /** Draw a progress bar on stderr (the CLI passes: stderr is a terminal and not --quiet). */
  progress: boolean;
}

/** The CLI side: progress on stderr, the table or JSON on stdout, the HTML report to a file. */
export function benchCli(args: BenchCliArgs, stdout: (s: string) => void): BenchDocument {
  const modes = parseBenchModes(args.modes);
  const workloads = parseBenchWorkloads(args.workloads);
  const started = process.hrtime.bigint();
  let bar: SingleBar | null = null;
  if (args.progress) {
    bar = new SingleBar({ format: "kdbt bench [{bar}] {value}/{total} {mode} {workload}", hideCursor: true, clearOnComplete: true, stream: process.stderr }, Presets.shades_classic);
    bar.start(modes.length * workloads.length, 0, { mode: modes[0], workload: "" });
  }
  let doc: BenchDocument;
  try {
    doc = benchCommand({
      ...args,
      tick: (mode, workload) => bar?.increment(1, { mode, workload }),
      hostSeconds: () => Number(process.hrtime.bigint() - started) / 1e9,
    });
  } finally {
    bar?.stop();
  }
  if (args.html !== undefined) writeOutput(args.html, renderBenchHtml(doc));
  stdout(args.json ? JSON.stringify(doc, null, 2) + "\n" : formatBench(doc) + (args.html !== undefined ? `\nHTML report written to ${args.html}\n` : ""));
  return doc;
}

function writeOutput(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new KdbtError(`--html ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, ExitCode.ioErr);
  }
}
