// Control flow and the stack: Jcc/JMP/LOOP/JECXZ, CALL/RET, PUSH/POP of every kind, PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE.
import {
  CONDITIONS, Cases, ECX, EBP, ESP, LANDING_FWD, Mem, R32, conditionHolds, hex, regName,
  type CaseOutcome, type Family, type RegVal,
} from "./case.js";
import { ALL, CF, DF, OF, PF, SF, ZF, eflags } from "./flags.js";
import { modrm, rawAsm } from "./forms.js";
import { conditionFlagSets } from "./fam-move.js";
import { KindCycle, applyMem, memOperand, type MemKind } from "./operands.js";

function wantEip(taken: boolean, target: "fwd" | "back", fwd: number, back: number): (out: CaseOutcome) => string | undefined {
  return (out) => {
    const want = !taken ? out.end : target === "fwd" ? out.start + fwd : out.start - back;
    return out.eip === want ? undefined : `expected EIP ${hex(want)} (${taken ? "taken" : "not taken"}), got ${hex(out.eip)}`;
  };
}

function read32(mem: Uint8Array, off: number): number {
  return ((mem[off] ?? 0) | ((mem[off + 1] ?? 0) << 8) | ((mem[off + 2] ?? 0) << 16) | ((mem[off + 3] ?? 0) << 24)) >>> 0;
}

