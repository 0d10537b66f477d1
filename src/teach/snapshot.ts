// Side-effect-free views of a Machine's guest structures: linear reads, GDT, IDT, TSS, page tables, registers.
//
// Nothing here goes through the Mmu's access paths: page walks are done again from the tables in
// physical memory, so reading never fills or evicts a TLB entry, never sets an accessed or dirty
// bit, never loads CR2, never records a fault and never charges a page-walk cycle. An unmapped
// address is reported as such (null, or `present` = 0 for the byte), never as a #PF.
// The walk mirrors src/mem/mmu.ts (SDM 3A 4.3): the monitor region first, then CR0.PG, PDE, PS with
// CR4.PSE, PTE; U/S at both levels for user reads; frames past guest RAM read all-ones.
import type { Machine } from "../machine/machine.js";
import { arithFlags } from "../cpu/flags.js";
import {
  C_CYCLES,
  C_HOST_ONLY,
  C_ICOUNT,
  CR0_PG,
  CR0_WP,
  CR4_PSE,
  FLAG_AC,
  FLAG_AF,
  FLAG_CF,
  FLAG_DF,
  FLAG_ID,
  FLAG_IF,
  FLAG_NT,
  FLAG_OF,
  FLAG_PF,
  FLAG_RF,
  FLAG_SF,
  FLAG_TF,
  FLAG_ZF,
  ARITH_FLAGS,
  IOPL_SHIFT,
  REG_EAX,
  REG_EBP,
  REG_EBX,
  REG_ECX,
  REG_EDI,
  REG_EDX,
  REG_ESI,
  REG_ESP,
  SEG_NAMES,
  S_CPL,
  S_CR0,
  S_CR2,
  S_CR3,
  S_CR4,
  S_DESC_HI,
  S_DESC_LO,
  S_EFLAGS,
  S_EIP,
  S_GDTR_BASE,
  S_GDTR_LIMIT,
  S_HALTED,
  S_IDTR_BASE,
  S_IDTR_LIMIT,
  S_SEG_NULL_MASK,
  S_SEL,
  S_TR_BASE,
  S_TR_LIMIT,
  S_TR_SEL,
} from "../cpu/state.js";
import {
  DESC_DB,
  DESC_G,
  DESC_S,
  TYPE_CODE,
  TYPE_CONFORMING,
  TYPE_EXPAND_DOWN,
  TYPE_READABLE,
  TYPE_WRITABLE,
  descBase,
  descDpl,
  descLimit,
  descPresent,
  descType,
} from "../cpu/segments.js";
import { PDE_PS, PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US } from "../mem/mmu.js";
import { disassemble, type DisasmLine, type Symbols } from "./disasm.js";
import type { PhysicalMemory } from "../mem/physical.js";
import type {
  DescriptorKind,
  GdtEntry,
  GdtView,
  IdtGate,
  IdtView,
  PageMapping,
  PageRange,
  PageTablesView,
  PdeView,
  RegistersView,
  TssView,
} from "./schemas.js";

/** The parts of a Machine the snapshot readers look at (a Machine has them all). */
export type MachineLike = Pick<Machine, "cpu" | "phys">;

const PAGE = 4096 as const;
const LARGE = 4194304 as const;

// ---- page walks

export interface LinearTranslation {
  linear: number;
  physical: number;
  pageSize: 4096 | 4194304;
  /** Effective U/S and R/W over both levels. */
  user: boolean;
  writable: boolean;
  /** The frame is past guest RAM: the CPU would read all-ones. */
  beyondRam: boolean;
  /** In the DBT's monitor region (mapped by the MMU itself, not by the guest's tables). */
  monitor: boolean;
  /** Raw entries (null when paging is off or for the monitor region; pte null for a 4 MiB page). */
  pde: number | null;
  pte: number | null;
}

export interface WalkOptions {
  /** Check the access as ring 3 would make it (U/S required at both levels); default supervisor. */
  user?: boolean;
  /** Page directory to walk instead of the current CR3 (another task's address space). */
  cr3?: number;
}

/**
 * Translate a linear address as a read by the CPU would, without touching the TLB, the page
 * tables' A/D bits, CR2 or the fault record. Null if the read would fault.
 */
