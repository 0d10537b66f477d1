// What `kdbt replay` prints: the verdict, and at a divergence both records and a register diff.
import { flagNames } from "../cpu/dump.js";
import { REG_NAMES, SEG_NAMES } from "../cpu/state.js";
import type { GuestState } from "../machine/guest-state.js";
import { formatTraceLine } from "../trace/jsonl.js";
import type { RecordedState, ReplayResult } from "../trace/replay.js";
import { vectorName } from "./summary.js";

const fmt = (n: number): string => n.toLocaleString("en-US");
/** "1 delivery", "2 deliveries". */
const many = (n: number, one: string, more: string): string => `${fmt(n)} ${n === 1 ? one : more}`;
const h8 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/** PASS (with leaks) or DIVERGED, as the verdict line and the exit status say it. */
export function verdictOf(r: ReplayResult): string {
  if (r.divergence !== null) return "DIVERGED";
  return r.leaks.deliveries > 0 || r.leaks.endRetired ? "PASS with leaks" : "PASS";
}

/** The rows a state diff shows, name and value, in a fixed order. */
function stateRows(g: GuestState): [string, string][] {
  const rows: [string, string][] = REG_NAMES.map((n, i) => [n, h8(g.regs[i]!)]);
  rows.push(["eip", h8(g.eip)], ["eflags", `${h8(g.eflags)} [${flagNames(g.eflags)}]`], ["cpl", String(g.cpl)]);
  SEG_NAMES.forEach((n, i) => rows.push([n, `0x${g.selectors[i]!.toString(16).padStart(4, "0")}`]));
  rows.push(["cr0", h8(g.cr0)], ["cr2", h8(g.cr2)], ["cr3", h8(g.cr3)], ["cr4", h8(g.cr4)]);
  for (let i = 0; i < g.frame.length; i++) rows.push([`frame[${i}]`, h8(g.frame[i]!)]);
  rows.push(["memory hash", g.memoryHash]);
  return rows;
}

/**
 * Both states side by side, every row, "!" marking those that differ, then the names of those
 * rows (the left column is empty when the recording's state could not be re-created).
 */
export function formatStateDiff(left: GuestState | null, right: GuestState, leftLabel = "recorded"): string[] {
  const b = stateRows(right);
  const a = left ? stateRows(left) : [];
  const leftOf = new Map(a);
  const rightOf = new Map(b);
  const names = [...b.map(([n]) => n), ...a.map(([n]) => n).filter((n) => !rightOf.has(n))];
  const out = [`      ${"".padEnd(12)} ${leftLabel.padEnd(28)} replayed`];
  const differing: string[] = [];
  for (const n of names) {
    const x = leftOf.get(n) ?? (left ? "-" : "?");
    const y = rightOf.get(n) ?? "-";
    const differs = left !== null && x !== y;
    if (differs) differing.push(n);
    out.push(`    ${differs ? "!" : " "} ${n.padEnd(12)} ${x.padEnd(28)} ${y}`);
  }
  if (left !== null) out.push(`    differing: ${differing.length > 0 ? differing.join(", ") : "nothing guest-visible"}`);
  return out;
}

export function formatReplay(r: ReplayResult, recordedState: RecordedState | null): string {
  const h = r.recording;
  const lines = [
    `replay of ${r.trace}`,
    `  recorded: ${h.kernelName} "${h.cmdline}", ${h.mode} mode${h.mode === "native" ? "" : ` (async policy ${h.asyncPolicy})`}, cost model ${h.costModel}, source ${h.source}; ${many(r.recordedDeliveries, "delivery", "deliveries")}`,
    `  replayed: ${r.mode} mode${r.mode === "native" ? "" : ` (async policy ${r.asyncPolicy})`}, cost model ${r.costModel}; ${many(r.injected, "external interrupt", "external interrupts")} raised at their recorded instruction counts`,
  ];
  const leak = r.leaks;
  lines.push(
    `  compared ${many(r.compared, "delivery", "deliveries")} (vector, kind, error code, CR2, CPL, native PC, retired count${r.stateHashesCompared ? ", state hash" : ""}): ${fmt(r.matched)} identical` +
      (r.mode === "relaxed" ? `, ${many(leak.deliveries, "leak", "leaks")}` : ""),
  );
  if (leak.deliveries > 0 || leak.endRetired) {
    const byVector = Object.entries(leak.byVector)
      .map(([v, n]) => `${vectorName(Number(v))} ${fmt(n)}`)
      .join(", ");
    lines.push(
      `  leaks (code-cache PCs the relaxed DBT let the guest see): ${many(leak.frame, "frame", "frames")} held a code-cache PC; ${fmt(leak.state)} other ${leak.state === 1 ? "delivery" : "deliveries"} differed only in state hash or retired count, with code-cache PCs in guest memory${byVector ? ` (${byVector})` : ""}`,
    );
    if (leak.endRetired) lines.push(`  leak at the end: the guest retired ${fmt(r.end.replayed.retired)} instructions, ${fmt(r.end.recorded.retired)} recorded (its exception-table search walked the DBT's entries)`);
  }
  if (r.firstCycleDifference !== null) lines.push(`  note: cycle counts differ from delivery ${r.firstCycleDifference} on (not compared: the mode or cost model charges time differently)`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  const d = r.divergence;
  if (d === null) {
    const e = r.end.replayed;
    lines.push(`  end: ${e.stop}${e.exitValue !== null ? ` with exit value ${e.exitValue}` : ""} as recorded, after ${many(e.deliveries, "delivery", "deliveries")} and ${fmt(e.retired)} instructions`);
    lines.push(`verdict: ${verdictOf(r)}`);
    return lines.join("\n") + "\n";
  }
  lines.push(`verdict: DIVERGED at ${d.recorded?.type === "end" && d.replayed?.type !== "delivery" ? "the end" : `delivery ${d.seq}`}: ${d.what}`);
  lines.push(`  recorded: ${d.recorded ? formatTraceLine(d.recorded) : "(nothing: the recording has no such line)"}`);
  lines.push(`  replayed: ${d.replayed ? formatTraceLine(d.replayed) : "(nothing: the replay did not get there)"}`);
  if (d.replayState !== null) {
    if (recordedState === null) {
      lines.push(`  guest-visible state at the replay's delivery ${d.seq} (the recording's registers are not in the trace and could not be re-created):`);
    } else if (recordedState.confirmed) {
      lines.push(`  guest-visible state at delivery ${d.seq}, recorded (re-created: ${recordedState.how}; its state hash matches the recording) and replayed:`);
    } else {
      lines.push(
        `  guest-visible state at delivery ${d.seq}: ${recordedState.how} gives state hash ${recordedState.record.stateHash}, not the recorded ${d.recorded?.type === "delivery" ? d.recorded.stateHash : "?"}: the trace does not match its own configuration (edited, or from another kdbt); that re-run's state and the replay's:`,
      );
    }
    lines.push(...formatStateDiff(recordedState?.state ?? null, d.replayState, recordedState === null || recordedState.confirmed ? "recorded" : "re-run"));
  }
  return lines.join("\n") + "\n";
}
