// QEMU log import: committed real logs (run anywhere) and a live QEMU run, checked against kdbt's own native deliveries.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Machine } from "../../src/machine/machine.js";
import { costModelHash, loadCostModel } from "../../src/cost/model.js";
import { EVENT_EXTERNAL, EVENT_SOFTWARE } from "../../src/cpu/interrupts.js";
import { VECTORS } from "../../src/cpu/vectors.js";
import { GuestStop, InputError, UsageError } from "../../src/errors.js";
import { DEFAULT_KERNEL, PACKAGE_ROOT } from "../../src/cli/paths.js";
import type { DeliveryRecord, TraceLine } from "../../src/trace/format.js";
import { validateTraceLines } from "../../src/trace/jsonl.js";
import { formatImportReport, importQemuEvents, importQemuLog, PLACEHOLDER_STATE_HASH, type QemuImportResult } from "../../src/trace/qemu-import.js";
import { parseQemuLog } from "../../src/trace/qemu-log.js";
import { haveTool } from "../helpers/tools.js";
import { qemuArgs } from "../../guest-kernel/qemu.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const KERNELS = join(PACKAGE_ROOT, "test/kernels/bin");
const fixture = (name: string): string => join(FIXTURES, name);

/** What kdbt's own native run delivers, in the trace's terms (PIT running, nothing injected). */
interface Delivery {
  vector: number;
  kind: string;
  nativePc: number;
  errorCode: number | null;
  cr2: number | null;
  cpl: number;
}

function nativeDeliveries(kernel: string, kernelName: string, cmdline: string): Delivery[] {
  const m = new Machine({ kernelImage: readFileSync(kernel), kernelName, cmdline, cost: loadCostModel("icount") });
  const out: Delivery[] = [];
  const prev = m.cpu.probe;
  m.cpu.probe = {
    onDelivery(d) {
      prev.onDelivery(d);
      const klass = VECTORS[d.vector]!.klass;
      const kind = d.kind === EVENT_EXTERNAL ? "external" : d.kind === EVENT_SOFTWARE ? "software" : klass === "interrupt" ? "external" : klass;
      out.push({ vector: d.vector, kind, nativePc: d.pushedEip >>> 0, errorCode: d.hasErrorCode ? d.errorCode >>> 0 : null, cr2: d.vector === 14 ? d.cr2 >>> 0 : null, cpl: d.fromCpl });
    },
    onIret(a, b, c) {
      prev.onIret(a, b, c);
    },
  };
  try {
    m.run(5e9);
  } catch (e) {
    if (!(e instanceof GuestStop)) throw e;
  }
  return out;
}

function records(lines: readonly TraceLine[]): DeliveryRecord[] {
  return lines.filter((l): l is DeliveryRecord => l.type === "delivery");
}

const asDelivery = (r: DeliveryRecord): Delivery => ({ vector: r.vector, kind: r.kind, nativePc: r.nativePc, errorCode: r.errorCode, cr2: r.cr2, cpl: r.cpl });

/**
 * The imported exceptions and software interrupts are exactly kdbt's own (vector, kind, EIP, error
 * code, CR2, CPL, in order); external interrupts are the same number and vectors (where they land
 * depends on the PIT's phase, which in QEMU counts the firmware's run time too).
 */
function expectSameAsNative(result: QemuImportResult, kernel: string, kernelName: string, cmdline: string): void {
  const native = nativeDeliveries(kernel, kernelName, cmdline);
  const imported = records(result.lines).map(asDelivery);
  expect(imported.filter((d) => d.kind !== "external")).toEqual(native.filter((d) => d.kind !== "external"));
  expect(imported.filter((d) => d.kind === "external").map((d) => d.vector)).toEqual(native.filter((d) => d.kind === "external").map((d) => d.vector));
}

