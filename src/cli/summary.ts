// The run summary: what the guest did (deterministic) and how fast the host simulated it (not).
import { VECTORS } from "../cpu/vectors.js";
import type { Machine } from "../machine/machine.js";

export interface VectorCount {
  vector: number;
  name: string;
  count: number;
  /** Deliveries that interrupted ring-0 code. */
  fromCpl0: number;
}

export interface RunSummary {
  kernel: string;
  cmdline: string;
  costModel: string;
  stop: string;
  exitValue: number | null;
  /** QEMU's isa-debug-exit status for the same write: (value << 1) | 1. */
  qemuExitStatus: number | null;
  instructionsRetired: number;
  hostInstructions: number;
  cycles: number;
  idleCycles: number;
  simulatedSeconds: number;
  vectors: VectorCount[];
  cr3Writes: number;
  tlbFlushes: number;
  pageWalks: number;
  selfModifyingCodeInvalidations: number;
  mode: string;
  asyncPolicy: string | null;
  /** Kernel DBT counters (DBT modes only). */
  dbt: DbtSummary | null;
  /** Host-dependent: excluded from determinism checks. */
  host: { seconds: number; guestMips: number };
}

export interface DbtSummary {
  blocksTranslated: number;
  guestInstructionsTranslated: number;
  hostInstructionsEmitted: number;
  codeCacheBytes: number;
  hostInstructionsExecuted: number;
  dispatcherEntries: Record<string, number>;
  rollbacks: Record<string, number>;
  indirectHits: number;
  indirectMisses: number;
  links: number;
  invalidations: number;
  flushes: number;
  dispatcherCycles: Record<string, number>;
  /** Where code-cache PCs reached the guest (relaxed mode; zero in precise mode). */
  leaks: { deliveries: number; byVector: VectorCount[]; extableEntries: number };
  shadowIdtRebuilds: number;
}

export function summarize(m: Machine, kernel: string, cmdline: string, stop: string, hostSeconds: number): RunSummary {
  const vectors: VectorCount[] = [];
  m.stats.vectorCounts.forEach((count, v) => {
    if (count > 0) vectors.push({ vector: v, name: vectorName(v), count, fromCpl0: m.stats.vectorCountsCpl0[v]! });
  });
  const exit = m.exitRequest;
  const d = m.dbt?.dispatcher;
  const dbt: DbtSummary | null = d
    ? {
        blocksTranslated: d.cache.stats.blocks,
        guestInstructionsTranslated: d.cache.stats.guestInstructions,
        hostInstructionsEmitted: d.cache.stats.hostInstructions,
        codeCacheBytes: d.cache.stats.bytes,
        hostInstructionsExecuted: m.hostInstructions,
        dispatcherEntries: { ...d.stats.entries },
        rollbacks: { ...d.stats.rollbacks },
        indirectHits: d.stats.indirectHits,
        indirectMisses: d.stats.indirectMisses,
        links: d.cache.stats.links,
        invalidations: d.cache.stats.invalidations,
        flushes: d.cache.stats.flushes,
        dispatcherCycles: { ...d.cycles },
        leaks: {
          deliveries: d.stats.leaks.deliveries,
          byVector: Object.entries(d.stats.leaks.byVector).map(([v, count]) => ({ vector: Number(v), name: vectorName(Number(v)), count, fromCpl0: count })),
          extableEntries: d.stats.leaks.extableEntries,
        },
        shadowIdtRebuilds: d.shadow.rebuilds,
      }
    : null;
  return {
    kernel,
    cmdline,
    costModel: m.cost.name,
    stop,
    exitValue: exit ? exit.value : null,
    qemuExitStatus: exit ? exit.status : null,
    instructionsRetired: m.retired,
    hostInstructions: m.hostInstructions,
    cycles: m.cycles,
    idleCycles: m.idleCycles,
    simulatedSeconds: m.cycles / m.cost.cpuHz,
    vectors,
    cr3Writes: m.cpu.cr3Writes,
    tlbFlushes: m.cpu.mem.stats.flushes,
    pageWalks: m.cpu.mem.stats.walks,
    selfModifyingCodeInvalidations: m.cpu.smcInvalidations,
    mode: m.mode,
    asyncPolicy: m.dbt && m.dbt.options.design === "precise" ? m.dbt.options.asyncPolicy : null,
    dbt,
    host: { seconds: hostSeconds, guestMips: hostSeconds > 0 ? m.hostInstructions / hostSeconds / 1e6 : 0 },
  };
}

