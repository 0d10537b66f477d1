// ALU families: ADD OR ADC SBB AND SUB XOR CMP in all nine encodings, INC/DEC, NOT/NEG.
import {
  Cases, EAX, ESP, Mem, hex, regName, setReg, suffix, type CaseSpec, type Family, type RegVal, type Size,
} from "./case.js";
import { AF, ALL, CF, eflags } from "./flags.js";
import { imm, le, modrm, rawAsm, valuePairs } from "./forms.js";
import { KindCycle, applyMem, memOperand } from "./operands.js";
import type { Rng } from "./prng.js";

const OPS = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"] as const;
type AluOp = (typeof OPS)[number];

/** SDM vol. 2: AND/OR/XOR leave AF undefined; the others define all six status flags. DF is never touched. */
function aluMask(op: AluOp): number {
  return op === "and" || op === "or" || op === "xor" ? ALL & ~AF : ALL;
}

/** Host 32-bit registers a sized register operand occupies. */
export function hostOf(size: Size, r: number): number {
  return size === 8 ? r & 3 : r;
}

const SIZES: readonly Size[] = [32, 16, 8];

/** Pick a register of a size distinct (by host register) from those given; never ESP for 16/32 unless allowed. */
export function pickReg(rng: Rng, size: Size, avoidHosts: readonly number[], allowEsp = false): number {
  const cands: number[] = [];
  for (let r = 0; r < 8; r++) {
    const host = hostOf(size, r);
    if (avoidHosts.includes(host)) continue;
    if (!allowEsp && size !== 8 && r === ESP) continue;
    cands.push(r);
  }
  return rng.pick(cands);
}

function withCf(cs: Cases, cf: boolean | undefined): number {
  const f = cs.flags();
  if (cf === undefined) return f;
  return eflags(cf ? (f & ALL) | CF : f & ALL & ~CF);
}

export const aluFamily: Family = {
  name: "alu",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    OPS.forEach((op, digit) => {
      const m = aluMask(op);
      const carry = op === "adc" || op === "sbb";
      const cfs: (boolean | undefined)[] = carry ? [false, true] : [undefined];
      // Register-register, both directions (00-03 style: {store} is the r/m,reg form, {load} the reg,r/m form).
      for (const size of SIZES) {
        const pairs = valuePairs(size, rng, size === 32 ? 3 : 1);
        pairs.forEach(([a, b], j) => {
          for (const cf of cfs) {
            if (size !== 32 && j % 2 === 1 && cf === true) continue;
            const regs: RegVal[] = cs.regs();
            const dst = pickReg(rng, size, [], size === 32 && j % 5 === 4);
            let src = pickReg(rng, size, [hostOf(size, dst)]);
            if (size === 8 && j % 4 === 3) src = dst < 4 ? dst + 4 : dst - 4; // e.g. addb %ah, %al: one host register
            setReg(regs, size, dst, a);
            setReg(regs, size, src, b);
            const load = j % 2 === 1;
            const opc = digit * 8 + (load ? 2 : 0) + (size === 8 ? 0 : 1);
            cs.add({
              name: `${op} r${size},r${size} [${opc.toString(16).padStart(2, "0")}]${cf === undefined ? "" : ` CF=${cf ? 1 : 0}`}`,
              asm: `${load ? "{load} " : ""}${op}${suffix(size)} ${regName(size, src)}, ${regName(size, dst)}`,
              regs, eflags: withCf(cs, cf), flagsMask: m,
            });
          }
        });
        // Same register as source and destination.
        const regs: RegVal[] = cs.regs();
        const r = pickReg(rng, size, []);
        cs.add({ name: `${op} r${size},same`, asm: `${op}${suffix(size)} ${regName(size, r)}, ${regName(size, r)}`, regs, eflags: withCf(cs, carry ? rng.bool() : undefined), flagsMask: m });
      }
      // Memory operands, both directions, every size, cycling through the addressing shapes.
      for (const size of SIZES) {
        for (const load of [false, true]) {
          for (let k = 0; k < 2; k++) {
            const regs: RegVal[] = cs.regs();
            const r = pickReg(rng, size, []);
            const mem = new Mem(rng, 64, 64);
            const o = rng.range(8, 52);
            const a = rng.value(size);
            const b = rng.value(size);
            mem.put(o, a, size);
            setReg(regs, size, r, b);
            const kind = kinds.next([hostOf(size, r)]);
            const op2 = memOperand(rng, kind, mem.addr(o), [hostOf(size, r)]);
            applyMem(regs, op2);
            const opc = digit * 8 + (load ? 2 : 0) + (size === 8 ? 0 : 1);
            const ops = load ? `${op2.asm}, ${regName(size, r)}` : `${regName(size, r)}, ${op2.asm}`;
            cs.add({
              name: `${op} ${load ? `r${size},m${size}` : `m${size},r${size}`} [${opc.toString(16).padStart(2, "0")}] ${kind}`,
              asm: `${op}${suffix(size)} ${ops}`,
              regs, eflags: withCf(cs, carry ? k === 1 : undefined), mem: mem.spec(), flagsMask: m,
            });
          }
        }
      }
      immediateForms(cs, rng, kinds, op, digit, m, carry);
    });
    testForms(cs, rng, kinds);
    return cs.list;
  },
};

