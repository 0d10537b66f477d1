// Flag instructions, NOPs, and the exceptions: #DE from DIV/IDIV, #UD, #OF from INTO, #BP from INT3.
import { Cases, EAX, EDX, Mem, hex, regName, setReg, suffix, type CaseOutcome, type Family, type RegVal, type Size } from "./case.js";
import { ALL, CF, DF, OF, SF, ZF, eflags } from "./flags.js";
import { rawAsm } from "./forms.js";
import { divFaults, setDividend } from "./fam-muldiv.js";
import { KindCycle, applyMem, memOperand } from "./operands.js";

export const flagsMiscFamily: Family = {
  name: "flags-misc",
  build(rng) {
    const cs = new Cases(rng);
    const flagsWithDf = (k: number): number => eflags((cs.flags() & ALL & ~DF) | (k % 2 ? DF : 0));
    // CLC F8, STC F9, CMC F5, CLD FC, STD FD.
    for (const [mn, opc] of [["clc", "F8"], ["stc", "F9"], ["cmc", "F5"], ["cld", "FC"], ["std", "FD"]] as const) {
      for (let k = 0; k < 4; k++) {
        const f = mn === "cmc" || mn === "clc" || mn === "stc" ? eflags((cs.flags() & ALL & ~CF) | (k % 2 ? CF : 0)) : flagsWithDf(k);
        cs.add({ name: `${mn} [${opc}]`, asm: mn, regs: cs.regs(), eflags: f, flagsMask: ALL });
      }
    }
    // SAHF 9E: SF ZF AF PF CF from AH (bits 7 6 4 2 0; bits 5 3 1 ignored; OF untouched). LAHF 9F: AH from them.
    for (const ah of [0x00, 0xff, 0xd5, 0x2a, 0x01, 0x40, rng.int(256), rng.int(256)]) {
      const regs: RegVal[] = cs.regs();
      setReg(regs, 8, 4, ah);
      cs.add({ name: `sahf [9E] ah=${hex(ah)}`, asm: "sahf", regs, eflags: eflags((cs.flags() & ALL) | (ah & 1 ? 0 : OF)), flagsMask: ALL });
    }
    for (let k = 0; k < 8; k++) {
      cs.add({ name: "lahf [9F]", asm: "lahf", regs: cs.regs(), eflags: k === 0 ? eflags(0) : k === 1 ? eflags(ALL & ~DF) : flagsWithDf(k), flagsMask: ALL });
    }
    // NOP 90, 66 90, and the 0F 1F /0 multi-byte NOPs (their memory operand is never accessed).
    const nops: [string, string][] = [
      ["nop", "90"], ["xchgw %ax, %ax", "66 90"], ["nopl %eax", "0F 1F /0 reg"], ["nopw %ax", "66 0F 1F /0 reg"],
      ["nopl (%eax)", "0F 1F 00"], ["{disp8} nopl 0(%eax)", "0F 1F 40 00"], ["nopl (%eax,%eax,1)", "0F 1F 04 00"],
      ["{disp8} nopl 0(%eax,%eax,1)", "0F 1F 44 00 00"], ["{disp8} nopw 0(%eax,%eax,1)", "66 0F 1F 44 00 00"],
      ["{disp32} nopl 0(%eax)", "0F 1F 80 disp32"], ["{disp32} nopl 0(%eax,%eax,1)", "0F 1F 84 disp32"],
      ["{disp32} nopw 0(%eax,%eax,1)", "66 0F 1F 84 disp32"], ["nopl 0x12345678(%ebx,%esi,8)", "0F 1F 84 sib"],
      ["nopw 0x7fffffff", "66 0F 1F 05 disp32"],
    ];
    for (const [asm, what] of nops) {
      cs.add({ name: `nop ${asm.replace(/^\{disp(8|32)\} /, "")} [${what}]`, asm, regs: cs.regs(), eflags: cs.flags(), flagsMask: ALL });
    }
    return cs.list;
  },
};

const EXC_DE = 0, EXC_BP = 3, EXC_OF = 4, EXC_UD = 6;

/** Faults report the faulting instruction's address, traps the next one (SDM vol. 3A §6.5). */
function excEip(kind: "fault" | "trap"): (out: CaseOutcome) => string | undefined {
  return (out) => {
    const want = kind === "fault" ? out.start : out.end;
    return out.eip === want ? undefined : `expected exception EIP ${hex(want)}, got ${hex(out.eip)}`;
  };
}