export function lookupLinear(machine: MachineLike, la: number, opts: WalkOptions = {}): LinearTranslation | null {
  const s = machine.cpu.s;
  const phys = machine.phys;
  la >>>= 0;
  const user = opts.user ?? false;
  const mon = machine.cpu.mem.monitor;
  if (mon !== null && la - mon.linBase >= 0 && la - mon.linBase < mon.size) {
    if (user) return null;
    return { linear: la, physical: mon.physBase + (la - mon.linBase), pageSize: PAGE, user: false, writable: true, beyondRam: false, monitor: true, pde: null, pte: null };
  }
  if ((s[S_CR0]! & CR0_PG) === 0) {
    return { linear: la, physical: la, pageSize: PAGE, user: true, writable: true, beyondRam: la >= phys.guestSize, monitor: false, pde: null, pte: null };
  }
  const cr3 = (opts.cr3 ?? s[S_CR3]!) >>> 0;
  const pse = (s[S_CR4]! & CR4_PSE) !== 0;
  const pde = readTable(phys, ((cr3 & ~0xfff) + ((la >>> 22) << 2)) >>> 0);
  if ((pde & PTE_P) === 0) return null;
  if ((pde & PDE_PS) !== 0 && pse) {
    const us = (pde & PTE_US) !== 0;
    if (user && !us) return null;
    const physical = ((pde & 0xffc00000) | (la & 0x003fffff)) >>> 0;
    return { linear: la, physical, pageSize: LARGE, user: us, writable: (pde & PTE_RW) !== 0, beyondRam: (physical & ~0xfff) >= phys.guestSize, monitor: false, pde: pde >>> 0, pte: null };
  }
  const pte = readTable(phys, ((pde & ~0xfff) + (((la >>> 12) & 0x3ff) << 2)) >>> 0);
  if ((pte & PTE_P) === 0) return null;
  const us = (pde & pte & PTE_US) !== 0;
  if (user && !us) return null;
  const frame = (pte & ~0xfff) >>> 0;
  return {
    linear: la,
    physical: (frame + (la & 0xfff)) >>> 0,
    pageSize: PAGE,
    user: us,
    writable: (pde & pte & PTE_RW) !== 0,
    beyondRam: frame >= phys.guestSize,
    monitor: false,
    pde: pde >>> 0,
    pte: pte >>> 0,
  };
}

/** A page-table read as the MMU makes it: outside guest RAM the bus floats high. */
function readTable(phys: PhysicalMemory, pa: number): number {
  return pa + 3 < phys.guestSize ? phys.dv.getInt32(pa, true) : -1;
}

export interface LinearBytes {
  address: number;
  /** The bytes read; 0 where `present` is 0. */
  bytes: Uint8Array;
  /** 1 where the byte's page is mapped (and user-accessible for a user read), else 0. */
  present: Uint8Array;
  /** Every byte was readable. */
  complete: boolean;
  /** Length of the leading run of readable bytes (what a disassembler can use). */
  readable: number;
}

/**
 * Read `len` bytes of linear memory without side effects (no TLB fill, no A/D bits, no CR2, no
 * fault). Unmapped bytes come back as 0 with `present` 0.
 */
export function readLinear(machine: MachineLike, la: number, len: number, opts: WalkOptions = {}): LinearBytes {
  const bytes = new Uint8Array(len);
  const present = new Uint8Array(len);
  const phys = machine.phys;
  let off = 0;
  let readable = -1;
  while (off < len) {
    const addr = (la + off) >>> 0;
    const chunk = Math.min(len - off, PAGE - (addr & 0xfff));
    const t = lookupLinear(machine, addr, opts);
    if (t === null) {
      if (readable < 0) readable = off;
    } else {
      for (let i = 0; i < chunk; i++) {
        const pa = t.physical + i;
        // Past guest RAM the MMU sees an empty bus, except the monitor region's hidden memory.
        bytes[off + i] = t.monitor ? phys.read8(pa) : pa < phys.guestSize ? phys.bytes[pa]! : 0xff;
      }
      present.fill(1, off, off + chunk);
    }
    off += chunk;
  }
  return { address: la >>> 0, bytes, present, complete: readable < 0, readable: readable < 0 ? len : readable };
}

/** One little-endian dword of linear memory, or null if any of its bytes is unmapped. */
export function readLinearU32(machine: MachineLike, la: number, opts: WalkOptions = {}): number | null {
  const r = readLinear(machine, la, 4, opts);
  if (!r.complete) return null;
  return (r.bytes[0]! | (r.bytes[1]! << 8) | (r.bytes[2]! << 16) | (r.bytes[3]! << 24)) >>> 0;
}

