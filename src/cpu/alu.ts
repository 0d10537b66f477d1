// Integer arithmetic: the eight ALU operations, shifts and rotates, multiply and divide (SDM Vol. 2).
import type { Cpu } from "./cpu.js";
import { ALU_ADC, ALU_ADD, ALU_AND, ALU_OR, ALU_SBB, ALU_XOR, SH_RCL, SH_RCR, SH_ROL, SH_ROR, SH_SAL, SH_SAR, SH_SHL, SH_SHR } from "./opcodes.js";
import { CCK_ADC, CCK_ADD, CCK_DEC, CCK_INC, CCK_LOGIC, CCK_MUL, CCK_SAR, CCK_SBB, CCK_SHL, CCK_SUB, CC_EFLAGS, SIZE_BITS, SIZE_MASK, SIZE_SIGN, arithFlags, carryFlag } from "./flags.js";
import { FLAG_CF, FLAG_OF, S_CC_DST, S_CC_OP, S_CC_SRC, S_CC_SRC2, S_EFLAGS, ARITH_FLAGS } from "./state.js";

/** Apply ALU operation `kind` to a and b (already at operand size); records lazy flags; returns the result. */
export function alu(s: Int32Array, kind: number, a: number, b: number, sz: number): number {
  let r: number;
  switch (kind) {
    case ALU_ADD:
      r = (a + b) | 0;
      s[S_CC_OP] = (CCK_ADD << 2) | sz;
      break;
    case ALU_OR:
      r = a | b;
      s[S_CC_OP] = (CCK_LOGIC << 2) | sz;
      break;
    case ALU_ADC: {
      const c = carryFlag(s);
      r = (a + b + c) | 0;
      s[S_CC_OP] = (CCK_ADC << 2) | sz;
      s[S_CC_SRC2] = c;
      break;
    }
    case ALU_SBB: {
      const c = carryFlag(s);
      r = (a - b - c) | 0;
      s[S_CC_OP] = (CCK_SBB << 2) | sz;
      s[S_CC_SRC2] = c;
      break;
    }
    case ALU_AND:
      r = a & b;
      s[S_CC_OP] = (CCK_LOGIC << 2) | sz;
      break;
    case ALU_XOR:
      r = a ^ b;
      s[S_CC_OP] = (CCK_LOGIC << 2) | sz;
      break;
    default: // SUB and CMP
      r = (a - b) | 0;
      s[S_CC_OP] = (CCK_SUB << 2) | sz;
      break;
  }
  s[S_CC_DST] = r;
  s[S_CC_SRC] = b;
  return r;
}

export function incDec(s: Int32Array, v: number, dec: boolean, sz: number): number {
  const c = carryFlag(s);
  const r = (dec ? v - 1 : v + 1) | 0;
  s[S_CC_OP] = ((dec ? CCK_DEC : CCK_INC) << 2) | sz;
  s[S_CC_DST] = r;
  s[S_CC_SRC] = 1;
  s[S_CC_SRC2] = c;
  return r;
}

export function logicFlags(s: Int32Array, r: number, sz: number): void {
  s[S_CC_OP] = (CCK_LOGIC << 2) | sz;
  s[S_CC_DST] = r;
  s[S_CC_SRC] = 0;
}

/** Set CF and OF explicitly on top of the current flags (rotates, BT, MUL-style results). */
function setCfOf(s: Int32Array, cf: boolean, of: boolean): void {
  const f = arithFlags(s);
  s[S_EFLAGS] = (s[S_EFLAGS]! & ~ARITH_FLAGS) | (f & ~(FLAG_CF | FLAG_OF)) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
  s[S_CC_OP] = CC_EFLAGS;
}

/**
 * Shift or rotate `v` (operand size index sz) by `count` (the raw CL or imm8). The count is masked to
 * 5 bits; a masked count of 0 changes nothing, not even flags (SDM SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR).
 */
