// The teaching views as terminal tables and --json documents: IDT beside shadow IDT, GDT, TSS, page tables, registers, code cache, translations.
//
// Every view has a text renderer (plain text; ANSI only when `color` is asked for) and a JSON
// builder whose output InspectJsonSchema (schemas.ts) validates. Views take the plain data the
// snapshot readers return, or that the DBT produces (CodeCacheBlockView, TranslationPair), so
// they work the same on a live machine, a saved state or a test fixture.
import { VECTORS } from "../cpu/vectors.js";
import { symbolize, type Symbols } from "./disasm.js";
import { ansi, byteSize, hex, hex4, hex8, renderTable, visibleWidth, type Column, type Row } from "./format.js";
import type {
  CodeCacheBlockView,
  DisasmLine,
  GdtEntry,
  GdtView,
  IdtGate,
  IdtView,
  InspectJson,
  PageTablesView,
  RegistersView,
  TranslationPair,
  TssView,
} from "./schemas.js";

export type { CodeCacheBlockView, TranslationPair } from "./schemas.js";

type Json<V extends InspectJson["view"]> = Extract<InspectJson, { view: V }>;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
const sym = (addr: number, symbols: Symbols | undefined): string | null => (symbols === undefined ? null : symbolize(addr, symbols));

/** "name (0x1006e7)" when a symbol covers the address, else "0x1006e7". */
function named(addr: number, symbols: Symbols | undefined): string {
  const n = sym(addr, symbols);
  return n === null ? hex(addr) : `${n} (${hex(addr)})`;
}

// ---- IDT

/** Short label of a vector from idt/vectors.json: "#PF page fault" for exceptions. */
export function vectorName(vector: number): string {
  const v = VECTORS[vector];
  if (v === undefined) return "";
  return vector < 32 ? `${v.mnemonic} ${v.name}` : "interrupt";
}

export interface IdtTableOptions {
  /** Guest kernel symbols, to name guest handlers. */
  symbols?: Symbols;
  /**
   * Names a shadow gate's target (the DBT knows what lives at its code-cache addresses, e.g.
   * "dispatcher entry 14" or "cache:isr_stub_14"). Default: the address in hex, or a guest symbol.
   */
  shadowTarget?: (gate: IdtGate) => string | null;
  /** Per-vector labels overriding vectorName (e.g. { 32: "IRQ 0 timer", 128: "system call" }). */
  vectorNames?: Readonly<Record<number, string>>;
  /** Which vectors get a row: those present in either table (default) or all. */
  rows?: "present" | "all";
}

type GateList = IdtView | readonly IdtGate[];
const gatesOf = (g: GateList): readonly IdtGate[] => (isArray(g) ? g : (g as IdtView).gates);
/** Array.isArray narrowed for readonly arrays. */
const isArray = <T>(v: unknown): v is readonly T[] => Array.isArray(v);

/** "trap32 dpl3 0x08:isr_stub_128" / "not present". */
export function gateSummary(g: IdtGate | undefined, target: (g: IdtGate) => string): string {
  if (g === undefined) return "-";
  if (!g.present) return "not present";
  if (g.type === "invalid") return `invalid type ${hex(g.typeCode)}`;
  if (g.type === "task") return `task dpl${g.dpl} tss ${hex(g.selector)}`;
  return `${g.type === "interrupt" ? "int" : "trap"}${g.bits} dpl${g.dpl} ${hex(g.selector)}:${target(g)}`;
}

/**
 * The guest's IDT, and beside it the DBT's shadow IDT when given: one row per vector with its name
 * (idt/vectors.json), the guest gate and the shadow gate, and whether the attributes the guest
 * relies on (present, interrupt vs trap, DPL) agree.
 */
