// Bit test and scan: BT BTS BTR BTC (register and immediate offsets, register and memory bases), BSF BSR.
import { Cases, Mem, getReg, regName, setReg, suffix, type Family, type RegVal } from "./case.js";
import { CF, DF, ZF } from "./flags.js";
import { sizeMask } from "./forms.js";
import { KindCycle, applyMem, memOperand } from "./operands.js";

/** SDM BT/BTS/BTR/BTC: CF = the selected bit; ZF unaffected; OF SF AF PF undefined. */
export const BT_MASK = CF | ZF | DF;
/** SDM BSF/BSR: ZF set when the source is 0; CF OF SF AF PF undefined. */
export const BS_MASK = ZF | DF;

const BT_OPS = [["bt", "A3", 4], ["bts", "AB", 5], ["btr", "B3", 6], ["btc", "BB", 7]] as const;

export const bitFamily: Family = {
  name: "bit",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    for (const [op, rOpc, dig] of BT_OPS) {
      for (const size of [32, 16] as const) {
        const s = suffix(size);
        const p = size === 16 ? "66 " : "";
        const m = sizeMask(size);
        // Register base, register offset: the offset is taken modulo the operand size.
        const offs = size === 32 ? [0, 1, 31, 32, 33, 63, 0xffffffff, 0x80000000, rng.u32()] : [0, 15, 16, 17, 0xffff, 0x8000, rng.u32()];
        offs.forEach((off, j) => {
          const regs: RegVal[] = cs.regs();
          const dst = rng.pick([0, 1, 2, 3, 5, 6, 7]);
          const src = rng.pick([0, 1, 2, 3, 5, 6, 7].filter((r) => r !== dst));
          setReg(regs, size, dst, j % 3 === 0 ? 0 : j % 3 === 1 ? m : rng.value(size));
          setReg(regs, 32, src, off);
          cs.add({ name: `${op} r${size},r${size} off=${off >>> 0} [${p}0F ${rOpc}]`, asm: `${op}${s} ${regName(size, src)}, ${regName(size, dst)}`, regs, eflags: cs.flags(), flagsMask: BT_MASK });
        });
        // Register base, immediate offset (0F BA /4-7 ib), masked to the operand size.
        for (const iv of size === 32 ? [0, 5, 31, 32, 33, 200, 255] : [0, 7, 15, 16, 31, 200]) {
          const regs: RegVal[] = cs.regs();
          const dst = rng.pick([0, 1, 2, 3, 5, 6, 7]);
          setReg(regs, size, dst, rng.value(size));
          cs.add({ name: `${op} r${size},imm=${iv} [${p}0F BA/${dig}]`, asm: `${op}${s} $${iv}, ${regName(size, dst)}`, regs, eflags: cs.flags(), flagsMask: BT_MASK });
        }
        // Memory base, immediate offset: also masked to the operand size (no bit-string addressing).
        for (const iv of size === 32 ? [3, 31, 40] : [3, 15, 20]) {
          const regs: RegVal[] = cs.regs();
          const mem = new Mem(rng, 64, 64);
          const o = rng.range(8, 52);
          const kind = kinds.next();
          const mo = memOperand(rng, kind, mem.addr(o), []);
          applyMem(regs, mo);
          cs.add({ name: `${op} m${size},imm=${iv} [${p}0F BA/${dig}] ${kind}`, asm: `${op}${s} $${iv}, ${mo.asm}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: BT_MASK });
        }
        // Memory base, register offset: a signed bit offset into the bit string at the effective address
        // (SDM BT, "Operation": address EA + (OpSize/8) * floor(offset / OpSize)).
        const moffs = [0, 7, size - 1, size, 100, -1, -(size + 1), -100, 300, -300, rng.range(-500, 500), rng.range(-500, 500)];
        moffs.forEach((off) => {
          const regs: RegVal[] = cs.regs();
          const mem = new Mem(rng, 32, 192);
          const base = mem.addr(96);
          const src = rng.pick([0, 1, 2, 3, 5, 6, 7]);
          // For 16-bit forms only the low 16 bits of the offset register count (sign-extended); fill the rest.
          setReg(regs, 32, src, size === 16 ? ((rng.u32() & 0xffff0000) | (off & 0xffff)) >>> 0 : off >>> 0);
          const kind = kinds.next([src]);
          const mo = memOperand(rng, kind, base, [src]);
          applyMem(regs, mo);
          const unit = size / 8;
          const byteAddr = base + unit * Math.floor(off / size);
          mem.at(byteAddr, unit);
          cs.add({ name: `${op} m${size},r${size} off=${off} [${p}0F ${rOpc}] ${kind}`, asm: `${op}${s} ${regName(size, src)}, ${mo.asm}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: BT_MASK });
        });
      }
    }
    // BSF (0F BC) / BSR (0F BD): a zero source leaves the destination undefined (regsMask excludes it).
    for (const [op, opc] of [["bsf", "BC"], ["bsr", "BD"]] as const) {
      for (const size of [32, 16] as const) {
        const s = suffix(size);
        const p = size === 16 ? "66 " : "";
        const vals = size === 32
          ? [0, 1, 0x80000000, 0xffffffff, 0x00010000, 0x00000100, rng.u32(), rng.u32() & 0xfff000, 0x7fffffff]
          : [0, 1, 0x8000, 0xffff, 0x0100, rng.u32() & 0xffff, 0x0ff0];
        vals.forEach((v, j) => {
          const regs: RegVal[] = cs.regs();
          const dst = rng.pick([0, 1, 2, 3, 5, 6, 7]);
          const src = j === 3 ? dst : rng.pick([0, 1, 2, 3, 5, 6, 7].filter((r) => r !== dst));
          setReg(regs, size, src, v);
          const zero = getReg(regs, size, src) === 0;
          cs.add({
            name: `${op} r${size},r${size}${zero ? " zero" : ""} [${p}0F ${opc}]`,
            asm: `${op}${s} ${regName(size, src)}, ${regName(size, dst)}`,
            regs, eflags: cs.flags(), flagsMask: BS_MASK,
            ...(zero ? { regsMask: [0, 1, 2, 3, 4, 5, 6, 7].map((r) => (r === dst ? (size === 32 ? 0 : 0xffff0000) : 0xffffffff)) } : {}),
          });
        });
        for (const v of size === 32 ? [0x00400000, 0x80000001, rng.u32() | 1] : [0x0400, 0x8001]) {
          const regs: RegVal[] = cs.regs();
          const mem = new Mem(rng, 64, 64);
          const o = rng.range(8, 52);
          mem.put(o, v, size);
          const dst = rng.pick([0, 1, 2, 3, 5, 6, 7]);
          const kind = kinds.next([dst]);
          const mo = memOperand(rng, kind, mem.addr(o), [dst]);
          applyMem(regs, mo);
          cs.add({ name: `${op} r${size},m${size} [${p}0F ${opc}] ${kind}`, asm: `${op}${s} ${mo.asm}, ${regName(size, dst)}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: BS_MASK });
        }
      }
    }
    return cs.list;
  },
};