export function shift(s: Int32Array, kind: number, v: number, count: number, sz: number): number {
  const c = count & 0x1f;
  if (c === 0) return v;
  const bits = SIZE_BITS[sz]!;
  const mask = SIZE_MASK[sz]!;
  const sign = SIZE_SIGN[sz]!;
  const u = (v & mask) >>> 0;
  switch (kind) {
    case SH_SHL:
    case SH_SAL: {
      const r = c >= 32 ? 0 : (u << c) | 0;
      s[S_CC_OP] = (CCK_SHL << 2) | sz;
      s[S_CC_DST] = r;
      s[S_CC_SRC] = (u << (c - 1)) | 0;
      return r;
    }
    case SH_SHR: {
      const r = u >>> c;
      s[S_CC_OP] = (CCK_SAR << 2) | sz;
      s[S_CC_DST] = r;
      s[S_CC_SRC] = u >>> (c - 1);
      return r;
    }
    case SH_SAR: {
      const sv = (u << (32 - bits)) >> (32 - bits);
      const r = sv >> c;
      s[S_CC_OP] = (CCK_SAR << 2) | sz;
      s[S_CC_DST] = r;
      s[S_CC_SRC] = sv >> (c - 1);
      return r;
    }
    case SH_ROL: {
      const k = c % bits;
      const r = k === 0 ? u : ((u << k) | (u >>> (bits - k))) & mask;
      const cf = (r & 1) !== 0;
      setCfOf(s, cf, cf !== ((r & sign) !== 0));
      return r;
    }
    case SH_ROR: {
      const k = c % bits;
      const r = k === 0 ? u : ((u >>> k) | (u << (bits - k))) & mask;
      const msb = (r & sign) !== 0;
      // SDM ROR: CF is the MSB of the result; OF (count 1) is the XOR of its two most significant bits.
      setCfOf(s, msb, msb !== ((r & (sign >>> 1)) !== 0));
      return r;
    }
    case SH_RCL: {
      const k = bits === 32 ? c : c % (bits + 1);
      if (k === 0) return v;
      let cf = carryFlag(s);
      let r = u;
      for (let i = 0; i < k; i++) {
        const out = (r & sign) !== 0 ? 1 : 0;
        r = ((r << 1) | cf) & mask;
        cf = out;
      }
      setCfOf(s, cf !== 0, (cf !== 0) !== ((r & sign) !== 0));
      return r;
    }
    case SH_RCR: {
      const k = bits === 32 ? c : c % (bits + 1);
      if (k === 0) return v;
      let cf = carryFlag(s);
      let r = u;
      // SDM RCR: OF (count 1) is the XOR of the original MSB and CF, computed before rotating.
      const of = ((u & sign) !== 0) !== (cf !== 0);
      for (let i = 0; i < k; i++) {
        const out = r & 1;
        r = ((r >>> 1) | (cf !== 0 ? sign : 0)) & mask;
        cf = out;
      }
      setCfOf(s, cf !== 0, of);
      return r;
    }
    default:
      throw new Error(`shift: kind ${kind}`);
  }
}