export function idtTable(guest: GateList, shadow?: GateList | null, opts: IdtTableOptions = {}): string {
  const g = new Map(gatesOf(guest).map((x) => [x.vector, x]));
  const sh = shadow === undefined || shadow === null ? null : new Map(gatesOf(shadow).map((x) => [x.vector, x]));
  const guestTarget = (x: IdtGate): string => sym(x.offset, opts.symbols) ?? hex(x.offset);
  const shadowTarget = (x: IdtGate): string => opts.shadowTarget?.(x) ?? sym(x.offset, opts.symbols) ?? hex(x.offset);
  const columns: Column[] = [{ header: "vector", align: "right" }, { header: "name" }, { header: "guest gate" }];
  if (sh !== null) columns.push({ header: "shadow gate" }, { header: "attributes" });
  const rows: Row[] = [];
  for (let v = 0; v < 256; v++) {
    const a = g.get(v);
    const b = sh?.get(v);
    const present = a?.present === true || b?.present === true;
    if ((opts.rows ?? "present") === "present" && !present) continue;
    if (a === undefined && b === undefined) continue;
    const row = [`${v} ${hex(v, 2)}`, opts.vectorNames?.[v] ?? vectorName(v), gateSummary(a, guestTarget)];
    if (sh !== null) row.push(gateSummary(b, shadowTarget), sameAttributes(a, b) ? "same" : "DIFFER");
    rows.push(row);
  }
  return renderTable(columns, rows);
}

function sameAttributes(a: IdtGate | undefined, b: IdtGate | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (!a.present && !b.present) return true;
  return a.present === b.present && a.type === b.type && a.dpl === b.dpl;
}

export function idtJson(guest: IdtView, shadow?: IdtView | null): Json<"idt"> {
  return { view: "idt", guest, shadow: shadow ?? null };
}

// ---- GDT

function descriptorFlags(e: GdtEntry): string {
  const f: string[] = [];
  if (e.kind === "null" || e.kind === "empty") return "";
  f.push(e.present ? "P" : "not-present");
  if (e.codeOrData) {
    if (e.kind === "code") f.push(e.readable === true ? "execute/read" : "execute-only");
    else f.push(e.writable === true ? "read/write" : "read-only");
    if (e.conforming === true) f.push("conforming");
    if (e.expandDown === true) f.push("expand-down");
    f.push(e.big ? "32-bit" : "16-bit");
    if (e.accessed === true) f.push("A");
  }
  if (e.granularity4k) f.push("G");
  return f.join(" ");
}

/** The GDT: index, selector, kind, base, limit, DPL, flags, and which segment registers use each entry. */
export function gdtTable(gdt: GdtView | readonly GdtEntry[]): string {
  const view = isArray(gdt) ? null : gdt;
  const entries = view === null ? (gdt as readonly GdtEntry[]) : view.entries;
  const rows: Row[] = entries.map((e) => [
    String(e.index),
    hex(e.selector, 2),
    e.kind,
    e.kind === "null" || e.kind === "empty" ? "" : hex8(e.base),
    e.kind === "null" || e.kind === "empty" ? "" : e.flat ? "4 GiB (flat)" : hex(e.limit),
    e.kind === "null" || e.kind === "empty" ? "" : String(e.dpl),
    descriptorFlags(e),
    e.inUse.join(" "),
  ]);
  const head = view !== null ? `GDT at ${hex(view.base)}, limit ${hex(view.limit)} (${Math.floor((view.limit + 1) / 8)} entries)\n` : "";
  const tail = view !== null && view.unreadable.length > 0 ? `\nunreadable (not mapped): entries ${view.unreadable.join(", ")}` : "";
  return (
    head +
    renderTable(
      [
        { header: "index", align: "right" },
        { header: "selector" },
        { header: "kind" },
        { header: "base" },
        { header: "limit" },
        { header: "dpl" },
        { header: "flags" },
        { header: "loaded in" },
      ],
      rows,
    ) +
    tail
  );
}

export function gdtJson(gdt: GdtView): Json<"gdt"> {
  return { view: "gdt", gdt };
}

