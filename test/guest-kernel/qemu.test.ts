// The guest kernel on QEMU, the reference machine: every workload prints its RESULT line with the
// check value the workload's definition predicts, the checks do not depend on timing, and the
// documented exit codes come out for bad command lines, panics and failed self-checks.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { type ElfImage, fileOffsetOf, findSymbol, parseElf } from "../../src/machine/elf.js";
import { GUEST_EXIT, KERNEL_ELF, type QemuRun, hasTool, qemuStatus, runQemu } from "../../guest-kernel/qemu.js";
import { WORKLOADS, type WorkloadName, expectedCheckHex } from "../../guest-kernel/reference-checks.js";

const haveQemu = hasTool("qemu-system-i386");
if (!haveQemu) console.warn("guest-kernel QEMU tests skipped: qemu-system-i386 not found (apt-get install qemu-system-x86)");

/**
 * Check values at the default iteration counts, written out so a change to the model or the
 * kernel shows up here.  Derivations (all mod 2^32; the same as guest-kernel/reference-checks.ts):
 *   compute   n=50000: sum of i^2, i=1..n = n(n+1)(2n+1)/6 = 41667916675000 -> 0x915f37b8
 *   syscall   n=4000:  SYS_NULL(i) = i+1 summed = n(n+1)/2 = 8002000 = 0x007a19d0
 *   copy      n=500:   sum of SYS_COPY checksums (Horner x31) over the changing 64-byte buffer
 *   pagefault n=250:   sum of page + (page ^ i) with page = 0x40200000 + (i%8)*4096, plus 250 faults
 *                      = 500*0x40200000 + 8192*869 + 31125 + 250 -> 0x3eed1a8f
 *   divzero   n=2000:  sum of i + (i ^ 0x5555aaaa), plus 2000 skipped #DE
 *   fixup     n=1500:  1500 * (-14 returned + 1 fixup) = -19500 -> 0xffffb3d4
 *   timer     n=200:   acc = acc*0x01000193 ^ call_tree(5, i)
 *   ctxswitch n=1000:  hash(1) ^ rotl(hash(2), 16), hash(id) = h*33 + ((id<<28) ^ i) from h = id
 *   callret   n=20000: x = ((x<<5) + (x>>3) + i) ^ 0x9e3779b9 from x = 1
 *   ptewrite  n=12000: hash of tags 0x7a600000 + i%3, xor the per-frame sums of i
 *   io        n=50000: 50000 reads of 0xff = 12750000 = 0x00c28cb0
 *   smc       n=3000:  hash of the five patched functions' results
 */
const DEFAULT_CHECKS: Record<WorkloadName, string> = {
  compute: "915f37b8",
  syscall: "007a19d0",
  copy: "43424fa9",
  pagefault: "3eed1a8f",
  divzero: "ad6e0300",
  fixup: "ffffb3d4",
  timer: "632db46a",
  ctxswitch: "d0953a29",
  callret: "e68731a2",
  ptewrite: "549401ff",
  io: "00c28cb0",
  smc: "d808f443",
};

/** A readable failure: the command line, the status, and the console output. */
function describeRun(append: string, run: QemuRun): string {
  return `qemu -append "${append}": status ${run.status}${run.timedOut ? " (timed out)" : ""}\n${run.stdout}${run.stderr}`;
}

function expectAllResults(append: string, run: QemuRun, iters: (w: WorkloadName) => number): void {
  const context = describeRun(append, run);
  expect(run.status, context).toBe(qemuStatus(GUEST_EXIT.ok));
  expect(run.results.map((r) => r.workload), context).toEqual(WORKLOADS.map((w) => w.name));
  for (const r of run.results) {
    const name = r.workload as WorkloadName;
    expect(r.iters, `${name} iters`).toBe(iters(name));
    expect(r.check, `${name} check at iters=${r.iters}`).toBe(expectedCheckHex(name, r.iters));
    expect(r.cycles, `${name} cycles`).toBeGreaterThan(0n);
  }
}

