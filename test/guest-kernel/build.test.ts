// The committed guest-kernel/kernel.elf must be what guest-kernel/build.ts makes from the sources,
// and the build must be reproducible: same bytes from any output directory, every time.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { KERNEL_DIR, buildKernel, toolchainVersions } from "../../guest-kernel/build.js";
import { hasTool } from "../../guest-kernel/qemu.js";

const TOOLS = ["gcc", "as", "ld", "nm", "objdump"];
const missing = TOOLS.filter((t) => !hasTool(t));
const haveToolchain = missing.length === 0;
if (!haveToolchain) console.warn(`guest-kernel build tests skipped: ${missing.join(", ")} not found (install gcc and binutils)`);

interface BuildMetadata {
  sha256: string;
  toolchain: { gcc: string; as: string; ld: string };
}
const committedMeta = JSON.parse(readFileSync(join(KERNEL_DIR, "kernel.build.json"), "utf8")) as BuildMetadata;
const localToolchain = haveToolchain ? toolchainVersions() : undefined;
const sameToolchain = localToolchain !== undefined && JSON.stringify(localToolchain) === JSON.stringify(committedMeta.toolchain);
if (haveToolchain && !sameToolchain)
  console.warn(
    `guest-kernel byte-identity test skipped: local toolchain ${JSON.stringify(localToolchain)} differs from the one ` +
      `that built the committed image ${JSON.stringify(committedMeta.toolchain)}; a different compiler emits different code`,
  );

describe.skipIf(!haveToolchain)("guest-kernel build", () => {
  let dirA = "";
  let dirB = "";
  let elfA = Buffer.alloc(0);

  beforeAll(() => {
    dirA = mkdtempSync(join(tmpdir(), "kdbt-guest-a-"));
    dirB = mkdtempSync(join(tmpdir(), "kdbt-guest-b-"));
    // Build A through the command line, exactly as `npm run build:guest` would, into a temp dir.
    const tsx = join(KERNEL_DIR, "..", "node_modules", ".bin", "tsx");
    execFileSync(tsx, [join(KERNEL_DIR, "build.ts"), "--out-dir", dirA], { stdio: ["ignore", "pipe", "inherit"] });
    elfA = readFileSync(join(dirA, "kernel.elf"));
  });

  afterAll(() => {
    for (const d of [dirA, dirB]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("is reproducible: a second build in another directory gives the same bytes", () => {
    const b = buildKernel(dirB);
    expect(readFileSync(b.elfPath).equals(elfA)).toBe(true);
  });

  it.skipIf(!sameToolchain)("reproduces the committed kernel.elf byte for byte (run `npm run build:guest` after editing guest-kernel/)", () => {
    const committed = readFileSync(join(KERNEL_DIR, "kernel.elf"));
    expect(elfA.length).toBe(committed.length);
    expect(elfA.equals(committed)).toBe(true);
    expect(readFileSync(join(dirA, "kernel.build.json"), "utf8")).toBe(readFileSync(join(KERNEL_DIR, "kernel.build.json"), "utf8"));
  });

  it("rejects an unknown option with a usage error", () => {
    const tsx = join(KERNEL_DIR, "..", "node_modules", ".bin", "tsx");
    let status = 0;
    try {
      execFileSync(tsx, [join(KERNEL_DIR, "build.ts"), "--bogus"], { stdio: "ignore" });
    } catch (err) {
      status = (err as { status: number }).status;
    }
    expect(status).toBe(64);
  });
});