/**
 * Disassemble up to `count` instructions of guest code at linear `la` as the CPU would fetch them
 * (supervisor unless `user`), stopping early at an unmapped page. Reads without side effects; the
 * disassembler itself is loaded on the first call.
 */
export function disassembleLinear(
  machine: MachineLike,
  la: number,
  count: number,
  opts: WalkOptions & { symbols?: Symbols } = {},
): DisasmLine[] {
  const walk: WalkOptions = {};
  if (opts.user !== undefined) walk.user = opts.user;
  if (opts.cr3 !== undefined) walk.cr3 = opts.cr3;
  // 15 bytes is the longest x86 instruction (SDM 2A 2.3.11).
  const r = readLinear(machine, la, count * 15, walk);
  return disassemble(r.bytes.subarray(0, r.readable), la >>> 0, { maxInstructions: count, ...(opts.symbols !== undefined ? { symbols: opts.symbols } : {}) });
}

// ---- descriptors

const SYSTEM_KINDS: readonly DescriptorKind[] = [
  "reserved",
  "tss16",
  "ldt",
  "tss16-busy",
  "call-gate16",
  "task-gate",
  "interrupt-gate16",
  "trap-gate16",
  "reserved",
  "tss32",
  "reserved",
  "tss32-busy",
  "call-gate32",
  "reserved",
  "interrupt-gate32",
  "trap-gate32",
];

/** Decode one GDT entry from its two dwords (SDM 3A 3.4.5, Table 3-1 and 3-2). */
export function decodeDescriptor(index: number, lo: number, hi: number, inUse: GdtEntry["inUse"] = []): GdtEntry {
  lo >>>= 0;
  hi >>>= 0;
  const type = descType(hi);
  const codeOrData = (hi & DESC_S) !== 0;
  const code = codeOrData && (type & TYPE_CODE) !== 0;
  const data = codeOrData && !code;
  let kind: DescriptorKind;
  if (index === 0) kind = "null";
  else if (lo === 0 && hi === 0) kind = "empty";
  else if (code) kind = "code";
  else if (data) kind = "data";
  else kind = SYSTEM_KINDS[type]!;
  const base = descBase(lo, hi);
  const limit = descLimit(lo, hi);
  const big = (hi & DESC_DB) !== 0;
  const expandDown = data ? (type & TYPE_EXPAND_DOWN) !== 0 : null;
  return {
    index,
    selector: index << 3,
    lo,
    hi,
    kind,
    present: descPresent(hi),
    dpl: descDpl(hi),
    codeOrData,
    type,
    base,
    limit,
    granularity4k: (hi & DESC_G) !== 0,
    big,
    readable: code ? (type & TYPE_READABLE) !== 0 : data ? true : null,
    writable: data ? (type & TYPE_WRITABLE) !== 0 : code ? false : null,
    conforming: code ? (type & TYPE_CONFORMING) !== 0 : null,
    expandDown,
    accessed: codeOrData ? (type & 1) !== 0 : null,
    flat: codeOrData && base === 0 && limit === 0xffffffff && big && expandDown !== true,
    inUse,
  };
}

/** The GDT the CPU's GDTR points at, every entry inside its limit decoded. */
export function readGdt(machine: MachineLike): GdtView {
  const s = machine.cpu.s;
  const base = s[S_GDTR_BASE]! >>> 0;
  const limit = s[S_GDTR_LIMIT]! & 0xffff;
  const count = Math.floor((limit + 1) / 8);
  const users = new Map<number, GdtEntry["inUse"]>();
  const use = (sel: number, name: GdtEntry["inUse"][number]): void => {
    if ((sel & 4) !== 0) return; // an LDT selector: kdbt has no LDT
    const idx = sel >>> 3;
    if (idx === 0) return;
    users.set(idx, [...(users.get(idx) ?? []), name]);
  };
  SEG_NAMES.forEach((name, i) => {
    if ((s[S_SEG_NULL_MASK]! & (1 << i)) === 0) use(s[S_SEL + i]!, name);
  });
  use(s[S_TR_SEL]!, "tr");
  const raw = readLinear(machine, base, count * 8);
  const entries: GdtEntry[] = [];
  const unreadable: number[] = [];
  for (let i = 0; i < count; i++) {
    if (!allPresent(raw.present, i * 8, 8)) {
      unreadable.push(i);
      continue;
    }
    entries.push(decodeDescriptor(i, dword(raw.bytes, i * 8), dword(raw.bytes, i * 8 + 4), users.get(i) ?? []));
  }
  return { base, limit, entries, unreadable };
}

