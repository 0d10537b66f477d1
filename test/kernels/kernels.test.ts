// Checks the test-kernel catalogue (kernels.ts) and that the committed images match their sources where the same binutils exist.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { BUILD_INFO_PATH, buildKernel, toolchainVersions } from "./build.js";
import { guestCmdline, interpretExit, listTestKernels, parseCmdline, qemuArgs } from "./kernels.js";

function haveBinutils(): boolean {
  try {
    execFileSync("as", ["--version"], { stdio: "ignore" });
    execFileSync("ld", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("kernels.ts", () => {
  it("reads the command line from a '# cmdline:' line near the top", () => {
    expect(parseCmdline("# cmdline: a=1 b=2\n# x\n")).toBe("a=1 b=2");
    expect(parseCmdline("# x\n#cmdline:tsc_khz=5\n")).toBe("tsc_khz=5");
    expect(parseCmdline("# x\n")).toBe("");
    expect(parseCmdline("1\n2\n3\n4\n5\n# cmdline: late\n")).toBe("");
  });

  it("derives the debug-exit value and triple fault from QEMU's status", () => {
    expect(interpretExit(1, false)).toEqual({ debugExitValue: 0, tripleFault: false });
    expect(interpretExit(85, false)).toEqual({ debugExitValue: 0x2a, tripleFault: false });
    expect(interpretExit(0, false)).toEqual({ debugExitValue: null, tripleFault: true });
    expect(interpretExit(null, true)).toEqual({ debugExitValue: null, tripleFault: false });
  });

  it("names the kernel by its bare file name, as the guest's command line shows", () => {
    expect(guestCmdline("/x/y/bin/mbentry.elf", "a=1")).toBe("mbentry.elf a=1");
    const args = qemuArgs("/x/y/bin/mbentry.elf", "a=1");
    expect(args.slice(0, 4)).toEqual(["-kernel", "mbentry.elf", "-append", "a=1"]);
    expect(args).toContain("-no-reboot");
  });

  it("lists every kernel with a passing or triple-fault recorded result", () => {
    const kernels = listTestKernels();
    expect(kernels.map((k) => k.name)).toContain("mbentry");
    for (const k of kernels) {
      if (k.expected.tripleFault) {
        expect(k.expectedOutput.endsWith("DONE\n")).toBe(false);
      } else {
        expect(k.expected).toEqual({ exitStatus: 1, debugExitValue: 0, tripleFault: false });
        expect(k.expectedOutput.endsWith("DONE\n")).toBe(true);
      }
    }
  });
});

describe("committed test-kernel images", () => {
  const recorded = JSON.parse(readFileSync(BUILD_INFO_PATH, "utf8")) as { as: string; ld: string };
  const same = haveBinutils() && JSON.stringify(toolchainVersions()) === JSON.stringify(recorded);
  const test = same ? it : it.skip;
  test(same ? "are what the sources build to" : "are current: needs the binutils recorded in bin/build.json", () => {
    const tmp = mkdtempSync(join(tmpdir(), "kdbt-kernels-test-"));
    try {
      for (const k of listTestKernels()) {
        const elf = buildKernel(k.name, tmp, tmp);
        const current = readFileSync(elf).equals(readFileSync(k.elfPath));
        expect(current, `${k.name}.elf is stale: npx tsx test/kernels/build.ts`).toBe(true);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
