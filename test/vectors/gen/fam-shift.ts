// Shifts and rotates (C0 C1 D0 D1 D2 D3, with the /6 SAL alias) and the double shifts SHLD/SHRD.
import { Cases, ECX, Mem, regName, setReg, suffix, type Family, type RegVal, type Size } from "./case.js";
import { AF, ALL, CF, DF, OF, eflags } from "./flags.js";
import { modrm, rawAsm, sizeMask } from "./forms.js";
import { KindCycle, applyMem, memOperand } from "./operands.js";
import type { Rng } from "./prng.js";

const OPS = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"] as const;
type ShiftOp = (typeof OPS)[number];

/** Counts covering 0, 1, the operand sizes and their neighbours, and values the CPU masks to 5 bits. */
export const COUNTS = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 64, 255] as const;
const IMM_COUNTS = [0, 2, 7, 8, 9, 16, 17, 31, 32, 33, 255] as const;

/**
 * EFLAGS defined after a shift or rotate (SDM vol. 2B "RCL/RCR/ROL/ROR" and "SAL/SAR/SHL/SHR", Operation and
 * Flags Affected). The count is masked to 5 bits first; a masked count of 0 affects no flag, so all are defined.
 */
export function shiftMask(op: ShiftOp, size: Size, count: number): number {
  const mc = count & 31;
  if (mc === 0) return ALL;
  // Rotates: CF defined, OF defined only for 1-bit rotates; SF ZF AF PF are not affected.
  if (op === "rol" || op === "ror" || op === "rcl" || op === "rcr") return mc === 1 ? ALL : ALL & ~OF;
  // Shifts: AF undefined for a non-zero count; OF only defined for 1-bit shifts;
  // CF undefined for SHL/SHR when the count is at least the operand size.
  let m = ALL & ~AF;
  if (mc !== 1) m &= ~OF;
  if ((op === "shl" || op === "sal" || op === "shr") && mc >= size) m &= ~CF;
  return m;
}

function digit(op: ShiftOp): number {
  return { rol: 0, ror: 1, rcl: 2, rcr: 3, shl: 4, shr: 5, sal: 4, sar: 7 }[op];
}

function grp2(size: Size, byOne: boolean | "cl" | "imm"): string {
  const base = byOne === true ? (size === 8 ? "D0" : "D1") : byOne === "cl" ? (size === 8 ? "D2" : "D3") : size === 8 ? "C0" : "C1";
  return (size === 16 ? "66 " : "") + base;
}

function flagsFor(cs: Cases, op: ShiftOp, k: number): number {
  const f = cs.flags() & ALL;
  if (op === "rcl" || op === "rcr") return eflags(k % 2 ? f | CF : f & ~CF);
  return eflags(f);
}

/** Operand values cycling through the interesting bit patterns. */
function valueFor(rng: Rng, size: Size, k: number): number {
  const m = sizeMask(size);
  const top = (m + 1) / 2;
  const vals = [top, 1, m, top - 1, top | 1, (top >>> 1) | 1, rng.value(size), rng.value(size), rng.value(size)];
  return (vals[k % vals.length] as number) >>> 0;
}