/** Decode one IDT gate from its two dwords (SDM 3A Figure 6-2). */
export function decodeGate(vector: number, lo: number, hi: number): IdtGate {
  lo >>>= 0;
  hi >>>= 0;
  const typeCode = descType(hi);
  // Gates are system descriptors (S = 0); types 6/7 are 16-bit, 0xe/0xf 32-bit, 5 a task gate.
  let type: IdtGate["type"] = "invalid";
  let bits: IdtGate["bits"] = null;
  if ((hi & DESC_S) === 0) {
    if (typeCode === 0xe || typeCode === 0x6) type = "interrupt";
    else if (typeCode === 0xf || typeCode === 0x7) type = "trap";
    else if (typeCode === 0x5) type = "task";
    if (type === "interrupt" || type === "trap") bits = (typeCode & 8) !== 0 ? 32 : 16;
  }
  return {
    vector,
    lo,
    hi,
    present: descPresent(hi),
    type,
    bits,
    typeCode,
    dpl: descDpl(hi),
    selector: lo >>> 16,
    offset: type === "task" ? 0 : ((hi & 0xffff0000) | (lo & 0xffff)) >>> 0,
  };
}

/**
 * The IDT at linear `base` with `limit` (default: the CPU's IDTR; under the DBT that is the shadow
 * IDT, so pass the guest's recorded IDTR to see the guest's table). Reads as the supervisor.
 */
export function readIdt(machine: MachineLike, base?: number, limit?: number): IdtView {
  const s = machine.cpu.s;
  const b = (base ?? s[S_IDTR_BASE]!) >>> 0;
  const l = (limit ?? s[S_IDTR_LIMIT]!) & 0xffff;
  const count = Math.min(256, Math.floor((l + 1) / 8));
  const raw = readLinear(machine, b, count * 8);
  const gates: IdtGate[] = [];
  const unreadable: number[] = [];
  for (let v = 0; v < count; v++) {
    if (!allPresent(raw.present, v * 8, 8)) unreadable.push(v);
    else gates.push(decodeGate(v, dword(raw.bytes, v * 8), dword(raw.bytes, v * 8 + 4)));
  }
  return { base: b, limit: l, gates, unreadable };
}

/** Decode a 32-bit TSS image (SDM 3A Figure 8-2) of at least 104 bytes. */
export function decodeTss(bytes: Uint8Array, selector: number, base: number, limit: number, busy: boolean | null): TssView {
  const d = (o: number): number => dword(bytes, o);
  const w = (o: number): number => d(o) & 0xffff;
  const iomapBase = (d(100) >>> 16) & 0xffff;
  return {
    selector,
    base: base >>> 0,
    limit: limit >>> 0,
    busy,
    link: w(0),
    esp0: d(4),
    ss0: w(8),
    esp1: d(12),
    ss1: w(16),
    esp2: d(20),
    ss2: w(24),
    cr3: d(28),
    eip: d(32),
    eflags: d(36),
    eax: d(40),
    ecx: d(44),
    edx: d(48),
    ebx: d(52),
    esp: d(56),
    ebp: d(60),
    esi: d(64),
    edi: d(68),
    es: w(72),
    cs: w(76),
    ss: w(80),
    ds: w(84),
    fs: w(88),
    gs: w(92),
    ldt: w(96),
    trap: (d(100) & 1) !== 0,
    iomapBase,
    ioBitmap: iomapBase < (limit >>> 0),
  };
}

/**
 * The TSS that TR points at, or null when TR holds no TSS (never loaded) or its 104 bytes are not
 * all mapped.
 */
export function readTss(machine: MachineLike): TssView | null {
  const s = machine.cpu.s;
  const selector = s[S_TR_SEL]! & 0xffff;
  if ((selector & 0xfffc) === 0) return null;
  const base = s[S_TR_BASE]! >>> 0;
  const limit = s[S_TR_LIMIT]! >>> 0;
  const raw = readLinear(machine, base, 104);
  if (!raw.complete) return null;
  let busy: boolean | null = null;
  const idx = selector & 0xfff8;
  if (idx + 7 <= (s[S_GDTR_LIMIT]! & 0xffff)) {
    const hi = readLinearU32(machine, (s[S_GDTR_BASE]! + idx + 4) >>> 0);
    if (hi !== null) busy = (descType(hi) & 2) !== 0;
  }
  return decodeTss(raw.bytes, selector, base, limit, busy);
}

