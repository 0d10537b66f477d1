// The guest kernel's workloads on kdbt: the checks the independent model predicts, QEMU's lines, and
// proof from the run summary that each workload really exercised its mechanism.
import { describe, expect, it } from "vitest";
import { WORKLOADS, expectedCheckHex } from "../../guest-kernel/reference-checks.js";
import { parseResults, runQemu } from "../../guest-kernel/qemu.js";
import { haveTool } from "../helpers/tools.js";
import { runKdbt } from "../helpers/run-kdbt.js";
import { EXC_DE, EXC_PF } from "../../src/cpu/vectors.js";

const qemu = haveTool("qemu-system-i386", "comparing the guest kernel on kdbt with QEMU");
const IRQ0 = 0x20;
const SYSCALL = 0x80;

describe("guest kernel on kdbt", () => {
  const all = runKdbt({ cmdline: "workload=all" });

  it("workload=all prints a RESULT line per workload with the model's check and exits 0", () => {
    expect(all.stop).toBeNull();
    expect(all.exitValue).toBe(0);
    const results = parseResults(all.stdout);
    expect(results.map((r) => r.workload)).toEqual(WORKLOADS.map((w) => w.name));
    for (const r of results) expect(`${r.workload} ${r.check}`).toBe(`${r.workload} ${expectedCheckHex(r.workload as never, r.iters)}`);
  });

  it.skipIf(!qemu)("prints QEMU's lines except cycles= [needs qemu-system-i386]", async () => {
    const q = await runQemu("workload=all");
    const strip = (s: string): string => s.replace(/cycles=[0-9]+/g, "cycles=*");
    expect(strip(all.stdout)).toBe(strip(q.stdout));
  });

  // Each workload alone, small iteration counts, and what the run summary must show about it.
  const cases: [name: string, iters: number, check: (m: ReturnType<typeof runKdbt>["machine"], iters: number) => void][] = [
    ["syscall", 300, (m, n) => expect(m.stats.vectorCounts[SYSCALL]).toBeGreaterThanOrEqual(n)],
    ["pagefault", 300, (m, n) => expect(m.stats.vectorCounts[EXC_PF]).toBeGreaterThanOrEqual(n)],
    ["divzero", 300, (m, n) => expect(m.stats.vectorCounts[EXC_DE]).toBe(n)],
    ["fixup", 300, (m, n) => expect(m.stats.vectorCountsCpl0[EXC_PF]).toBe(n)],
    ["timer", 100, (m) => expect(m.stats.vectorCountsCpl0[IRQ0]).toBeGreaterThan(5)],
    ["ctxswitch", 300, (m, n) => expect(m.cpu.cr3Writes).toBeGreaterThanOrEqual(n)],
    ["smc", 50, (m, n) => expect(m.cpu.smcInvalidations).toBeGreaterThanOrEqual(n)],
    ["ptewrite", 300, (m, n) => expect(m.cpu.mem.stats.invlpgs).toBeGreaterThanOrEqual(n)],
    ["io", 300, (m, n) => expect(m.post.reads).toBeGreaterThanOrEqual(n)],
  ];
  for (const [name, iters, mechanism] of cases) {
    it(`${name} exercises its mechanism and prints the model's check`, () => {
      const run = runKdbt({ cmdline: `workload=${name} iters=${iters}` });
      expect(run.exitValue).toBe(0);
      const [r] = parseResults(run.stdout);
      expect(r?.check).toBe(expectedCheckHex(name as never, iters));
      mechanism(run.machine, iters);
    });
  }

  it("timer interrupts land in ring 0 in the timer workload", () => {
    const run = runKdbt({ cmdline: "workload=timer iters=100" });
    expect(run.machine.stats.vectorCounts[IRQ0]).toBe(run.machine.stats.vectorCountsCpl0[IRQ0]);
  });

  it("an unknown workload or a malformed command line gets a message and the bad-command-line exit", () => {
    for (const cmdline of ["workload=nosuch", "workload=syscall iters=abc", "workload=syscall iters=0", "colour=blue"]) {
      const run = runKdbt({ cmdline });
      expect(run.exitValue, cmdline).toBe(3);
      expect(run.stdout.length, cmdline).toBeGreaterThan(0);
    }
  });

  it("is deterministic: the same run twice gives the same output and cycles", () => {
    const a = runKdbt({ cmdline: "workload=timer iters=50", cost: "default" });
    const b = runKdbt({ cmdline: "workload=timer iters=50", cost: "default" });
    expect(a.stdout).toBe(b.stdout);
    expect(a.machine.cycles).toBe(b.machine.cycles);
    expect(a.machine.retired).toBe(b.machine.retired);
  });
});
