// Lazy arithmetic flags, QEMU cc_op style: record the operation and its operands, compute flags on demand.
import {
  ARITH_FLAGS,
  FLAG_AF,
  FLAG_CF,
  FLAG_OF,
  FLAG_PF,
  FLAG_SF,
  FLAG_ZF,
  S_CC_DST,
  S_CC_OP,
  S_CC_SRC,
  S_CC_SRC2,
  S_EFLAGS,
} from "./state.js";

// A cc op is kind * 4 + size index (0: 8-bit, 1: 16-bit, 2: 32-bit). CC_EFLAGS means the six
// flags are materialized in S_EFLAGS.
export const CC_EFLAGS = 0;
export const CCK_ADD = 1;
export const CCK_ADC = 2;
export const CCK_SUB = 3;
export const CCK_SBB = 4;
export const CCK_LOGIC = 5;
export const CCK_INC = 6;
export const CCK_DEC = 7;
export const CCK_SHL = 8;
/** SHR and SAR: CC_SRC holds the operand shifted by count-1 (SDM: CF = last bit out, OF from the MSB change). */
export const CCK_SAR = 9;
/** MUL and IMUL: CC_SRC nonzero when the result did not fit the low half (CF = OF). */
export const CCK_MUL = 10;

/** Operand size in bytes (1, 2, 4) to size index. */
export const SIZE_INDEX = Uint8Array.of(0, 0, 1, 0, 2);
export const SIZE_MASK = Int32Array.of(0xff, 0xffff, -1);
export const SIZE_SIGN = Int32Array.of(0x80, 0x8000, 0x80000000 | 0);
export const SIZE_BITS = Uint8Array.of(8, 16, 32);

/** PF is set when the low byte of the result has an even number of 1 bits (SDM 3A 2.3). */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b !== 0; b >>= 1) bits += b & 1;
  PARITY[i] = bits % 2 === 0 ? FLAG_PF : 0;
}

export function ccOp(kind: number, sizeIndex: number): number {
  return (kind << 2) | sizeIndex;
}

/** The six arithmetic flags implied by the recorded operation. */
export function arithFlags(s: Int32Array): number {
  const op = s[S_CC_OP]!;
  if (op === CC_EFLAGS) return s[S_EFLAGS]! & ARITH_FLAGS;
  const sz = op & 3;
  const mask = SIZE_MASK[sz]!;
  const sign = SIZE_SIGN[sz]!;
  const dst = (s[S_CC_DST]! & mask) >>> 0;
  const src = (s[S_CC_SRC]! & mask) >>> 0;
  let f = PARITY[dst & 0xff]! | (dst === 0 ? FLAG_ZF : 0) | ((dst & sign) !== 0 ? FLAG_SF : 0);
  switch (op >> 2) {
    case CCK_ADD: {
      const src1 = ((dst - src) & mask) >>> 0;
      if (dst < src) f |= FLAG_CF;
      f |= (dst ^ src ^ src1) & FLAG_AF;
      if ((~(src1 ^ src) & (src1 ^ dst) & sign) !== 0) f |= FLAG_OF;
      return f;
    }
    case CCK_ADC: {
      const cin = s[S_CC_SRC2]! & 1;
      const src1 = ((dst - src - cin) & mask) >>> 0;
      if (cin !== 0 ? dst <= src : dst < src) f |= FLAG_CF;
      f |= (dst ^ src ^ src1) & FLAG_AF;
      if ((~(src1 ^ src) & (src1 ^ dst) & sign) !== 0) f |= FLAG_OF;
      return f;
    }
    case CCK_SUB: {
      const src1 = ((dst + src) & mask) >>> 0;
      if (src1 < src) f |= FLAG_CF;
      f |= (dst ^ src ^ src1) & FLAG_AF;
      if (((src1 ^ src) & (src1 ^ dst) & sign) !== 0) f |= FLAG_OF;
      return f;
    }
    case CCK_SBB: {
      const cin = s[S_CC_SRC2]! & 1;
      const src1 = ((dst + src + cin) & mask) >>> 0;
      if (cin !== 0 ? src1 <= src : src1 < src) f |= FLAG_CF;
      f |= (dst ^ src ^ src1) & FLAG_AF;
      if (((src1 ^ src) & (src1 ^ dst) & sign) !== 0) f |= FLAG_OF;
      return f;
    }
    case CCK_LOGIC:
      return f;
    case CCK_INC: {
      f |= s[S_CC_SRC2]! & FLAG_CF;
      f |= (dst ^ ((dst - 1) & mask)) & FLAG_AF;
      if (dst === sign >>> 0) f |= FLAG_OF;
      return f;
    }
    case CCK_DEC: {
      f |= s[S_CC_SRC2]! & FLAG_CF;
      f |= (dst ^ ((dst + 1) & mask)) & FLAG_AF;
      if (dst === (sign - 1) >>> 0) f |= FLAG_OF;
      return f;
    }
    case CCK_SHL: {
      // SDM SAL/SHL: CF is the last bit shifted out; OF (count 1) is CF XOR the result's MSB.
      const cf = (src & sign) !== 0;
      if (cf) f |= FLAG_CF;
      if (cf !== ((dst & sign) !== 0)) f |= FLAG_OF;
      return f;
    }
    case CCK_SAR:
      f |= src & FLAG_CF;
      if (((src ^ dst) & sign) !== 0) f |= FLAG_OF;
      return f;
    case CCK_MUL:
      if (src !== 0) f |= FLAG_CF | FLAG_OF;
      return f;
    default:
      throw new Error(`lazy flags: unknown cc op ${op}`);
  }
}