// ---- TSS

/** The TSS fields that matter without hardware task switching first (ss0:esp0), then the rest. */
export function tssTable(tss: TssView | null, opts: { symbols?: Symbols } = {}): string {
  if (tss === null) return "no TSS: TR holds a null selector, or the TSS is not mapped";
  const rows: Row[] = [
    ["selector", hex(tss.selector, 2), `base ${hex(tss.base)}, limit ${hex(tss.limit)}${tss.busy === null ? "" : tss.busy ? ", busy" : ", available"}`],
    ["ss0:esp0", `${hex(tss.ss0, 2)}:${hex(tss.esp0)}`, "the ring-0 stack the CPU switches to on an interrupt from ring 3 (SDM 3A 6.12.1)"],
    ["ss1:esp1", `${hex(tss.ss1, 2)}:${hex(tss.esp1)}`, ""],
    ["ss2:esp2", `${hex(tss.ss2, 2)}:${hex(tss.esp2)}`, ""],
    ["iomap", hex(tss.iomapBase), tss.ioBitmap ? "I/O permission bitmap present" : "beyond the limit: no I/O bitmap (ring 3 in/out needs IOPL 3)"],
    ["link", hex(tss.link, 2), "used only by hardware task switches"],
    ["cr3", hex(tss.cr3), ""],
    ["eip", opts.symbols !== undefined ? named(tss.eip, opts.symbols) : hex(tss.eip), ""],
    ["eflags", hex(tss.eflags), ""],
    ["eax ecx edx ebx", [tss.eax, tss.ecx, tss.edx, tss.ebx].map(hex8).join(" "), ""],
    ["esp ebp esi edi", [tss.esp, tss.ebp, tss.esi, tss.edi].map(hex8).join(" "), ""],
    ["es cs ss ds fs gs", [tss.es, tss.cs, tss.ss, tss.ds, tss.fs, tss.gs].map(hex4).join(" "), ""],
    ["ldt", hex(tss.ldt, 2), tss.trap ? "T flag set" : ""],
  ];
  return renderTable([{ header: "field" }, { header: "value" }, { header: "meaning" }], rows);
}

export function tssJson(tss: TssView | null): Json<"tss"> {
  return { view: "tss", tss };
}

// ---- page tables

export interface PageTableTableOptions {
  symbols?: Symbols;
  /** Add the page directory (one row per present PDE) below the ranges. */
  directory?: boolean;
}

/** Coalesced mappings: linear range, physical range, size, U/S, R/W, A and D counts; then the monitor region. */
export function pageTableTable(view: PageTablesView, opts: PageTableTableOptions = {}): string {
  const head =
    `page directory at ${hex(view.cr3)}: paging ${view.paging ? "on" : "off (linear = physical; these tables are not in use)"}, ` +
    `PSE ${view.pse ? "on" : "off"}, WP ${view.writeProtect ? "on" : "off"}`;
  const count = (n: number, of: number): string => (n === 0 ? "-" : n === of ? "all" : `${n}/${of}`);
  const rows: Row[] = view.ranges.map((r) => {
    const last = (r.linear + r.bytes - 1) >>> 0;
    const identity = r.linear === r.physical;
    const what = sym(r.linear, opts.symbols);
    return [
      `${hex8(r.linear)}-${hex8(last)}`,
      identity ? "identity" : `${hex8(r.physical)}-${hex8(r.physical + r.bytes - 1)}`,
      byteSize(r.bytes),
      r.pageSize === 4096 ? `${r.pages} x 4K` : `${r.pages} x 4M`,
      r.user ? "user" : "supervisor",
      r.writable ? "rw" : "ro",
      count(r.accessed, r.pages),
      count(r.dirty, r.pages),
      (r.beyondRam ? "past RAM " : "") + (what ?? ""),
    ];
  });
  if (view.monitor !== null && view.monitor.bytes > 0) {
    const m = view.monitor;
    rows.push([`${hex8(m.linear)}-${hex8(m.linear + m.bytes - 1)}`, `hidden ${hex8(m.physical)}`, byteSize(m.bytes), "", "supervisor", "rw", "", "", "DBT monitor region"]);
  }
  let out =
    head +
    "\n" +
    renderTable(
      [
        { header: "linear" },
        { header: "physical" },
        { header: "size", align: "right" },
        { header: "pages", align: "right" },
        { header: "u/s" },
        { header: "r/w" },
        { header: "accessed" },
        { header: "dirty" },
        { header: "note" },
      ],
      rows,
    );
  if (opts.directory === true) {
    out +=
      "\n\n" +
      renderTable(
        [{ header: "pde", align: "right" }, { header: "linear" }, { header: "entry" }, { header: "maps" }, { header: "u/s" }, { header: "r/w" }, { header: "present", align: "right" }],
        view.directory.map((d) => [
          String(d.index),
          hex8(d.linear),
          hex8(d.value),
          d.large ? `4 MiB page at ${hex(d.physical)}` : `page table at ${hex(d.physical)}`,
          d.user ? "user" : "supervisor",
          d.writable ? "rw" : "ro",
          String(d.presentEntries),
        ]),
      );
  }
  return out;
}

