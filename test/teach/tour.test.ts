// docs/tour.md runs as written: every command succeeds and prints the excerpt shown under it, line for line, in order.
//
// Numbers (addresses, counts, cycles) are compared as "a number": they move with the cost model
// and with where the code cache puts things. Words, names, instruction text and the order of the
// lines must match, so the tour's story (which gate, which template, which rollback step, which
// fixup) is checked against what the commands really print.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kdbt as kdbtCli } from "../helpers/run-cli.js";

const ROOT = join(import.meta.dirname, "../..");
const tour = readFileSync(join(ROOT, "docs/tour.md"), "utf8");

interface Exercise {
  command: string;
  excerpt: string[];
}

/** Each ```sh block and the ```text block right after it. */
function exercises(md: string): Exercise[] {
  const blocks = [...md.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]! }));
  const out: Exercise[] = [];
  blocks.forEach((b, i) => {
    if (b.lang !== "sh") return;
    const next = blocks[i + 1];
    out.push({ command: b.body.trim(), excerpt: next?.lang === "text" ? next.body.split("\n").filter((l) => l.trim() !== "") : [] });
  });
  return out;
}

/** Shell words with "double" and 'single' quotes, as the tour writes them. */
function words(s: string): string[] {
  return [...s.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

const normalize = (l: string): string => l.replace(/0x[0-9a-f]+|\b[0-9a-f]*\d[0-9a-f]*\b/gi, "#").replace(/\s+/g, " ").trim();

async function run(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const piped = command.match(/^printf '([^']*)' \| npx kdbt (.*)$/);
  if (piped !== null) {
    // A scripted `kdbt step`: a real process with the script on a real (non-terminal) stdin.
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...words(piped[2]!)], {
      input: piped[1]!.replace(/\\n/g, "\n"),
      encoding: "utf8",
      cwd: ROOT,
      timeout: 60_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
  const m = command.match(/^npx kdbt (.*)$/);
  if (m === null) throw new Error(`docs/tour.md: not a kdbt command: ${command}`);
  return kdbtCli(...words(m[1]!));
}

describe("docs/tour.md", () => {
  const list = exercises(tour);

  it("has the five exercises' commands, each with an excerpt of its output", () => {
    expect(tour.match(/^## \d\. /gm)).toHaveLength(5);
    expect(list.length).toBeGreaterThanOrEqual(5);
    for (const e of list) expect(e.excerpt.length, e.command).toBeGreaterThan(0);
  });

  for (const e of list) {
    it(e.command, async () => {
      const r = await run(e.command);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.split("\n").map(normalize);
      let at = 0;
      for (const want of e.excerpt) {
        if (want.trim() === "...") continue;
        const i = lines.indexOf(normalize(want), at);
        expect(i, `not found (in order) in the output of ${e.command}:\n${want}\n\noutput:\n${r.stdout}`).toBeGreaterThanOrEqual(0);
        at = i + 1;
      }
    });
  }
});
