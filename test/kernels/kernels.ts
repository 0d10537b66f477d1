// The assembly test kernels: lists the committed images with their recorded QEMU results, and runs an image on qemu-system-i386.
//
// Each kernel is test/kernels/<name>.S (+ lib.inc), built by build.ts into bin/<name>.elf. Its QEMU
// serial output is recorded in expected/<name>.txt and its exit in expected/<name>.json. A simulator
// test runs the same image and compares byte for byte.
//
// QEMU's multiboot loader hands the kernel the command line "<file name as given to -kernel> <cmdline>".
// runOnQemu passes the bare file name ("<name>.elf", with the image's directory as the working
// directory), so the string a kernel sees does not depend on where the repository lives; a simulator
// must build the same string (see guestCmdline).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { z } from "zod";
import { qemuArgs as referenceQemuArgs } from "../../guest-kernel/qemu.js";

/** test/kernels/: sources, lib.inc, link.ld, build.ts. */
export const KERNELS_DIR = dirname(fileURLToPath(import.meta.url));
/** Committed images, bin/<name>.elf. */
export const BIN_DIR = join(KERNELS_DIR, "bin");
/** Recorded QEMU results, expected/<name>.txt and expected/<name>.json. */
export const EXPECTED_DIR = join(KERNELS_DIR, "expected");

export const QEMU_BINARY = "qemu-system-i386";
/** Default time limit for one QEMU run; every kernel finishes in well under a second. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** What a kernel's exit looked like on QEMU. */
export const ExpectedResultSchema = z
  .object({
    /** QEMU's process exit status; null if it was killed (timeout). */
    exitStatus: z.number().int().min(0).max(255).nullable(),
    /** The value the kernel wrote to isa-debug-exit (status = (value << 1) | 1), or null. */
    debugExitValue: z.number().int().min(0).max(127).nullable(),
    /** The run ended in a triple fault (QEMU -no-reboot: status 0 without a debug-exit write). */
    tripleFault: z.boolean(),
  })
  .strict();
export type ExpectedResult = z.infer<typeof ExpectedResultSchema>;

export interface TestKernel {
  name: string;
  /** Absolute path of the committed image. */
  elfPath: string;
  /** Absolute path of the source. */
  sourcePath: string;
  /** The -append string (from a "# cmdline:" line in the source's first lines; "" if none). */
  cmdline: string;
  /** QEMU's serial output, byte for byte (ASCII). */
  expectedOutput: string;
  expected: ExpectedResult;
}

export interface QemuRun {
  /** Everything the kernel wrote to COM1 (latin1: one char per byte). */
  stdout: string;
  stderr: string;
  /** QEMU's exit status; null if it was killed after the timeout. */
  exitStatus: number | null;
  /** The value written to port 0xf4, derived from the status: (status - 1) >> 1 for an odd status. */
  debugExitValue: number | null;
  /** Status 0 and no debug-exit write: with -no-reboot that is QEMU's exit on a triple fault. */
  tripleFault: boolean;
  timedOut: boolean;
}

/** A kernel's files are missing or malformed. */
export class TestKernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TestKernelError";
  }
}

/** QEMU itself failed (bad image, bad option): not a result of the kernel. */
export class QemuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QemuError";
  }
}

/** The "# cmdline: ..." value from the first 5 lines of a kernel source, or "". */
export function parseCmdline(source: string): string {
  for (const line of source.split("\n").slice(0, 5)) {
    const m = /^#\s*cmdline:\s?(.*)$/.exec(line);
    if (m) return (m[1] ?? "").trimEnd();
  }
  return "";
}

/** The multiboot command line a kernel sees when run by runOnQemu: "<name>.elf <cmdline>". */
export function guestCmdline(elfPath: string, cmdline: string): string {
  return `${basename(elfPath)} ${cmdline}`;
}

/** The QEMU arguments for one run: the project's reference command line, with the kernel named by its bare file name (run in its directory). */
export function qemuArgs(elfPath: string, cmdline: string): string[] {
  return referenceQemuArgs(basename(elfPath), cmdline);
}

/** Whether qemu-system-i386 can be started here. */
export function qemuAvailable(): boolean {
  const r = spawnSync(QEMU_BINARY, ["--version"], { stdio: "ignore" });
  return r.status === 0;
}

/** The kernel names that have a source file, sorted. */
export function listKernelNames(): string[] {
  return readdirSync(KERNELS_DIR)
    .filter((f) => f.endsWith(".S"))
    .map((f) => f.slice(0, -2))
    .sort();
}

function readExpected(name: string): ExpectedResult {
  const path = join(EXPECTED_DIR, `${name}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new TestKernelError(`${path}: ${(e as Error).message}`);
  }
  const parsed = ExpectedResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TestKernelError(`${path}: field ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Every test kernel with its committed image and recorded QEMU result, sorted by name. */
export function listTestKernels(): TestKernel[] {
  return listKernelNames().map((name) => {
    const sourcePath = join(KERNELS_DIR, `${name}.S`);
    const elfPath = join(BIN_DIR, `${name}.elf`);
    const outPath = join(EXPECTED_DIR, `${name}.txt`);
    for (const p of [elfPath, outPath]) {
      if (!existsSync(p)) throw new TestKernelError(`${p}: missing (run npx tsx test/kernels/build.ts)`);
    }
    return {
      name,
      elfPath,
      sourcePath,
      cmdline: parseCmdline(readFileSync(sourcePath, "utf8")),
      expectedOutput: readFileSync(outPath, "latin1"),
      expected: readExpected(name),
    };
  });
}

/** Exit status -> (debug-exit value, triple fault), as QEMU produces them. */
export function interpretExit(
  exitStatus: number | null,
  timedOut: boolean,
): Pick<QemuRun, "debugExitValue" | "tripleFault"> {
  if (exitStatus === null || timedOut) return { debugExitValue: null, tripleFault: false };
  if (exitStatus & 1) return { debugExitValue: exitStatus >> 1, tripleFault: false };
  return { debugExitValue: null, tripleFault: exitStatus === 0 };
}

/** Run one image on QEMU (see qemuArgs) and collect its serial output and exit. */
export function runOnQemu(
  elfPath: string,
  cmdline: string,
  timeoutMs: number = DEFAULT_TIMEOUT_MS,
): Promise<QemuRun> {
  return new Promise((resolvePromise, reject) => {
    if (!existsSync(elfPath)) {
      reject(new TestKernelError(`${elfPath}: no such file`));
      return;
    }
    const child = spawn(QEMU_BINARY, qemuArgs(elfPath, cmdline), {
      cwd: dirname(elfPath),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new QemuError(`${QEMU_BINARY}: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("latin1");
      const stderr = Buffer.concat(err).toString("utf8");
      // QEMU reports its own failures as "qemu-system-i386: ..." on stderr (and exits 1, which would
      // otherwise read as debug-exit value 0). Warnings are not failures.
      const failure = stderr
        .split("\n")
        .find((l) => l.startsWith(`${QEMU_BINARY}:`) && !/warning|terminating on signal/i.test(l));
      if (failure !== undefined && !timedOut) {
        reject(new QemuError(`${basename(elfPath)}: ${failure}`));
        return;
      }
      const exitStatus = timedOut ? null : code;
      resolvePromise({ stdout, stderr, exitStatus, timedOut, ...interpretExit(exitStatus, timedOut) });
    });
  });
}