/** Condition codes in encoding order (the low nibble of Jcc/SETcc), SDM Vol. 2 Appendix B.1.4.7. */
export const COND_NAMES = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"] as const;

/** Evaluate condition `cc` against the current flags; the common compare-then-branch cases skip full flag computation. */
export function testCondition(s: Int32Array, cc: number): boolean {
  const op = s[S_CC_OP]!;
  const kind = op >> 2;
  if (kind === CCK_SUB) {
    const sz = op & 3;
    const mask = SIZE_MASK[sz]!;
    const dst = (s[S_CC_DST]! & mask) >>> 0;
    switch (cc) {
      case 4:
        return dst === 0;
      case 5:
        return dst !== 0;
      case 2:
      case 3:
      case 6:
      case 7: {
        const src = (s[S_CC_SRC]! & mask) >>> 0;
        const src1 = ((dst + src) & mask) >>> 0;
        const below = src1 < src;
        if (cc === 2) return below;
        if (cc === 3) return !below;
        return cc === 6 ? below || dst === 0 : !below && dst !== 0;
      }
      case 12:
      case 13:
      case 14:
      case 15: {
        // Signed compare of the original operands, sign-extended from the operand size.
        const shift = 32 - SIZE_BITS[sz]!;
        const src = (s[S_CC_SRC]! << shift) >> shift;
        const src1 = ((s[S_CC_DST]! + s[S_CC_SRC]!) << shift) >> shift;
        if (cc === 12) return src1 < src;
        if (cc === 13) return src1 >= src;
        return cc === 14 ? src1 <= src : src1 > src;
      }
      default:
        break;
    }
  } else if (op !== CC_EFLAGS && (cc === 4 || cc === 5)) {
    const zero = (s[S_CC_DST]! & SIZE_MASK[op & 3]!) === 0;
    return cc === 4 ? zero : !zero;
  }
  return evalCondition(arithFlags(s), cc);
}

export function evalCondition(f: number, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0:
      r = (f & FLAG_OF) !== 0;
      break;
    case 1:
      r = (f & FLAG_CF) !== 0;
      break;
    case 2:
      r = (f & FLAG_ZF) !== 0;
      break;
    case 3:
      r = (f & (FLAG_CF | FLAG_ZF)) !== 0;
      break;
    case 4:
      r = (f & FLAG_SF) !== 0;
      break;
    case 5:
      r = (f & FLAG_PF) !== 0;
      break;
    case 6:
      r = ((f & FLAG_SF) !== 0) !== ((f & FLAG_OF) !== 0);
      break;
    default:
      r = (f & FLAG_ZF) !== 0 || ((f & FLAG_SF) !== 0) !== ((f & FLAG_OF) !== 0);
      break;
  }
  return (cc & 1) === 0 ? r : !r;
}

/** Materialize the lazy flags into S_EFLAGS (before code that reads or rewrites EFLAGS as a whole). */
export function materializeFlags(s: Int32Array): void {
  if (s[S_CC_OP] === CC_EFLAGS) return;
  s[S_EFLAGS] = (s[S_EFLAGS]! & ~ARITH_FLAGS) | arithFlags(s);
  s[S_CC_OP] = CC_EFLAGS;
}

/** Current carry flag as 0/1 (ADC, SBB, RCL, RCR; INC/DEC preserve it, so it is computed on every one). */
export function carryFlag(s: Int32Array): number {
  const op = s[S_CC_OP]!;
  switch (op >> 2) {
    case CCK_LOGIC:
      return 0;
    case CCK_INC:
    case CCK_DEC:
      return s[S_CC_SRC2]! & FLAG_CF;
    case CCK_ADD: {
      const mask = SIZE_MASK[op & 3]!;
      return (s[S_CC_DST]! & mask) >>> 0 < (s[S_CC_SRC]! & mask) >>> 0 ? 1 : 0;
    }
    case CCK_SUB: {
      const mask = SIZE_MASK[op & 3]!;
      const src = (s[S_CC_SRC]! & mask) >>> 0;
      return ((s[S_CC_DST]! + s[S_CC_SRC]!) & mask) >>> 0 < src ? 1 : 0;
    }
    default:
      return op === CC_EFLAGS ? s[S_EFLAGS]! & FLAG_CF : arithFlags(s) & FLAG_CF;
  }
}