export function pageTablesJson(view: PageTablesView): Json<"page-tables"> {
  return { view: "page-tables", pageTables: view };
}

// ---- registers

/** The register names registerTable and changedRegisters compare, in display order. */
export const REGISTER_NAMES = [
  "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
  "eip", "eflags", "cpl",
  "cs", "ss", "ds", "es", "fs", "gs", "tr",
  "cr0", "cr2", "cr3", "cr4", "gdtr", "idtr",
] as const;
export type RegisterName = (typeof REGISTER_NAMES)[number];

function registerValue(r: RegistersView, name: RegisterName): string {
  switch (name) {
    case "cs":
    case "ss":
    case "ds":
    case "es":
    case "fs":
    case "gs":
      return hex4(r[name].selector);
    case "tr":
      return hex4(r.tr.selector);
    case "gdtr":
    case "idtr":
      return `${hex8(r[name].base)}/${hex4(r[name].limit)}`;
    case "cpl":
      return String(r.cpl);
    default:
      return hex8(r[name]);
  }
}

/** Names of the registers whose values differ between two snapshots (segment registers by selector and cached descriptor). */
export function changedRegisters(now: RegistersView, previous: RegistersView): RegisterName[] {
  return REGISTER_NAMES.filter((n) => {
    if (n === "cs" || n === "ss" || n === "ds" || n === "es" || n === "fs" || n === "gs") {
      const a = now[n];
      const b = previous[n];
      return a.selector !== b.selector || a.base !== b.base || a.limit !== b.limit || a.dpl !== b.dpl || a.kind !== b.kind;
    }
    if (n === "tr") return now.tr.selector !== previous.tr.selector || now.tr.base !== previous.tr.base;
    return registerValue(now, n) !== registerValue(previous, n);
  });
}

/** "IF SF CF" (set flags, most significant first) as in dumpRegisters. */
export function flagList(r: RegistersView): string {
  const f = r.flags;
  const names: [boolean, string][] = [
    [f.id, "ID"], [f.ac, "AC"], [f.rf, "RF"], [f.nt, "NT"], [f.of, "OF"], [f.df, "DF"], [f.if, "IF"], [f.tf, "TF"],
    [f.sf, "SF"], [f.zf, "ZF"], [f.af, "AF"], [f.pf, "PF"], [f.cf, "CF"],
  ];
  return names.filter(([on]) => on).map(([, n]) => n).join(" ");
}

