// The HTML bench report's view model: what its charts, summary and table show, computed from a validated bench document.
import { BENCH_MODE_NAMES, BREAKDOWN_CATEGORIES, type BenchDocument, type BenchModeName, type BreakdownCategory, type ModeResultDoc } from "../bench-schema.js";

export interface ModeStyle {
  label: string;
  /** One clause saying what the mode is, for the "how to read this" paragraph and the legend tooltips. */
  blurb: string;
  /** Okabe-Ito colours: distinguishable with every common colour-vision deficiency. */
  color: string;
  /** precise-defer is also hatched, so it never depends on telling two warm colours apart. */
  hatched: boolean;
}

export const MODE_STYLES: Record<BenchModeName, ModeStyle> = {
  native: { label: "native", blurb: "the guest kernel runs untranslated: the baseline every slowdown is measured against", color: "#5f5f5f", hatched: false },
  precise: {
    label: "precise",
    blurb: "the DynamoRIO-Kernel / VMware design: every interrupt and exception enters the dispatcher, which maps the code-cache PC back, rolls half-done translations back and rebuilds the frame",
    color: "#D55E00",
    hatched: false,
  },
  "precise-defer": {
    label: "precise-defer",
    blurb: "precise, but asynchronous interrupts wait for the next guest instruction boundary instead of being rolled back",
    color: "#E69F00",
    hatched: true,
  },
  relaxed: {
    label: "relaxed",
    blurb: "the BTKernel design: gates point straight at the translated handlers and code-cache PCs stay on the guest's stacks",
    color: "#0072B2",
    hatched: false,
  },
};

export interface CategoryStyle {
  label: string;
  color: string;
}

/** guestCode is neutral grey so the dispatcher's work stands out; the rest is Paul Tol's colourblind-safe "muted" set. */
export const CATEGORY_STYLES: Record<BreakdownCategory, CategoryStyle> = {
  guestCode: { label: "guest code (translated)", color: "#BBBBBB" },
  dispatcherEntryExit: { label: "dispatcher entry/exit", color: "#332288" },
  pcMapping: { label: "PC mapping", color: "#88CCEE" },
  rollback: { label: "rollback", color: "#CC6677" },
  frameRebuild: { label: "frame rebuild", color: "#117733" },
  indirectLookups: { label: "indirect-branch lookups", color: "#DDCC77" },
  translation: { label: "translation", color: "#AA4499" },
  linking: { label: "block linking", color: "#44AA99" },
  escapes: { label: "escape / native-target traps", color: "#882255" },
  emulation: { label: "iret/lidt/sidt emulation", color: "#661100" },
  shadowIdt: { label: "shadow IDT and extable upkeep", color: "#999933" },
};

export interface WorkloadView {
  name: string;
  operation: string;
  iters: number;
  /** Axis label lines: the name, then the operation wrapped to a readable width. */
  lines: string[];
}

export interface ModeSeries {
  mode: BenchModeName;
  label: string;
  color: string;
  hatched: boolean;
}

export interface SlowdownChart {
  datasets: (ModeSeries & { data: (number | null)[]; cyclesPerOp: (number | null)[] })[];
  nativeCyclesPerOp: (number | null)[];
  min: number;
  max: number;
  /** The slowdowns span more than LOG_SCALE_RATIO: the axis starts logarithmic. */
  log: boolean;
}

export interface BreakdownSeries {
  mode: BenchModeName;
  modeLabel: string;
  category: BreakdownCategory;
  label: string;
  color: string;
  /** Share of the mode's segment cycles for each workload, in percent (null: the mode has no result there). */
  pct: (number | null)[];
  /** Segment cycles divided by the workload's iterations (setup included). */
  perOp: (number | null)[];
  cycles: (number | null)[];
}

export interface BreakdownChart {
  modes: ModeSeries[];
  categories: (CategoryStyle & { key: BreakdownCategory })[];
  /** Categories that are zero in every DBT run: left out of the chart and named in its caption. */
  omitted: string[];
  /** Mode-major: every category of the first mode, then the next mode's. */
  series: BreakdownSeries[];
}

export interface LeaksChart {
  datasets: (ModeSeries & { data: (number | null)[]; deliveries: (number | null)[] })[];
  total: number;
}

export interface ModeSummary {
  mode: BenchModeName;
  label: string;
  color: string;
  hatched: boolean;
  geomean: number;
  best: { workload: string; slowdown: number };
  worst: { workload: string; slowdown: number };
  leaks: number;
  deliveries: number;
}

export interface ReportModel {
  modes: BenchModeName[];
  dbtModes: BenchModeName[];
  modeStyles: Partial<Record<BenchModeName, ModeStyle>>;
  workloads: WorkloadView[];
  slowdown: SlowdownChart | null;
  breakdown: BreakdownChart | null;
  leaks: LeaksChart | null;
  summaries: ModeSummary[];
  /** Workloads whose check value is not the same in every mode that ran them: a correctness bug. */
  checkMismatches: string[];
}

/** Above this max/min ratio a linear axis squashes the small slowdowns into slivers. */
export const LOG_SCALE_RATIO = 10;

const LABEL_WIDTH = 34;

