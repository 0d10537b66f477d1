// The teaching views' run control: stopping at deliveries, IRETs and exact counts leaves the run exactly as an unobserved one.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import { TEACH_CMDLINE } from "../../src/cli/teach-commands.js";
import { loadCostModel } from "../../src/cost/model.js";
import { Machine } from "../../src/machine/machine.js";
import { TeachSession } from "../../src/teach/session.js";

const image = readFileSync(DEFAULT_KERNEL);

describe("TeachSession", () => {
  for (const mode of ["native", "precise", "relaxed"] as const) {
    it(`${mode}: a run stopped after every delivery and IRET, and at odd exact points, equals an unobserved run`, () => {
      const out: number[] = [];
      const plain = new Machine({ kernelImage: image, kernelName: "kernel.elf", cmdline: TEACH_CMDLINE, cost: loadCostModel("default"), mode, onConsole: (b) => void out.push(b) });
      const r = plain.run(Infinity);
      expect(r.reason).toBe("exit");
      const s = new TeachSession({ kernelImage: image, kernelName: "kernel.elf", cmdline: TEACH_CMDLINE, mode, cost: loadCostModel("default") });
      const seen: string[] = [];
      s.watch = { delivery: (d, seq) => (seen.push(`d${seq}:${d.vector}`), true), iret: () => (seen.push("i"), true) };
      let stops = 0;
      for (let why = s.run(); why !== "exit"; why = s.run()) {
        // The stop is right after the event: nothing ran since the watcher returned true.
        if (why === "delivery") expect(seen.at(-1)).toMatch(/^d/);
        stops++;
        s.run({ icount: s.hostInstructions + 7 });
        s.run({ retired: s.retired + 3 });
      }
      // The input changed something (the timer fired and handlers returned), or the comparison means nothing.
      expect(stops).toBeGreaterThanOrEqual(8);
      expect(seen.filter((x) => x.startsWith("d")).length).toBe(plain.stats.total);
      expect(s.exitValue).toBe(r.exit!.value);
      expect(s.machine.cycles).toBe(plain.cycles);
      expect(s.retired).toBe(plain.retired);
      expect(s.hostInstructions).toBe(plain.hostInstructions);
      expect(Buffer.from(s.console).toString("latin1")).toBe(Buffer.from(out).toString("latin1"));
    });
  }
});