// ---- page tables

export interface PageTableOptions {
  /** Also list every present page (4 KiB or 4 MiB) in `mappings`. */
  mappings?: boolean;
  /** Coalesce only pages whose A and D bits also agree (default: A/D are counted per range instead). */
  splitOnAccessDirty?: boolean;
}

/**
 * Every present mapping of the page directory at `cr3` (default: the CPU's CR3), read without side
 * effects, with contiguous runs (linear and physical both contiguous, same page size, U/S, R/W)
 * coalesced into ranges.
 */
export function walkPageTables(machine: MachineLike, cr3?: number, opts: PageTableOptions = {}): PageTablesView {
  const s = machine.cpu.s;
  const phys = machine.phys;
  const dir = ((cr3 ?? s[S_CR3]!) & ~0xfff) >>> 0;
  const pse = (s[S_CR4]! & CR4_PSE) !== 0;
  const directory: PdeView[] = [];
  const all: PageMapping[] = [];
  for (let i = 0; i < 1024; i++) {
    const pde = readTable(phys, dir + i * 4) >>> 0;
    if ((pde & PTE_P) === 0) continue;
    const linear = (i << 22) >>> 0;
    const large = (pde & PDE_PS) !== 0 && pse;
    const view: PdeView = {
      index: i,
      linear,
      value: pde,
      large,
      physical: (large ? pde & 0xffc00000 : pde & ~0xfff) >>> 0,
      user: (pde & PTE_US) !== 0,
      writable: (pde & PTE_RW) !== 0,
      accessed: (pde & PTE_A) !== 0,
      presentEntries: 0,
    };
    directory.push(view);
    if (large) {
      view.presentEntries = 1;
      all.push({
        linear,
        physical: view.physical,
        size: LARGE,
        user: view.user,
        writable: view.writable,
        accessed: (pde & PTE_A) !== 0,
        dirty: (pde & PTE_D) !== 0,
        pdeIndex: i,
        pteIndex: null,
        pde,
        pte: null,
        beyondRam: view.physical >= phys.guestSize,
      });
      continue;
    }
    for (let j = 0; j < 1024; j++) {
      const pte = readTable(phys, view.physical + j * 4) >>> 0;
      if ((pte & PTE_P) === 0) continue;
      view.presentEntries++;
      const frame = (pte & ~0xfff) >>> 0;
      all.push({
        linear: (linear + (j << 12)) >>> 0,
        physical: frame,
        size: PAGE,
        user: (pde & pte & PTE_US) !== 0,
        writable: (pde & pte & PTE_RW) !== 0,
        accessed: (pte & PTE_A) !== 0,
        dirty: (pte & PTE_D) !== 0,
        pdeIndex: i,
        pteIndex: j,
        pde,
        pte,
        beyondRam: frame >= phys.guestSize,
      });
    }
  }
  const mon = machine.cpu.mem.monitor;
  const view: PageTablesView = {
    cr3: (cr3 ?? s[S_CR3]!) >>> 0,
    paging: (s[S_CR0]! & CR0_PG) !== 0,
    pse,
    writeProtect: (s[S_CR0]! & CR0_WP) !== 0,
    directory,
    ranges: coalesceMappings(all, opts.splitOnAccessDirty ?? false),
    monitor: mon === null ? null : { linear: mon.linBase >>> 0, physical: mon.physBase >>> 0, bytes: mon.size },
  };
  if (opts.mappings === true) view.mappings = all;
  return view;
}

