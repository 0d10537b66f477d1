// kdbt record / replay / trace import-qemu / trace export as a user meets them: verdicts, divergences, exit statuses, bad input.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../src/errors.js";
import { DEFAULT_KERNEL, PACKAGE_ROOT } from "../../src/cli/paths.js";
import type { DeliveryRecord, TraceLine } from "../../src/trace/format.js";
import { readTraceSync } from "../../src/trace/jsonl.js";
import { isMonitor } from "../../src/dbt/layout.js";
import { expectOneLine, kdbt } from "../helpers/run-cli.js";
import { haveTool } from "../helpers/tools.js";
import { loadCostModel } from "../../src/cost/model.js";
import { Machine } from "../../src/machine/machine.js";
import { observeDeliveries } from "../../src/trace/recorder.js";
import { validShape } from "../trace/fixtures/trace-event-shape.js";

const dir = mkdtempSync(join(tmpdir(), "kdbt-trace-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string): string => join(dir, name);

/** The trace's lines as JSON objects, to alter one field and write the file back. */
function linesOf(path: string): TraceLine[] {
  return readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as TraceLine);
}
function writeLines(path: string, lines: readonly unknown[]): string {
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return path;
}
const deliveries = (lines: readonly TraceLine[]): DeliveryRecord[] => lines.filter((l): l is DeliveryRecord => l.type === "delivery");

interface ReplayJson {
  verdict: string;
  compared: number;
  matched: number;
  injected: number;
  recordedDeliveries: number;
  leaks: { deliveries: number; frame: number; state: number };
  divergence: { seq: number; what: string } | null;
  recordedState: { confirmed: boolean } | null;
}
async function replayJson(...args: string[]): Promise<{ code: number; r: ReplayJson; stderr: string }> {
  const out = await kdbt("replay", ...args, "--json");
  return { code: out.code, r: JSON.parse(out.stdout) as ReplayJson, stderr: out.stderr };
}

// One recording of every workload, shared: faults, system calls and the PIT's ticks (at its
// fastest rate, so that several land in timer's and ctxswitch's ring-0 code).
const ALL = at("all.trace.jsonl");
beforeAll(async () => {
  const r = await kdbt("record", "-o", ALL, "--cmdline", "workload=all iters=20 hz=200000", "-q");
  expect(r.code, r.stderr).toBe(0);
});

describe("kdbt record (run --trace)", () => {
  it("writes one record per delivery: the run summary's vector counts, the workload's #DE count, the image's SHA-256", async () => {
    const trace = at("divzero.trace.jsonl");
    const summary = at("divzero.summary.json");
    const r = await kdbt("run", "--trace", trace, "--cmdline", "workload=divzero iters=20", "--summary-json", summary, "-q");
    expect(r.code).toBe(0);
    const t = readTraceSync(trace);
    const s = JSON.parse(readFileSync(summary, "utf8")) as { vectors: { vector: number; count: number }[]; instructionsRetired: number; cycles: number };
    expect(t.header).toMatchObject({ kernelName: "kernel.elf", cmdline: "workload=divzero iters=20", mode: "native", costModel: "icount", source: "run", ramMiB: 128 });
    expect(t.header.kernelSha256).toBe(createHash("sha256").update(readFileSync(DEFAULT_KERNEL)).digest("hex"));
    const counts = new Map<number, number>();
    for (const rec of t.records) counts.set(rec.vector, (counts.get(rec.vector) ?? 0) + 1);
    expect([...counts].sort((a, b) => a[0] - b[0])).toEqual(s.vectors.map((v) => [v.vector, v.count]));
    // docs/guest-kernel.md: divzero takes one #DE per iteration, from ring 3, skipped by its handler.
    const de = t.records.filter((x) => x.vector === 0);
    expect(de).toHaveLength(20);
    for (const x of de) expect(x).toMatchObject({ kind: "fault", errorCode: null, cr2: null, cpl: 3, cachePc: null });
    expect(t.end).toMatchObject({ deliveries: t.records.length, retired: s.instructionsRetired, cycles: s.cycles, exitValue: 0, stop: "exit" });
  });

  it("in precise mode records the code-cache PC the hardware pushed and the native PC the guest saw", async () => {
    const trace = at("timer-precise.trace.jsonl");
    const r = await kdbt("record", "-o", trace, "--mode", "precise", "--cmdline", "workload=timer iters=20 hz=200000", "-q");
    expect(r.code).toBe(0);
    const ticks = readTraceSync(trace).records.filter((x) => x.kind === "external");
    expect(ticks.length).toBeGreaterThan(3);
    for (const x of ticks) {
      expect(x.cpl).toBe(0);
      expect(x.cachePc !== null && isMonitor(x.cachePc)).toBe(true);
      expect(isMonitor(x.nativePc)).toBe(false);
    }
  });

  it("the same run recorded twice gives byte-identical traces (with faults, system calls and timer ticks in it)", async () => {
    const a = at("det-a.trace.jsonl");
    const b = at("det-b.trace.jsonl");
    for (const f of [a, b]) expect((await kdbt("record", "-o", f, "--mode", "precise", "--cmdline", "workload=all iters=2", "-q")).code).toBe(0);
    const recs = readTraceSync(a).records;
    expect(recs.length).toBeGreaterThan(20);
    expect(new Set(recs.map((x) => x.kind))).toEqual(new Set(["fault", "software", "external"]));
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    // ...and the comparison can fail: a different run gives different bytes.
    const c = at("det-c.trace.jsonl");
    await kdbt("record", "-o", c, "--mode", "precise", "--cmdline", "workload=all iters=3", "-q");
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
  });

  it("a run that triple-faults still leaves a complete trace whose end line says so, and it replays", async () => {
    const trace = at("triple.trace.jsonl");
    const kernel = join(PACKAGE_ROOT, "test/kernels/bin/triplefault.elf");
    const r = await kdbt("record", "--kernel", kernel, "-o", trace, "--no-summary");
    expect(r.code).toBe(ExitCode.tripleFault);
    // test/kernels/triplefault.S: #GP -> #NP (gate absent) -> #DF -> #NP: no delivery completes.
    const t = readTraceSync(trace);
    expect(t.records).toEqual([]);
    expect(t.end).toMatchObject({ deliveries: 0, exitValue: null, stop: "triple-fault" });
    const { code, r: res } = await replayJson(trace, "--kernel", kernel, "--mode", "precise");
    expect(code).toBe(0);
    expect(res.verdict).toBe("PASS");
  });

  it("record without a trace file, or a trace file that is the kernel, is a usage error (exit 64); the kernel is untouched", async () => {
    expectOneLine((await kdbt("record", "--cmdline", "workload=syscall iters=1")).stderr, /^kdbt: kdbt record: name the trace file with --trace FILE \(or -o FILE\)$/);
    const kernel = at("kernel-copy.elf");
    copyFileSync(DEFAULT_KERNEL, kernel);
    const r = await kdbt("record", "--kernel", kernel, "-o", kernel, "--cmdline", "workload=syscall iters=1", "-q");
    expect(r.code).toBe(ExitCode.usage);
    expectOneLine(r.stderr, /refusing to write over .*kernel-copy\.elf/);
    expect(readFileSync(kernel).equals(readFileSync(DEFAULT_KERNEL))).toBe(true);
  });
});

describe("kdbt replay", () => {
  it("a native recording replays cleanly natively and in precise mode (both async policies), and in relaxed mode with leaks", async () => {
    const recorded = readTraceSync(ALL).records;
    const externals = recorded.filter((x) => x.kind === "external").length;
    expect(externals).toBeGreaterThan(2);
    for (const args of [["--mode", "native"], ["--mode", "precise"], ["--mode", "precise", "--async-policy", "defer"]]) {
      const { code, r } = await replayJson(ALL, ...args);
      expect(code, args.join(" ")).toBe(0);
      expect(r).toMatchObject({ verdict: "PASS", compared: recorded.length, matched: recorded.length, injected: externals, divergence: null });
    }
    const { code, r } = await replayJson(ALL, "--mode", "relaxed");
    expect(code).toBe(0);
    expect(r.verdict).toBe("PASS with leaks");
    expect(r.compared).toBe(recorded.length);
    // Ticks in ring-0 code and kernel #PFs (fixup) push code-cache PCs in relaxed mode.
    expect(r.leaks.frame).toBeGreaterThan(0);
    expect(r.leaks.deliveries + r.matched).toBe(recorded.length);
  });

  it("the text verdict names the modes and counts", async () => {
    const r = await kdbt("replay", ALL, "--mode", "precise");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^replay of .*all\.trace\.jsonl$/m);
    expect(r.stdout).toMatch(/^ {2}recorded: kernel\.elf "workload=all iters=20 hz=200000", native mode, cost model icount, source run; \d+ deliveries$/m);
    expect(r.stdout).toMatch(/^ {2}replayed: precise mode \(async policy rollback\), cost model icount; \d+ external interrupts raised at their recorded instruction counts$/m);
    expect(r.stdout).toMatch(/^verdict: PASS$/m);
  });

  it("a native replay writes the recording again, cycles included (a guest idling in HLT gets the recorded idle time)", async () => {
    const trace = at("idle.trace.jsonl");
    const again = at("idle-replayed.trace.jsonl");
    // timer with one iteration waits in `sti; hlt` for its tick (docs/guest-kernel.md).
    await kdbt("record", "-o", trace, "--cmdline", "workload=timer iters=1 hz=1000", "-q");
    const t = readTraceSync(trace);
    expect(t.end.cycles - t.end.retired).toBeGreaterThan(500_000); // icount: the rest is idle time
    const r = await kdbt("replay", trace, "--trace", again);
    expect(r.code, r.stdout).toBe(0);
    const a = readFileSync(trace, "utf8").split("\n");
    const b = readFileSync(again, "utf8").split("\n");
    expect(b[0]).toBe(a[0]!.replace('"source":"run"', '"source":"replay"'));
    expect(b.slice(1)).toEqual(a.slice(1));
  });

  it("a trace altered in one record diverges there: exit 116, both records, the field, and the re-created recorded registers", async () => {
    const lines = linesOf(ALL);
    const k = 9;
    const rec = lines[k + 1] as DeliveryRecord;
    expect(rec.seq).toBe(k);
    const forged = "0123456789abcdef";
    writeLines(at("forged.trace.jsonl"), lines.map((l, i) => (i === k + 1 ? { ...rec, stateHash: forged } : l)));
    const r = await kdbt("replay", at("forged.trace.jsonl"), "--mode", "precise");
    expect(r.code).toBe(ExitCode.divergence);
    expectOneLine(r.stderr, /^kdbt: replay of .*forged\.trace\.jsonl diverged at delivery 9 \(details on stdout\)$/);
    expect(r.stdout).toContain(`verdict: DIVERGED at delivery 9: delivery 9 (`);
    expect(r.stdout).toContain(`stateHash ${forged} recorded, ${rec.stateHash} replayed`);
    expect(r.stdout).toContain(`  recorded: ${JSON.stringify({ ...rec, stateHash: forged })}`);
    expect(r.stdout).toMatch(/^ {2}replayed: \{"type":"delivery","seq":9,/m);
    // The recording's own configuration, re-run, does not give the forged hash: said so, and both states shown.
    expect(r.stdout).toContain(`re-run in the recording's native mode to delivery 9 gives state hash ${rec.stateHash}, not the recorded ${forged}`);
    expect(r.stdout).toMatch(/^ {6}eax {10}0x[0-9a-f]{8} +0x[0-9a-f]{8}$/m);
    expect(r.stdout).toContain("differing: nothing guest-visible");
  });

  it("a real divergence: under another cost model the guest stores other rdtsc readings; the recorded state is re-created and diffed", async () => {
    const r = await kdbt("replay", ALL, "--cost", "default");
    expect(r.code).toBe(ExitCode.divergence);
    expect(r.stdout).toMatch(/^verdict: DIVERGED at delivery 0: .*stateHash [0-9a-f]{16} recorded, [0-9a-f]{16} replayed$/m);
    expect(r.stdout).toContain("re-created: re-run in the recording's native mode to delivery 0; its state hash matches the recording");
    expect(r.stdout).toMatch(/^ {4}! memory hash {2}[0-9a-f]{16} +[0-9a-f]{16}$/m);
    expect(r.stdout).toMatch(/differing: .*memory hash/);
  });

  it("the replay raises each external interrupt at its recorded instruction count: move one and the guest takes it elsewhere", async () => {
    const lines = linesOf(ALL);
    const recs = deliveries(lines);
    const i = recs.findIndex((x, j) => x.kind === "external" && x.cpl === 0 && j > 0 && x.retired - recs[j - 1]!.retired > 50);
    expect(i).toBeGreaterThan(0);
    const moved = { ...recs[i]!, retired: recs[i]!.retired - 17 };
    writeLines(at("moved.trace.jsonl"), lines.map((l) => (l.type === "delivery" && l.seq === i ? moved : l)));
    const { code, r } = await replayJson(at("moved.trace.jsonl"), "--mode", "native");
    expect(code).toBe(ExitCode.divergence);
    expect(r.divergence?.seq).toBe(i);
    expect(r.divergence?.what).toMatch(/nativePc 0x[0-9a-f]{8} recorded, 0x[0-9a-f]{8} replayed/);
  });

  it("relaxed replays can fail too: a delivery with another vector is a divergence, not a leak", async () => {
    const lines = linesOf(ALL);
    const pf = deliveries(lines).find((x) => x.vector === 14)!;
    writeLines(at("vector.trace.jsonl"), lines.map((l) => (l.type === "delivery" && l.seq === pf.seq ? { ...pf, vector: 13 } : l)));
    const { code, r } = await replayJson(at("vector.trace.jsonl"), "--mode", "relaxed");
    expect(code).toBe(ExitCode.divergence);
    expect(r.divergence?.seq).toBe(pf.seq);
    expect(r.divergence?.what).toMatch(/vector 13 recorded, 14 replayed/);
  });

  it("a trace recorded with another kernel is refused in one line (exit 65)", async () => {
    const r = await kdbt("replay", ALL, "--kernel", join(PACKAGE_ROOT, "test/kernels/bin/pf.elf"));
    expect(r.code).toBe(ExitCode.dataErr);
    expectOneLine(r.stderr, /^kdbt: .*all\.trace\.jsonl: recorded with a kernel whose SHA-256 is [0-9a-f]{16}\.\.\. \(kernel\.elf\), but .*pf\.elf is [0-9a-f]{16}\.\.\.; replay needs the same image \(--kernel\)$/);
  });
});

describe("bad trace files, through the CLI: one line with the line number, the field and zod's reason; exit 65; nothing written", () => {
  const SYSCALL = join(PACKAGE_ROOT, "traces/syscall.trace.jsonl");
  const base = (): TraceLine[] => linesOf(SYSCALL);
  // traces/syscall.trace.jsonl: the header, 21 records (lines 2-22), the end line (23).
  const cases: { name: string; lines: () => unknown[]; message: (f: string) => string }[] = [
    { name: "truncated", lines: () => base().slice(0, -1), message: (f) => `${f}:22: truncated trace (no end line after 21 records)` },
    { name: "wrong version", lines: () => base().map((l) => (l.type === "header" ? { ...l, version: 2 } : l)), message: (f) => `${f}:1: field version: expected 1, got 2` },
    {
      name: "out-of-range vector",
      lines: () => base().map((l) => (l.type === "delivery" && l.seq === 3 ? { ...l, vector: 256 } : l)),
      message: (f) => `${f}:5: field vector: Too big: expected number to be <=255 (got 256)`,
    },
    {
      name: "non-monotonic instruction count",
      lines: () => {
        const l = base();
        const prev = l[5] as DeliveryRecord;
        return l.map((x) => (x.type === "delivery" && x.seq === 5 ? { ...x, retired: prev.retired - 1 } : x));
      },
      message: (f) => {
        const prev = base()[5] as DeliveryRecord;
        return `${f}:7: field retired: must not decrease (was ${prev.retired}, now ${prev.retired - 1})`;
      },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const f = writeLines(at(`bad-${c.name.replace(/ /g, "-")}.trace.jsonl`), c.lines());
      const before = readFileSync(f);
      for (const args of [["replay", f, "--trace", at("never-replay.jsonl")], ["trace", "export", f, "-o", at("never-export.json")]]) {
        const r = await kdbt(...args);
        expect(r.code, args[0]).toBe(ExitCode.dataErr);
        expect(r.stderr).toBe(`kdbt: ${c.message(f)}\n`);
      }
      expect(existsSync(at("never-replay.jsonl"))).toBe(false);
      expect(existsSync(at("never-export.json"))).toBe(false);
      expect(readFileSync(f).equals(before)).toBe(true);
    });
  }

  it("an output that is the input is refused (exit 64), and the input is unchanged", async () => {
    const f = at("input.trace.jsonl");
    copyFileSync(join(PACKAGE_ROOT, "traces/syscall.trace.jsonl"), f);
    const before = readFileSync(f);
    const log = at("q.log");
    copyFileSync(join(PACKAGE_ROOT, "test/trace/fixtures/guest-syscall.log"), log);
    for (const args of [
      ["replay", f, "--trace", f],
      ["trace", "export", f, "-o", f],
      ["trace", "import-qemu", log, "--cmdline", "workload=syscall iters=3", "--kernel", DEFAULT_KERNEL, "-o", log],
    ]) {
      const r = await kdbt(...args);
      expect(r.code, args.join(" ")).toBe(ExitCode.usage);
      expectOneLine(r.stderr, /refusing to write over/);
    }
    expect(readFileSync(f).equals(before)).toBe(true);
    expect(readFileSync(log).equals(readFileSync(join(PACKAGE_ROOT, "test/trace/fixtures/guest-syscall.log")))).toBe(true);
  });
});