function immediateForms(cs: Cases, rng: Rng, kinds: KindCycle, op: AluOp, digit: number, m: number, carry: boolean): void {
  const fl = (): number => (carry ? withCf(cs, rng.bool()) : cs.flags());
  const regCase = (size: Size, r: number, value: number, name: string, asm: string): CaseSpec => {
    const regs: RegVal[] = cs.regs();
    setReg(regs, size, r, value);
    return { name, asm, regs, eflags: fl(), flagsMask: m };
  };
  const memCase = (size: Size, value: number, name: string, asmOf: (mem: string) => string, kind?: "base"): CaseSpec => {
    const regs: RegVal[] = cs.regs();
    const mem = new Mem(rng, 64, 64);
    const o = rng.range(8, 52);
    mem.put(o, value, size);
    const k = kind ?? kinds.next();
    const op2 = memOperand(rng, k, mem.addr(o), []);
    applyMem(regs, op2);
    return { name: `${name} ${k}`, asm: asmOf(op2.asm), regs, eflags: fl(), mem: mem.spec(), flagsMask: m };
  };
  const s = (size: Size): string => suffix(size);
  // 04 ib: AL, imm8.
  for (const [a, i] of [[0x7f, 0x01], [0xff, 0x80], [rng.value(8), rng.value(8)]] as const) {
    cs.add(regCase(8, EAX, a, `${op} al,imm8 [${hex(digit * 8 + 4)}]`, `${op}b ${imm(i)}, %al`));
  }
  // 05 id / 66 05 iw: eAX, imm (values that do not fit a sign-extended imm8, so GNU as keeps the short form).
  for (const [a, i] of [[0x7fffffff, 0x80000000], [0xffffffff, 0x12345678], [rng.value(32), 0x80 | (rng.u32() & 0xffffff00)]] as const) {
    cs.add(regCase(32, EAX, a, `${op} eax,imm32 [${hex(digit * 8 + 5)}]`, `${op}l ${imm(i)}, %eax`));
  }
  for (const [a, i] of [[0x8000, 0x7fff], [rng.value(16), 0x1234]] as const) {
    cs.add(regCase(16, EAX, a, `${op} ax,imm16 [66 ${hex(digit * 8 + 5)}]`, `${op}w ${imm(i)}, %ax`));
  }
  // 80 /d ib: r/m8, imm8 (registers other than AL, including AH..BH).
  for (let k = 0; k < 3; k++) {
    const r = rng.range(1, 7);
    const i = rng.value(8);
    cs.add(regCase(8, r, rng.value(8), `${op} r8,imm8 [80/${digit}]`, `${op}b ${imm(i)}, ${regName(8, r)}`));
  }
  for (let k = 0; k < 2; k++) {
    const i = rng.value(8);
    cs.add(memCase(8, rng.value(8), `${op} m8,imm8 [80/${digit}]`, (x) => `${op}b ${imm(i)}, ${x}`));
  }
  // 81 /d id and 66 81 /d iw: immediates that need the full width.
  for (const size of [32, 16] as const) {
    const big = size === 32 ? [0x12345678, 0x80000000, (rng.u32() | 0x100) & 0x7fffffff] : [0x1234, 0x8000, 0x7f00];
    for (const i of big) {
      const r = rng.pick([1, 2, 3, 5, 6, 7]);
      cs.add(regCase(size, r, rng.value(size), `${op} r${size},imm${size} [${size === 16 ? "66 " : ""}81/${digit}]`, `${op}${s(size)} ${imm(i)}, ${regName(size, r)}`));
    }
    const i = big[0] as number;
    cs.add(memCase(size, rng.value(size), `${op} m${size},imm${size} [${size === 16 ? "66 " : ""}81/${digit}]`, (x) => `${op}${s(size)} ${imm(i)}, ${x}`));
  }
  // 83 /d ib: sign-extended imm8, positive and negative.
  for (const size of [32, 16] as const) {
    const negs = size === 32 ? [0xffffffff, 0xffffff80, 0x7f] : [0xffff, 0xff80, 0x01];
    for (const i of negs) {
      const r = rng.pick([0, 1, 2, 3, 5, 6, 7]);
      cs.add(regCase(size, r, rng.value(size), `${op} r${size},imm8 [${size === 16 ? "66 " : ""}83/${digit}]`, `${op}${s(size)} ${imm(i)}, ${regName(size, r)}`));
    }
    const i = negs[1] as number;
    cs.add(memCase(size, rng.value(size), `${op} m${size},imm8 [${size === 16 ? "66 " : ""}83/${digit}]`, (x) => `${op}${s(size)} ${imm(i)}, ${x}`));
  }
  // 82 /d ib: the 32-bit-only alias of 80 (invalid in 64-bit mode), which GNU as never emits.
  for (const r of [0, rng.range(1, 7)]) {
    const i = rng.value(8);
    cs.add(regCase(8, r, rng.value(8), `${op} r8,imm8 [82/${digit}]`, rawAsm([0x82, modrm(3, digit, r), i], `${op}b ${imm(i)}, ${regName(8, r)} (82 /${digit} ib)`)));
  }
  {
    const regs: RegVal[] = cs.regs();
    const mem = new Mem(rng, 64, 64);
    const o = rng.range(8, 52);
    mem.put(o, rng.value(8), 8);
    const b = rng.pick([0, 1, 2, 3, 6, 7]);
    regs[b] = mem.addr(o);
    const i = rng.value(8);
    cs.add({
      name: `${op} m8,imm8 [82/${digit}] base`,
      asm: rawAsm([0x82, modrm(0, digit, b), i], `${op}b ${imm(i)}, (${regName(32, b)}) (82 /${digit} ib)`),
      regs, eflags: fl(), mem: mem.spec(), flagsMask: m,
    });
  }
  // Encodings GNU as would shorten: 80 /d on AL, 81 /d with an imm8-sized value.
  {
    const i = rng.value(8);
    cs.add(regCase(8, EAX, rng.value(8), `${op} al,imm8 [80/${digit} long form]`, rawAsm([0x80, modrm(3, digit, 0), i], `${op}b ${imm(i)}, %al (80 /${digit} ib)`)));
    const r = rng.pick([0, 1, 2, 3, 6, 7]);
    const j = rng.range(0, 0x7f);
    cs.add(regCase(32, r, rng.value(32), `${op} r32,imm32 [81/${digit} small imm]`, rawAsm([0x81, modrm(3, digit, r), ...le(j, 32)], `${op}l ${imm(j)}, ${regName(32, r)} (81 /${digit} id)`)));
  }
}