/** Word-wrap for axis labels (Chart.js draws an array label as one line per element). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

export function geometricMean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

function breakdownTotal(r: ModeResultDoc): number {
  return BREAKDOWN_CATEGORIES.reduce((s, c) => s + r.breakdown[c], 0);
}

/** The modes shown: those the document lists plus any that only appear in results, in the schema's order. */
function presentModes(doc: BenchDocument): BenchModeName[] {
  const seen = new Set<BenchModeName>(doc.modes);
  for (const w of doc.workloads) for (const m of BENCH_MODE_NAMES) if (w.results[m] !== undefined) seen.add(m);
  return BENCH_MODE_NAMES.filter((m) => seen.has(m));
}

function series(mode: BenchModeName): ModeSeries {
  const s = MODE_STYLES[mode];
  return { mode, label: s.label, color: s.color, hatched: s.hatched };
}

export function buildReportModel(doc: BenchDocument): ReportModel {
  const modes = presentModes(doc);
  const dbtModes = modes.filter((m) => m !== "native");
  const result = (m: BenchModeName): (ModeResultDoc | undefined)[] => doc.workloads.map((w) => w.results[m]);
  const mismatched = (w: BenchDocument["workloads"][number]): boolean => new Set(modes.map((m) => w.results[m]?.check).filter((c) => c !== undefined)).size > 1;
  const checkMismatches = doc.workloads.filter(mismatched).map((w) => w.name);
  // A workload whose check differs is marked in the charts too: its bars measure a wrong computation.
  const workloads: WorkloadView[] = doc.workloads.map((w) => ({
    name: mismatched(w) ? `${w.name} ⚠` : w.name,
    operation: w.operation,
    iters: w.iters,
    lines: [mismatched(w) ? `${w.name} ⚠ check differs` : w.name, ...wrapWords(w.operation, LABEL_WIDTH)],
  }));

  const summaries: ModeSummary[] = [];
  for (const m of dbtModes) {
    const ran = doc.workloads.flatMap((w) => (w.results[m] ? [{ workload: w.name, r: w.results[m] }] : []));
    if (ran.length === 0) continue;
    const by = [...ran].sort((a, b) => a.r.slowdown - b.r.slowdown);
    summaries.push({
      ...series(m),
      geomean: geometricMean(ran.map((x) => x.r.slowdown)),
      best: { workload: by[0]!.workload, slowdown: by[0]!.r.slowdown },
      worst: { workload: by[by.length - 1]!.workload, slowdown: by[by.length - 1]!.r.slowdown },
      leaks: ran.reduce((s, x) => s + x.r.leaks, 0),
      deliveries: ran.reduce((s, x) => s + x.r.deliveries, 0),
    });
  }

  let slowdown: SlowdownChart | null = null;
  let breakdown: BreakdownChart | null = null;
  let leaks: LeaksChart | null = null;
  if (dbtModes.length > 0) {
    const datasets = dbtModes.map((m) => ({
      ...series(m),
      data: result(m).map((r) => r?.slowdown ?? null),
      cyclesPerOp: result(m).map((r) => r?.cyclesPerOp ?? null),
    }));
    const all = datasets.flatMap((d) => d.data).filter((v): v is number => v !== null);
    const min = all.length > 0 ? Math.min(...all) : 1;
    const max = all.length > 0 ? Math.max(...all) : 1;
    slowdown = { datasets, nativeCyclesPerOp: result("native").map((r) => r?.cyclesPerOp ?? null), min, max, log: max / min > LOG_SCALE_RATIO };

    const used = BREAKDOWN_CATEGORIES.filter((c) => dbtModes.some((m) => result(m).some((r) => r !== undefined && r.breakdown[c] > 0)));
    const shown = used.length > 0 ? used : (["guestCode"] as BreakdownCategory[]);
    breakdown = {
      modes: dbtModes.map(series),
      categories: shown.map((key) => ({ key, ...CATEGORY_STYLES[key] })),
      omitted: BREAKDOWN_CATEGORIES.filter((c) => !shown.includes(c)).map((c) => CATEGORY_STYLES[c].label),
      series: dbtModes.flatMap((m) =>
        shown.map((c) => {
          const rs = result(m);
          return {
            mode: m,
            modeLabel: MODE_STYLES[m].label,
            category: c,
            label: CATEGORY_STYLES[c].label,
            color: CATEGORY_STYLES[c].color,
            pct: rs.map((r) => {
              if (r === undefined) return null;
              const total = breakdownTotal(r);
              return total > 0 ? (100 * r.breakdown[c]) / total : 0;
            }),
            perOp: rs.map((r, i) => (r === undefined ? null : r.breakdown[c] / doc.workloads[i]!.iters)),
            cycles: rs.map((r) => r?.breakdown[c] ?? null),
          };
        }),
      ),
    };

    // Relaxed mode is where leaks are expected; any other mode that leaked is shown too (it would be a bug).
    const leakModes = dbtModes.filter((m) => m === "relaxed" || result(m).some((r) => r !== undefined && r.leaks > 0));
    if (leakModes.length > 0) {
      const ds = leakModes.map((m) => ({
        ...series(m),
        data: result(m).map((r) => r?.leaks ?? null),
        deliveries: result(m).map((r) => r?.deliveries ?? null),
      }));
      leaks = { datasets: ds, total: ds.reduce((s, d) => s + d.data.reduce<number>((a, v) => a + (v ?? 0), 0), 0) };
    }
  }

  const modeStyles: Partial<Record<BenchModeName, ModeStyle>> = {};
  for (const m of modes) modeStyles[m] = MODE_STYLES[m];
  return { modes, dbtModes, modeStyles, workloads, slowdown, breakdown, leaks, summaries, checkMismatches };
}
