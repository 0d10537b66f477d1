// `kdbt bench` HTML report: one self-contained, offline file (Chart.js, CSS and data inlined) from a validated bench document.
import { z } from "zod";
import { InputError } from "../errors.js";
import { BenchDocumentSchema, type BenchDocument, type BenchModeName, type ModeResultDoc } from "./bench-schema.js";
import { loadChartJs } from "./report/chartjs-bundle.js";
import { REPORT_CLIENT_SCRIPT } from "./report/report-client.js";
import { buildReportModel, MODE_STYLES, type ReportModel } from "./report/report-model.js";
import { REPORT_CSS } from "./report/report-style.js";

/**
 * Validate a bench document (parsed JSON) against the contract. Throws InputError with zod's prettified message on one
 * line (every issue with its path, e.g. "✖ Invalid string: must match pattern … → at workloads[2].results.precise.check").
 */
export function parseBenchDocument(input: unknown, source = "bench document"): BenchDocument {
  const r = BenchDocumentSchema.safeParse(input);
  if (r.success) return r.data;
  const oneLine = z
    .prettifyError(r.error)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join(" ");
  throw new InputError(`${source}: ${oneLine}`);
}

/** The report as one HTML string. Validates `doc` first (InputError if it does not match the schema). Deterministic. */
export function renderBenchHtml(doc: BenchDocument): string {
  const d = parseBenchDocument(doc);
  const model = buildReportModel(d);
  const chartJs = loadChartJs();
  const hasCharts = model.slowdown !== null;
  const clientModel = { workloads: model.workloads, slowdown: model.slowdown, breakdown: model.breakdown, leaks: model.leaks };
  const title = `kdbt bench: ${d.kernel.name} ${d.kernel.sha256.slice(0, 8)}, ${d.costModel.name} cost model at ${formatClock(d.costModel.cpuHz)}`;
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light">',
    `<meta name="generator" content="kdbt bench">`,
    `<title>${esc(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    "</head>",
    "<body>",
    "<main>",
    renderHeader(d, model),
    renderHeadline(d, model),
    renderHowTo(d, model),
    hasCharts ? renderCharts(d, model) : renderNativeOnlyNote(),
    renderTable(d, model),
    renderFooter(d, hasCharts ? chartJs.version : null),
    "</main>",
    `<script type="application/json" id="kdbt-bench-document">${jsonForScript(d)}</script>`,
    `<script type="application/json" id="kdbt-report-model">${jsonForScript(clientModel)}</script>`,
    // Chart.js only when there is something to draw: a native-only report stays small and script-free in effect.
    hasCharts ? `<script id="kdbt-chartjs">\n${chartJs.source}\n</script>` : "",
    `<script id="kdbt-report-script">\n${REPORT_CLIENT_SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

// ---- formatting ----------------------------------------------------------------------------------

const nf0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** HTML text and attribute escaping. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON that is safe inside a <script> element: no "</script", "<!--" or line separators can appear in it. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function formatClock(hz: number): string {
  return hz >= 1e9 ? `${(hz / 1e9).toFixed(2)} GHz` : `${(hz / 1e6).toFixed(hz >= 1e8 ? 0 : 1)} MHz`;
}

function formatCycles(v: number): string {
  return v >= 1000 ? nf0.format(v) : nf1.format(v);
}

function formatTimes(v: number): string {
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${nf0.format(n)} ${n === 1 ? one : many}`;
}

function modeStyleVar(mode: BenchModeName): string {
  return `--mode: ${MODE_STYLES[mode].color}`;
}

function swatch(mode: BenchModeName): string {
  return `<span class="swatch${MODE_STYLES[mode].hatched ? " hatched" : ""}" style="${modeStyleVar(mode)}" aria-hidden="true"></span>`;
}

// ---- sections -------------------------------------------------------------------------------------

function renderHeader(d: BenchDocument, m: ReportModel): string {
  return `<header>
<h1><span class="tool">kdbt bench</span> · ${esc(d.kernel.name)}</h1>
<p class="meta">
<span>kernel sha256 <code title="${esc(d.kernel.sha256)}">${esc(d.kernel.sha256.slice(0, 12))}</code></span>
<span>cost model <b>${esc(d.costModel.name)}</b> <code title="cost model hash">${esc(d.costModel.hash.slice(0, 8))}</code></span>
<span>clock <b>${formatClock(d.costModel.cpuHz)}</b></span>
<span>${plural(d.workloads.length, "workload")} × ${plural(m.modes.length, "mode")}: ${m.modes.map((x) => esc(MODE_STYLES[x].label)).join(", ")}</span>
</p>
</header>`;
}

function renderHeadline(d: BenchDocument, m: ReportModel): string {
  const cards = m.summaries.map((s) => {
    const leakLine = s.mode === "relaxed" || s.leaks > 0 ? `<div class="small">${plural(s.leaks, "transparency leak")} in ${plural(s.deliveries, "delivery", "deliveries")}</div>` : "";
    return `<div class="stat" style="${modeStyleVar(s.mode)}">
<div class="name">${swatch(s.mode)}${esc(s.label)}</div>
<div class="big">${formatTimes(s.geomean)}</div>
<div class="small">geometric-mean slowdown</div>
<div class="small">worst ${formatTimes(s.worst.slowdown)} (${esc(s.worst.workload)}), best ${formatTimes(s.best.slowdown)} (${esc(s.best.workload)})</div>
${leakLine}</div>`;
  });
  const n = m.checkMismatches.length;
  const multi = m.modes.length > 1;
  cards.push(
    n > 0
      ? `<div class="stat bad" role="alert"><div class="name">⚠ check values differ</div><div class="big">${n}</div><div class="small">${n === 1 ? "workload computes" : "workloads compute"} a different result in some mode: ${m.checkMismatches.map(esc).join(", ")}. That is a correctness bug; its timings mean nothing.</div></div>`
      : multi
        ? `<div class="stat ok"><div class="name">✓ check values</div><div class="big">agree</div><div class="small">every workload computed the same result in all ${m.modes.length} modes</div></div>`
        : `<div class="stat ok"><div class="name">✓ check values</div><div class="big">${nf0.format(d.workloads.length)}</div><div class="small">recorded, one per workload; they are compared across modes once a DBT mode runs</div></div>`,
  );
  return `<section class="headline" aria-label="Summary">\n${cards.join("\n")}\n</section>`;
}

function renderHowTo(d: BenchDocument, m: ReportModel): string {
  const modes = m.modes.map((x) => `<li>${swatch(x)}<b>${esc(MODE_STYLES[x].label)}</b>: ${esc(MODE_STYLES[x].blurb)}.</li>`).join("\n");
  const dbt = m.dbtModes.length > 0;
  return `<section class="card howto" aria-labelledby="howto-h">
<h2 id="howto-h">How to read this</h2>
<p>Each workload repeats one operation (the grey text under its name) many times inside the guest kernel and times the loop with the guest's own <code>rdtsc</code>, the way lmbench does. Everything is in simulated cycles under the <b>${esc(d.costModel.name)}</b> cost model at ${formatClock(d.costModel.cpuHz)}: exact and repeatable, so small differences are real; only the host time at the bottom varies between runs.</p>
<ul>
${modes}
</ul>
${
  dbt
    ? `<p><b>Slowdown</b> is a mode's cycles per operation divided by native's: the dashed line at 1× is native speed and 3× takes three times as long. The <b>breakdown</b> splits each mode's cycles into the guest's own (translated) code, in grey, and the dispatcher's work, in colours: a bar that is mostly grey means the translation costs almost nothing there. A <b>transparency leak</b> is an interrupt or exception delivery that left a code-cache address where the guest can see it; the precise modes must never leak, relaxed mode trades leaks for speed.</p>`
    : ""
}<p>In the table, a <b>check</b> value shown in red differs between modes: the guest computed a different result, which is a correctness bug rather than a performance number.</p>
</section>`;
}

function toggleGroup(name: string, label: string, options: [string, string][]): string {
  return `<div class="toggle" role="group" aria-label="${esc(label)}" data-toggle="${name}"><span>${esc(label)}</span>${options
    .map(([value, text]) => `<button type="button" data-value="${value}" aria-pressed="false">${esc(text)}</button>`)
    .join("")}</div>`;
}

function renderCharts(d: BenchDocument, m: ReportModel): string {
  const s = m.slowdown!;
  const b = m.breakdown!;
  const nDbt = m.dbtModes.length;
  const rows = d.workloads.length;
  const rowPx = Math.max(40, nDbt * 11 + 16);
  const tall = rows * rowPx + 110;
  const range = `from ${formatTimes(s.min)} to ${formatTimes(s.max)}`;
  const scaleNote = s.log
    ? `The slowdowns range ${range}, more than tenfold, so the axis starts logarithmic (equal steps are equal ratios); the toggle switches to linear.`
    : `The slowdowns range ${range}, so the axis is linear; the log toggle spreads out the small ones.`;
  const omitted = b.omitted.length > 0 ? ` Not drawn, because they are zero in every run: ${b.omitted.map(esc).join(", ")}.` : "";
  const parts = [
    `<p id="chart-error" class="card chart-error" role="alert" hidden></p>`,
    `<noscript><p class="card note">The charts need JavaScript; the table below has every number.</p></noscript>`,
    `<section class="card" aria-labelledby="slowdown-h">
<div class="chart-head"><h2 id="slowdown-h">Slowdown vs native, per workload</h2>${toggleGroup("slowdown-scale", "axis", [
      ["linear", "linear"],
      ["log", "log"],
    ])}</div>
<p class="caption">Each DBT mode's cycles per operation divided by native's, on the same workload. Shorter is better. ${scaleNote}</p>
<div class="chart-box" style="height: ${tall}px"><canvas id="chart-slowdown" role="img" aria-label="Horizontal grouped bar chart: slowdown versus native for each workload and DBT mode; the table below lists the same numbers."></canvas></div>
</section>`,
    `<section class="card" aria-labelledby="breakdown-h">
<div class="chart-head"><h2 id="breakdown-h">Where the cycles went</h2>${toggleGroup("breakdown-unit", "show", [
      ["share", "% of cycles"],
      ["perop", "cycles per op"],
    ])}</div>
<p class="caption">One bar per DBT mode (named on the right) for each workload, split by cost-model category over the whole workload segment, setup included. Hover a segment for its absolute cycles; click a legend entry to hide that category.${omitted}</p>
<div class="chart-box" style="height: ${tall}px"><canvas id="chart-breakdown" role="img" aria-label="Horizontal stacked bar chart: share of each DBT mode's cycles per category for each workload."></canvas></div>
</section>`,
  ];
  if (m.leaks) {
    const leakRowPx = Math.max(22, m.leaks.datasets.length * 12 + 10);
    const perMode = m.leaks.datasets
      .map((ds) => {
        const total = ds.data.reduce<number>((a, v) => a + (v ?? 0), 0);
        const deliveries = ds.deliveries.reduce<number>((a, v) => a + (v ?? 0), 0);
        const worst = ds.data.reduce<number>((best, v, i) => ((v ?? 0) > (ds.data[best] ?? 0) ? i : best), 0);
        const where = total > 0 ? `, most in <b>${esc(d.workloads[worst]!.name)}</b> (${nf0.format(ds.data[worst] ?? 0)})` : "";
        return `<li>${swatch(ds.mode)}<b>${esc(ds.label)}</b>: ${plural(total, "leak")} in ${plural(deliveries, "delivery", "deliveries")}${where}.</li>`;
      })
      .join("\n");
    parts.push(`<section class="card" aria-labelledby="leaks-h">
<div class="chart-head"><h2 id="leaks-h">Transparency leaks</h2></div>
<div class="split">
<div class="chart-box" style="height: ${rows * leakRowPx + 70}px"><canvas id="chart-leaks" role="img" aria-label="Horizontal bar chart: transparency leaks per workload."></canvas></div>
<div class="caption">
<p>A leak is a delivery after which a code-cache PC sat where the guest could read it: on an interrupted kernel stack, or in an exception-table lookup. Relaxed mode accepts them, as BTKernel does, and stays correct because the guest only ever returns through them; a precise mode that leaked would be broken.</p>
<ul>
${perMode}
</ul>
</div>
</div>
</section>`);
  }
  return parts.join("\n");
}

function renderNativeOnlyNote(): string {
  return `<section class="card note" aria-labelledby="native-h">
<h2 id="native-h">Native results only</h2>
<p class="caption">This document has no DBT mode yet (precise, precise-defer or relaxed), so there is nothing to compare: the slowdown, breakdown and leak charts appear once one has run. The table shows the native baseline.</p>
</section>`;
}

function renderTable(d: BenchDocument, m: ReportModel): string {
  const leakModes = new Set(m.leaks?.datasets.map((x) => x.mode) ?? []);
  const maxSlow = Math.max(1.0001, ...d.workloads.flatMap((w) => m.dbtModes.map((x) => w.results[x]?.slowdown ?? 1)));
  const cols = (mode: BenchModeName): string[] => [
    "cycles/op",
    ...(mode === "native" ? [] : ["× native"]),
    `<abbr title="interrupt and exception deliveries">events</abbr>`,
    ...(leakModes.has(mode) ? ["leaks"] : []),
  ];
  const head1 = m.modes
    .map((x) => `<th scope="colgroup" colspan="${cols(x).length}" class="g" style="${modeStyleVar(x)}">${swatch(x)}${esc(MODE_STYLES[x].label)}</th>`)
    .join("");
  const head2 = m.modes.map((x) => cols(x).map((c, i) => `<th scope="col"${i === 0 ? ' class="g"' : ""}>${c}</th>`).join("")).join("");
  const rows = d.workloads.map((w) => {
    const bad = m.checkMismatches.includes(w.name);
    const cells = m.modes.map((x) => modeCells(x, w.results[x], d.costModel.cpuHz, bad ? 0 : maxSlow, cols(x).length, leakModes.has(x)));
    return `<tr class="workload-row${bad ? " check-mismatch" : ""}"><td class="wl"><b>${esc(w.name)}</b><span class="op">${esc(w.operation)}</span><span class="op">${plural(w.iters, "iteration")}</span></td>${cells.join("")}${checkCell(w.results, m.modes, bad)}</tr>`;
  });
  return `<section class="card table-card" aria-labelledby="table-h">
<h2 id="table-h">Every number</h2>
<div class="table-wrap">
<table class="results">
<caption>Cycles per operation from the guest's rdtsc (hover for the time); × native is the slowdown; events are the interrupt and exception deliveries in the workload's segment; leaks are the deliveries that left a code-cache PC visible to the guest.</caption>
<thead>
<tr class="modes"><th scope="col" rowspan="2" class="wl">workload</th>${head1}<th scope="col" rowspan="2" class="g">check</th></tr>
<tr>${head2}</tr>
</thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
</div>
</section>`;
}

/** maxSlow 0: no slowdown tint (a row flagged red for a check mismatch keeps one background). */
function modeCells(mode: BenchModeName, r: ModeResultDoc | undefined, cpuHz: number, maxSlow: number, n: number, showLeaks: boolean): string {
  if (r === undefined) return Array.from({ length: n }, (_, i) => `<td class="none${i === 0 ? " g" : ""}" title="not run in this mode">–</td>`).join("");
  const ns = (r.cyclesPerOp / cpuHz) * 1e9;
  const out = [`<td class="g" title="${ns >= 1000 ? `${nf1.format(ns / 1000)} µs` : `${nf1.format(ns)} ns`} per operation">${formatCycles(r.cyclesPerOp)}</td>`];
  if (mode !== "native") {
    // A warm tint that grows with log(slowdown): a second cue, the number is what counts.
    const a = r.slowdown > 1.02 && maxSlow > 1 ? Math.min(0.34, (0.34 * Math.log(r.slowdown)) / Math.log(maxSlow)) : 0;
    out.push(`<td class="x"${a > 0 ? ` style="background-color: rgba(213, 94, 0, ${a.toFixed(3)})"` : ""}>${formatTimes(r.slowdown)}</td>`);
  }
  out.push(`<td>${nf0.format(r.deliveries)}</td>`);
  if (showLeaks) out.push(`<td>${nf0.format(r.leaks)}</td>`);
  return out.join("");
}

function checkCell(results: Partial<Record<BenchModeName, ModeResultDoc>>, modes: BenchModeName[], bad: boolean): string {
  const ran = modes.filter((x) => results[x] !== undefined);
  if (ran.length === 0) return `<td class="check none g">–</td>`;
  if (!bad) return `<td class="check g"><code>${esc(results[ran[0]!]!.check)}</code></td>`;
  // One line per distinct value, naming the modes that computed it: the odd one out is plain to see.
  const values = [...new Set(ran.map((x) => results[x]!.check))];
  const each = values
    .map((v) => `<span class="each"><code>${esc(v)}</code> ${ran.filter((x) => results[x]!.check === v).map((x) => `<span class="nw">${esc(MODE_STYLES[x].label)}</span>`).join(", ")}</span>`)
    .join("");
  return `<td class="check bad g" title="the check values differ between modes: a correctness bug">⚠ differs${each}</td>`;
}

function renderFooter(d: BenchDocument, chartJsVersion: string | null): string {
  const charts = chartJsVersion === null ? "" : `charts drawn with Chart.js ${esc(chartJsVersion)} (MIT licence), embedded in this file; `;
  return `<footer>
<p>Generated by <code>kdbt bench</code>. The runs took ${d.host.seconds.toFixed(1)} s of host time (that varies with the machine; every other number is deterministic).</p>
<p>Self-contained and offline: ${charts}the bench document shown here is embedded as JSON (<code>#kdbt-bench-document</code>).</p>
</footer>`;
}
