// MUL, IMUL (one, two and three operands), DIV and IDIV without faults; the faulting divides live in "exceptions".
import { Cases, EAX, EDX, Mem, hex, regName, setReg, suffix, type Family, type RegVal, type Size } from "./case.js";
import { CF, DF, OF } from "./flags.js";
import { sizeMask, valuePairs } from "./forms.js";
import { KindCycle, applyMem, memOperand } from "./operands.js";
import type { Rng } from "./prng.js";

/** SDM MUL/IMUL: CF and OF defined; SF ZF AF PF undefined. */
export const MUL_MASK = CF | OF | DF;
/** SDM DIV/IDIV: CF OF SF ZF AF PF undefined. */
export const DIV_MASK = DF;

const SIZES: readonly Size[] = [8, 16, 32];

function big(v: number): bigint {
  return BigInt(v >>> 0);
}

function sbig(v: number, size: number): bigint {
  const b = BigInt.asUintN(size, BigInt(v >>> 0));
  return BigInt.asIntN(size, b);
}

/** Does DIV/IDIV of `dividend` (2*size bits, unsigned encoding) by `divisor` raise #DE? (SDM DIV/IDIV: 0 or quotient too large.) */
export function divFaults(signed: boolean, size: number, dividend: bigint, divisor: number): boolean {
  if (BigInt.asUintN(size, BigInt(divisor >>> 0)) === 0n) return true;
  if (!signed) {
    const q = BigInt.asUintN(2 * size, dividend) / BigInt.asUintN(size, BigInt(divisor >>> 0));
    return q >= 1n << BigInt(size);
  }
  const n = BigInt.asIntN(2 * size, dividend);
  const d = sbig(divisor, size);
  const q = n / d; // BigInt division truncates toward zero, like IDIV
  return q > (1n << BigInt(size - 1)) - 1n || q < -(1n << BigInt(size - 1));
}

/** Place a 2*size-bit dividend into AX, DX:AX or EDX:EAX. */
export function setDividend(regs: RegVal[], size: Size, dividend: bigint): void {
  const u = BigInt.asUintN(2 * size, dividend);
  if (size === 8) {
    setReg(regs, 16, EAX, Number(u));
    return;
  }
  setReg(regs, size, EAX, Number(u & BigInt(sizeMask(size))));
  setReg(regs, size, EDX, Number(u >> BigInt(size)));
}

/** Non-faulting (dividend, divisor) pairs covering quotient and remainder extremes. */
function divOperands(rng: Rng, signed: boolean, size: Size): [bigint, number][] {
  const n = BigInt(size);
  const out: [bigint, number][] = [];
  const maxQ = signed ? (1n << (n - 1n)) - 1n : (1n << n) - 1n;
  const minQ = signed ? -(1n << (n - 1n)) : 0n;
  const m = sizeMask(size);
  const top = (m + 1) / 2;
  const divisors = signed ? [1, m, 2, top, top - 1, 3, m - 1, rng.value(size) | 1] : [1, m, 2, top, 3, 10, rng.value(size) | 1, rng.value(size) | 1];
  for (const dv of divisors) {
    const d = signed ? sbig(dv, size) : big(dv);
    const quotients = [0n, 1n, maxQ, minQ, maxQ / 3n, BigInt(rng.u32()) % (maxQ + 1n), signed ? -1n : 7n];
    for (const q of [rng.pick(quotients), rng.pick(quotients)]) {
      const absd = d < 0n ? -d : d;
      let r = absd > 1n ? BigInt(rng.u32()) % absd : 0n;
      if (rng.int(3) === 0) r = absd - 1n; // largest remainder
      const prod = q * d;
      if (signed && (prod < 0n || (prod === 0n && rng.bool()))) r = -r;
      const dividend = prod + r;
      if (!divFaults(signed, size, dividend, dv)) out.push([dividend, dv]);
    }
  }
  return out;
}