/** Names of the CR0 bits that are set: "PE ET WP PG". */
export function cr0List(cr0: number): string {
  const bits: [number, string][] = [[0, "PE"], [1, "MP"], [2, "EM"], [3, "TS"], [4, "ET"], [5, "NE"], [16, "WP"], [18, "AM"], [29, "NW"], [30, "CD"], [31, "PG"]];
  return bits.filter(([b]) => ((cr0 >>> b) & 1) !== 0).map(([, n]) => n).join(" ");
}

export interface RegisterTableOptions {
  /** Highlight changed values with ANSI inverse video (only for a TTY: see wantColor). */
  color?: boolean;
  /** Name EIP's location ("kmain+0x1c"). */
  symbols?: Symbols;
}

/**
 * The architectural registers as a grid. With `previous`, changed registers are highlighted
 * (ANSI inverse with `color`, otherwise marked with a trailing `*`).
 */
export function registerTable(regs: RegistersView, previous?: RegistersView | null, opts: RegisterTableOptions = {}): string {
  const changed = new Set<string>(previous ? changedRegisters(regs, previous) : []);
  const cell = (name: RegisterName, extra = ""): [string, string] => {
    let v = registerValue(regs, name) + extra;
    if (changed.has(name)) v = opts.color === true ? ansi.inverse(v) : v + "*";
    return [name, v];
  };
  const where = sym(regs.eip, opts.symbols);
  const layout: [string, string][][] = [
    [cell("eax"), cell("ecx"), cell("edx"), cell("ebx")],
    [cell("esp"), cell("ebp"), cell("esi"), cell("edi")],
    [cell("eip", where === null ? "" : ` <${where}>`), cell("eflags", ` [${flagList(regs)}] iopl=${regs.flags.iopl}`), cell("cpl"), ["", ""]],
    [cell("cs"), cell("ss"), cell("ds"), cell("es")],
    [cell("fs"), cell("gs"), cell("tr"), ["halted", regs.halted ? "yes" : "no"]],
    [cell("cr0", ` [${cr0List(regs.cr0)}]`), cell("cr2"), cell("cr3"), cell("cr4")],
    [cell("gdtr"), cell("idtr"), ["cycles", String(regs.cycles)], ["retired", String(regs.retired)]],
  ];
  // Each cell is "name value"; names are padded per grid column so the values line up too.
  const nameWidth = [0, 1, 2, 3].map((c) => Math.max(...layout.map((r) => r[c]![0].length)));
  const rows: Row[] = layout.map((r) => r.map(([n, v], c) => (n === "" ? "" : `${n.padEnd(nameWidth[c]!)} ${v}`)));
  return renderTable([0, 1, 2, 3].map(() => ({ header: "" })), rows, { gap: "   " });
}

export function registersJson(regs: RegistersView, previous?: RegistersView | null): Json<"registers"> {
  return { view: "registers", registers: regs, changed: previous ? changedRegisters(regs, previous) : [] };
}

// ---- code cache

export interface CodeCacheTableOptions {
  symbols?: Symbols;
  /** One line per exit under each block instead of a summary cell. */
  links?: boolean;
}

