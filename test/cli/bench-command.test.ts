// `kdbt bench`: the workloads x modes matrix, its JSON document against the zod schema and against what each
// design must and must not do, the HTML report from a real run, and bad flags.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { BenchDocumentSchema, BREAKDOWN_CATEGORIES, type BenchDocument } from "../../src/cli/bench-schema.js";
import { loadCostModel } from "../../src/cost/model.js";
import { ExitCode } from "../../src/errors.js";
import { WORKLOADS } from "../../src/cli/bench-command.js";
import { expectOneLine, kdbt } from "../helpers/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "kdbt-bench-"));
const cost = loadCostModel("default");
let doc: BenchDocument;
let html: string;

afterEach(() => vi.restoreAllMocks());

beforeAll(async () => {
  const htmlPath = join(dir, "report.html");
  const r = await kdbt("bench", "--iters", "40", "--json", "--html", htmlPath, "-q");
  expect(r.code, r.stderr).toBe(0);
  doc = BenchDocumentSchema.parse(JSON.parse(r.stdout));
  html = readFileSync(htmlPath, "utf8");
}, 120_000);

describe("kdbt bench --json", () => {
  it("covers every workload in every mode, and every mode computed what native computed", () => {
    expect(doc.modes).toEqual(["native", "precise", "precise-defer", "relaxed"]);
    expect(doc.workloads.map((w) => w.name)).toEqual([...WORKLOADS]);
    for (const w of doc.workloads) {
      expect(w.iters).toBe(40);
      for (const m of doc.modes) expect(w.results[m]!.check, `${w.name} ${m}`).toBe(w.results.native!.check);
    }
  });

  it("defines cycles per op and slowdown from the guest's own rdtsc delta", () => {
    for (const w of doc.workloads) {
      for (const m of doc.modes) {
        const r = w.results[m]!;
        expect(r.cyclesPerOp).toBeCloseTo(r.cycles / w.iters, 9);
        expect(r.slowdown).toBeCloseTo(r.cyclesPerOp / w.results.native!.cyclesPerOp, 9);
      }
    }
  });

  it("natively every cycle is guest code; precise mode never leaks; relaxed mode never rolls back or rebuilds a frame", () => {
    for (const w of doc.workloads) {
      const n = w.results.native!;
      for (const c of BREAKDOWN_CATEGORIES) if (c !== "guestCode") expect(n.breakdown[c], `${w.name} native ${c}`).toBe(0);
      expect(w.results.precise!.leaks).toBe(0);
      expect(w.results["precise-defer"]!.leaks).toBe(0);
      const r = w.results.relaxed!.breakdown;
      expect(r.rollback + r.frameRebuild + r.pcMapping, w.name).toBe(0);
    }
  });

  it("precise mode rebuilds one frame per guest-visible delivery (the syscall workload's int 0x80s)", () => {
    const s = doc.workloads.find((w) => w.name === "syscall")!.results.precise!;
    expect(s.deliveries).toBeGreaterThanOrEqual(40);
    expect(s.breakdown.frameRebuild).toBe(s.deliveries * cost.dispatcher.frameRebuild);
    // Every delivery enters the dispatcher twice (the event, and the iret back through it).
    expect(s.breakdown.dispatcherEntryExit).toBeGreaterThanOrEqual(2 * s.deliveries * (cost.dispatcher.entry + cost.dispatcher.exit));
  });

  it("relaxed mode reports leaks where the guest sees code-cache PCs: fixup's kernel #PF, timer's IRQ0 in kernel code", () => {
    const leaks = (name: string): number => doc.workloads.find((w) => w.name === name)!.results.relaxed!.leaks;
    expect(leaks("fixup")).toBe(40);
    expect(leaks("timer")).toBeGreaterThan(0);
    expect(leaks("syscall")).toBe(0);
  });

  it("writes a self-contained HTML report that embeds the same document", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    const embedded = /<script[^>]*id="kdbt-bench-document"[^>]*>([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(embedded!)).toEqual(doc);
  });
});

describe("kdbt bench as a user meets it", () => {
  it("prints the table: a row per workload, a cycles/op column per mode, slowdowns, breakdowns", async () => {
    const r = await kdbt("bench", "--iters", "20", "--workloads", "syscall,timer", "--modes", "precise", "-q");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^syscall\s+20\s+[\d.]+\s+[\d.]+\s+[\d.]+x$/m);
    expect(r.stdout).toMatch(/^timer\s+20\s/m);
    expect(r.stdout).not.toMatch(/^compute/m);
    expect(r.stdout).toContain("where precise mode's cycles went");
  });

  it("rejects an unknown mode, an unknown workload and a bad iteration count with one line and the usage status", async () => {
    for (const [args, pattern] of [
      [["--modes", "fast"], /--modes: unknown mode "fast"/],
      [["--workloads", "nosuch"], /--workloads: the guest kernel has no workload "nosuch"/],
      [["--iters", "0"], /iters/],
      [["--cost", "nosuch"], /--cost nosuch/],
    ] as const) {
      const r = await kdbt("bench", ...args);
      expect(r.code, args.join(" ")).not.toBe(0);
      if (args[0] !== "--cost") expect(r.code).toBe(ExitCode.usage);
      expectOneLine(r.stderr, pattern);
    }
  });
});