export function vectorName(v: number): string {
  const info = VECTORS[v]!;
  if (v < 32) return `${info.mnemonic} ${info.name}`;
  if (v >= 0x20 && v < 0x28) return `IRQ${v - 0x20}`;
  if (v >= 0x28 && v < 0x30) return `IRQ${v - 0x28 + 8}`;
  return `int 0x${v.toString(16)}`;
}

const fmt = (n: number): string => n.toLocaleString("en-US");

export function formatSummary(s: RunSummary): string {
  const lines = [
    `kdbt: ${s.stop}${s.exitValue !== null ? ` (guest exit value ${s.exitValue}; QEMU would report ${s.qemuExitStatus! & 0xff})` : ""}`,
    `  instructions retired  ${fmt(s.instructionsRetired)}`,
    `  cycles                ${fmt(s.cycles)} (${s.costModel} cost model, ${(s.simulatedSeconds * 1e3).toFixed(3)} ms simulated${s.idleCycles > 0 ? `, ${fmt(s.idleCycles)} idle in hlt` : ""})`,
  ];
  if (s.vectors.length > 0) {
    lines.push("  interrupts and exceptions:");
    for (const v of s.vectors) lines.push(`    ${String(v.vector).padStart(3)}  ${v.name.padEnd(28)} ${fmt(v.count).padStart(10)}${v.fromCpl0 > 0 ? `  (${fmt(v.fromCpl0)} from ring 0)` : ""}`);
  } else {
    lines.push("  interrupts and exceptions: none");
  }
  lines.push(`  cr3 writes ${fmt(s.cr3Writes)}, tlb flushes ${fmt(s.tlbFlushes)}, page walks ${fmt(s.pageWalks)}, decode-cache invalidations ${fmt(s.selfModifyingCodeInvalidations)}`);
  const d = s.dbt;
  if (d) {
    const list = (r: Record<string, number>): string =>
      Object.entries(r)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${fmt(n)}`)
        .join(", ") || "none";
    lines.push(`  kernel DBT (${s.mode}${s.asyncPolicy !== null ? `, async policy ${s.asyncPolicy}` : ""}):`);
    lines.push(`    translated ${fmt(d.blocksTranslated)} blocks, ${fmt(d.guestInstructionsTranslated)} guest -> ${fmt(d.hostInstructionsEmitted)} host instructions, code cache ${fmt(d.codeCacheBytes)} bytes`);
    lines.push(`    host instructions executed ${fmt(d.hostInstructionsExecuted)} for ${fmt(s.instructionsRetired)} guest instructions retired`);
    lines.push(`    dispatcher entries: ${list(d.dispatcherEntries)}`);
    lines.push(`    rollbacks by template: ${list(d.rollbacks)}`);
    lines.push(`    indirect lookups: ${fmt(d.indirectHits)} hits, ${fmt(d.indirectMisses)} misses; links ${fmt(d.links)}, invalidations ${fmt(d.invalidations)}, flushes ${fmt(d.flushes)}`);
    lines.push(`    dispatcher cycles: ${list(d.dispatcherCycles)}`);
    if (s.mode === "relaxed") {
      const byVector = d.leaks.byVector.map((v) => `${v.name} ${fmt(v.count)}`).join(", ");
      lines.push(
        `    transparency leaks: ${fmt(d.leaks.deliveries)} deliveries left a code-cache PC in the guest's frame${byVector ? ` (${byVector})` : ""}; ${fmt(d.leaks.extableEntries)} exception-table entries written; shadow IDT built ${fmt(d.shadowIdtRebuilds)} times`,
      );
    }
  }
  lines.push(`  host: ${s.host.seconds.toFixed(3)} s, ${s.host.guestMips.toFixed(1)} guest MIPS`);
  return lines.join("\n") + "\n";
}