/** The code cache: one row per translated block, its guest range, CPL, paging, expansion and exits. */
export function codeCacheTable(blocks: readonly CodeCacheBlockView[], opts: CodeCacheTableOptions = {}): string {
  const rows: Row[] = [];
  for (const b of blocks) {
    const exits = b.links.map((l) => `${sym(l.guestTarget, opts.symbols) ?? hex(l.guestTarget)}${l.linked ? "" : " (stub)"}`);
    rows.push([
      `${hex8(b.cacheStart)}-${hex8(b.cacheEnd)}`,
      String(b.cacheEnd - b.cacheStart),
      `${hex8(b.guestStart)}-${hex8(b.guestEnd)}`,
      sym(b.guestStart, opts.symbols) ?? "",
      String(b.cpl),
      b.paging ? "on" : "off",
      String(b.guestInstructions),
      String(b.hostInstructions),
      b.guestInstructions === 0 ? "-" : (b.hostInstructions / b.guestInstructions).toFixed(2),
      opts.links === true ? `${b.links.filter((l) => l.linked).length}/${b.links.length} linked` : exits.join(", "),
    ]);
    if (opts.links === true) {
      for (const l of b.links) {
        rows.push(["", "", "", `  -> ${named(l.guestTarget, opts.symbols)}`, "", "", "", "", "", `${l.linked ? "linked to" : "exit stub"} ${hex(l.toCache)}`]);
      }
    }
  }
  const linked = blocks.reduce((n, b) => n + b.links.filter((l) => l.linked).length, 0);
  const exits = blocks.reduce((n, b) => n + b.links.length, 0);
  const bytes = blocks.reduce((n, b) => n + (b.cacheEnd - b.cacheStart), 0);
  return (
    renderTable(
      [
        { header: "code cache" },
        { header: "bytes", align: "right" },
        { header: "guest" },
        { header: "at" },
        { header: "cpl" },
        { header: "paging" },
        { header: "guest insns", align: "right" },
        { header: "host insns", align: "right" },
        { header: "ratio", align: "right" },
        { header: "exits" },
      ],
      rows,
    ) + `\n${plural(blocks.length, "block")}, ${plural(bytes, "byte")} of code cache, ${linked} of ${plural(exits, "exit")} linked`
  );
}

export function codeCacheJson(blocks: readonly CodeCacheBlockView[]): Json<"code-cache"> {
  return { view: "code-cache", blocks: blocks.map((b) => ({ ...b, links: b.links.map((l) => ({ ...l })) })) };
}

// ---- disassembly listings and translations

export interface ListingOptions {
  /** Show instruction bytes (default true). */
  bytes?: boolean;
  /** Dim the bytes and the comments (ANSI). */
  color?: boolean;
  /** Mark the line at this address with "=>" (the current EIP in `kdbt step`). */
  current?: number;
}

function lineCells(l: DisasmLine, opts: ListingOptions): string[] {
  const dim = opts.color === true ? ansi.dim : (s: string): string => s;
  const text = l.comment !== null ? `${l.text}  ${dim(`; ${l.comment}`)}` : l.text;
  const mark = opts.current === undefined ? [] : [l.address === opts.current ? "=>" : ""];
  return [...mark, hex8(l.address), ...(opts.bytes === false ? [] : [dim(l.bytes)]), text];
}

/** An objdump-style listing: a "name:" label where a symbol starts, then address, bytes and instruction. */
export function disasmListing(lines: readonly DisasmLine[], opts: ListingOptions = {}): string {
  const rows: Row[] = [];
  const labels = new Map<number, string>();
  for (const l of lines) {
    if (l.symbol !== null) labels.set(rows.length, `${l.symbol}:`);
    rows.push(lineCells(l, opts));
  }
  const n = rows[0]?.length ?? 0;
  const table = renderTable(Array.from({ length: n }, () => ({ header: "" })), rows, { indent: "  " }).split("\n");
  const out: string[] = [];
  table.forEach((t, i) => {
    const label = labels.get(i);
    if (label !== undefined) out.push(label);
    out.push(t);
  });
  return out.join("\n");
}

export function disasmJson(lines: readonly DisasmLine[]): Json<"disasm"> {
  return { view: "disasm", lines: [...lines] };
}

/**
 * Group host instructions under the guest instructions they translate, given the DBT's per-host-
 * instruction native PC (null for glue such as exit stubs). Guest order is kept; glue goes after the
 * guest instruction whose translation precedes it. Guest instructions with no host code (elided,
 * e.g. a jump folded into linking) keep an empty `host` list.
 */
