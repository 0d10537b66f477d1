// Replay's verdicts at the edges: a delivery the recording lacks, one the replay never makes, a different end, an unraisable vector, the PIC mapping.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_KERNEL, PACKAGE_ROOT } from "../../src/cli/paths.js";
import { Pic } from "../../src/devices/pic.js";
import type { DeliveryRecord, TraceEnd, TraceLine } from "../../src/trace/format.js";
import { irqOfVector } from "../../src/trace/pic-irq.js";
import { replayTrace } from "../../src/trace/replay.js";

const dir = mkdtempSync(join(tmpdir(), "kdbt-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TIMER = join(PACKAGE_ROOT, "traces/timer.trace.jsonl");
const read = (path: string): TraceLine[] => readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as TraceLine);
const lines = (): TraceLine[] => read(TIMER);
const syscallLines = (): TraceLine[] => read(join(PACKAGE_ROOT, "traces/syscall.trace.jsonl"));
const records = (ls: TraceLine[]): DeliveryRecord[] => ls.filter((l): l is DeliveryRecord => l.type === "delivery");
const endOf = (ls: TraceLine[]): TraceEnd => ls[ls.length - 1] as TraceEnd;

function replay(name: string, ls: readonly TraceLine[]) {
  const path = join(dir, name);
  writeFileSync(path, ls.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return replayTrace({ trace: path, kernel: DEFAULT_KERNEL, mode: "native" });
}

describe("replay verdicts", () => {
  it("a delivery the recording does not have (its last record cut off) is a divergence at that delivery", () => {
    const ls = syscallLines();
    const recs = records(ls);
    const cut = [...ls.slice(0, -2), { ...endOf(ls), deliveries: recs.length - 1 }];
    const r = replay("cut.jsonl", cut);
    expect(r.divergence?.seq).toBe(recs.length - 1);
    expect(r.divergence?.what).toMatch(new RegExp(`^the replay delivered vector 128 software at retired \\d+, eip 0x[0-9a-f]{8}, but the recording has only ${recs.length - 1} deliveries$`));
    expect(r.divergence?.replayed).toMatchObject({ ...recs[recs.length - 1], seq: recs.length - 1 });
  });

  it("a recorded delivery the replay never makes is a divergence naming it", () => {
    const ls = lines();
    const recs = records(ls);
    const last = recs[recs.length - 1]!;
    const end = endOf(ls);
    const ghost: DeliveryRecord = { ...last, seq: recs.length, kind: "software", vector: 0x81, retired: end.retired, cycle: end.cycles };
    const r = replay("ghost.jsonl", [...ls.slice(0, -1), ghost, { ...end, deliveries: recs.length + 1 }]);
    expect(r.divergence?.seq).toBe(recs.length);
    expect(r.divergence?.what).toMatch(new RegExp(`^the recording has delivery ${recs.length} \\(vector 129 software .*\\), but the replay ended first \\(exit, after ${recs.length} deliveries`));
  });

  it("a different end (exit value) is a divergence at the end; the same trace unaltered passes", () => {
    const ls = lines();
    expect(replay("same.jsonl", ls).divergence).toBeNull();
    const r = replay("end.jsonl", [...ls.slice(0, -1), { ...endOf(ls), exitValue: 2 }]);
    expect(r.divergence?.what).toBe("the end: exitValue 2 recorded, 0 replayed");
    expect(r.compared).toBe(records(ls).length);
  });

  it("an external vector the guest's PIC does not map cannot be raised: a divergence saying so", () => {
    const ls = lines();
    const tick = records(ls).find((x) => x.kind === "external")!;
    const r = replay("vector.jsonl", ls.map((l) => (l.type === "delivery" && l.seq === tick.seq ? { ...tick, vector: 0x50 } : l)));
    expect(r.divergence?.seq).toBe(tick.seq);
    expect(r.divergence?.what).toMatch(/^cannot raise external vector 80 \(delivery \d+\): the guest's PIC maps IRQs to 0x20-0x27 and 0x28-0x2f$/);
  });
});

describe("irqOfVector", () => {
  it("follows the PIC's programming (ICW2), as the guest kernel sets it: 0x20 and 0x28 (docs/guest-kernel.md)", () => {
    const pic = new Pic();
    // ICW1..ICW4 for both chips, the guest kernel's values.
    for (const [port, v] of [[0x20, 0x11], [0x21, 0x20], [0x21, 0x04], [0x21, 0x01], [0xa0, 0x11], [0xa1, 0x28], [0xa1, 0x02], [0xa1, 0x01]] as const) pic.portOut(port, v, 1);
    expect(irqOfVector(pic, 0x20)).toBe(0);
    expect(irqOfVector(pic, 0x27)).toBe(7);
    expect(irqOfVector(pic, 0x28)).toBe(8);
    expect(irqOfVector(pic, 0x2f)).toBe(15);
    expect(irqOfVector(pic, 0x30)).toBeNull();
    expect(irqOfVector(pic, 0x80)).toBeNull();
  });
});
