// The example traces in traces/: one per workload, current (a fresh recording is byte-identical), small, replaying cleanly in every mode.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WORKLOADS } from "../../guest-kernel/reference-checks.js";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import { readTraceSync } from "../../src/trace/jsonl.js";
import { EXAMPLES, EXAMPLES_WRITE_COMMAND, examplePath, recordExample } from "../../src/trace/examples.js";
import { replayTrace } from "../../src/trace/replay.js";

const dir = mkdtempSync(join(tmpdir(), "kdbt-examples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("traces/: the shipped example traces", () => {
  it("there is one per guest-kernel workload (docs/guest-kernel.md's list), each well under 100 KB", () => {
    expect(EXAMPLES.map((e) => e.name).sort()).toEqual(WORKLOADS.map((w) => w.name).sort());
    for (const e of EXAMPLES) {
      expect(statSync(examplePath(e.name)).size, e.name).toBeLessThan(100_000);
      expect(readTraceSync(examplePath(e.name)).header.cmdline).toBe(e.cmdline);
    }
  });

  // What each workload's definition (docs/guest-kernel.md) says its trace must hold, at these counts.
  it("hold what the workloads do: one #DE per divzero iteration, ring-0 #PFs for fixup, ticks in ring-0 code for timer", () => {
    const recs = (name: string) => readTraceSync(examplePath(name)).records;
    expect(recs("divzero").filter((r) => r.vector === 0 && r.kind === "fault" && r.cpl === 3)).toHaveLength(20);
    expect(recs("pagefault").filter((r) => r.vector === 14 && r.cpl === 3 && r.errorCode !== null && (r.errorCode & 1) === 0)).toHaveLength(20);
    expect(recs("fixup").filter((r) => r.vector === 14 && r.cpl === 0)).toHaveLength(20);
    // syscall: one int 0x80 per iteration, plus the exit call every user program ends with.
    expect(recs("syscall").filter((r) => r.vector === 0x80 && r.kind === "software")).toHaveLength(21);
    const ticks = recs("timer").filter((r) => r.kind === "external");
    expect(ticks.length).toBeGreaterThan(10);
    expect(ticks.every((r) => r.vector === 0x20 && r.cpl === 0)).toBe(true);
  });

  for (const e of EXAMPLES) {
    it(`${e.name}: re-recorded byte for byte; replays cleanly natively and in precise mode, and in relaxed mode with only leaks`, () => {
      const fresh = join(dir, `${e.name}.trace.jsonl`);
      recordExample(e.cmdline, fresh);
      const same = readFileSync(fresh).equals(readFileSync(examplePath(e.name)));
      expect(same, `${examplePath(e.name)} is stale: run ${EXAMPLES_WRITE_COMMAND}`).toBe(true);
      const n = readTraceSync(fresh).records.length;
      for (const mode of ["native", "precise"] as const) {
        const r = replayTrace({ trace: examplePath(e.name), kernel: DEFAULT_KERNEL, mode });
        expect(r.divergence, `${e.name} ${mode}: ${r.divergence?.what}`).toBeNull();
        expect(r.compared).toBe(n);
        expect(r.matched).toBe(n);
      }
      const relaxed = replayTrace({ trace: examplePath(e.name), kernel: DEFAULT_KERNEL, mode: "relaxed" });
      expect(relaxed.divergence, `${e.name} relaxed: ${relaxed.divergence?.what}`).toBeNull();
      expect(relaxed.matched + relaxed.leaks.deliveries).toBe(n);
    });
  }
});