/** SHLD/SHRD (SDM): count masked to 5 bits; counts above the operand size leave dest and flags undefined. */
export function doubleShift(s: Int32Array, left: boolean, dst: number, src: number, count: number, sz: number): number {
  const c = count & 0x1f;
  if (c === 0) return dst;
  const mask = SIZE_MASK[sz]!;
  if (sz === 2) {
    const d = dst >>> 0;
    const x = src >>> 0;
    const r = left ? ((d << c) | (x >>> (32 - c))) | 0 : ((d >>> c) | (x << (32 - c))) | 0;
    s[S_CC_OP] = ((left ? CCK_SHL : CCK_SAR) << 2) | sz;
    s[S_CC_DST] = r;
    s[S_CC_SRC] = left ? (d << (c - 1)) | 0 : d >>> (c - 1);
    return r;
  }
  // 16-bit: work on the 32-bit concatenation, as the hardware's shifter does for counts up to 16.
  const d = dst & mask;
  const x = src & mask;
  let r: number;
  let cc: number;
  if (left) {
    const wide = ((d << 16) | x) >>> 0;
    const t = c <= 16 ? wide : ((x << 16) | d) >>> 0;
    const k = c <= 16 ? c : c - 16;
    r = (t << k) >>> 16;
    cc = (t << (k - 1)) >>> 16;
    s[S_CC_OP] = (CCK_SHL << 2) | sz;
  } else {
    const wide = ((x << 16) | d) >>> 0;
    const t = c <= 16 ? wide : ((d << 16) | x) >>> 0;
    const k = c <= 16 ? c : c - 16;
    r = (t >>> k) & mask;
    cc = (t >>> (k - 1)) & mask;
    s[S_CC_OP] = (CCK_SAR << 2) | sz;
  }
  s[S_CC_DST] = r;
  s[S_CC_SRC] = cc;
  return r & mask;
}

/** Unsigned 32x32 -> 64 multiply into cpu.wideLo/wideHi (no BigInt on the hot path). */
export function mulU32(cpu: Cpu, a: number, b: number): void {
  a >>>= 0;
  b >>>= 0;
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  cpu.wideLo = ((mid << 16) | (ll & 0xffff)) | 0;
  cpu.wideHi = (aH * bH + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** Signed 32x32 -> 64 multiply into cpu.wideLo/wideHi. */
export function mulS32(cpu: Cpu, a: number, b: number): void {
  mulU32(cpu, a, b);
  let hi = cpu.wideHi;
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  cpu.wideHi = hi;
}

/** Record MUL/IMUL flags: CF = OF = `overflow`; SF/ZF/PF follow the low result (undefined per SDM). */
export function mulFlags(s: Int32Array, low: number, overflow: boolean, sz: number): void {
  s[S_CC_OP] = (CCK_MUL << 2) | sz;
  s[S_CC_DST] = low;
  s[S_CC_SRC] = overflow ? 1 : 0;
}

/**
 * Unsigned 64/32 division of hi:lo by d into wideLo (quotient) and wideHi (remainder).
 * Returns false when the quotient does not fit 32 bits or d is 0 (#DE). Exact in doubles: every
 * intermediate stays below 2^48.
 */
export function divU64(cpu: Cpu, hi: number, lo: number, d: number): boolean {
  hi >>>= 0;
  lo >>>= 0;
  d >>>= 0;
  if (d === 0 || hi >= d) return false;
  let t = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(t / d);
  let r = t - q1 * d;
  t = r * 65536 + (lo & 0xffff);
  const q0 = Math.floor(t / d);
  r = t - q0 * d;
  cpu.wideLo = (q1 * 65536 + q0) | 0;
  cpu.wideHi = r | 0;
  return true;
}

/** Signed 64/32 division (IDIV r/m32): quotient toward zero, remainder with the dividend's sign. */
export function divS64(cpu: Cpu, hi: number, lo: number, d: number): boolean {
  if (d === 0) return false;
  const neg = hi < 0;
  let mh = hi >>> 0;
  let ml = lo >>> 0;
  if (neg) {
    // two's complement negate of the 64-bit dividend
    ml = (~ml + 1) >>> 0;
    mh = (~mh + (ml === 0 ? 1 : 0)) >>> 0;
  }
  const dneg = d < 0;
  const md = dneg ? (-d) >>> 0 : d >>> 0;
  if (!divU64(cpu, mh, ml, md)) return false;
  const q = cpu.wideLo >>> 0;
  const qneg = neg !== dneg;
  if (qneg ? q > 0x80000000 : q > 0x7fffffff) return false;
  cpu.wideLo = qneg ? -q | 0 : q | 0;
  cpu.wideHi = neg ? -(cpu.wideHi >>> 0) | 0 : cpu.wideHi;
  return true;
}