describe.skipIf(!haveQemu)("guest kernel on QEMU", () => {
  it("the written-out default checks agree with the reference model", () => {
    for (const w of WORKLOADS) expect(expectedCheckHex(w.name, w.defaultIters), w.name).toBe(DEFAULT_CHECKS[w.name]);
  });

  it("workload=all runs every workload in order with the expected checks and exits 0 (QEMU status 1)", async () => {
    const run = await runQemu("workload=all");
    expectAllResults("workload=all", run, (w) => WORKLOADS.find((x) => x.name === w)?.defaultIters ?? 0);
    for (const r of run.results) expect(r.check).toBe(DEFAULT_CHECKS[r.workload as WorkloadName]);
    // Only deterministic text besides the RESULT lines.
    const other = run.stdout.split("\n").filter((l) => l !== "" && !l.startsWith("RESULT "));
    expect(other).toEqual(["kdbt guest kernel", "kdbt guest kernel: workload=all iters=default hz=50000", "kdbt guest kernel: all done"]);
  });

  it.each([1, 2, 7, 97])("workload=all iters=%i gives the model's checks", async (n) => {
    const append = `workload=all iters=${n}`;
    expectAllResults(append, await runQemu(append), () => n);
  });

  it("every workload runs on its own, printing exactly its RESULT line", async () => {
    const runs = await Promise.all(WORKLOADS.map((w) => runQemu(`workload=${w.name}`)));
    WORKLOADS.forEach((w, i) => {
      const run = runs[i] as QemuRun;
      const context = describeRun(`workload=${w.name}`, run);
      expect(run.status, context).toBe(qemuStatus(GUEST_EXIT.ok));
      expect(run.results, context).toHaveLength(1);
      expect(run.results[0]?.workload).toBe(w.name);
      expect(run.results[0]?.check).toBe(DEFAULT_CHECKS[w.name]);
    });
  });

  it("checks are functions of the iteration count alone: io and fixup are linear in it", async () => {
    // io reads 0xff every time and fixup gets -EFAULT (+1 fixup) every time, so check(2n) = 2 check(n).
    const runs = await Promise.all(["io", "fixup"].flatMap((w) => [runQemu(`workload=${w} iters=1000`), runQemu(`workload=${w} iters=2000`)]));
    for (let i = 0; i < runs.length; i += 2) {
      const one = parseInt(runs[i]?.results[0]?.check ?? "", 16);
      const two = parseInt(runs[i + 1]?.results[0]?.check ?? "", 16);
      expect(two, runs[i]?.results[0]?.workload).toBe((2 * one) % 2 ** 32);
    }
  });

  it.each(["timer", "ctxswitch"])("%s gives the same check at different PIT rates, while the timing changes", async (w) => {
    const rates = [100, 1000, 37000, 200000];
    const runs = await Promise.all(rates.map((hz) => runQemu(`workload=${w} iters=300 hz=${hz}`)));
    const expected = expectedCheckHex(w as WorkloadName, 300);
    for (const [i, run] of runs.entries()) {
      expect(run.status, describeRun(`hz=${rates[i]}`, run)).toBe(qemuStatus(GUEST_EXIT.ok));
      expect(run.results[0]?.check, `hz=${rates[i]}`).toBe(expected);
    }
    // The rate did change what happened: more interrupts, more cycles.
    expect(runs[3]?.results[0]?.cycles).toBeGreaterThan(runs[0]?.results[0]?.cycles ?? 0n);
  });

  it("is deterministic under -icount: the same run twice prints the same bytes", async () => {
    const [a, b] = await Promise.all([runQemu("workload=ctxswitch hz=23456"), runQemu("workload=ctxswitch hz=23456")]);
    expect(a?.stdout).toBe(b?.stdout);
  });

  it.each([
    ["workload=nosuch", "bad command line: unknown workload 'nosuch'"],
    ["workload=io iters=0", "bad command line: iters must be a decimal number from 1 to 1000000000, got '0'"],
    ["workload=io iters=12x", "bad command line: iters must be a decimal number from 1 to 1000000000, got '12x'"],
    ["workload=io iters=-3", "bad command line: iters must be a decimal number from 1 to 1000000000, got '-3'"],
    ["workload=io iters=1000000001", "bad command line: iters must be a decimal number from 1 to 1000000000"],
    ["workload=io speed=9", "bad command line: unknown key 'speed'"],
    ["workload=io oops", "bad command line: expected key=value, got 'oops'"],
    ["workload=io workload=smc", "bad command line: repeated key 'workload'"],
    ["workload=timer hz=50", "bad command line: hz must be a decimal number from 100 to 200000, got '50'"],
  ])("command line %j exits with the bad-command-line code (QEMU status 7)", async (append, message) => {
    const run = await runQemu(append);
    expect(run.status, describeRun(append, run)).toBe(qemuStatus(GUEST_EXIT.badCmdline));
    expect(run.stdout).toContain(message);
    expect(run.results).toHaveLength(0);
  });

  it("boots on a 2 MiB machine: page frames stop at the end of RAM, not of the 4 MiB identity map", async () => {
    const run = await runQemu("workload=all iters=3", { memoryMiB: 2 });
    expect(run.status, describeRun("-m 2", run)).toBe(qemuStatus(GUEST_EXIT.ok));
    expect(run.results).toHaveLength(WORKLOADS.length);
  });
});

