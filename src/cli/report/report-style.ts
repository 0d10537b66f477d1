// The HTML bench report's stylesheet: calm cards on a light page, tabular numbers, red only for correctness bugs, print rules.

export const REPORT_CSS = `
:root {
  --ink: #1d1d1f; --muted: #5c5c62; --line: #dcdcd5; --soft: #ecebe5; --bg: #f5f4ef; --card: #ffffff;
  --bad: #b3261e; --bad-bg: #fdeceb; --ok: #1d6b3b; --ok-bg: #e9f4ec; --focus: #0072B2;
  color-scheme: light;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; line-height: 1.5; }
main { max-width: 1220px; margin: 0 auto; padding: 28px 20px 56px; }
header h1 { font-size: 1.75rem; line-height: 1.2; margin: 0 0 6px; letter-spacing: -0.01em; }
header h1 .tool { color: var(--muted); font-weight: 500; }
.meta { display: flex; flex-wrap: wrap; gap: 2px 20px; margin: 0; color: var(--muted); font-size: 0.93rem; }
.meta b { color: var(--ink); font-weight: 600; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.92em; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin: 18px 0; }
.howto p { margin: 0 0 8px; max-width: 88ch; }
.howto ul { margin: 4px 0 10px; padding-left: 1.2em; max-width: 88ch; }
.howto li { margin: 2px 0; }
h2 { font-size: 1.2rem; margin: 0; }
h3 { font-size: 1rem; margin: 0 0 4px; }
.headline { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; margin: 18px 0; }
.stat { background: var(--card); border: 1px solid var(--line); border-left: 6px solid var(--mode, var(--line)); border-radius: 8px; padding: 10px 14px; }
.stat .name { font-weight: 600; }
.stat .big { font-size: 1.9rem; font-weight: 650; line-height: 1.15; font-variant-numeric: tabular-nums; }
.stat .small { color: var(--muted); font-size: 0.85rem; }
.stat.ok { border-left-color: var(--ok); background: var(--ok-bg); }
.stat.bad { border-left-color: var(--bad); background: var(--bad-bg); color: var(--bad); }
.chart-head { display: flex; justify-content: space-between; align-items: baseline; flex-wrap: wrap; gap: 8px 16px; }
.caption { color: var(--muted); font-size: 0.9rem; margin: 4px 0 12px; max-width: 100ch; }
.chart-box { position: relative; width: 100%; }
.chart-error { color: var(--bad); font-weight: 600; }
.note { border-left: 6px solid var(--focus); }
.toggle { display: inline-flex; border: 1px solid var(--line); border-radius: 7px; overflow: hidden; }
.toggle span { padding: 4px 10px; font-size: 0.82rem; color: var(--muted); background: #fafaf7; border-right: 1px solid var(--line); }
.toggle button { font: inherit; font-size: 0.85rem; border: 0; background: #fff; color: var(--ink); padding: 4px 12px; cursor: pointer; }
.toggle button + button { border-left: 1px solid var(--line); }
.toggle button[aria-pressed="true"] { background: var(--ink); color: #fff; }
.toggle button:focus-visible { outline: 3px solid var(--focus); outline-offset: -3px; }
.split { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 24px; align-items: start; }
@media (max-width: 820px) { .split { grid-template-columns: 1fr; } main { padding: 18px 12px 40px; } }
.swatch { display: inline-block; width: 0.85em; height: 0.85em; border-radius: 2px; margin-right: 0.4em; vertical-align: -0.08em; background-color: var(--mode); }
.swatch.hatched { background-image: repeating-linear-gradient(-45deg, rgba(255,255,255,0.65) 0 2px, transparent 2px 5px); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); font-size: 0.88rem; padding-bottom: 8px; }
th, td { padding: 5px 6px; border-bottom: 1px solid var(--soft); text-align: right; white-space: nowrap; vertical-align: top; }
thead th { background: #fafaf7; font-weight: 600; vertical-align: bottom; white-space: normal; }
abbr[title] { text-decoration: none; border-bottom: 1px dotted var(--muted); cursor: help; }
thead tr.modes th { border-bottom: 3px solid var(--mode, var(--line)); text-align: center; }
th.wl, td.wl { text-align: left; white-space: normal; min-width: 12em; }
td.wl .op { display: block; color: var(--muted); font-size: 0.8rem; line-height: 1.3; }
td.wl .op + .op { margin-top: 2px; font-variant-numeric: tabular-nums; }
.g { border-left: 1px solid var(--line); }
td.x { font-weight: 600; }
td.check { text-align: left; }
td.none { color: #9a9a9a; }
tbody tr:hover td { background: #fbfbf8; }
tr.check-mismatch td { background: var(--bad-bg); }
tr.check-mismatch td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
td.check.bad { color: var(--bad); font-weight: 600; }
td.check.bad { white-space: normal; min-width: 10em; }
.nw { white-space: nowrap; }
td.check.bad .each { display: block; font-weight: 400; font-size: 0.8rem; line-height: 1.35; margin-top: 2px; }
footer { color: var(--muted); font-size: 0.82rem; margin-top: 28px; }
footer p { margin: 2px 0; }
@media print {
  :root { background: #fff; }
  main { max-width: none; padding: 0; }
  .card { border: 0; border-radius: 0; padding: 0; margin: 14px 0; break-inside: avoid; }
  .card.table-card { break-inside: auto; }
  .toggle, noscript { display: none !important; }
  .table-wrap { overflow: visible; }
  table { font-size: 7pt; }
  th, td { padding: 2px 3px; }
  th.wl, td.wl { min-width: 7.5em; }
  td.wl .op { font-size: 6.5pt; }
  td.check code { font-size: 6.5pt; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  tbody tr:hover td { background: none; }
  .swatch, .stat, tr.check-mismatch td, td.x { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { margin: 12mm; }
}
`;
