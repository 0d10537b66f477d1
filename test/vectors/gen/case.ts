// Case specifications: what a family asks the harness to run, before any hardware has seen it.
import { randomStatus } from "./flags.js";
import type { Rng } from "./prng.js";

/** Linear address of the scratch buffer (first object of .data, linked at -Tdata=0x600000). */
export const SCRATCH_BASE = 0x00600000;
/** Size of the scratch buffer in bytes. */
export const SCRATCH_SIZE = 256;
/** Where the harness links its code (ld -Ttext). */
export const TEXT_BASE = 0x00400000;

export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
export const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;
export const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"] as const;
/** Byte registers in ModRM order: AL CL DL BL AH CH DH BH. */
export const R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"] as const;

export type Size = 8 | 16 | 32;

/** A register's initial value: a number, or an assembler expression over the case's landing labels. */
export type RegVal = number | string;

/**
 * Label placeholders usable in register and memory initialisers; the harness substitutes the case's own labels.
 * `@T` is the forward landing (start + fwd), `@B` the backward landing (start - back), `@E` the fall-through.
 */
export const LANDING_FWD = "@T";
export const LANDING_BACK = "@B";
export const LANDING_END = "@E";

export interface LabelSlot {
  /** Offset within the window where a 32-bit label value is stored. */
  at: number;
  expr: string;
}

export interface MemSpec {
  /** Offset of the window within the scratch buffer. */
  off: number;
  /** The window's initial bytes. */
  bytes: number[];
  labels: LabelSlot[];
}

export interface CaseSpec {
  /** Unique name without the ` #n` suffix the generator appends. */
  name: string;
  /** AT&T assembly, one line, as fed to GNU as and written to the vector. */
  asm: string;
  regs: RegVal[];
  eflags: number;
  mem?: MemSpec;
  /** Forward landing distance from the instruction's start (branch targets `.+fwd`). */
  fwd?: number;
  /** Backward landing distance from the instruction's start (branch targets `.-back`). */
  back?: number;
  flagsMask: number;
  regsMask?: number[];
  /** Expected exception vector for faulting and trapping cases. */
  fault?: number;
  /** A sanity check of the recorded outcome against what the family expects (a harness bug if it fails). */
  check?: (out: CaseOutcome) => string | undefined;
}

/** What the hardware did, as a family's `check` sees it. */
export interface CaseOutcome {
  regs: number[];
  eflags: number;
  eip: number;
  start: number;
  end: number;
  /** The whole scratch buffer after the instruction. */
  mem: Uint8Array;
}

/** Condition codes in encoding order (Jcc 70+cc, SETcc 0F 90+cc; SDM vol. 1 Table B-1). */
export const CONDITIONS = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"] as const;

/** Evaluate condition code cc (0-15) on an EFLAGS value. */
export function conditionHolds(cc: number, f: number): boolean {
  const cf = (f & 0x1) !== 0, pf = (f & 0x4) !== 0, zf = (f & 0x40) !== 0, sf = (f & 0x80) !== 0, of = (f & 0x800) !== 0;
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf !== of; break;
    default: r = zf || sf !== of; break;
  }
  return (cc & 1) === 0 ? r : !r;
}

export interface Family {
  name: string;
  /** The replay must load the recording process's segment selectors (the cases read them). */
  recordsSegments?: boolean;
  build(rng: Rng): CaseSpec[];
}

export function u32(v: number): number {
  return v >>> 0;
}

export function hex(v: number): string {
  return "0x" + (v >>> 0).toString(16);
}

export function mask(size: Size): number {
  return size === 32 ? 0xffffffff : size === 16 ? 0xffff : 0xff;
}

export function suffix(size: Size): string {
  return size === 32 ? "l" : size === 16 ? "w" : "b";
}

/** Register name of index r (0-7) for a size; for 8 bits r indexes AL..BH. */
export function regName(size: Size, r: number): string {
  const t = size === 32 ? R32 : size === 16 ? R16 : R8;
  const n = t[r];
  if (n === undefined) throw new Error(`regName: bad register ${r}`);
  return "%" + n;
}

