// Differential runs: kdbt under DBT against kdbt native, compared at every guest-visible delivery.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { Machine } from "../../src/machine/machine.js";
import { loadCostModel } from "../../src/cost/model.js";
import { ProbeFanout } from "../../src/machine/delivery-stats.js";
import { captureGuestState, firstDifference, type GuestState } from "../../src/machine/guest-state.js";
import { EVENT_EXTERNAL } from "../../src/cpu/interrupts.js";
import type { CpuProbe } from "../../src/cpu/interfaces.js";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import { S_EIP } from "../../src/cpu/state.js";
import type { AsyncPolicy } from "../../src/trace/format.js";

export interface Observation {
  seq: number;
  vector: number;
  kind: number;
  retired: number;
  /** The code-cache PC the hardware pushed, when the event interrupted translated code. */
  cachePc: number | null;
  rollbackSteps: number;
  template: string;
  state: GuestState;
}

export interface DifferentialRun {
  observations: Observation[];
  stdout: string;
  exitValue: number | null;
  /** Retired counts at which external interrupts were delivered (what a replay must inject). */
  externalAt: number[];
  machine: Machine;
}

export interface RunSpec {
  kernel?: string;
  cmdline: string;
  mode: "native" | "precise" | "relaxed";
  policy?: AsyncPolicy;
  /** Raise IRQ0 before the host instruction that would make the host count exceed each of these. */
  injectAtIcount?: number[];
  /** Raise IRQ0 at exactly these retired guest instruction counts (the native replay). */
  injectAtRetired?: number[];
  /**
   * Inject when execution reaches each of these code-cache positions in turn (one host instruction
   * at a time). A position is "guest block EIP:host instruction index", stable across runs whose
   * cache layouts differ (an interrupt handler translated earlier shifts every later block).
   */
  injectAtPositions?: string[];
  /** Inject straight at the CPU (vector 0x20, ignoring PIC masks) instead of raising IRQ0 at the PIC. */
  direct?: boolean;
  /** Leave the PIT running (no injections): a plain run, observed delivery by delivery. */
  keepPit?: boolean;
  /** Keep a copy of guest RAM at delivery number n (diagnostics). */
  snapshotAt?: { delivery: number; bytes?: Uint8Array };
  maxCycles?: number;
  /** From this retired count on, go one host instruction at a time and keep the last 16 PCs here. */
  pcRing?: { fromRetired: number; untilRetired: number; pcs: string[] };
}

const IRQ = 0;

/**
 * Run a kernel with the PIT's own interrupts suppressed, raising IRQ0 only at the given points (and
 * whenever the guest halts waiting for one), observing every guest-visible delivery.
 */
export function differentialRun(spec: RunSpec): DifferentialRun {
  const path = spec.kernel ?? DEFAULT_KERNEL;
  const out: number[] = [];
  const m = new Machine({
    kernelImage: readFileSync(path),
    kernelName: basename(path),
    cmdline: spec.cmdline,
    cost: loadCostModel("icount"),
    onConsole: (b) => void out.push(b),
    mode: spec.mode,
    asyncPolicy: spec.policy ?? "rollback",
  });
  if (!spec.keepPit) m.pit.suppressInterrupts = true;
  const observations: Observation[] = [];
  const externalAt: number[] = [];
  const observer: CpuProbe = {
    onDelivery(d) {
      const note = m.dbt?.dispatcher.lastEvent;
      const fromCache = note !== null && note !== undefined && note.vector === d.vector && note.cachePc !== null && m.dbt!.dispatcher.inRedelivery;
      observations.push({
        seq: observations.length,
        vector: d.vector,
        kind: d.kind,
        retired: d.retired,
        cachePc: fromCache ? note.cachePc : null,
        rollbackSteps: fromCache ? note.rollbackSteps : 0,
        template: fromCache ? note.template : "",
        state: captureGuestState(m, d),
      });
      if (d.kind === EVENT_EXTERNAL) externalAt.push(d.retired);
      if (spec.snapshotAt && spec.snapshotAt.delivery === observations.length - 1) spec.snapshotAt.bytes = m.phys.bytes.slice(0, m.phys.guestSize);
    },
    onIret() {},
  };
  if (m.dbt) m.dbt.dispatcher.downstream = new ProbeFanout([m.stats, observer]);
  else m.cpu.probe = new ProbeFanout([m.stats, observer]);
  const raise = (): void => {
    if (spec.direct) {
      m.injectExternal(0x20);
      return;
    }
    m.pic.irq(IRQ).raise();
    m.pic.irq(IRQ).lower();
  };
  const byPosition = [...(spec.injectAtPositions ?? [])];
  const byIcount = [...(spec.injectAtIcount ?? [])].sort((a, b) => a - b);
  const byRetired = [...(spec.injectAtRetired ?? [])].sort((a, b) => a - b);
  // A guest halted waiting for a tick gets one now (a replay gets it at the same retired count).
  if (!spec.keepPit) m.idleHook = () => {
    if (byRetired.length > 0 && byRetired[0]! > m.retired) return false;
    if (byRetired.length > 0) byRetired.shift();
    raise();
    return true;
  };
  const maxCycles = spec.maxCycles ?? 2e8;
  let exitValue: number | null = null;
  const ring = spec.pcRing;
  for (;;) {
    const stop: { icount?: number; retired?: number } = {};
    if (byIcount.length > 0) stop.icount = byIcount[0];
    if (byRetired.length > 0) stop.retired = byRetired[0];
    const stepping = (ring !== undefined && m.retired >= ring.fromRetired) || byPosition.length > 0;
    if (ring !== undefined && !stepping) stop.retired = Math.min(stop.retired ?? Infinity, ring.fromRetired);
    if (stepping) {
      if (ring !== undefined && m.retired >= ring.untilRetired) break;
      stop.icount = Math.min(stop.icount ?? Infinity, m.hostInstructions + 1);
      const host = m.cpu.s[S_EIP]! >>> 0;
      if (byPosition.length > 0 && positionOf(m, host) === byPosition[0]) {
        byPosition.shift();
        raise();
      }
    }
    if (stepping && ring !== undefined) {
      const host = m.cpu.s[S_EIP]! >>> 0;
      const native = m.dbt?.dispatcher.nativePcOf(host) ?? host;
      ring.pcs.push(`${host.toString(16)}${native !== host ? `(${native.toString(16)})` : ""}`);
      if (ring.pcs.length > 16) ring.pcs.shift();
    }
    const r = m.run(maxCycles, stop);
    if (r.reason === "exit") {
      exitValue = r.exit!.value;
      break;
    }
    if (r.reason === "max-cycles") break;
    if (byIcount.length > 0 && m.hostInstructions >= byIcount[0]!) {
      while (byIcount.length > 0 && m.hostInstructions >= byIcount[0]!) byIcount.shift();
      raise();
    }
    if (byRetired.length > 0 && m.retired >= byRetired[0]!) {
      while (byRetired.length > 0 && m.retired >= byRetired[0]!) byRetired.shift();
      raise();
    }
  }
  return { observations, stdout: Buffer.from(out).toString("latin1"), exitValue, externalAt, machine: m };
}