export const shiftRotateFamily: Family = {
  name: "shift-rotate",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    let k = 0;
    for (const op of OPS.filter((o) => o !== "sal")) {
      const d = digit(op);
      for (const size of [8, 16, 32] as const) {
        const s = suffix(size);
        const regFor = (): number => rng.pick(size === 8 ? [0, 2, 3, 4, 6, 7] : [0, 2, 3, 5, 6, 7]);
        // D2/D3 /d: count in CL.
        for (const count of COUNTS) {
          const regs: RegVal[] = cs.regs();
          const r = regFor();
          setReg(regs, size, r, valueFor(rng, size, k));
          setReg(regs, 8, ECX, count);
          cs.add({ name: `${op} r${size},cl=${count} [${grp2(size, "cl")}/${d}]`, asm: `${op}${s} %cl, ${regName(size, r)}`, regs, eflags: flagsFor(cs, op, k++), flagsMask: shiftMask(op, size, count) });
        }
        // C0/C1 /d ib.
        for (const count of IMM_COUNTS) {
          const regs: RegVal[] = cs.regs();
          const r = regFor();
          setReg(regs, size, r, valueFor(rng, size, k));
          cs.add({ name: `${op} r${size},imm=${count} [${grp2(size, "imm")}/${d}]`, asm: `${op}${s} $${count}, ${regName(size, r)}`, regs, eflags: flagsFor(cs, op, k++), flagsMask: shiftMask(op, size, count) });
        }
        // D0/D1 /d: by one, with values that set and clear OF.
        for (let j = 0; j < 3; j++) {
          const regs: RegVal[] = cs.regs();
          const r = regFor();
          setReg(regs, size, r, valueFor(rng, size, k));
          cs.add({ name: `${op} r${size},1 [${grp2(size, true)}/${d}]`, asm: `${op}${s} ${regName(size, r)}`, regs, eflags: flagsFor(cs, op, k++), flagsMask: shiftMask(op, size, 1) });
        }
        // C0/C1 /d with an immediate 1 (GNU as would pick D0/D1).
        {
          const regs: RegVal[] = cs.regs();
          const r = regFor();
          setReg(regs, size, r, valueFor(rng, size, k));
          const bytes = [...(size === 16 ? [0x66] : []), size === 8 ? 0xc0 : 0xc1, modrm(3, d, r), 1];
          cs.add({ name: `${op} r${size},imm=1 [${grp2(size, "imm")}/${d} long form]`, asm: rawAsm(bytes, `${op}${s} $1, ${regName(size, r)}`), regs, eflags: flagsFor(cs, op, k++), flagsMask: shiftMask(op, size, 1) });
        }
        // Memory destinations: by one, by CL, by imm8.
        for (const form of [true, "cl", "imm"] as const) {
          const regs: RegVal[] = cs.regs();
          const mem = new Mem(rng, 64, 64);
          const o = rng.range(8, 52);
          mem.put(o, valueFor(rng, size, k), size);
          const count = form === true ? 1 : rng.pick(COUNTS);
          if (form === "cl") setReg(regs, 8, ECX, count);
          const avoid = form === "cl" ? [ECX] : [];
          const kind = kinds.next(avoid);
          const mo = memOperand(rng, kind, mem.addr(o), avoid);
          applyMem(regs, mo);
          const asm = form === true ? `${op}${s} ${mo.asm}` : form === "cl" ? `${op}${s} %cl, ${mo.asm}` : `${op}${s} $${count}, ${mo.asm}`;
          cs.add({ name: `${op} m${size},${form === true ? "1" : form === "cl" ? `cl=${count}` : `imm=${count}`} [${grp2(size, form)}/${d}] ${kind}`, asm, regs, eflags: flagsFor(cs, op, k++), mem: mem.spec(), flagsMask: shiftMask(op, size, count) });
        }
      }
      // The count register shifted by itself.
      const regs: RegVal[] = cs.regs();
      setReg(regs, 8, ECX, 0x85);
      cs.add({ name: `${op} cl,cl`, asm: `${op}b %cl, %cl`, regs, eflags: flagsFor(cs, op, k++), flagsMask: shiftMask(op, 8, 0x85) });
    }
    // The /6 encoding of group 2, an undocumented alias of SAL/SHL (/4), in every form. GNU as never emits it.
    const aliases: [number[], Size, number | "cl", string][] = [
      [[0xd0, modrm(3, 6, 0)], 8, 1, "salb %al"],
      [[0xd1, modrm(3, 6, 3)], 32, 1, "sall %ebx"],
      [[0x66, 0xd1, modrm(3, 6, 6)], 16, 1, "salw %si"],
      [[0xd2, modrm(3, 6, 4)], 8, "cl", "salb %cl, %ah"],
      [[0xd3, modrm(3, 6, 2)], 32, "cl", "sall %cl, %edx"],
      [[0xc0, modrm(3, 6, 7), 3], 8, 3, "salb $3, %bh"],
      [[0xc1, modrm(3, 6, 7), 31], 32, 31, "sall $31, %edi"],
      [[0x66, 0xc1, modrm(3, 6, 5), 9], 16, 9, "salw $9, %bp"],
    ];
    for (const [bytes, size, cnt, meaning] of aliases) {
      for (const count of cnt === "cl" ? [1, 5, 17] : [cnt]) {
        const regs: RegVal[] = cs.regs();
        if (cnt === "cl") setReg(regs, 8, ECX, count);
        cs.add({ name: `sal alias r${size} [/6] ${meaning}${cnt === "cl" ? ` cl=${count}` : ""}`, asm: rawAsm(bytes, `${meaning} (/6)`), regs, eflags: cs.flags(), flagsMask: shiftMask("sal", size, count) });
      }
    }
    {
      const regs: RegVal[] = cs.regs();
      const mem = new Mem(rng, 64, 64);
      mem.put(20, rng.u32(), 32);
      regs[3] = mem.addr(20);
      cs.add({ name: "sal alias m32 [D1/6] base", asm: rawAsm([0xd1, modrm(0, 6, 3)], "sall (%ebx) (/6)"), regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: shiftMask("sal", 32, 1) });
    }
    return cs.list;
  },
};