/** The 32-bit register holding byte register r (AL..BH). */
export function byteHost(r: number): number {
  return r & 3;
}

/** Eight random register values. */
export function randomRegs(rng: Rng): number[] {
  const regs: number[] = [];
  for (let i = 0; i < 8; i++) regs.push(rng.u32());
  return regs;
}

/** Numeric value of register r (throws for label expressions). */
export function num(regs: RegVal[], r: number): number {
  const v = regs[r];
  if (typeof v !== "number") throw new Error(`register ${r} holds a label, not a number`);
  return v;
}

/** Write a sized value into register r of a register file (8-bit r indexes AL..BH). */
export function setReg(regs: RegVal[], size: Size, r: number, value: number): void {
  if (size === 32) {
    regs[r] = u32(value);
    return;
  }
  if (size === 16) {
    regs[r] = u32((num(regs, r) & 0xffff0000) | (value & 0xffff));
    return;
  }
  const host = byteHost(r);
  const cur = num(regs, host);
  regs[host] = r < 4 ? u32((cur & 0xffffff00) | (value & 0xff)) : u32((cur & 0xffff00ff) | ((value & 0xff) << 8));
}

/** Read a sized value of register r. */
export function getReg(regs: RegVal[], size: Size, r: number): number {
  if (size === 32) return num(regs, r);
  if (size === 16) return num(regs, r) & 0xffff;
  const v = num(regs, byteHost(r));
  return r < 4 ? v & 0xff : (v >>> 8) & 0xff;
}

/** A memory window under construction: random bytes with values and label slots placed in it. */
export class Mem {
  readonly bytes: number[] = [];
  readonly labels: LabelSlot[] = [];

  constructor(rng: Rng, readonly off: number, len: number) {
    if (off < 0 || off + len > SCRATCH_SIZE) throw new Error(`Mem: window [${off}, ${off + len}) outside scratch`);
    for (let i = 0; i < len; i++) this.bytes.push(rng.int(256));
  }

  /** Linear address of window offset o. */
  addr(o: number): number {
    return SCRATCH_BASE + this.off + o;
  }

  /** Window offset of a linear address (throws if outside). */
  at(addr: number, size = 1): number {
    const o = addr - SCRATCH_BASE - this.off;
    if (o < 0 || o + size > this.bytes.length) throw new Error(`Mem: address ${hex(addr)} outside window`);
    return o;
  }

  put(o: number, value: number, size: Size): this {
    for (let i = 0; i < size / 8; i++) {
      if (o + i < 0 || o + i >= this.bytes.length) throw new Error(`Mem.put: offset ${o + i} outside window`);
      this.bytes[o + i] = (value >>> (8 * i)) & 0xff;
    }
    return this;
  }

  get(o: number, size: Size): number {
    let v = 0;
    for (let i = size / 8 - 1; i >= 0; i--) v = v * 256 + (this.bytes[o + i] ?? 0);
    return u32(v);
  }

  fill(o: number, len: number, byte: number): this {
    for (let i = 0; i < len; i++) this.bytes[o + i] = byte & 0xff;
    return this;
  }

  label(o: number, expr: string): this {
    this.labels.push({ at: o, expr });
    return this;
  }

  spec(): MemSpec {
    return { off: this.off, bytes: [...this.bytes], labels: [...this.labels] };
  }
}

/** Collects a family's cases. */
export class Cases {
  readonly list: CaseSpec[] = [];

  constructor(readonly rng: Rng) {}

  add(c: CaseSpec): void {
    if (c.regs.length !== 8) throw new Error(`${c.name}: need 8 registers`);
    this.list.push(c);
  }

  regs(): number[] {
    return randomRegs(this.rng);
  }

  /** Random status flags with bit 1 (never DF, TF, IF). */
  flags(): number {
    return randomStatus(this.rng.u32());
  }
}
