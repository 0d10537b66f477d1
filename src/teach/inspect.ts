// `kdbt inspect`: the machine's tables at a retired-instruction count: IDT beside shadow IDT, GDT, TSS, page tables, code cache, registers.
import { S_CPL, S_EIP } from "../cpu/state.js";
import { SHADOW_IDT, isCodeCache, isMonitor } from "../dbt/layout.js";
import { SHADOW_IDT_LIMIT } from "../dbt/shadow-idt.js";
import { UsageError } from "../errors.js";
import { codeCacheBlocks, namedPc, shadowTargetName } from "./dbt-views.js";
import { hex } from "./format.js";
import { InspectJsonSchema, type InspectJson } from "./schemas.js";
import type { TeachSession } from "./session.js";
import { readGdt, readIdt, readTss, registers, walkPageTables } from "./snapshot.js";
import { codeCacheJson, codeCacheTable, gdtJson, gdtTable, idtJson, idtTable, pageTablesJson, pageTableTable, registersJson, registerTable, tssJson, tssTable } from "./tables.js";

export const INSPECT_VIEWS = ["idt", "gdt", "tss", "page-tables", "code-cache", "registers"] as const;
export type InspectView = (typeof INSPECT_VIEWS)[number];

const ALIASES: Readonly<Record<string, InspectView>> = { pages: "page-tables", paging: "page-tables", cache: "code-cache", regs: "registers" };

/** The views a `what` argument names ("all", a view, or an alias); UsageError for anything else. */
export function parseWhat(what: string | undefined): InspectView[] {
  if (what === undefined || what === "all") return [...INSPECT_VIEWS];
  const v = ALIASES[what] ?? (INSPECT_VIEWS as readonly string[]).find((x) => x === what);
  if (v === undefined) throw new UsageError(`inspect: unknown view "${what}" (one of: all, ${INSPECT_VIEWS.join(", ")}; or pages, cache, regs)`);
  return [v as InspectView];
}

/** Run to `at` retired guest instructions (or to the end of the run); UsageError if the run ends first. */
export function runToRetired(s: TeachSession, at: number | undefined): void {
  if (at === undefined) {
    s.run();
    return;
  }
  const why = s.run({ retired: at });
  if (s.retired < at) throw new UsageError(`--at ${at}: the run ${why === "exit" ? "ended" : "stopped"} after ${s.retired.toLocaleString("en-US")} guest instructions`);
}

/** One view as its --json document (each validates against InspectJsonSchema). */
export function inspectJson(s: TeachSession, view: InspectView): InspectJson {
  const m = s.machine;
  const d = s.dispatcher;
  switch (view) {
    case "idt":
      return d === null ? idtJson(readIdt(m)) : idtJson(readIdt(m, d.shadow.guestBase, d.shadow.guestLimit), readIdt(m, SHADOW_IDT, SHADOW_IDT_LIMIT));
    case "gdt":
      return gdtJson(readGdt(m));
    case "tss":
      return tssJson(readTss(m));
    case "page-tables":
      return pageTablesJson(walkPageTables(m));
    case "code-cache":
      return codeCacheJson(d === null ? [] : codeCacheBlocks(d));
    case "registers":
      return registersJson(registers(m));
  }
}

/** "IRQ n" for the vectors the PIC pair delivers, from the bases the guest programmed into it. */
function irqNames(s: TeachSession): Record<number, string> {
  const pic = s.machine.pic.registers();
  const names: Record<number, string> = {};
  for (let i = 0; i < 8; i++) {
    names[(pic.master.vectorBase + i) & 0xff] = i === 0 ? "IRQ 0 (PIT timer)" : `IRQ ${i}`;
    names[(pic.slave.vectorBase + i) & 0xff] ??= `IRQ ${8 + i}`;
  }
  return names;
}