export const exceptionsFamily: Family = {
  name: "exceptions",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    // #DE: divisor 0, register and memory, every size, DIV and IDIV.
    for (const op of ["div", "idiv"] as const) {
      for (const size of [8, 16, 32] as const) {
        for (const useMem of [false, true]) {
          const regs: RegVal[] = cs.regs();
          setDividend(regs, size, BigInt(rng.u32()));
          const common = { eflags: cs.flags(), flagsMask: ALL, fault: EXC_DE, check: excEip("fault") };
          if (!useMem) {
            const r = size === 8 ? 3 : 1;
            setReg(regs, size, r, 0);
            cs.add({ name: `${op} r${size} by zero #DE`, asm: `${op}${suffix(size)} ${regName(size, r)}`, regs, ...common });
          } else {
            const mem = new Mem(rng, 64, 64);
            const o = rng.range(8, 52);
            mem.put(o, 0, size);
            const kind = kinds.next([EAX, EDX]);
            const mo = memOperand(rng, kind, mem.addr(o), [EAX, EDX]);
            applyMem(regs, mo);
            cs.add({ name: `${op} m${size} by zero #DE ${kind}`, asm: `${op}${suffix(size)} ${mo.asm}`, regs, mem: mem.spec(), ...common });
          }
        }
      }
    }
    // #DE: quotient too large for the destination.
    const overflows: [string, Size, bigint, number][] = [
      ["div", 8, 0x1000n, 0x10], ["div", 8, 0xffffn, 0x01], ["div", 16, 0x00010000n, 1], ["div", 16, 0xffffffffn, 0xffff],
      ["div", 32, 0x100000000n, 1], ["div", 32, 0xffffffff00000000n, 0xffffffff],
      ["idiv", 8, -128n, 0xff], ["idiv", 8, 0x4000n, 2], ["idiv", 8, -0x100n, 1], ["idiv", 16, -0x8000n, 0xffff], ["idiv", 16, 0x10000n, 1],
      ["idiv", 32, -0x80000000n, 0xffffffff], ["idiv", 32, 0x80000000n, 1], ["idiv", 32, -0x100000000n, 1], ["idiv", 32, 0x7fffffffffffffffn, 0x7fffffff],
    ];
    overflows.forEach(([op, size, dividend, divisor], j) => {
      if (!divFaults(op === "idiv", size, dividend, divisor)) throw new Error(`${op} ${dividend}/${divisor} does not fault`);
      const regs: RegVal[] = cs.regs();
      setDividend(regs, size, dividend);
      const common = { eflags: cs.flags(), flagsMask: ALL, fault: EXC_DE, check: excEip("fault") };
      const name = `${op}${size} quotient overflow ${dividend < 0n ? "-" : ""}${hex(Number(dividend < 0n ? -dividend : dividend) >>> 0)}${dividend > 0xffffffffn || dividend < -0xffffffffn ? "..." : ""}/${hex(divisor)} #DE`;
      if (j % 3 !== 2) {
        const r = size === 8 ? 1 : 3;
        setReg(regs, size, r, divisor);
        cs.add({ name: `${name} reg`, asm: `${op}${suffix(size)} ${regName(size, r)}`, regs, ...common });
      } else {
        const mem = new Mem(rng, 64, 64);
        const o = rng.range(8, 52);
        mem.put(o, divisor, size);
        const kind = kinds.next([EAX, EDX]);
        const mo = memOperand(rng, kind, mem.addr(o), [EAX, EDX]);
        applyMem(regs, mo);
        cs.add({ name: `${name} ${kind}`, asm: `${op}${suffix(size)} ${mo.asm}`, regs, mem: mem.spec(), ...common });
      }
    });
    // DIV r/m8 by AH always overflows (AX / AH >= 256); EDX:EAX / EDX likewise.
    {
      const regs: RegVal[] = cs.regs();
      setReg(regs, 8, 4, 0x01);
      cs.add({ name: "div ah (AX/AH) #DE", asm: "divb %ah", regs, eflags: cs.flags(), flagsMask: ALL, fault: EXC_DE, check: excEip("fault") });
      const regs2: RegVal[] = cs.regs();
      regs2[EDX] = 0x00000001;
      cs.add({ name: "div edx (EDX:EAX/EDX) #DE", asm: "divl %edx", regs: regs2, eflags: cs.flags(), flagsMask: ALL, fault: EXC_DE, check: excEip("fault") });
    }
    // #UD: UD2 (0F 0B), and LOCK on a register destination.
    for (let k = 0; k < 3; k++) {
      cs.add({ name: "ud2 [0F 0B] #UD", asm: "ud2", regs: cs.regs(), eflags: cs.flags(), flagsMask: ALL, fault: EXC_UD, check: excEip("fault") });
    }
    cs.add({ name: "lock add r32,r32 #UD", asm: rawAsm([0xf0, 0x01, 0xd8], "lock addl %ebx, %eax"), regs: cs.regs(), eflags: cs.flags(), flagsMask: ALL, fault: EXC_UD, check: excEip("fault") });
    // INTO (CE): #OF trap when OF=1, nothing when OF=0.
    for (let k = 0; k < 4; k++) {
      const of = k < 3;
      const f = eflags((cs.flags() & ALL & ~OF) | (of ? OF : 0) | (k === 1 ? SF | ZF | CF : 0));
      cs.add({ name: `into [CE] OF=${of ? 1 : 0}${of ? " #OF" : ""}`, asm: "into", regs: cs.regs(), eflags: f, flagsMask: ALL, ...(of ? { fault: EXC_OF, check: excEip("trap") } : {}) });
    }
    // INT3 (CC) and INT 3 (CD 03): #BP traps.
    for (let k = 0; k < 3; k++) {
      cs.add({ name: "int3 [CC] #BP", asm: "int3", regs: cs.regs(), eflags: cs.flags(), flagsMask: ALL, fault: EXC_BP, check: excEip("trap") });
    }
    cs.add({ name: "int $3 [CD 03] #BP", asm: rawAsm([0xcd, 0x03], "int $3 (GNU as would emit CC)"), regs: cs.regs(), eflags: cs.flags(), flagsMask: ALL, fault: EXC_BP, check: excEip("trap") });
    return cs.list;
  },
};
