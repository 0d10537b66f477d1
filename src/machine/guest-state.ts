// The guest-visible state at an interrupt or exception delivery, and its hash (traces, transparency checks).
import type { Machine } from "./machine.js";
import type { DeliveryInfo } from "../cpu/interfaces.js";
import { arithFlags } from "../cpu/flags.js";
import { ARITH_FLAGS, REG_ESP, SEG_NAMES, S_CPL, S_CR0, S_CR2, S_CR3, S_CR4, S_EFLAGS, S_EIP, S_SEL } from "../cpu/state.js";
import { PAGE_SHIFT, PAGE_SIZE } from "../mem/physical.js";

/**
 * Bytes below the new frame that are left out of the memory hash. Nothing may rely on stack bytes
 * below ESP (an interrupt can overwrite them at any instant); under DBT the hardware frame was
 * pushed a few bytes deeper than the native one before the dispatcher rebuilt it.
 */
export const DEAD_STACK_BYTES = 64;

export interface GuestState {
  /** EAX..EDI, EIP (the handler's entry: native), EFLAGS, CPL. */
  regs: number[];
  eip: number;
  eflags: number;
  cpl: number;
  /** ES CS SS DS FS GS. */
  selectors: number[];
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  /** The frame the handler sees: the dwords from ESP up (error code, EIP, CS, EFLAGS[, ESP, SS]). */
  frame: number[];
  /** Hash of every guest page ever written, except DEAD_STACK_BYTES below the frame. */
  memoryHash: string;
}

const FRAME_WORDS = 6;

/** Capture the state at a delivery (call from a CpuProbe's onDelivery: EIP is the handler's entry). */
export function captureGuestState(m: Machine, d: DeliveryInfo | null): GuestState {
  const s = m.cpu.s;
  const eflags = (s[S_EFLAGS]! & ~ARITH_FLAGS) | arithFlags(s);
  const esp = s[REG_ESP]! >>> 0;
  const frame: number[] = [];
  const words = d ? (d.hasErrorCode ? 1 : 0) + (d.privilegeChange ? 5 : 3) : FRAME_WORDS;
  // Observers must not change the run: peek (no TLB fill, no accessed bits, no faults).
  for (let i = 0; i < words; i++) frame.push(m.cpu.mem.peek32((esp + 4 * i) | 0) >>> 0);
  // The dead window may straddle a page boundary: skip each page's part at its physical address.
  const skips: [number, number][] = [];
  const lo = (esp - DEAD_STACK_BYTES) | 0;
  const split = Math.min(DEAD_STACK_BYTES, PAGE_SIZE - (lo & (PAGE_SIZE - 1)));
  const a = m.cpu.mem.peek(lo);
  if (a >= 0) skips.push([a, split]);
  if (split < DEAD_STACK_BYTES) {
    const b = m.cpu.mem.peek((lo + split) | 0);
    if (b >= 0) skips.push([b, DEAD_STACK_BYTES - split]);
  }
  return {
    regs: Array.from(s.subarray(0, 8), (v) => v >>> 0),
    eip: s[S_EIP]! >>> 0,
    eflags: eflags >>> 0,
    cpl: s[S_CPL]!,
    selectors: SEG_NAMES.map((_, i) => s[S_SEL + i]!),
    cr0: s[S_CR0]! >>> 0,
    cr2: s[S_CR2]! >>> 0,
    cr3: s[S_CR3]! >>> 0,
    cr4: s[S_CR4]! >>> 0,
    frame,
    memoryHash: hashGuestMemory(m, skips),
  };
}

/**
 * A 64-bit hash (two 32-bit Murmur-style lanes) of every written guest page in order, with the
 * bytes in `skips` ([physical address, length], dword-aligned) read as zero. Pages only read are as
 * loaded, the same in any two runs of the same kernel, so they need not be hashed.
 */
export function hashGuestMemory(m: Machine, skips: readonly (readonly [number, number])[]): string {
  const phys = m.phys;
  const words = phys.i32;
  const pages = phys.guestSize >>> PAGE_SHIFT;
  let h1 = 0x9747b28c | 0;
  let h2 = 0x85ebca6b | 0;
  for (let p = 0; p < pages; p++) {
    if (phys.touched[p] === 0) continue;
    h1 = mix(h1, p);
    const base = (p * PAGE_SIZE) >>> 2;
    for (let w = base; w < base + PAGE_SIZE / 4; w++) {
      let v = words[w]!;
      for (const [from, len] of skips) if (w >= from >>> 2 && w < (from + len) >>> 2) v = 0;
      h1 = mix(h1, v);
      h2 = mix(h2, v ^ w);
    }
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

function mix(h: number, v: number): number {
  let k = Math.imul(v, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The whole state as one 64-bit hash (trace records' stateHash). */
export function stateHash(g: GuestState): string {
  let h1 = 0x12345678;
  let h2 = 0x9abcdef0 | 0;
  const feed = (v: number): void => {
    h1 = mix(h1, v | 0);
    h2 = mix(h2, (v | 0) ^ 0x5bd1e995);
  };
  for (const v of g.regs) feed(v);
  for (const v of [g.eip, g.eflags, g.cpl, ...g.selectors, g.cr0, g.cr2, g.cr3, g.cr4, g.frame.length, ...g.frame]) feed(v);
  for (let i = 0; i < g.memoryHash.length; i += 8) feed(parseInt(g.memoryHash.slice(i, i + 8), 16));
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

/** First differing field between two states, for divergence reports; null if equal. */
export function firstDifference(a: GuestState, b: GuestState): string | null {
  const hex = (v: number): string => "0x" + (v >>> 0).toString(16).padStart(8, "0");
  const regNames = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
  for (let i = 0; i < 8; i++) if (a.regs[i] !== b.regs[i]) return `${regNames[i]}: ${hex(a.regs[i]!)} vs ${hex(b.regs[i]!)}`;
  if (a.eip !== b.eip) return `eip: ${hex(a.eip)} vs ${hex(b.eip)}`;
  if (a.eflags !== b.eflags) return `eflags: ${hex(a.eflags)} vs ${hex(b.eflags)}`;
  if (a.cpl !== b.cpl) return `cpl: ${a.cpl} vs ${b.cpl}`;
  for (let i = 0; i < 6; i++) if (a.selectors[i] !== b.selectors[i]) return `${SEG_NAMES[i]}: ${hex(a.selectors[i]!)} vs ${hex(b.selectors[i]!)}`;
  for (const k of ["cr0", "cr2", "cr3", "cr4"] as const) if (a[k] !== b[k]) return `${k}: ${hex(a[k])} vs ${hex(b[k])}`;
  if (a.frame.length !== b.frame.length) return `frame size: ${a.frame.length} vs ${b.frame.length} dwords`;
  for (let i = 0; i < a.frame.length; i++) if (a.frame[i] !== b.frame[i]) return `frame dword ${i}: ${hex(a.frame[i]!)} vs ${hex(b.frame[i]!)}`;
  if (a.memoryHash !== b.memoryHash) return `guest memory: hash ${a.memoryHash} vs ${b.memoryHash}`;
  return null;
}
