// Brief §3's transparency invariant, whole runs: every workload natively and in precise mode (both
// async policies) delivers the same events at the same guest instructions with the same state.
import { describe, expect, it } from "vitest";
import { WORKLOADS } from "../../guest-kernel/reference-checks.js";
import { compareRuns, describeDivergence, differentialRun, type RunSpec } from "../helpers/differential.js";

// Small iteration counts keep each pair of runs under a second; timer and ctxswitch need enough
// ticks to land interrupts in kernel code.
const ITERS: Record<string, number> = { compute: 3000, syscall: 300, copy: 40, pagefault: 30, divzero: 200, fixup: 150, timer: 40, ctxswitch: 120, callret: 2000, ptewrite: 800, io: 2000, smc: 200 };

describe("precise mode is transparent: the same deliveries and guest state as native", () => {
  for (const { name } of WORKLOADS) {
    for (const policy of ["rollback", "defer"] as const) {
      it(`${name}, async policy ${policy}`, () => {
        const cmdline = `workload=${name} iters=${ITERS[name]} hz=20000`;
        const native = differentialRun({ cmdline, mode: "native", keepPit: true });
        const spec: RunSpec = { cmdline, mode: "precise", policy, keepPit: true };
        const dbt = differentialRun(spec);
        expect(native.exitValue).toBe(0);
        // The same console output, cycles= included: under the icount model DBT glue costs no guest time.
        expect(dbt.stdout).toBe(native.stdout);
        expect(Array.from(dbt.machine.stats.vectorCounts)).toEqual(Array.from(native.machine.stats.vectorCounts));
        const d = compareRuns(dbt, native);
        expect(d === null ? null : describeDivergence(d, spec)).toBeNull();
      });
    }
  }

  it("the comparison has teeth: timer interrupts really landed in translated kernel code", () => {
    const dbt = differentialRun({ cmdline: "workload=timer iters=100 hz=100000", mode: "precise", keepPit: true });
    expect(dbt.observations.filter((o) => o.cachePc !== null && o.vector === 0x20).length).toBeGreaterThan(5);
  });
});
