// Segment descriptors: GDT reads, the SDM's privilege checks on loads, and the flat-only rule.
import type { Cpu } from "./cpu.js";
import { EXC_GP, EXC_NP, EXC_SS } from "./vectors.js";
import { SEG_CS, SEG_NAMES, SEG_SS, S_CPL, S_DESC_HI, S_DESC_LO, S_GDTR_BASE, S_GDTR_LIMIT, S_SEG_NULL_MASK, S_SEL } from "./state.js";

// Descriptor high-dword fields (SDM 3A 3.4.5).
export const DESC_TYPE_SHIFT = 8;
export const DESC_S = 1 << 12;
export const DESC_DPL_SHIFT = 13;
export const DESC_P = 1 << 15;
export const DESC_DB = 1 << 22;
export const DESC_G = 1 << 23;
export const DESC_ACCESSED = 1 << 8;
export const TYPE_CODE = 0x8;
export const TYPE_CONFORMING = 0x4; // code
export const TYPE_READABLE = 0x2; // code
export const TYPE_EXPAND_DOWN = 0x4; // data
export const TYPE_WRITABLE = 0x2; // data
// System descriptor types (S = 0).
export const SYS_TSS32_AVAILABLE = 0x9;
export const SYS_TSS32_BUSY = 0xb;
export const SYS_INTERRUPT_GATE32 = 0xe;
export const SYS_TRAP_GATE32 = 0xf;
export const SYS_TASK_GATE = 0x5;

export function descType(hi: number): number {
  return (hi >>> DESC_TYPE_SHIFT) & 0xf;
}
export function descDpl(hi: number): number {
  return (hi >>> DESC_DPL_SHIFT) & 3;
}
export function descPresent(hi: number): boolean {
  return (hi & DESC_P) !== 0;
}
export function isCodeOrData(hi: number): boolean {
  return (hi & DESC_S) !== 0;
}
export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
}
/** Limit in bytes after granularity scaling. */
export function descLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & DESC_G) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
}

/**
 * Read the GDT descriptor for `sel` into cpu.descLo/descHi. On a bad selector (TI = 1: kdbt has no
 * LDT, so LDTR is null; or an index past the GDT limit) raises `vector` with the selector error code.
 */
export function fetchDescriptor(cpu: Cpu, sel: number, vector: number, ext: number): boolean {
  const s = cpu.s;
  const idx = sel & 0xfff8;
  if ((sel & 4) !== 0 || idx + 7 > s[S_GDTR_LIMIT]!) {
    cpu.fault.raise(vector, (sel & 0xfffc) | ext);
    return false;
  }
  const la = (s[S_GDTR_BASE]! + idx) | 0;
  const lo = cpu.mem.readAs(la, 4, false);
  if (cpu.fault.pending) return false;
  const hi = cpu.mem.readAs((la + 4) | 0, 4, false);
  if (cpu.fault.pending) return false;
  cpu.descLo = lo;
  cpu.descHi = hi;
  return true;
}

/** The processor sets the accessed bit in the GDT when it loads a segment (SDM 3A 3.4.5.1). */
export function markAccessed(cpu: Cpu, sel: number): void {
  if ((cpu.descHi & DESC_ACCESSED) !== 0) return;
  cpu.descHi |= DESC_ACCESSED;
  cpu.mem.writeAs((cpu.s[S_GDTR_BASE]! + (sel & 0xfff8) + 4) | 0, cpu.descHi, 4, false);
}

/** kdbt models only flat 32-bit segments; anything else stops the run rather than mis-executing. */
export function requireFlat(cpu: Cpu, seg: number, sel: number, lo: number, hi: number): void {
  const base = descBase(lo, hi);
  const limit = descLimit(lo, hi);
  const code = (descType(hi) & TYPE_CODE) !== 0;
  const expandDown = !code && (descType(hi) & TYPE_EXPAND_DOWN) !== 0;
  if (base === 0 && limit === 0xffffffff && (hi & DESC_DB) !== 0 && !expandDown) return;
  cpu.unsupported(
    `non-flat ${code ? "code" : "data"} descriptor for selector 0x${sel.toString(16)} loaded into ${SEG_NAMES[seg]} ` +
      `(base 0x${base.toString(16)}, limit 0x${limit.toString(16)}, ${(hi & DESC_DB) !== 0 ? "32" : "16"}-bit${expandDown ? ", expand-down" : ""}); only flat 4 GiB segments are modelled`,
  );
}

/** Commit a descriptor into a segment register's cache. */
export function commitSegment(cpu: Cpu, seg: number, sel: number, lo: number, hi: number): void {
  const s = cpu.s;
  s[S_SEL + seg] = sel & 0xffff;
  s[S_DESC_LO + seg] = lo;
  s[S_DESC_HI + seg] = hi;
  s[S_SEG_NULL_MASK] = s[S_SEG_NULL_MASK]! & ~(1 << seg);
}

