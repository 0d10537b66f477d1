// Runs every committed test-kernel image on QEMU and checks that its serial output and exit still match the recorded expectations.
//
// This guards the expectations themselves (the simulator's tests compare against them): it rebuilds
// nothing, it only replays bin/<name>.elf on qemu-system-i386 with the recorded command line.
import { describe, expect, it } from "vitest";

import { listTestKernels, qemuAvailable, runOnQemu } from "./kernels.js";

const kernels = listTestKernels();
const haveQemu = qemuAvailable();

describe("test kernels on QEMU", () => {
  it("has an image and recorded results for every kernel source", () => {
    expect(kernels.length).toBeGreaterThanOrEqual(24);
  });

  for (const k of kernels) {
    const test = haveQemu ? it.concurrent : it.skip;
    const title = haveQemu ? k.name : `${k.name}: qemu-system-i386 not installed`;
    test(title, async () => {
      const run = await runOnQemu(k.elfPath, k.cmdline);
      expect(run.timedOut).toBe(false);
      expect(run.stdout).toBe(k.expectedOutput);
      const { exitStatus, debugExitValue, tripleFault } = run;
      expect({ exitStatus, debugExitValue, tripleFault }).toEqual(k.expected);
    });
  }
});