describe("kdbt trace import-qemu", () => {
  it("imports a committed QEMU log, says what the log could not supply, and the trace replays natively and in precise mode", async () => {
    const out = at("qemu-all.trace.jsonl");
    // test/trace/fixtures/README.md: QEMU ran -kernel guest-kernel/kernel.elf -append "workload=all iters=1".
    const r = await kdbt("trace", "import-qemu", join(PACKAGE_ROOT, "test/trace/fixtures/guest-all.log"), "--kernel", join(PACKAGE_ROOT, "guest-kernel/kernel.elf"), "--kernel-name", "guest-kernel/kernel.elf", "--cmdline", "workload=all iters=1", "-o", out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: 3 exceptions, 14 software interrupts, 1 hardware interrupts; kdbt's run ended: exit$/m);
    expect(r.stdout).toContain("not recovered from the log:");
    for (const field of ["retired:", "cycle:", "stateHash: computed on kdbt's aligned run", "cmdline:", "ramMiB:"]) expect(r.stdout).toContain(field);
    expect(r.stdout).toMatch(/^wrote .*qemu-all\.trace\.jsonl: 18 deliveries$/m);
    const t = readTraceSync(out);
    expect(t.header).toMatchObject({ source: "qemu-import", kernelName: "guest-kernel/kernel.elf", cmdline: "workload=all iters=1" });
    for (const mode of ["native", "precise"]) {
      const { code, r: res } = await replayJson(out, "--mode", mode);
      expect(code, mode).toBe(0);
      expect(res).toMatchObject({ verdict: "PASS", compared: 18, matched: 18, injected: 1 });
    }
  });

  it("without --cmdline: one line saying the log does not record it (exit 64)", async () => {
    const r = await kdbt("trace", "import-qemu", join(PACKAGE_ROOT, "test/trace/fixtures/guest-syscall.log"), "-o", at("nocmd.jsonl"));
    expect(r.code).toBe(ExitCode.usage);
    expectOneLine(r.stderr, /does not record the -append command line; pass it with --cmdline$/);
    expect(existsSync(at("nocmd.jsonl"))).toBe(false);
  });

  const qemu = haveTool("qemu-system-i386", "recording a QEMU -d int log to import and replay");
  const liveTitle = "a log QEMU writes now (-icount shift=0 -d int) imports and replays on kdbt natively and in precise mode";
  it.skipIf(!qemu)(qemu ? liveTitle : `${liveTitle} (skipped: qemu-system-i386 not installed)`, async () => {
    const { spawnSync } = await import("node:child_process");
    const { qemuArgs } = await import("../../guest-kernel/qemu.js");
    const log = at("live.log");
    const cmdline = "workload=timer iters=20 hz=20000";
    const q = spawnSync("qemu-system-i386", [...qemuArgs("guest-kernel/kernel.elf", cmdline), "-d", "int", "-D", log], { cwd: PACKAGE_ROOT, timeout: 60_000, encoding: "latin1" });
    expect(q.status).toBe(1); // the guest wrote 0 to isa-debug-exit
    const out = at("live.trace.jsonl");
    const r = await kdbt("trace", "import-qemu", log, "--kernel", join(PACKAGE_ROOT, "guest-kernel/kernel.elf"), "--kernel-name", "guest-kernel/kernel.elf", "--cmdline", cmdline, "-o", out);
    expect(r.code, r.stderr).toBe(0);
    const recs = readTraceSync(out).records;
    const ticks = recs.filter((x) => x.kind === "external").length;
    expect(ticks).toBeGreaterThan(0);
    for (const mode of ["native", "precise"]) {
      const { code, r: res } = await replayJson(out, "--mode", mode);
      expect(code, `${mode}: ${JSON.stringify(res.divergence)}`).toBe(0);
      expect(res).toMatchObject({ verdict: "PASS", compared: recs.length, injected: ticks });
    }
  });
});

describe("kdbt trace export --format perfetto", () => {
  it("writes Chrome Trace Event JSON: one handler slice per delivery, an arrival instant per external interrupt", async () => {
    const out = at("all.json");
    const r = await kdbt("trace", "export", ALL, "--format", "perfetto", "-o", out);
    expect(r.code).toBe(0);
    const recs = readTraceSync(ALL).records;
    expect(r.stdout).toMatch(new RegExp(`^wrote .*all\\.json: ${recs.length} of ${recs.length} deliveries, \\d+ events`, "m"));
    const trace = validShape(JSON.parse(readFileSync(out, "utf8")));
    expect(trace.traceEvents.filter((e) => e.ph === "X" && e.tid === 1)).toHaveLength(recs.length);
    expect(trace.traceEvents.filter((e) => e.ph === "i" && e.tid === 4)).toHaveLength(recs.filter((x) => x.kind === "external").length);
  });

  it("--code-cache adds a counter track of the code cache's size, measured by replaying in the trace's own DBT mode", async () => {
    const cmdline = "workload=pagefault iters=10";
    const trace = at("cc.trace.jsonl");
    await kdbt("record", "-o", trace, "--mode", "precise", "--cmdline", cmdline, "-q");
    const out = at("cc.json");
    const r = await kdbt("trace", "export", trace, "-o", out, "--code-cache");
    expect(r.code, r.stderr).toBe(0);
    const points = validShape(JSON.parse(readFileSync(out, "utf8"))).traceEvents.flatMap((e) => (e.ph === "C" && e.name === "code-cache bytes" ? [e.args["code-cache bytes"]] : []));
    // The reference: the same run, not replayed, its code cache read at each delivery as it happens.
    const m = new Machine({ kernelImage: readFileSync(DEFAULT_KERNEL), kernelName: "kernel.elf", cmdline, cost: loadCostModel("icount"), mode: "precise" });
    const sizes: number[] = [];
    observeDeliveries(m, { onDelivery: () => void sizes.push(m.dbt!.dispatcher.cache.stats.bytes), onIret() {} });
    m.run();
    expect(sizes.length).toBe(readTraceSync(trace).records.length);
    expect(new Set(sizes).size).toBeGreaterThan(1);
    expect(points).toEqual(sizes);
    expectOneLine((await kdbt("trace", "export", ALL, "-o", at("nocc.json"), "--code-cache")).stderr, /recorded in native mode, which has no code cache to measure$/);
  });

  it("caps a large trace at --max-events with a warning on stderr, still a valid file", async () => {
    const out = at("capped.json");
    const r = await kdbt("trace", "export", ALL, "-o", out, "--max-events", "40");
    expect(r.code).toBe(0);
    expectOneLine(r.stderr, /^kdbt: warning: .*all\.trace\.jsonl: truncated: the 40-event limit kept \d+ of \d+ deliveries; raise the limit or export a shorter trace \(--max-events\)$/);
    const trace = validShape(JSON.parse(readFileSync(out, "utf8")));
    expect(trace.traceEvents.length).toBeLessThanOrEqual(40);
    expect(String(trace.metadata.truncated)).toMatch(/^truncated: /);
  });
});