/** TEST: 84 /r, 85 /r, A8 ib, A9 iw/id, F6 /0 ib, F7 /0 iw/id. SDM TEST: OF CF cleared, SF ZF PF set, AF undefined. */
function testForms(cs: Cases, rng: Rng, kinds: KindCycle): void {
  const m = ALL & ~AF;
  for (const size of SIZES) {
    const s = suffix(size);
    const p = size === 16 ? "66 " : "";
    // Register-register (84/85), including a register tested against itself.
    valuePairs(size, rng, 1).forEach(([a, b], j) => {
      if (j % 2 === 1 && size !== 32) return;
      const regs: RegVal[] = cs.regs();
      const dst = pickReg(rng, size, []);
      const src = j % 7 === 6 ? dst : pickReg(rng, size, [hostOf(size, dst)]);
      setReg(regs, size, dst, a);
      if (src !== dst) setReg(regs, size, src, b);
      cs.add({ name: `test r${size},r${size} [${p}${size === 8 ? "84" : "85"}]`, asm: `test${s} ${regName(size, src)}, ${regName(size, dst)}`, regs, eflags: cs.flags(), flagsMask: m });
    });
    // Memory and register (84/85), both operand orders assemble to the same opcode.
    for (let k = 0; k < 3; k++) {
      const regs: RegVal[] = cs.regs();
      const r = pickReg(rng, size, []);
      const mem = new Mem(rng, 64, 64);
      const o = rng.range(8, 52);
      mem.put(o, rng.value(size), size);
      setReg(regs, size, r, rng.value(size));
      const kind = kinds.next([hostOf(size, r)]);
      const mo = memOperand(rng, kind, mem.addr(o), [hostOf(size, r)]);
      applyMem(regs, mo);
      cs.add({ name: `test m${size},r${size} [${p}${size === 8 ? "84" : "85"}] ${kind}`, asm: `test${s} ${regName(size, r)}, ${mo.asm}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: m });
    }
    // Accumulator with immediate (A8/A9).
    for (let k = 0; k < 3; k++) {
      const regs: RegVal[] = cs.regs();
      const i = k === 0 ? (size === 32 ? 0x80000000 : size === 16 ? 0x8000 : 0x80) : rng.value(size);
      setReg(regs, size, EAX, rng.value(size));
      cs.add({ name: `test acc,imm${size} [${p}${size === 8 ? "A8" : "A9"}]`, asm: `test${s} ${imm(i)}, ${regName(size, EAX)}`, regs, eflags: cs.flags(), flagsMask: m });
    }
    // F6/F7 /0 with a register other than the accumulator, and with memory.
    for (let k = 0; k < 2; k++) {
      const regs: RegVal[] = cs.regs();
      const r = size === 8 ? rng.range(1, 7) : rng.pick([1, 2, 3, 5, 6, 7]);
      setReg(regs, size, r, rng.value(size));
      const i = rng.value(size);
      cs.add({ name: `test r${size},imm${size} [${p}${size === 8 ? "F6" : "F7"}/0]`, asm: `test${s} ${imm(i)}, ${regName(size, r)}`, regs, eflags: cs.flags(), flagsMask: m });
    }
    for (let k = 0; k < 2; k++) {
      const regs: RegVal[] = cs.regs();
      const mem = new Mem(rng, 64, 64);
      const o = rng.range(8, 52);
      mem.put(o, rng.value(size), size);
      const kind = kinds.next();
      const mo = memOperand(rng, kind, mem.addr(o), []);
      applyMem(regs, mo);
      cs.add({ name: `test m${size},imm${size} [${p}${size === 8 ? "F6" : "F7"}/0] ${kind}`, asm: `test${s} ${imm(rng.value(size))}, ${mo.asm}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: m });
    }
    // F6/F7 /0 on the accumulator (GNU as picks A8/A9).
    {
      const regs: RegVal[] = cs.regs();
      const i = rng.value(size);
      const bytes = [...(size === 16 ? [0x66] : []), size === 8 ? 0xf6 : 0xf7, modrm(3, 0, EAX), ...le(i, size)];
      cs.add({ name: `test acc,imm${size} [${p}${size === 8 ? "F6" : "F7"}/0 long form]`, asm: rawAsm(bytes, `test${s} ${imm(i)}, ${regName(size, EAX)}`), regs, eflags: cs.flags(), flagsMask: m });
    }
  }
}