describe("importQemuLog on committed QEMU 7.2 logs", () => {
  it("guest kernel, every workload: syscalls, #PF from ring 3 and ring 0, #DE, a timer interrupt", () => {
    const r = importQemuLog(fixture("guest-all.log"), DEFAULT_KERNEL, { cmdline: "workload=all iters=1", kernelName: "guest-kernel/kernel.elf" });
    const lines = validateTraceLines(r.lines);
    expect(lines.header).toEqual({
      type: "header",
      format: "kdbt-trace",
      version: 1,
      kernelSha256: createHash("sha256").update(readFileSync(DEFAULT_KERNEL)).digest("hex"),
      kernelName: "guest-kernel/kernel.elf",
      cmdline: "workload=all iters=1",
      mode: "native",
      asyncPolicy: "rollback",
      costModel: "icount",
      costModelHash: costModelHash(loadCostModel("icount")),
      cpuHz: 1_000_000_000,
      ramMiB: 128,
      source: "qemu-import",
    });
    expect(r.report.imported).toEqual({ exceptions: 3, software: 14, external: 1 });
    expect(r.report).toMatchObject({ logEvents: 18, firmwareEvents: 0, otherDumps: 2, stop: "exit", warnings: [] });
    expect(lines.end).toMatchObject({ deliveries: 18, exitValue: 0, stop: "exit" });
    const pf = lines.records.filter((x) => x.vector === 14);
    expect(pf.map((x) => [x.kind, x.errorCode, x.cr2, x.cpl])).toEqual([
      ["fault", 4, 0x40200000, 3],
      ["fault", 0, 0x40300000, 0],
    ]);
    expect(lines.records.every((x) => x.stateHash === PLACEHOLDER_STATE_HASH && x.cachePc === null && x.dispatcherCycles === 0 && x.rollbackSteps === 0)).toBe(true);
    expectSameAsNative(r, DEFAULT_KERNEL, "guest-kernel/kernel.elf", "workload=all iters=1");
  });

  it("hardware interrupts land where QEMU took them: the handler sees the logged EIP", () => {
    const r = importQemuLog(fixture("guest-timer.log"), DEFAULT_KERNEL, { cmdline: "workload=timer iters=20", kernelName: "guest-kernel/kernel.elf" });
    const recs = records(r.lines);
    expect(recs.map((x) => [x.kind, x.vector, x.nativePc, x.cpl])).toEqual([
      ["external", 0x20, 0x102802, 0],
      ["external", 0x20, 0x1027c4, 0],
    ]);
    // icount cost model: one cycle per instruction, events free.
    expect(recs.every((x) => x.cycle === x.retired)).toBe(true);
    expectSameAsNative(r, DEFAULT_KERNEL, "guest-kernel/kernel.elf", "workload=timer iters=20");
  });

  it("test kernels: #PF (pf), #DB single-step traps (singlestep), INT n refused by the gate's DPL (intdpl)", () => {
    for (const name of ["pf", "singlestep", "intdpl"]) {
      const kernel = join(KERNELS, `${name}.elf`);
      const r = importQemuLog(fixture(`${name}.log`), kernel, { cmdline: "", kernelName: `${name}.elf` });
      expect(r.report.warnings, name).toEqual([]);
      expectSameAsNative(r, kernel, `${name}.elf`, "");
    }
  });

  it("#DF: QEMU's aborted delivery attempts become no record, the #DF does; the SDM's EXT bit is kept (doublefault)", () => {
    const kernel = join(KERNELS, "doublefault.elf");
    const r = importQemuLog(fixture("doublefault.log"), kernel, { cmdline: "", kernelName: "doublefault.elf" });
    expect(records(r.lines).map((x) => [x.vector, x.errorCode])).toEqual([
      [8, 0],
      [8, 0],
      [8, 0],
      [8, 0],
      [11, 0x33],
    ]);
    expect(r.report.aborted.map((a) => a.line)).toEqual([40, 80, 120, 160, 200]);
    expect(r.report.warnings).toHaveLength(1);
    expect(r.report.warnings[0]).toMatch(/doublefault\.log:220: #NP \(11\) error code EXT bit differs \(qemu 0x00000032, kdbt 0x00000033\)/);
    expect(r.notRecovered.join("\n")).toContain("lines 40, 80, 120, 160, 200");
    expectSameAsNative(r, kernel, "doublefault.elf", "");
  });

  it("a triple fault ends the trace with stop triple-fault and no records (triplefault)", () => {
    const r = importQemuLog(fixture("triplefault.log"), join(KERNELS, "triplefault.elf"), { cmdline: "", kernelName: "triplefault.elf" });
    expect(r.lines).toHaveLength(2);
    expect(r.lines[1]).toMatchObject({ type: "end", deliveries: 0, exitValue: null, stop: "triple-fault" });
    expect(r.report.warnings).toEqual([]);
  });

  it("stateHashOf is called at each delivery and its value recorded; notRecovered says where fields come from", () => {
    let calls = 0;
    const r = importQemuLog(fixture("guest-syscall.log"), DEFAULT_KERNEL, {
      cmdline: "workload=syscall iters=3",
      kernelName: "guest-kernel/kernel.elf",
      stateHashOf: (m) => {
        calls++;
        return m.retired.toString(16).padStart(16, "0");
      },
    });
    const recs = records(r.lines);
    expect(calls).toBe(4);
    expect(recs.map((x) => x.stateHash)).toEqual(recs.map((x) => x.retired.toString(16).padStart(16, "0")));
    expect(r.notRecovered.some((n) => n.startsWith("stateHash: computed on kdbt's aligned run"))).toBe(true);
    const plain = importQemuLog(fixture("guest-syscall.log"), DEFAULT_KERNEL, { cmdline: "workload=syscall iters=3" });
    expect(plain.notRecovered.some((n) => n.includes(`placeholder ${PLACEHOLDER_STATE_HASH}`))).toBe(true);
    expect(formatImportReport(plain)).toMatch(/^imported .*guest-syscall\.log \(kernel .*kernel\.elf\): 0 exceptions, 4 software interrupts, 0 hardware interrupts; kdbt's run ended: exit\n/);
  });
});

describe("importQemuLog failures are one line naming the log line", () => {
  const oneLine = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect((e as Error).message).not.toContain("\n");
      return (e as Error).message.replace(`${FIXTURES}/`, "");
    }
    return "no error";
  };

  it("the command line is required (the log does not have it)", () => {
    expect(() => importQemuLog(fixture("guest-syscall.log"), DEFAULT_KERNEL, {})).toThrow(UsageError);
    expect(oneLine(() => importQemuLog(fixture("guest-syscall.log"), DEFAULT_KERNEL, {}))).toBe(
      "guest-syscall.log: a QEMU -d int log does not record the -append command line; pass it with --cmdline",
    );
  });

  it("a log of another kernel", () => {
    const msg = oneLine(() => importQemuLog(fixture("guest-syscall.log"), join(KERNELS, "pf.elf"), { cmdline: "" }));
    expect(msg).toMatch(/^guest-syscall\.log:39: expected software interrupt vector 128 at eip 0x40000222, kdbt delivered #PF \(14\) at eip 0x[0-9a-f]{8} \(retired \d+\): different vector$/);
  });

  it("a hardware interrupt logged while a register held a clock reading cannot be placed (nested: QEMU's TSC counts firmware time)", () => {
    const msg = oneLine(() => importQemuLog(fixture("nested.log"), join(KERNELS, "nested.elf"), { cmdline: "", kernelName: "nested.elf" }));
    expect(msg).toMatch(/^nested\.log:59: looking for the registers of hardware interrupt vector 32 at eip 0x001017e7, kdbt delivered software interrupt vector 65 at eip 0x0010172b \(retired \d+\), which the log does not have here$/);
  });

  it("a log none of whose events is in the kernel (every event's code and IDT moved to firmware addresses)", () => {
    const body = readFileSync(fixture("guest-syscall.log"), "latin1").replace(/pc=40000(222|236)/g, "pc=000f1234").replace(/IDT=     0010a0b8 000007ff/g, "IDT=     000f61be 00000000");
    const log = parseQemuLog(body, "fw.log");
    expect(oneLine(() => importQemuEvents(log, readFileSync(DEFAULT_KERNEL), { cmdline: "workload=syscall iters=3" }))).toMatch(
      /^fw\.log:39: none of the log's 4 events is in this kernel \(code or IDT in 0x00100000-0x[0-9a-f]{8}\): a log of another kernel\?$/,
    );
  });

  it("the search is bounded", () => {
    const msg = oneLine(() => importQemuLog(fixture("guest-timer.log"), DEFAULT_KERNEL, { cmdline: "workload=timer iters=20", maxSteps: 1000 }));
    expect(msg).toBe("guest-timer.log:40: kdbt never reached the registers of hardware interrupt vector 32 at eip 0x00102802 within 1000 instructions");
    expect(() => importQemuLog(fixture("guest-syscall.log"), DEFAULT_KERNEL, { cmdline: "workload=syscall iters=3", maxSteps: 1000 })).toThrow(
      /guest-syscall\.log:39: kdbt did not deliver software interrupt vector 128 at eip 0x40000222 within 1000 instructions$/,
    );
  });

  it("errors are InputError (exit 65)", () => {
    expect(() => importQemuLog(fixture("guest-syscall.log"), join(KERNELS, "pf.elf"), { cmdline: "" })).toThrow(InputError);
  });
});

const qemu = haveTool("qemu-system-i386", "importing a live QEMU -d int log");
const liveTitle = "imports a log QEMU writes now for the guest kernel and matches kdbt's own deliveries";

describe("live QEMU", () => {
  const dir = mkdtempSync(join(tmpdir(), "kdbt-qemu-import-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!qemu)(qemu ? liveTitle : `${liveTitle} (skipped: qemu-system-i386 not installed)`, () => {
    const log = join(dir, "q.log");
    const cmdline = "workload=all iters=2";
    const kernelArg = "guest-kernel/kernel.elf";
    const r = spawnSync(
      "qemu-system-i386",
      [...qemuArgs(kernelArg, cmdline), "-d", "int", "-D", log],
      { cwd: PACKAGE_ROOT, timeout: 60_000, encoding: "latin1" },
    );
    expect(r.status).toBe(1); // the guest wrote 0 to isa-debug-exit
    const result = importQemuLog(log, join(PACKAGE_ROOT, kernelArg), { cmdline, kernelName: kernelArg });
    expect(basename(result.report.log)).toBe("q.log");
    expect(result.report.stop).toBe("exit");
    expect(records(result.lines).length).toBeGreaterThan(20);
    expectSameAsNative(result, join(PACKAGE_ROOT, kernelArg), kernelArg, cmdline);
  });
});
