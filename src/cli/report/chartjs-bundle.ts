// Chart.js's minified UMD build, read from node_modules at render time so the HTML report can inline it and work offline.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { InternalError } from "../../errors.js";

export interface ChartJsBundle {
  /** The script text, licence banner included (MIT asks for the notice to travel with the code). */
  source: string;
  version: string;
  path: string;
}

let cached: ChartJsBundle | undefined;

export function loadChartJs(): ChartJsBundle {
  if (cached) return cached;
  let entry: string;
  try {
    // The package's exports map only names its entry points; the UMD build sits beside the CommonJS one.
    entry = createRequire(import.meta.url).resolve("chart.js");
  } catch {
    throw new InternalError("the HTML report needs the chart.js package, which is not installed (run npm install)");
  }
  const path = join(dirname(entry), "chart.umd.min.js");
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (e) {
    throw new InternalError(`cannot read Chart.js's UMD build at ${path}: ${(e as Error).message}`);
  }
  const version = /Chart\.js v(\d+\.\d+\.\d+)/.exec(source)?.[1];
  if (version === undefined) throw new InternalError(`${path} does not look like Chart.js's UMD build (no version banner)`);
  // Inside a <script> element these sequences would end the element or change how HTML parses it.
  if (/<\/script|<!--/i.test(source)) throw new InternalError(`${path} contains "</script" or "<!--" and cannot be inlined`);
  cached = { source, version, path };
  return cached;
}