export const incDecFamily: Family = {
  name: "incdec",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    // SDM INC/DEC: CF is not affected; OF SF ZF AF PF are set according to the result.
    const fl = (k: number): number => eflags((cs.flags() & ~CF & ALL) | (k % 2 ? CF : 0));
    for (const op of ["inc", "dec"] as const) {
      const dig = op === "inc" ? 0 : 1;
      // 40+r / 48+r, every register.
      for (let r = 0; r < 8; r++) {
        const vals = [0x7fffffff, 0x80000000, 0xffffffff, 0, rng.u32(), 0x0000000f, 0x00000010];
        [vals[r % vals.length] as number, vals[(r + 3) % vals.length] as number].forEach((v, k) => {
          const regs: RegVal[] = cs.regs();
          regs[r] = v;
          cs.add({ name: `${op} r32 [${hex(0x40 + dig * 8 + r)}]`, asm: `${op}l ${regName(32, r)}`, regs, eflags: fl(k + r), flagsMask: ALL });
        });
        const regs: RegVal[] = cs.regs();
        setReg(regs, 16, r, [0x7fff, 0x8000, 0xffff, 0][r % 4] as number);
        cs.add({ name: `${op} r16 [66 ${hex(0x40 + dig * 8 + r)}]`, asm: `${op}w ${regName(16, r)}`, regs, eflags: fl(r), flagsMask: ALL });
      }
      // FE /0 /1 on every byte register.
      for (let r = 0; r < 8; r++) {
        const regs: RegVal[] = cs.regs();
        setReg(regs, 8, r, [0x7f, 0x80, 0xff, 0x00, 0x0f, 0x10, 0x01, 0xfe][r] as number);
        cs.add({ name: `${op} r8 [FE/${dig}]`, asm: `${op}b ${regName(8, r)}`, regs, eflags: fl(r), flagsMask: ALL });
      }
      // FE/FF on memory, every size.
      for (const size of [8, 16, 32] as const) {
        for (let k = 0; k < 3; k++) {
          const regs: RegVal[] = cs.regs();
          const mem = new Mem(rng, 64, 64);
          const o = rng.range(8, 52);
          mem.put(o, k === 0 ? (size === 8 ? 0x7f : size === 16 ? 0xffff : 0x80000000) : rng.value(size), size);
          const kind = kinds.next();
          const op2 = memOperand(rng, kind, mem.addr(o), []);
          applyMem(regs, op2);
          cs.add({ name: `${op} m${size} [${size === 8 ? "FE" : size === 16 ? "66 FF" : "FF"}/${dig}] ${kind}`, asm: `${op}${suffix(size)} ${op2.asm}`, regs, eflags: fl(k), mem: mem.spec(), flagsMask: ALL });
        }
      }
      // FF /0 /1 with a register operand (GNU as prefers 40+r).
      for (const [size, r] of [[32, 0], [32, 5], [16, 3]] as const) {
        const regs: RegVal[] = cs.regs();
        setReg(regs, size, r, size === 32 ? 0xffffffff : 0x7fff);
        const bytes = [...(size === 16 ? [0x66] : []), 0xff, modrm(3, dig, r)];
        cs.add({ name: `${op} r${size} [${size === 16 ? "66 " : ""}FF/${dig} reg]`, asm: rawAsm(bytes, `${op}${suffix(size)} ${regName(size, r)} (FF /${dig})`), regs, eflags: fl(r), flagsMask: ALL });
      }
    }
    return cs.list;
  },
};