/** Merge mappings (sorted by linear address) into ranges contiguous in both address spaces with equal attributes. */
export function coalesceMappings(mappings: readonly PageMapping[], splitOnAccessDirty = false): PageRange[] {
  const out: PageRange[] = [];
  let cur: PageRange | null = null;
  let lastAccessed = false;
  let lastDirty = false;
  for (const m of mappings) {
    const joins =
      cur !== null &&
      cur.pageSize === m.size &&
      cur.linear + cur.bytes === m.linear &&
      cur.physical + cur.bytes === m.physical &&
      cur.user === m.user &&
      cur.writable === m.writable &&
      cur.beyondRam === m.beyondRam &&
      (!splitOnAccessDirty || (lastAccessed === m.accessed && lastDirty === m.dirty));
    if (joins && cur !== null) {
      cur.bytes += m.size;
      cur.pages++;
      if (m.accessed) cur.accessed++;
      if (m.dirty) cur.dirty++;
    } else {
      cur = {
        linear: m.linear,
        physical: m.physical,
        bytes: m.size,
        pageSize: m.size,
        pages: 1,
        user: m.user,
        writable: m.writable,
        accessed: m.accessed ? 1 : 0,
        dirty: m.dirty ? 1 : 0,
        beyondRam: m.beyondRam,
      };
      out.push(cur);
    }
    lastAccessed = m.accessed;
    lastDirty = m.dirty;
  }
  return out;
}

// ---- registers

/** Counters for registersFromState (the CPU's C_* counter array). */
export type Counters = Float64Array | readonly number[];

/**
 * All architectural registers from a CPU state array (a live one or a saved copy), with the lazy
 * arithmetic flags computed by arithFlags() (which only reads the state): nothing is mutated.
 */
export function registersFromState(s: Int32Array, ctr?: Counters): RegistersView {
  const eflags = ((s[S_EFLAGS]! & ~ARITH_FLAGS) | arithFlags(s)) >>> 0;
  const seg = (i: number): RegistersView["cs"] => {
    const lo = s[S_DESC_LO + i]!;
    const hi = s[S_DESC_HI + i]!;
    const isNull = (s[S_SEG_NULL_MASK]! & (1 << i)) !== 0 || (lo === 0 && hi === 0);
    return {
      selector: s[S_SEL + i]! & 0xffff,
      base: isNull ? 0 : descBase(lo, hi),
      limit: isNull ? 0 : descLimit(lo, hi),
      dpl: isNull ? 0 : descDpl(hi),
      kind: isNull ? "null" : (hi & DESC_S) === 0 ? "system" : (descType(hi) & TYPE_CODE) !== 0 ? "code" : "data",
    };
  };
  const f = (bit: number): boolean => (eflags & bit) !== 0;
  const u = (i: number): number => s[i]! >>> 0;
  const cycles = ctr !== undefined ? ctr[C_CYCLES]! : 0;
  const retired = ctr !== undefined ? ctr[C_ICOUNT]! - ctr[C_HOST_ONLY]! : 0;
  return {
    eax: u(REG_EAX),
    ecx: u(REG_ECX),
    edx: u(REG_EDX),
    ebx: u(REG_EBX),
    esp: u(REG_ESP),
    ebp: u(REG_EBP),
    esi: u(REG_ESI),
    edi: u(REG_EDI),
    eip: u(S_EIP),
    eflags,
    flags: {
      cf: f(FLAG_CF),
      pf: f(FLAG_PF),
      af: f(FLAG_AF),
      zf: f(FLAG_ZF),
      sf: f(FLAG_SF),
      tf: f(FLAG_TF),
      if: f(FLAG_IF),
      df: f(FLAG_DF),
      of: f(FLAG_OF),
      nt: f(FLAG_NT),
      rf: f(FLAG_RF),
      ac: f(FLAG_AC),
      id: f(FLAG_ID),
      iopl: (eflags >>> IOPL_SHIFT) & 3,
    },
    cpl: s[S_CPL]! & 3,
    es: seg(0),
    cs: seg(1),
    ss: seg(2),
    ds: seg(3),
    fs: seg(4),
    gs: seg(5),
    cr0: u(S_CR0),
    cr2: u(S_CR2),
    cr3: u(S_CR3),
    cr4: u(S_CR4),
    gdtr: { base: u(S_GDTR_BASE), limit: s[S_GDTR_LIMIT]! & 0xffff },
    idtr: { base: u(S_IDTR_BASE), limit: s[S_IDTR_LIMIT]! & 0xffff },
    tr: { selector: s[S_TR_SEL]! & 0xffff, base: u(S_TR_BASE), limit: u(S_TR_LIMIT) },
    halted: s[S_HALTED]! !== 0,
    cycles,
    retired,
  };
}

/** The machine's registers now (see registersFromState). */
export function registers(machine: MachineLike): RegistersView {
  return registersFromState(machine.cpu.s, machine.cpu.ctr);
}

// ---- helpers

function dword(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function allPresent(p: Uint8Array, o: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (p[o + i] === 0) return false;
  return true;
}