export function pairTranslations(
  guest: readonly DisasmLine[],
  host: readonly DisasmLine[],
  guestPcOf: (host: DisasmLine) => number | null,
): TranslationPair[] {
  const pairs: TranslationPair[] = guest.map((g) => ({ guest: g, host: [] }));
  const index = new Map(guest.map((g, i) => [g.address, i]));
  const glueAfter = new Map<number, TranslationPair[]>();
  let last = -1;
  let glue: TranslationPair | null = null;
  for (const h of host) {
    const pc = guestPcOf(h);
    const i = pc === null ? undefined : index.get(pc >>> 0);
    if (i !== undefined) {
      pairs[i]!.host.push(h);
      last = i;
      glue = null;
    } else {
      if (glue === null) {
        glue = { guest: null, host: [] };
        glueAfter.set(last, [...(glueAfter.get(last) ?? []), glue]);
      }
      glue.host.push(h);
    }
  }
  const out: TranslationPair[] = [...(glueAfter.get(-1) ?? [])];
  pairs.forEach((p, i) => out.push(p, ...(glueAfter.get(i) ?? [])));
  return out;
}

export interface SideBySideOptions extends ListingOptions {
  /** Column titles (default "guest (native)" and "code cache"). */
  titles?: [string, string];
}

/**
 * Guest instructions on the left, their translations on the right, aligned group by group (as
 * Compiler Explorer or QEMU's in_asm/out_asm pair them). A guest line starts its group; its host
 * lines follow on the right, the first beside it; notes go after the group's last host line.
 * Labels (`name:`) from guest symbols introduce groups.
 */
export function sideBySide(pairs: readonly TranslationPair[], opts: SideBySideOptions = {}): string {
  const [lt, rt] = opts.titles ?? ["guest (native)", "code cache"];
  const leftRows: string[][] = [];
  const rightRows: string[][] = [];
  const notes: string[] = [];
  const labels: (string | null)[] = [];
  for (const p of pairs) {
    const n = Math.max(1, p.host.length);
    for (let i = 0; i < n; i++) {
      leftRows.push(i === 0 && p.guest !== null ? lineCells(p.guest, opts) : []);
      const h = p.host[i];
      rightRows.push(h !== undefined ? lineCells(h, { ...opts, current: undefined }) : []);
      notes.push(i === n - 1 && p.note !== undefined ? p.note : "");
      labels.push(i === 0 && p.guest?.symbol != null ? p.guest.symbol : null);
    }
  }
  // Render each side as its own table so the columns inside it line up, then join them.
  const width = (rows: string[][]): number => Math.max(0, ...rows.map((r) => r.length));
  const render = (rows: string[][]): string[] => {
    const n = width(rows);
    const cols = Array.from({ length: n }, () => ({ header: "" }));
    const filled = rows.map((r) => (r.length === 0 ? Array.from({ length: n }, () => "") : r));
    return n === 0 ? rows.map(() => "") : renderTable(cols, filled).split("\n");
  };
  const left = render(leftRows);
  const right = render(rightRows);
  const lw = Math.max(visibleWidth(lt), ...left.map(visibleWidth));
  const pad = (s: string): string => s + " ".repeat(Math.max(0, lw - visibleWidth(s)));
  const out = [`${pad(lt)} | ${rt}`, `${"-".repeat(lw)}-+-${"-".repeat(Math.max(visibleWidth(rt), ...right.map(visibleWidth)))}`];
  for (let i = 0; i < left.length; i++) {
    const label = labels[i];
    if (label !== null && label !== undefined) out.push(`${pad(`${label}:`)} |`);
    const note = notes[i] !== "" ? `  ${opts.color === true ? ansi.yellow(`; ${notes[i]}`) : `; ${notes[i]}`}` : "";
    out.push(`${pad(left[i]!)} | ${right[i]!}${note}`.trimEnd());
  }
  return out.join("\n");
}

export function translationJson(pairs: readonly TranslationPair[]): Json<"translation"> {
  return { view: "translation", pairs: pairs.map((p) => (p.note === undefined ? { guest: p.guest, host: p.host } : { ...p })) };
}