/**
 * EFLAGS defined after SHLD/SHRD (SDM vol. 2B "SHLD", "SHRD"): count masked to 5 bits; 0 affects nothing;
 * a count above the operand size (16-bit forms) leaves flags and destination undefined; otherwise AF is
 * undefined and OF is defined only for a 1-bit shift.
 */
export function doubleShiftMask(size: Size, count: number): number {
  const mc = count & 31;
  if (mc === 0) return ALL;
  if (mc > size) return DF;
  return mc === 1 ? ALL & ~AF : ALL & ~AF & ~OF;
}

export const doubleShiftFamily: Family = {
  name: "shld-shrd",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    let k = 0;
    for (const op of ["shld", "shrd"] as const) {
      for (const size of [32, 16] as const) {
        const s = suffix(size);
        const p = size === 16 ? "66 " : "";
        const [oi, oc] = op === "shld" ? ["0F A4", "0F A5"] : ["0F AC", "0F AD"];
        for (const form of ["imm", "cl"] as const) {
          for (const count of COUNTS) {
            const regs: RegVal[] = cs.regs();
            const dst = rng.pick([0, 2, 3, 5, 6, 7]);
            const src = k % 9 === 8 && form === "cl" ? ECX : rng.pick([0, 2, 3, 5, 6, 7].filter((r) => r !== dst));
            setReg(regs, size, dst, valueFor(rng, size, k));
            if (src !== ECX) setReg(regs, size, src, valueFor(rng, size, k + 3));
            if (form === "cl") setReg(regs, 8, ECX, count);
            const cnt = form === "cl" ? "%cl" : `$${count}`;
            const undefinedDest = (count & 31) > size;
            cs.add({
              name: `${op} r${size},r${size},${form}=${count} [${p}${form === "cl" ? oc : oi}]`,
              asm: `${op}${s} ${cnt}, ${regName(size, src)}, ${regName(size, dst)}`,
              regs, eflags: eflags(cs.flags() & ALL), flagsMask: doubleShiftMask(size, count),
              ...(undefinedDest ? { regsMask: [0, 1, 2, 3, 4, 5, 6, 7].map((r) => (r === dst ? 0xffff0000 : 0xffffffff)) } : {}),
            });
            k++;
          }
        }
        // Memory destinations (counts whose result is defined).
        const memCounts = size === 32 ? [0, 1, 4, 31, 33] : [0, 1, 8, 15, 16];
        for (const form of ["imm", "cl"] as const) {
          for (const count of memCounts) {
            const regs: RegVal[] = cs.regs();
            const mem = new Mem(rng, 64, 64);
            const o = rng.range(8, 52);
            mem.put(o, valueFor(rng, size, k), size);
            const src = rng.pick([0, 2, 3, 5, 6, 7]);
            setReg(regs, size, src, valueFor(rng, size, k + 5));
            if (form === "cl") setReg(regs, 8, ECX, count);
            const avoid = [src, ECX];
            const kind = kinds.next(avoid);
            const mo = memOperand(rng, kind, mem.addr(o), avoid);
            applyMem(regs, mo);
            const cnt = form === "cl" ? "%cl" : `$${count}`;
            cs.add({
              name: `${op} m${size},r${size},${form}=${count} [${p}${form === "cl" ? oc : oi}] ${kind}`,
              asm: `${op}${s} ${cnt}, ${regName(size, src)}, ${mo.asm}`,
              regs, eflags: eflags(cs.flags() & ALL), mem: mem.spec(), flagsMask: doubleShiftMask(size, count),
            });
            k++;
          }
        }
      }
    }
    return cs.list;
  },
};