/** "guest block EIP:host instruction index" of a code-cache PC, or null outside the cache. */
export function positionOf(m: Machine, pc: number): string | null {
  const cache = m.dbt?.dispatcher.cache;
  const b = cache?.blockAt(pc);
  if (!b || !b.valid) return null;
  const i = b.insns.findIndex((x) => b.cacheStart + x.offset === pc >>> 0);
  return i < 0 ? null : `${b.guestEip.toString(16)}:${i}`;
}

export interface Divergence {
  index: number;
  what: string;
  dbt: Observation | undefined;
  native: Observation | undefined;
}

/** Compare DBT observations against native ones; the first mismatch, or null. */
export function compareRuns(dbt: DifferentialRun, native: DifferentialRun): Divergence | null {
  const n = Math.max(dbt.observations.length, native.observations.length);
  for (let i = 0; i < n; i++) {
    const a = dbt.observations[i];
    const b = native.observations[i];
    if (!a || !b) return { index: i, what: `delivery ${i} only in the ${a ? "DBT" : "native"} run`, dbt: a, native: b };
    if (a.vector !== b.vector) return { index: i, what: `vector ${a.vector} vs ${b.vector}`, dbt: a, native: b };
    if (a.retired !== b.retired) return { index: i, what: `retired ${a.retired} vs ${b.retired}`, dbt: a, native: b };
    const d = firstDifference(a.state, b.state);
    if (d) return { index: i, what: d, dbt: a, native: b };
  }
  if (dbt.stdout !== native.stdout) return { index: n, what: "console output differs", dbt: undefined, native: undefined };
  return null;
}

/** Human-readable report: both states, and the last 16 guest and host PCs before the divergence. */
export function describeDivergence(d: Divergence, spec: RunSpec): string {
  const fmt = (o: Observation | undefined): string =>
    o
      ? `vector ${o.vector} retired ${o.retired} cachePc ${o.cachePc === null ? "-" : "0x" + o.cachePc.toString(16)} rollback ${o.rollbackSteps} ${o.template}\n    regs ${o.state.regs.map((r) => r.toString(16)).join(" ")} eip ${o.state.eip.toString(16)} eflags ${o.state.eflags.toString(16)}\n    frame ${o.state.frame.map((r) => r.toString(16)).join(" ")} mem ${o.state.memoryHash}`
      : "(none)";
  const lines = [`first divergence at delivery ${d.index}: ${d.what}`, `  DBT:    ${fmt(d.dbt)}`, `  native: ${fmt(d.native)}`];
  if (d.dbt) lines.push(`  last PCs before it (DBT run): ${lastPcs(spec, d.dbt.retired).join(" ")}`);
  return lines.join("\n");
}

/** Re-run the DBT side with the same injections, one host instruction at a time near the divergence. */
function lastPcs(spec: RunSpec, retired: number): string[] {
  const pcs: string[] = [];
  differentialRun({ ...spec, pcRing: { fromRetired: Math.max(0, retired - 64), untilRetired: retired, pcs } });
  return pcs.map((p) => "0x" + p);
}