function loadNull(cpu: Cpu, seg: number, sel: number): void {
  const s = cpu.s;
  s[S_SEL + seg] = sel & 0xffff;
  s[S_DESC_LO + seg] = 0;
  s[S_DESC_HI + seg] = 0;
  s[S_SEG_NULL_MASK] = s[S_SEG_NULL_MASK]! | (1 << seg);
  cpu.recomputeAttention();
}

/**
 * MOV Sreg / POP Sreg into DS, ES, FS, GS or SS with the checks of the SDM's MOV pseudocode.
 * Returns false with a fault recorded.
 */
export function loadDataSegment(cpu: Cpu, seg: number, sel: number): boolean {
  sel &= 0xffff;
  const cpl = cpu.s[S_CPL]!;
  const rpl = sel & 3;
  if (seg === SEG_SS) {
    if ((sel & 0xfffc) === 0) return gp(cpu, 0);
    if (!fetchDescriptor(cpu, sel, EXC_GP, 0)) return false;
    const hi = cpu.descHi;
    const t = descType(hi);
    if (rpl !== cpl || !isCodeOrData(hi) || (t & TYPE_CODE) !== 0 || (t & TYPE_WRITABLE) === 0 || descDpl(hi) !== cpl) return gp(cpu, sel & 0xfffc);
    if (!descPresent(hi)) return raise(cpu, EXC_SS, sel & 0xfffc);
  } else {
    if ((sel & 0xfffc) === 0) {
      loadNull(cpu, seg, sel);
      return true;
    }
    if (!fetchDescriptor(cpu, sel, EXC_GP, 0)) return false;
    const hi = cpu.descHi;
    const t = descType(hi);
    const code = (t & TYPE_CODE) !== 0;
    if (!isCodeOrData(hi) || (code && (t & TYPE_READABLE) === 0)) return gp(cpu, sel & 0xfffc);
    const dpl = descDpl(hi);
    if ((!code || (t & TYPE_CONFORMING) === 0) && (rpl > dpl || cpl > dpl)) return gp(cpu, sel & 0xfffc);
    if (!descPresent(hi)) return raise(cpu, EXC_NP, sel & 0xfffc);
  }
  markAccessed(cpu, sel);
  if (cpu.fault.pending) return false;
  requireFlat(cpu, seg, sel, cpu.descLo, cpu.descHi);
  commitSegment(cpu, seg, sel, cpu.descLo, cpu.descHi);
  return true;
}

/**
 * Check a code-segment selector as a far JMP to a code segment does (SDM JMP pseudocode, protected
 * mode, no gates): CPL does not change. Leaves the descriptor in cpu.descLo/descHi.
 */
export function checkFarJumpTarget(cpu: Cpu, sel: number): boolean {
  const cpl = cpu.s[S_CPL]!;
  if ((sel & 0xfffc) === 0) return gp(cpu, 0);
  if (!fetchDescriptor(cpu, sel, EXC_GP, 0)) return false;
  const hi = cpu.descHi;
  if (!isCodeOrData(hi)) {
    const t = descType(hi);
    cpu.unsupported(`far jump through a system descriptor (type ${t}: call gate, task gate or TSS) for selector 0x${sel.toString(16)}`);
  }
  const t = descType(hi);
  if ((t & TYPE_CODE) === 0) return gp(cpu, sel & 0xfffc);
  const dpl = descDpl(hi);
  if ((t & TYPE_CONFORMING) !== 0 ? dpl > cpl : (sel & 3) > cpl || dpl !== cpl) return gp(cpu, sel & 0xfffc);
  if (!descPresent(hi)) return raise(cpu, EXC_NP, sel & 0xfffc);
  return true;
}

/** Load CS from a checked descriptor with RPL forced to `cpl` (the new CPL). */
export function commitCodeSegment(cpu: Cpu, sel: number, cpl: number): void {
  markAccessed(cpu, sel);
  requireFlat(cpu, SEG_CS, sel, cpu.descLo, cpu.descHi);
  commitSegment(cpu, SEG_CS, (sel & 0xfffc) | cpl, cpu.descLo, cpu.descHi);
  // With flat segments only the privilege level can change what instruction fetches may reach.
  if (cpu.s[S_CPL] !== cpl) cpu.setCpl(cpl);
}

function gp(cpu: Cpu, err: number): boolean {
  cpu.fault.raise(EXC_GP, err);
  return false;
}

function raise(cpu: Cpu, vector: number, err: number): boolean {
  cpu.fault.raise(vector, err);
  return false;
}