export const mulDivFamily: Family = {
  name: "mul-div",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    // One-operand MUL (F6/F7 /4) and IMUL (F6/F7 /5): AL/AX/EAX times r/m into AX, DX:AX, EDX:EAX.
    for (const [op, dig] of [["mul", 4], ["imul", 5]] as const) {
      for (const size of SIZES) {
        const opc = `${size === 8 ? "F6" : size === 16 ? "66 F7" : "F7"}/${dig}`;
        valuePairs(size, rng, 2).forEach(([a, b], j) => {
          const regs: RegVal[] = cs.regs();
          // Source register: any but the accumulator, plus the accumulator itself (square) and AH / DX / EDX.
          let src: number;
          if (j === 4) src = EAX;
          else if (j === 7) src = size === 8 ? 4 : EDX;
          else src = rng.pick(size === 8 ? [1, 2, 3, 5, 6, 7] : [1, 2, 3, 5, 6, 7]);
          setReg(regs, size, EAX, a);
          if (src !== EAX) setReg(regs, size, src, b);
          cs.add({ name: `${op} r/m${size} reg [${opc}]`, asm: `${op}${suffix(size)} ${regName(size, src)}`, regs, eflags: cs.flags(), flagsMask: MUL_MASK });
        });
        for (let k = 0; k < 3; k++) {
          const regs: RegVal[] = cs.regs();
          const mem = new Mem(rng, 64, 64);
          const o = rng.range(8, 52);
          mem.put(o, rng.value(size), size);
          setReg(regs, size, EAX, rng.value(size));
          const avoid = size === 8 ? [EAX] : [EAX, EDX];
          const kind = kinds.next(avoid);
          const mo = memOperand(rng, kind, mem.addr(o), avoid);
          applyMem(regs, mo);
          cs.add({ name: `${op} m${size} [${opc}] ${kind}`, asm: `${op}${suffix(size)} ${mo.asm}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: MUL_MASK });
        }
      }
    }
    // Two- and three-operand IMUL: 0F AF /r, 69 /r iw/id, 6B /r ib.
    for (const size of [16, 32] as const) {
      const s = suffix(size);
      const p = size === 16 ? "66 " : "";
      valuePairs(size, rng, 1).forEach(([a, b], j) => {
        const regs: RegVal[] = cs.regs();
        const dst = rng.pick([0, 1, 2, 3, 5, 6, 7]);
        const src = j % 6 === 5 ? dst : rng.pick([0, 1, 2, 3, 5, 6, 7].filter((r) => r !== dst));
        setReg(regs, size, dst, a);
        setReg(regs, size, src, b);
        cs.add({ name: `imul r${size},r/m${size} reg [${p}0F AF]`, asm: `imul${s} ${regName(size, src)}, ${regName(size, dst)}`, regs, eflags: cs.flags(), flagsMask: MUL_MASK });
      });
      for (let k = 0; k < 4; k++) {
        const regs: RegVal[] = cs.regs();
        const mem = new Mem(rng, 64, 64);
        const o = rng.range(8, 52);
        mem.put(o, rng.value(size), size);
        const dst = rng.pick([0, 1, 2, 3, 5, 6, 7]);
        setReg(regs, size, dst, rng.value(size));
        const kind = kinds.next([dst]);
        const mo = memOperand(rng, kind, mem.addr(o), [dst]);
        applyMem(regs, mo);
        cs.add({ name: `imul r${size},m${size} [${p}0F AF] ${kind}`, asm: `imul${s} ${mo.asm}, ${regName(size, dst)}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: MUL_MASK });
      }
      const m = sizeMask(size);
      const top = (m + 1) / 2;
      const imm32s = size === 32 ? [0x7fffffff, 0x80000000, 0x10000, 0x12345, 0xffff0000, 0x100, rng.u32()] : [0x7fff, 0x8000, 0x100, 0x1234, 0xff00, rng.u32() & 0xffff];
      const imm8s = size === 32 ? [0xffffffff, 0x7f, 0xffffff80, 2, 0, 3] : [0xffff, 0x7f, 0xff80, 2, 0, 3];
      for (const [opc, imms] of [["69", imm32s], ["6B", imm8s]] as const) {
        imms.forEach((iv, j) => {
          const regs: RegVal[] = cs.regs();
          const dst = rng.pick([0, 1, 2, 3, 5, 6, 7]);
          const src = j === 0 ? dst : rng.pick([0, 1, 2, 3, 5, 6, 7]);
          setReg(regs, size, src, [top, m, top - 1, 1, rng.value(size)][j % 5] as number);
          cs.add({ name: `imul r${size},r/m${size},imm [${p}${opc}]`, asm: `imul${s} $${hex(iv)}, ${regName(size, src)}, ${regName(size, dst)}`, regs, eflags: cs.flags(), flagsMask: MUL_MASK });
        });
        for (let k = 0; k < 2; k++) {
          const regs: RegVal[] = cs.regs();
          const mem = new Mem(rng, 64, 64);
          const o = rng.range(8, 52);
          mem.put(o, rng.value(size), size);
          const dst = rng.pick([0, 1, 2, 3, 5, 6, 7]);
          const kind = kinds.next([dst]);
          const mo = memOperand(rng, kind, mem.addr(o), [dst]);
          applyMem(regs, mo);
          cs.add({ name: `imul r${size},m${size},imm [${p}${opc}] ${kind}`, asm: `imul${s} $${hex(rng.pick(imms))}, ${mo.asm}, ${regName(size, dst)}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: MUL_MASK });
        }
      }
    }
    // DIV (F6/F7 /6) and IDIV (/7) with quotients and remainders at their extremes, no faults.
    for (const [op, dig, signed] of [["div", 6, false], ["idiv", 7, true]] as const) {
      for (const size of SIZES) {
        const opc = `${size === 8 ? "F6" : size === 16 ? "66 F7" : "F7"}/${dig}`;
        const ops = divOperands(rng, signed, size);
        ops.forEach(([dividend, divisor], j) => {
          const regs: RegVal[] = cs.regs();
          setDividend(regs, size, dividend);
          if (j < ops.length - 2) {
            const src = rng.pick(size === 8 ? [1, 2, 3, 5, 6, 7] : [1, 3, 5, 6, 7]);
            setReg(regs, size, src, divisor);
            cs.add({ name: `${op} r${size} [${opc}]`, asm: `${op}${suffix(size)} ${regName(size, src)}`, regs, eflags: cs.flags(), flagsMask: DIV_MASK });
          } else {
            const mem = new Mem(rng, 64, 64);
            const o = rng.range(8, 52);
            mem.put(o, divisor, size);
            const avoid = size === 8 ? [EAX] : [EAX, EDX];
            const kind = kinds.next(avoid);
            const mo = memOperand(rng, kind, mem.addr(o), avoid);
            applyMem(regs, mo);
            cs.add({ name: `${op} m${size} [${opc}] ${kind}`, asm: `${op}${suffix(size)} ${mo.asm}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: DIV_MASK });
          }
        });
      }
      // The accumulator as divisor: EDX:EAX / EAX (no fault while EDX < EAX) and AX / AL.
      const regs: RegVal[] = cs.regs();
      regs[EAX] = 0x40000000;
      regs[EDX] = 0x00000001;
      if (divFaults(signed, 32, 0x140000000n, 0x40000000)) throw new Error("accumulator divide would fault");
      cs.add({ name: `${op} r32 accumulator as divisor`, asm: `${op}l %eax`, regs, eflags: cs.flags(), flagsMask: DIV_MASK });
      const regs8: RegVal[] = cs.regs();
      setReg(regs8, 16, EAX, 0x0530);
      if (divFaults(signed, 8, 0x0530n, 0x30)) throw new Error("AL divide would fault");
      cs.add({ name: `${op} r8 al as divisor`, asm: `${op}b %al`, regs: regs8, eflags: cs.flags(), flagsMask: DIV_MASK });
    }
    return cs.list;
  },
};
