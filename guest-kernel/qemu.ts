// Running the guest kernel on QEMU, the reference machine, and reading what it printed.
// Used by the guest-kernel tests; also handy for differential tests of the simulator.
import { execFileSync, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The committed kernel image. */
export const KERNEL_ELF = join(dirname(fileURLToPath(import.meta.url)), "kernel.elf");

/** What the kernel writes to the isa-debug-exit port (include/exit-codes.h). */
export const GUEST_EXIT = { ok: 0, panic: 1, checkFailed: 2, badCmdline: 3, bootError: 4 } as const;

/** QEMU's process exit status for a guest exit code: (code << 1) | 1. */
export const qemuStatus = (guestCode: number): number => (guestCode << 1) | 1;

/** The QEMU command line the project uses as its reference (the brief and docs/guest-kernel.md). */
export function qemuArgs(kernel: string, append: string, memoryMiB = 128): string[] {
  return [
    "-kernel",
    kernel,
    "-append",
    append,
    "-display",
    "none",
    "-serial",
    "stdio",
    "-monitor",
    "none",
    "-no-reboot",
    "-device",
    "isa-debug-exit,iobase=0xf4,iosize=0x04",
    "-icount",
    "shift=0,sleep=off",
    "-m",
    String(memoryMiB),
  ];
}

export interface ResultLine {
  readonly workload: string;
  readonly iters: number;
  readonly cycles: bigint;
  readonly check: string;
}

export interface QemuRun {
  readonly stdout: string;
  readonly stderr: string;
  /** QEMU's exit status, or null if it was killed. */
  readonly status: number | null;
  readonly timedOut: boolean;
  readonly results: readonly ResultLine[];
}

const RESULT_LINE = /^RESULT workload=([a-z]+) iters=([0-9]+) cycles=([0-9]+) check=([0-9a-f]{8})$/;

/** Every RESULT line in the console output; throws on a line that starts with RESULT but is malformed. */
export function parseResults(stdout: string): ResultLine[] {
  const out: ResultLine[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("RESULT")) continue;
    const m = RESULT_LINE.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined || m[4] === undefined)
      throw new Error(`malformed RESULT line: ${JSON.stringify(line)}`);
    out.push({ workload: m[1], iters: Number(m[2]), cycles: BigInt(m[3]), check: m[4] });
  }
  return out;
}

/** Is `tool` on PATH (runs `tool --version`)? */
export function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ["--version"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export interface RunOptions {
  readonly kernel?: string;
  readonly memoryMiB?: number;
  /** Kill QEMU after this long (default 60 s); the run then reports timedOut. */
  readonly timeoutMs?: number;
}

/** Boot the kernel on qemu-system-i386 with `append` as its command line and wait for it to exit. */
export function runQemu(append: string, options: RunOptions = {}): Promise<QemuRun> {
  const args = qemuArgs(options.kernel ?? KERNEL_ELF, append, options.memoryMiB ?? 128);
  return new Promise((resolve, reject) => {
    const child = spawn("qemu-system-i386", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("latin1").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 60_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status, timedOut, results: parseResults(stdout) });
    });
  });
}