export const jccLoopFamily: Family = {
  name: "jcc-loop",
  build(rng) {
    const cs = new Cases(rng);
    // Jcc rel8 (70+cc) and rel32 (0F 80+cc), forward and backward, taken and not taken, at the rel8 limits.
    const forms: { label: string; asm: (cc: string) => string; fwd?: number; back?: number }[] = [
      { label: "rel8 fwd", asm: (cc) => `j${cc} .+40`, fwd: 40 },
      { label: "rel8 fwd +127", asm: (cc) => `j${cc} .+129`, fwd: 129 },
      { label: "rel8 back", asm: (cc) => `j${cc} .-24`, back: 24 },
      { label: "rel8 back -128", asm: (cc) => `j${cc} .-126`, back: 126 },
      { label: "rel32 fwd", asm: (cc) => `{disp32} j${cc} .+48`, fwd: 48 },
      { label: "rel32 fwd far", asm: (cc) => `j${cc} .+1000`, fwd: 1000 },
      { label: "rel32 back", asm: (cc) => `{disp32} j${cc} .-32`, back: 32 },
      { label: "rel32 back far", asm: (cc) => `j${cc} .-600`, back: 600 },
    ];
    const sets = conditionFlagSets();
    CONDITIONS.forEach((cc, n) => {
      const takenSets = sets.filter((f) => conditionHolds(n, f));
      const notSets = sets.filter((f) => !conditionHolds(n, f));
      for (const form of forms) {
        for (const taken of [true, false]) {
          const f = eflags((rng.pick(taken ? takenSets : notSets) & ~0x2) | (rng.bool() ? 0x10 : 0));
          const fwd = form.fwd ?? 0;
          const back = form.back ?? 0;
          cs.add({
            name: `j${cc} ${form.label} ${taken ? "taken" : "not taken"} [${form.label.startsWith("rel8") ? (0x70 + n).toString(16).toUpperCase() : `0F ${(0x80 + n).toString(16).toUpperCase()}`}]`,
            asm: form.asm(cc), regs: cs.regs(), eflags: f, flagsMask: ALL,
            ...(form.fwd !== undefined ? { fwd } : { back }),
            check: wantEip(taken, form.fwd !== undefined ? "fwd" : "back", fwd, back),
          });
        }
      }
    });
    // Every condition once more with a full 32-bit flag pattern set, rel8 forward: the truth table row by row.
    CONDITIONS.forEach((cc, n) => {
      for (let j = 0; j < 8; j++) {
        const f = eflags((sets[(n * 7 + j * 5) % 32] as number) & ~0x2);
        cs.add({ name: `j${cc} rel8 truth flags=${hex(f)}`, asm: `j${cc} .+36`, regs: cs.regs(), eflags: f, flagsMask: ALL, fwd: 36, check: wantEip(conditionHolds(n, f), "fwd", 36, 0) });
      }
    });
    // A taken branch to the next instruction.
    cs.add({ name: "je rel8 +0 taken", asm: "je .+2", regs: cs.regs(), eflags: eflags(ZF), flagsMask: ALL });
    cs.add({ name: "jmp rel8 +0", asm: "jmp .+2", regs: cs.regs(), eflags: cs.flags(), flagsMask: ALL });
    // JMP rel8 (EB) and rel32 (E9).
    for (const [label, asm, fwd, back] of [
      ["rel8 fwd [EB]", "jmp .+64", 64, undefined], ["rel8 fwd +127 [EB]", "jmp .+129", 129, undefined],
      ["rel8 back [EB]", "jmp .-40", undefined, 40], ["rel8 back -128 [EB]", "jmp .-126", undefined, 126],
      ["rel32 fwd [E9]", "{disp32} jmp .+48", 48, undefined], ["rel32 fwd far [E9]", "jmp .+2000", 2000, undefined],
      ["rel32 back [E9]", "{disp32} jmp .-20", undefined, 20], ["rel32 back far [E9]", "jmp .-400", undefined, 400],
    ] as const) {
      cs.add({ name: `jmp ${label}`, asm, regs: cs.regs(), eflags: cs.flags(), flagsMask: ALL, ...(fwd !== undefined ? { fwd } : { back: back ?? 0 }), check: wantEip(true, fwd !== undefined ? "fwd" : "back", fwd ?? 0, back ?? 0) });
    }
    // JMP r/m32 (FF /4): every register, and memory operands holding the target.
    for (let r = 0; r < 8; r++) {
      const regs: RegVal[] = cs.regs();
      regs[r] = LANDING_FWD;
      cs.add({ name: `jmp *r32 ${R32[r]} [FF/4]`, asm: `jmp *${regName(32, r)}`, regs, eflags: cs.flags(), flagsMask: ALL, fwd: 32, check: wantEip(true, "fwd", 32, 0) });
    }
    const kinds = new KindCycle(["base", "abs", "d8", "d32", "sib", "sib8", "nobase", "esp", "esp8", "ebp0", "ebp8", "eiz", "wrap"]);
    for (let k = 0; k < 13; k++) {
      const regs: RegVal[] = cs.regs();
      const mem = new Mem(rng, 64, 64);
      const o = rng.range(8, 52);
      mem.label(o, LANDING_FWD);
      const kind = kinds.next();
      const mo = memOperand(rng, kind, mem.addr(o), []);
      applyMem(regs, mo);
      cs.add({ name: `jmp *m32 [FF/4] ${kind}`, asm: `jmp *${mo.asm}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL, fwd: 32, check: wantEip(true, "fwd", 32, 0) });
    }
    // LOOP (E2), LOOPE (E1), LOOPNE (E0), JECXZ (E3): ECX counts down first; JECXZ looks at all 32 bits.
    const loops: [string, string, number, number, boolean][] = [];
    for (const ecx of [1, 0, 2, 0x10000, 0xffffffff]) loops.push(["loop", "E2", ecx, 0, ecx !== 1]);
    for (const ecx of [1, 2, 0]) {
      for (const zf of [0, ZF]) {
        loops.push(["loope", "E1", ecx, zf, ecx !== 1 && zf !== 0]);
        loops.push(["loopne", "E0", ecx, zf, ecx !== 1 && zf === 0]);
      }
    }
    for (const ecx of [0, 1, 0x10000, 0xffff0000]) loops.push(["jecxz", "E3", ecx, 0, ecx === 0]);
    loops.forEach(([mn, opc, ecx, zf, taken], j) => {
      const regs: RegVal[] = cs.regs();
      regs[ECX] = ecx;
      const f = eflags((cs.flags() & ALL & ~ZF) | zf);
      const back = j % 2 === 1;
      cs.add({
        name: `${mn} ${back ? "back" : "fwd"} ecx=${hex(ecx)}${mn.startsWith("loop") && mn !== "loop" ? ` zf=${zf ? 1 : 0}` : ""} [${opc}]`,
        asm: back ? `${mn} .-${j % 4 === 1 ? 126 : 30}` : `${mn} .+${j % 4 === 0 ? 129 : 34}`,
        regs, eflags: f, flagsMask: ALL, ...(back ? { back: j % 4 === 1 ? 126 : 30 } : { fwd: j % 4 === 0 ? 129 : 34 }),
        check: wantEip(taken, back ? "back" : "fwd", j % 4 === 0 ? 129 : 34, j % 4 === 1 ? 126 : 30),
      });
    });
    return cs.list;
  },
};

/** Stack cases keep ESP in the middle of a 128-byte window at scratch offset 64. */
function stackMem(cs: Cases): Mem {
  return new Mem(cs.rng, 64, 128);
}

export const callRetFamily: Family = {
  name: "call-ret",
  build(rng) {
    const cs = new Cases(rng);
    const pushedEnd = (espOff: number) => (out: CaseOutcome): string | undefined =>
      read32(out.mem, espOff - 4) === out.end ? undefined : "return address not pushed";
    // CALL rel32 (E8), forward and backward, with aligned and misaligned stacks.
    for (const [label, asm, fwd, back, espAt] of [
      ["fwd", "call .+40", 40, undefined, 64], ["fwd far", "call .+1500", 1500, undefined, 64], ["back", "call .-40", undefined, 40, 64],
      ["back far", "call .-300", undefined, 300, 64], ["fwd misaligned stack", "call .+40", 40, undefined, 61], ["back misaligned stack", "call .-24", undefined, 24, 66],
    ] as const) {
      const regs: RegVal[] = cs.regs();
      const mem = stackMem(cs);
      regs[ESP] = mem.addr(espAt);
      cs.add({ name: `call rel32 ${label} [E8]`, asm, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL, ...(fwd !== undefined ? { fwd } : { back: back ?? 0 }), check: pushedEnd(64 + espAt) });
    }
    // CALL r/m32 (FF /2) through every register but ESP.
    for (const r of [0, 1, 2, 3, 5, 6, 7]) {
      const regs: RegVal[] = cs.regs();
      const mem = stackMem(cs);
      regs[ESP] = mem.addr(64);
      regs[r] = LANDING_FWD;
      cs.add({ name: `call *r32 ${R32[r]} [FF/2]`, asm: `call *${regName(32, r)}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL, fwd: 32, check: pushedEnd(128) });
    }
    // CALL m32 through memory, including ESP-relative operands read before the push.
    const kinds: MemKind[] = ["base", "abs", "d8", "d32", "sib", "sib8", "sib32", "nobase", "ebp8", "eiz", "wrap"];
    for (const kind of kinds) {
      const regs: RegVal[] = cs.regs();
      const mem = stackMem(cs);
      regs[ESP] = mem.addr(64);
      const o = rng.range(72, 120);
      mem.label(o, LANDING_FWD);
      const mo = memOperand(rng, kind, mem.addr(o), [ESP]);
      applyMem(regs, mo);
      cs.add({ name: `call *m32 [FF/2] ${kind}`, asm: `call *${mo.asm}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL, fwd: 32, check: pushedEnd(128) });
    }
    for (const [asm, at] of [["call *(%esp)", 0], ["call *8(%esp)", 8], ["call *-4(%esp)", -4]] as const) {
      const regs: RegVal[] = cs.regs();
      const mem = stackMem(cs);
      regs[ESP] = mem.addr(64);
      mem.label(64 + at, LANDING_FWD);
      // call *-4(%esp) reads the slot the push then overwrites with the return address.
      cs.add({ name: `call *m32 [FF/2] esp-relative ${at}`, asm, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL, fwd: 32, check: pushedEnd(128) });
    }
    // RET (C3) and RET imm16 (C2), the return address planted in the stack slot.
    for (const [label, asm, espAt] of [
      ["[C3]", "ret", 64], ["[C3] misaligned", "ret", 63], ["imm16=0 [C2]", "ret $0", 64], ["imm16=4 [C2]", "ret $4", 64],
      ["imm16=8 [C2]", "ret $8", 60], ["imm16=0x1 [C2]", "ret $1", 64], ["imm16=0xfffc [C2]", "ret $0xfffc", 64], ["imm16=0x8000 [C2]", "ret $0x8000", 64],
    ] as const) {
      const regs: RegVal[] = cs.regs();
      const mem = stackMem(cs);
      regs[ESP] = mem.addr(espAt);
      mem.label(espAt, LANDING_FWD);
      cs.add({ name: `ret ${label}`, asm, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL, fwd: 32, check: wantEip(true, "fwd", 32, 0) });
    }
    // RET with ESP near the top of 32-bit space: the pop wraps... avoided; a RET whose slot holds a backward target.
    {
      const regs: RegVal[] = cs.regs();
      const mem = stackMem(cs);
      regs[ESP] = mem.addr(64);
      mem.label(64, "@B");
      cs.add({ name: "ret [C3] backward target", asm: "ret", regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL, back: 40, check: wantEip(true, "back", 0, 40) });
    }
    return cs.list;
  },
};

export const stackFamily: Family = {
  name: "stack",
  build(rng) {
    const cs = new Cases(rng);
    const withStack = (espAt = 64): { regs: RegVal[]; mem: Mem } => {
      const regs: RegVal[] = cs.regs();
      const mem = stackMem(cs);
      regs[ESP] = mem.addr(espAt);
      return { regs, mem };
    };
    const add = (name: string, asm: string, regs: RegVal[], mem: Mem, fl?: number): void => {
      cs.add({ name, asm, regs, eflags: fl ?? cs.flags(), mem: mem.spec(), flagsMask: ALL });
    };
    // PUSH r32 (50+r) and POP r32 (58+r) for every register: PUSH ESP pushes the old value; POP ESP loads the popped value.
    for (let r = 0; r < 8; r++) {
      const a = withStack(r === 5 ? 62 : 64);
      add(`push r32 ${R32[r]} [${(0x50 + r).toString(16).toUpperCase()}]`, `pushl ${regName(32, r)}`, a.regs, a.mem);
      const b = withStack();
      add(`pop r32 ${R32[r]} [${(0x58 + r).toString(16).toUpperCase()}]`, `popl ${regName(32, r)}`, b.regs, b.mem);
    }
    // 16-bit pushes and pops (66 50+r / 66 58+r): ESP moves by 2; POP SP replaces only SP.
    for (const r of [0, 3, 4, 6]) {
      const a = withStack();
      add(`push r16 ${regName(16, r)} [66 ${(0x50 + r).toString(16).toUpperCase()}]`, `pushw ${regName(16, r)}`, a.regs, a.mem);
    }
    for (const r of [1, 3, 4, 7]) {
      const b = withStack();
      add(`pop r16 ${regName(16, r)} [66 ${(0x58 + r).toString(16).toUpperCase()}]`, `popw ${regName(16, r)}`, b.regs, b.mem);
    }
    // PUSH imm8 (6A, sign-extended), imm32 (68), and their 16-bit forms.
    for (const [asm, what] of [["pushl $0xffffffff", "6A"], ["pushl $0x7f", "6A"], ["pushl $0xffffff80", "6A"], ["pushl $0x12345678", "68"], ["pushl $0x80", "68"], ["pushw $0xfffe", "66 6A"], ["pushw $0x1234", "66 68"]] as const) {
      const a = withStack();
      add(`push imm [${what}] ${asm.split(" ")[1]}`, asm, a.regs, a.mem);
    }
    // PUSH m32/m16 (FF /6): the address is computed before ESP moves.
    for (const [asm, at] of [["pushl (%ebx)", 90], ["pushl (%esp)", 64], ["pushl 8(%esp)", 72], ["pushl -4(%esp)", 60], ["pushw (%esi)", 100], ["pushl 0x600090", 80]] as const) {
      const a = withStack();
      if (asm.includes("%ebx")) a.regs[3] = a.mem.addr(at);
      if (asm.includes("%esi")) a.regs[6] = a.mem.addr(at);
      add(`push m [${asm.startsWith("pushw") ? "66 " : ""}FF/6] ${asm.split(" ")[1]}`, asm, a.regs, a.mem);
    }
    {
      const a = withStack();
      add("push r32 [FF/6 reg] ebx", rawAsm([0xff, modrm(3, 6, 3)], "pushl %ebx (FF /6)"), a.regs, a.mem);
      const b = withStack();
      add("push r32 [FF/6 reg] esp", rawAsm([0xff, modrm(3, 6, 4)], "pushl %esp (FF /6)"), b.regs, b.mem);
    }
    // POP m32/m16 (8F /0): an ESP-based destination is addressed after ESP is incremented (SDM POP).
    for (const [asm, base] of [["popl (%ebx)", 100], ["popl (%esp)", 0], ["popl 4(%esp)", 0], ["popl -4(%esp)", 0], ["popw 2(%ebx)", 110], ["popl 0x6000a0", 0]] as const) {
      const a = withStack();
      if (asm.includes("%ebx")) a.regs[3] = a.mem.addr(base);
      add(`pop m [${asm.startsWith("popw") ? "66 " : ""}8F/0] ${asm.split(" ")[1]}`, asm, a.regs, a.mem);
    }
    {
      const a = withStack();
      add("pop r32 [8F/0 reg] edi", rawAsm([0x8f, modrm(3, 0, 7)], "popl %edi (8F /0)"), a.regs, a.mem);
      const b = withStack();
      add("pop r32 [8F/0 reg] esp", rawAsm([0x8f, modrm(3, 0, 4)], "popl %esp (8F /0)"), b.regs, b.mem);
    }
    // PUSHA/POPA (60/61) and the 16-bit forms: POPA discards the stored ESP.
    for (const [asm, what] of [["pushal", "60"], ["pushaw", "66 60"], ["popal", "61"], ["popaw", "66 61"]] as const) {
      for (let k = 0; k < 2; k++) {
        const a = withStack(asm.startsWith("push") ? 64 : 40 + 8 * k);
        add(`${asm} [${what}]`, asm, a.regs, a.mem);
      }
    }
    // PUSHF/POPF (9C/9D) and 16-bit forms: status flags and DF only (at CPL 3 POPF cannot change IF or IOPL).
    const flagSets = [0, CF | ZF, SF | OF | DF, PF, ALL, CF | PF | 0x10 | ZF | SF | OF];
    flagSets.forEach((f, k) => {
      const a = withStack();
      add(`pushfl [9C] ${hex(eflags(f))}`, "pushfl", a.regs, a.mem, eflags(f));
      const b = withStack(k % 2 ? 66 : 64);
      b.mem.put(k % 2 ? 66 : 64, k === 3 ? f : eflags(f), 32);
      add(`popfl [9D] ${hex(f)}${k === 3 ? " bit1 clear" : ""}`, "popfl", b.regs, b.mem, eflags(flagSets[(k + 2) % flagSets.length] as number));
    });
    for (const f of [CF | SF, DF | OF | ZF]) {
      const a = withStack();
      add(`pushfw [66 9C] ${hex(eflags(f))}`, "pushfw", a.regs, a.mem, eflags(f));
      const b = withStack();
      b.mem.put(64, eflags(f), 16);
      b.mem.put(66, 0, 16);
      add(`popfw [66 9D] ${hex(f)}`, "popfw", b.regs, b.mem, eflags(ALL & ~f & ~DF));
    }
    // ENTER (C8 iw ib) with nesting levels 0-3 (levels above 1 copy frame pointers from [EBP-4*i]); LEAVE (C9).
    for (const [size, level] of [[0, 0], [16, 0], [8, 1], [0, 1], [4, 2], [12, 3], [0x30, 1], [3, 2], [8, 33]] as const) {
      const a = withStack();
      a.regs[EBP] = a.mem.addr(100);
      add(`enter size=${size} level=${level} [C8]`, `enter $${hex(size)}, $${level}`, a.regs, a.mem);
    }
    for (const [asm, at] of [["leave", 80], ["leave", 64], ["leavew", 90]] as const) {
      const a = withStack();
      a.regs[EBP] = a.mem.addr(at);
      add(`${asm} [${asm === "leavew" ? "66 " : ""}C9] ebp=+${at - 64}`, asm, a.regs, a.mem);
    }
    return cs.list;
  },
};