describe.skipIf(!haveQemu)("guest kernel exception tables and failure exits (patched images)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kdbt-guest-patched-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const original = readFileSync(KERNEL_ELF);
  const elf: ElfImage = parseElf(original, "kernel.elf");
  const addr = (name: string): number => {
    const s = findSymbol(elf, name);
    if (!s) throw new Error(`no symbol ${name}`);
    return s.value;
  };

  /** A copy of kernel.elf with 32-bit words replaced at the given virtual addresses. */
  function patched(file: string, words: ReadonlyArray<readonly [number, number]>, bytePatches: ReadonlyArray<readonly [number, number]> = []): string {
    const copy = Buffer.from(original);
    for (const [va, value] of words) {
      const off = fileOffsetOf(elf, va);
      if (off === undefined) throw new Error(`no file bytes at ${va.toString(16)}`);
      copy.writeUInt32LE(value >>> 0, off);
    }
    for (const [va, value] of bytePatches) {
      const off = fileOffsetOf(elf, va);
      if (off === undefined) throw new Error(`no file bytes at ${va.toString(16)}`);
      copy.writeUInt8(value, off);
    }
    const path = join(dir, file);
    writeFileSync(path, copy);
    return path;
  }

  // The built-in entries for the two copy instructions, made unmatchable: only a run-time entry
  // can then recover the fixup workload's faults, as a DBT's code-cache entries would.
  const exTable = addr("__start___ex_table");
  const breakBuiltin: Array<[number, number]> = [
    [exTable + 0, 0xfffffff0],
    [exTable + 8, 0xfffffff0],
  ];
  const ext = addr("kdbt_extable_ext");
  const runTimeEntries: Array<[number, number]> = [
    [ext + 0, addr("copy_dwords")],
    [ext + 4, addr("copy_dwords_fault")],
    [ext + 8, addr("copy_bytes")],
    [ext + 12, addr("copy_bytes_fault")],
  ];

  it("recovers kernel faults through the run-time extension table kdbt_extable_ext", async () => {
    const kernel = patched("ext.elf", [...breakBuiltin, ...runTimeEntries, [addr("kdbt_extable_ext_count"), 2]]);
    const run = await runQemu("workload=fixup iters=10", { kernel });
    expect(run.status, describeRun("ext table", run)).toBe(qemuStatus(GUEST_EXIT.ok));
    expect(run.results[0]?.check).toBe(expectedCheckHex("fixup", 10));
  });

  it("clamps a run-time count beyond the capacity to the table's 256 entries", async () => {
    const kernel = patched("ext-clamp.elf", [...breakBuiltin, ...runTimeEntries, [addr("kdbt_extable_ext_count"), 0xffffffff]]);
    const run = await runQemu("workload=fixup iters=4", { kernel });
    expect(run.status, describeRun("ext clamp", run)).toBe(qemuStatus(GUEST_EXIT.ok));
  });

  it("panics (QEMU status 3) with vector, error code, EIP and CR2 when no table has the faulting EIP", async () => {
    const kernel = patched("no-entry.elf", breakBuiltin);
    const run = await runQemu("workload=fixup iters=3", { kernel });
    expect(run.status, describeRun("no entry", run)).toBe(qemuStatus(GUEST_EXIT.panic));
    const eip = addr("copy_dwords").toString(16).padStart(8, "0");
    // Iteration 0 passes USER_UNMAPPED (0x40300000): a read (error code 0: not present, read, ring 0).
    expect(run.stdout).toContain(
      `PANIC: page fault in the kernel: vector=14 (#PF page fault) error=00000000 eip=${eip} cr2=40300000`,
    );
    expect(run.results).toHaveLength(0);
  });

  it("exits with the boot-error code (QEMU status 9) when EAX does not hold the multiboot magic", async () => {
    // Change the constant kmain compares EAX with (0x2badb002, wherever it occurs in kmain's code)
    // to 0x2badb003, so the magic QEMU passes no longer matches.
    const kmain = findSymbol(elf, "kmain");
    const base = kmain?.value ?? 0;
    const start = fileOffsetOf(elf, base) ?? 0;
    const code = original.subarray(start, start + (kmain?.size ?? 0));
    const magic = Buffer.from([0x02, 0xb0, 0xad, 0x2b]);
    const patches: Array<[number, number]> = [];
    for (let at = code.indexOf(magic); at >= 0; at = code.indexOf(magic, at + 1)) patches.push([base + at, 0x03]);
    expect(patches.length).toBeGreaterThan(0);
    const kernel = patched("bad-magic.elf", [], patches);
    const run = await runQemu("workload=io iters=1", { kernel });
    expect(run.status, describeRun("bad magic", run)).toBe(qemuStatus(GUEST_EXIT.bootError));
    expect(run.stdout).toContain("boot error: EAX=2badb002, not the multiboot magic");
  });

  it("exits with the failed-check code (QEMU status 5) when a self-check fails", async () => {
    // Turn the smc workload's first patch, ADD EAX, imm32 (opcode 05), into SUB EAX, imm32 (2D):
    // the patched code then disagrees with the C reference and the workload reports a failure.
    const kernel = patched("bad-smc.elf", [], [[addr("patches") + 4, 0x2d]]);
    const run = await runQemu("workload=smc iters=5", { kernel });
    expect(run.status, describeRun("bad smc", run)).toBe(qemuStatus(GUEST_EXIT.checkFailed));
    expect(run.stdout).toContain("FAIL workload=smc: patched code computed a different value than the C reference");
  });
});