export const notNegFamily: Family = {
  name: "not-neg",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    // SDM NOT: no flags affected. NEG: CF = (source != 0); OF SF ZF AF PF per result.
    for (const op of ["not", "neg"] as const) {
      const dig = op === "not" ? 2 : 3;
      for (const size of [8, 16, 32] as const) {
        const top = size === 32 ? 0x80000000 : size === 16 ? 0x8000 : 0x80;
        const vals = [0, 1, top, top - 1, size === 32 ? 0xffffffff : top * 2 - 1, 0x10, rng.value(size), rng.value(size)];
        vals.forEach((v, k) => {
          const regs: RegVal[] = cs.regs();
          const r = size === 8 ? k % 8 : [0, 1, 2, 3, 5, 6, 7, 4][k % 8] as number;
          setReg(regs, size, r, v);
          cs.add({ name: `${op} r${size} [${size === 8 ? "F6" : size === 16 ? "66 F7" : "F7"}/${dig}]`, asm: `${op}${suffix(size)} ${regName(size, r)}`, regs, eflags: cs.flags(), flagsMask: ALL });
        });
        for (let k = 0; k < 3; k++) {
          const regs: RegVal[] = cs.regs();
          const mem = new Mem(rng, 64, 64);
          const o = rng.range(8, 52);
          mem.put(o, k === 0 ? 0 : k === 1 ? top : rng.value(size), size);
          const kind = kinds.next();
          const op2 = memOperand(rng, kind, mem.addr(o), []);
          applyMem(regs, op2);
          cs.add({ name: `${op} m${size} [${size === 8 ? "F6" : size === 16 ? "66 F7" : "F7"}/${dig}] ${kind}`, asm: `${op}${suffix(size)} ${op2.asm}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL });
        }
      }
    }
    return cs.list;
  },
};