/** One view as text, under a heading. */
export function inspectText(s: TeachSession, view: InspectView): string {
  const m = s.machine;
  const d = s.dispatcher;
  const syms = s.symbols;
  switch (view) {
    case "idt": {
      if (d === null) return `IDT (native mode: the CPU's IDTR is the guest's)\n${idtTable(readIdt(m), null, { symbols: syms, vectorNames: irqNames(s) })}`;
      const guest = readIdt(m, d.shadow.guestBase, d.shadow.guestLimit);
      const shadow = readIdt(m, SHADOW_IDT, SHADOW_IDT_LIMIT);
      const present = new Set(guest.gates.filter((g) => g.present).map((g) => g.vector));
      // Precise: all 256 shadow gates are present; list those beside the guest's, count the rest.
      const rest = shadow.gates.filter((g) => g.present && !present.has(g.vector)).length;
      const why =
        s.mode === "precise"
          ? "precise: every shadow gate is a DPL-3 interrupt gate to its dispatcher stub, so the attributes DIFFER by design;\n" +
            "the guest gate's type, DPL and presence apply when the dispatcher delivers the event again through the guest's IDT" +
            (rest > 0 ? `\n(${rest} more shadow gates, for vectors the guest's IDT lacks, lead to dispatcher stubs too: their re-delivery faults as natively)` : "")
          : "relaxed: each shadow gate is the guest's with the handler replaced by its translation (or its dispatcher stub until translated)";
      return (
        `IDT: the guest's (${hex(guest.base)}, what LIDT loaded and SIDT returns) beside the shadow IDT the CPU uses (${hex(SHADOW_IDT)})\n` +
        idtTable(guest, { ...shadow, gates: shadow.gates.filter((g) => present.has(g.vector) || s.mode !== "precise") }, { symbols: syms, shadowTarget: shadowTargetName(d, syms), vectorNames: irqNames(s) }) +
        `\n${why}`
      );
    }
    case "gdt":
      return gdtTable(readGdt(m));
    case "tss":
      return `TSS\n${tssTable(readTss(m), { symbols: syms })}`;
    case "page-tables":
      return `page tables of the current address space (cr3)\n${pageTableTable(walkPageTables(m), { symbols: syms })}`;
    case "code-cache": {
      if (d === null) return "code cache: none (native mode runs the guest's own code)";
      const st = d.cache.stats;
      return (
        `code cache\n${codeCacheTable(codeCacheBlocks(d), { symbols: syms })}\n` +
        `since boot: ${st.blocks} blocks translated, ${st.invalidations} invalidated by stores to their guest code, ${st.flushes} flushes, ${st.links} links made, ${st.unlinks} undone`
      );
    }
    case "registers": {
      const eip = m.cpu.s[S_EIP]! >>> 0;
      let where = "";
      if (d !== null && m.cpu.s[S_CPL] === 0 && isMonitor(eip)) {
        where = `\neip ${hex(eip)} is ${isCodeCache(eip) ? "in the code cache" : "a dispatcher entry"}: the guest is at ${namedPc(d.nativePcOf(eip), syms)}${d.atBoundary(eip) ? "" : " (mid-translation)"}`;
      }
      return `registers\n${registerTable(registers(m), null, { symbols: syms })}${where}`;
    }
  }
}

/** The header line of the text output: where the run stands. */
export function inspectHeader(s: TeachSession, cmdline: string): string {
  const m = s.machine;
  const state = s.exited ? `after the guest exited (value ${s.exitValue})` : `at guest instruction ${s.retired.toLocaleString("en-US")}`;
  return `kdbt inspect: "${cmdline}", ${s.mode} mode, ${state}, cycle ${m.cycles.toLocaleString("en-US")}, ring ${m.cpu.s[S_CPL]}`;
}

/** The --json output: one document per view, each checked against the schema before it is printed. */
export function inspectJsonAll(s: TeachSession, views: readonly InspectView[]): InspectJson | InspectJson[] {
  const docs = views.map((v) => InspectJsonSchema.parse(inspectJson(s, v)));
  return docs.length === 1 ? docs[0]! : docs;
}
