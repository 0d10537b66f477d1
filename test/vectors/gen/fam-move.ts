// Data movement: MOV (every opcode), MOVZX/MOVSX, XCHG/CMPXCHG, LEA, CBW/CWDE/CWD/CDQ, SETcc.
import {
  CONDITIONS, Cases, EAX, ESP, Mem, SCRATCH_BASE, R32, conditionHolds, getReg, hex, regName, setReg, suffix,
  type Family, type RegVal, type Size,
} from "./case.js";
import { ALL, CF, OF, PF, SF, ZF, eflags } from "./flags.js";
import { le, modrm, rawAsm, sizeMask } from "./forms.js";
import { KindCycle, MEM_KINDS, applyMem, memOperand } from "./operands.js";
import type { Rng } from "./prng.js";

const GPR_NO_ESP = [0, 1, 2, 3, 5, 6, 7];

function regFor(rng: Rng, size: Size, avoid: readonly number[] = []): number {
  const c = (size === 8 ? [0, 1, 2, 3, 4, 5, 6, 7] : GPR_NO_ESP).filter((r) => !avoid.includes(size === 8 ? r & 3 : r));
  return rng.pick(c);
}

function host(size: Size, r: number): number {
  return size === 8 ? r & 3 : r;
}

function opcodeName(size: Size, op8: string, op: string): string {
  return size === 8 ? op8 : size === 16 ? `66 ${op}` : op;
}

export const movFamily: Family = {
  name: "mov",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    for (const size of [8, 16, 32] as const) {
      const s = suffix(size);
      // 88/89 (store form) and 8A/8B (load form) between registers.
      for (const load of [false, true]) {
        for (let k = 0; k < 4; k++) {
          const regs: RegVal[] = cs.regs();
          const dst = size === 32 && k === 3 ? (load ? ESP : EAX) : regFor(rng, size);
          const src = size === 32 && k === 3 ? (load ? EAX : ESP) : regFor(rng, size, size === 8 && k === 2 ? [] : [host(size, dst)]);
          cs.add({ name: `mov r${size},r${size} [${opcodeName(size, load ? "8A" : "88", load ? "8B" : "89")}]`, asm: `${load ? "{load} " : ""}mov${s} ${regName(size, src)}, ${regName(size, dst)}`, regs, eflags: cs.flags(), flagsMask: ALL });
        }
      }
      // Register to and from memory, cycling through the addressing forms.
      for (const load of [false, true]) {
        for (let k = 0; k < 6; k++) {
          const regs: RegVal[] = cs.regs();
          const mem = new Mem(rng, 64, 64);
          const o = rng.range(8, 52);
          const r = regFor(rng, size);
          const kind = kinds.next([host(size, r)]);
          const mo = memOperand(rng, kind, mem.addr(o), [host(size, r)]);
          applyMem(regs, mo);
          const ops = load ? `${mo.asm}, ${regName(size, r)}` : `${regName(size, r)}, ${mo.asm}`;
          cs.add({ name: `mov ${load ? `r${size},m${size}` : `m${size},r${size}`} [${opcodeName(size, load ? "8A" : "88", load ? "8B" : "89")}] ${kind}`, asm: `mov${s} ${ops}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL });
        }
      }
      // A0-A3: accumulator and a moffs32 absolute address.
      for (const load of [false, true]) {
        for (let k = 0; k < 2; k++) {
          const regs: RegVal[] = cs.regs();
          const mem = new Mem(rng, 64, 64);
          const o = rng.range(8, 52);
          const reg = size === 32 ? "%eax" : size === 16 ? "%ax" : "%al";
          const opc = (load ? 0xa0 : 0xa2) + (size === 8 ? 0 : 1);
          const ops = load ? `${hex(mem.addr(o))}, ${reg}` : `${reg}, ${hex(mem.addr(o))}`;
          cs.add({ name: `mov ${load ? "acc,moffs" : "moffs,acc"}${size} [${size === 16 ? "66 " : ""}${opc.toString(16).toUpperCase()}]`, asm: `mov${s} ${ops}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL });
        }
      }
      // C6/C7 /0: immediate to memory.
      for (let k = 0; k < 3; k++) {
        const regs: RegVal[] = cs.regs();
        const mem = new Mem(rng, 64, 64);
        const o = rng.range(8, 52);
        const kind = kinds.next();
        const mo = memOperand(rng, kind, mem.addr(o), []);
        applyMem(regs, mo);
        cs.add({ name: `mov m${size},imm${size} [${opcodeName(size, "C6", "C7")}/0] ${kind}`, asm: `mov${s} $${hex(rng.value(size))}, ${mo.asm}`, regs, eflags: cs.flags(), flagsMask: ALL, mem: mem.spec() });
      }
      // C6/C7 /0 with a register operand (GNU as prefers B0+r/B8+r).
      {
        const regs: RegVal[] = cs.regs();
        const r = size === 8 ? 5 : 6;
        const v = rng.value(size);
        const bytes = [...(size === 16 ? [0x66] : []), size === 8 ? 0xc6 : 0xc7, modrm(3, 0, r), ...le(v, size)];
        cs.add({ name: `mov r${size},imm${size} [${opcodeName(size, "C6", "C7")}/0 reg]`, asm: rawAsm(bytes, `mov${s} $${hex(v)}, ${regName(size, r)}`), regs, eflags: cs.flags(), flagsMask: ALL });
      }
    }
    // B0-B7 and B8-BF: immediate to every register; 66 B8+r for words.
    for (let r = 0; r < 8; r++) {
      for (const size of [8, 32] as const) {
        const regs: RegVal[] = cs.regs();
        cs.add({ name: `mov r${size},imm${size} [${((size === 8 ? 0xb0 : 0xb8) + r).toString(16).toUpperCase()}]`, asm: `mov${suffix(size)} $${hex(rng.value(size))}, ${regName(size, r)}`, regs, eflags: cs.flags(), flagsMask: ALL });
      }
      if (r % 2 === 0) {
        const regs: RegVal[] = cs.regs();
        cs.add({ name: `mov r16,imm16 [66 ${(0xb8 + r).toString(16).toUpperCase()}]`, asm: `movw $${hex(rng.value(16))}, ${regName(16, r)}`, regs, eflags: cs.flags(), flagsMask: ALL });
      }
    }
    // 8A with mod=00 r/m=101 to AL (GNU as would choose A0).
    {
      const regs: RegVal[] = cs.regs();
      const mem = new Mem(rng, 64, 64);
      const a = mem.addr(17);
      cs.add({ name: "mov r8,m8 [8A disp32 long form]", asm: rawAsm([0x8a, modrm(0, 0, 5), ...le(a, 32)], `movb ${hex(a)}, %al`), regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL });
    }
    return cs.list;
  },
};

export const movzxFamily: Family = {
  name: "movzx-movsx",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    const forms: [string, Size, Size, string][] = [
      ["movzbw", 8, 16, "66 0F B6"], ["movzbl", 8, 32, "0F B6"], ["movzwl", 16, 32, "0F B7"],
      ["movsbw", 8, 16, "66 0F BE"], ["movsbl", 8, 32, "0F BE"], ["movswl", 16, 32, "0F BF"],
    ];
    for (const [mn, from, to, opc] of forms) {
      const vals = from === 8 ? [0, 0x7f, 0x80, 0xff, 0x01, rng.value(8)] : [0, 0x7fff, 0x8000, 0xffff, 0x0080, rng.value(16)];
      vals.forEach((v, j) => {
        const regs: RegVal[] = cs.regs();
        const src = from === 8 ? j % 8 : rng.pick(GPR_NO_ESP);
        const dst = j === 5 ? host(from, src) : rng.pick(GPR_NO_ESP);
        setReg(regs, from, src, v);
        cs.add({ name: `${mn} r${to},r${from} [${opc}]`, asm: `${mn} ${regName(from, src)}, ${regName(to, dst)}`, regs, eflags: cs.flags(), flagsMask: ALL });
      });
      for (const v of from === 8 ? [0x80, 0x7f, rng.value(8)] : [0x8000, 0x7fff, rng.value(16)]) {
        const regs: RegVal[] = cs.regs();
        const mem = new Mem(rng, 64, 64);
        const o = rng.range(8, 52);
        mem.put(o, v, from);
        const dst = rng.pick(GPR_NO_ESP);
        const kind = kinds.next();
        const mo = memOperand(rng, kind, mem.addr(o), []);
        applyMem(regs, mo);
        cs.add({ name: `${mn} r${to},m${from} [${opc}] ${kind}`, asm: `${mn} ${mo.asm}, ${regName(to, dst)}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL });
      }
    }
    return cs.list;
  },
};

export const xchgFamily: Family = {
  name: "xchg-cmpxchg",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle();
    // 86/87 between registers and with memory.
    for (const size of [8, 16, 32] as const) {
      const s = suffix(size);
      for (let k = 0; k < 3; k++) {
        const regs: RegVal[] = cs.regs();
        const a = size === 8 ? rng.range(1, 7) : rng.pick([1, 2, 3, 5, 6, 7]);
        const b = size === 8 ? rng.pick([1, 2, 3, 4, 5, 6, 7].filter((r) => r !== a)) : rng.pick([1, 2, 3, 5, 6, 7].filter((r) => r !== a));
        cs.add({ name: `xchg r${size},r${size} [${opcodeName(size, "86", "87")}]`, asm: `xchg${s} ${regName(size, a)}, ${regName(size, b)}`, regs, eflags: cs.flags(), flagsMask: ALL });
      }
      for (let k = 0; k < 3; k++) {
        const regs: RegVal[] = cs.regs();
        const mem = new Mem(rng, 64, 64);
        const o = rng.range(8, 52);
        const r = regFor(rng, size);
        const kind = kinds.next([host(size, r)]);
        const mo = memOperand(rng, kind, mem.addr(o), [host(size, r)]);
        applyMem(regs, mo);
        cs.add({ name: `xchg m${size},r${size} [${opcodeName(size, "86", "87")}] ${kind}`, asm: k % 2 ? `xchg${s} ${regName(size, r)}, ${mo.asm}` : `xchg${s} ${mo.asm}, ${regName(size, r)}`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL });
      }
    }
    // 90+r: exchange with the accumulator (90 itself is NOP; see flags-misc).
    for (let r = 1; r < 8; r++) {
      const regs: RegVal[] = cs.regs();
      cs.add({ name: `xchg eax,r32 [${(0x90 + r).toString(16).toUpperCase()}]`, asm: `xchgl ${regName(32, r)}, %eax`, regs, eflags: cs.flags(), flagsMask: ALL });
      if (r % 2 === 1) {
        const regs16: RegVal[] = cs.regs();
        cs.add({ name: `xchg ax,r16 [66 ${(0x90 + r).toString(16).toUpperCase()}]`, asm: `xchgw ${regName(16, r)}, %ax`, regs: regs16, eflags: cs.flags(), flagsMask: ALL });
      }
    }
    // 87 with EAX as an operand (GNU as picks 90+r; the ModRM form is a distinct encoding).
    {
      const regs: RegVal[] = cs.regs();
      cs.add({ name: "xchg r32,r32 [87 with eax]", asm: rawAsm([0x87, modrm(3, 0, 3)], "xchgl %eax, %ebx (87 /r)"), regs, eflags: cs.flags(), flagsMask: ALL });
    }
    // CMPXCHG 0F B0 / 0F B1: compare the accumulator with the destination (flags as CMP, SDM CMPXCHG).
    for (const size of [8, 16, 32] as const) {
      const s = suffix(size);
      const m = sizeMask(size);
      const top = (m + 1) / 2;
      const opc = size === 8 ? "0F B0" : size === 16 ? "66 0F B1" : "0F B1";
      const pairs: [number, number][] = [[5, 5], [0, 0], [top, top], [1, 2], [2, 1], [top, 1], [top - 1, m], [rng.value(size), rng.value(size)]];
      pairs.forEach(([acc, dv], j) => {
        const regs: RegVal[] = cs.regs();
        const dst = size === 8 ? rng.pick([1, 2, 3, 5, 6, 7]) : rng.pick([1, 2, 3, 5, 6, 7]);
        const src = size === 8 ? rng.pick([1, 2, 3, 5, 6, 7].filter((r) => (r & 3) !== (dst & 3))) : rng.pick([1, 2, 3, 5, 6, 7].filter((r) => r !== dst));
        setReg(regs, size, EAX, acc);
        setReg(regs, size, dst, dv);
        const eq = acc === dv ? "equal" : "not equal";
        cs.add({ name: `cmpxchg r${size},r${size} ${eq} [${opc}]`, asm: `cmpxchg${s} ${regName(size, src)}, ${regName(size, dst)}`, regs, eflags: cs.flags(), flagsMask: ALL });
        if (j < 4) {
          const regsM: RegVal[] = cs.regs();
          const mem = new Mem(rng, 64, 64);
          const o = rng.range(8, 52);
          mem.put(o, j % 2 === 0 ? acc : dv, size);
          setReg(regsM, size, EAX, acc);
          const r = size === 8 ? rng.pick([1, 2, 3, 5, 6, 7]) : rng.pick([1, 2, 3, 5, 6, 7]);
          const kind = kinds.next([EAX, host(size, r)]);
          const mo = memOperand(rng, kind, mem.addr(o), [EAX, host(size, r)]);
          applyMem(regsM, mo);
          const eqm = j % 2 === 0 || acc === dv ? "equal" : "not equal";
          cs.add({ name: `cmpxchg m${size},r${size} ${eqm} [${opc}] ${kind}`, asm: `cmpxchg${s} ${regName(size, r)}, ${mo.asm}`, regs: regsM, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL });
        }
      });
    }
    // The accumulator as destination (always equal) and as source.
    {
      const regs: RegVal[] = cs.regs();
      cs.add({ name: "cmpxchg eax,r32 (dest is the accumulator)", asm: "cmpxchgl %ecx, %eax", regs, eflags: cs.flags(), flagsMask: ALL });
      const regs2: RegVal[] = cs.regs();
      regs2[3] = regs2[EAX] as number;
      cs.add({ name: "cmpxchg r32,eax equal (source is the accumulator)", asm: "cmpxchgl %eax, %ebx", regs: regs2, eflags: cs.flags(), flagsMask: ALL });
      const regs3: RegVal[] = cs.regs();
      cs.add({ name: "cmpxchg r8 ah,al", asm: "cmpxchgb %ah, %al", regs: regs3, eflags: cs.flags(), flagsMask: ALL });
    }
    return cs.list;
  },
};

export const leaFamily: Family = {
  name: "lea",
  build(rng) {
    const cs = new Cases(rng);
    const disp8 = (): number => rng.pick([1, -1, 127, -128, rng.range(-128, 127)]);
    const disp32 = (): number => rng.pick([0x7fffffff, 0x80000000, 0xffffff7f, 0x80, rng.u32()]);
    const dtext = (d: number, wide: boolean): string => (wide ? hex(d >>> 0) : d < 0 ? `-${hex(-d)}` : hex(d));
    // Every base (and none) with every index (and none), scales and displacement widths rotating.
    let n = 0;
    for (let b = -1; b < 8; b++) {
      for (let i = -1; i < 8; i++) {
        if (i === ESP) continue;
        if (b === -1 && i === -1) {
          // mod=00 r/m=101: absolute disp32.
          const regs: RegVal[] = cs.regs();
          cs.add({ name: "lea r32,disp32 [8D mod00 rm101]", asm: `leal ${hex(disp32())}, ${regName(32, rng.pick(GPR_NO_ESP))}`, regs, eflags: cs.flags(), flagsMask: ALL });
          continue;
        }
        const scale = [1, 2, 4, 8][n % 4] as number;
        const dkind = b === -1 ? 2 : n % 3; // 0 none, 1 disp8, 2 disp32; no base needs disp32
        const d = dkind === 0 ? 0 : dkind === 1 ? disp8() : disp32();
        const dst = n % 7 === 3 && b >= 0 ? b : n % 7 === 5 && i >= 0 ? i : rng.pick([0, 1, 2, 3, 5, 6, 7]);
        const base = b >= 0 ? `%${R32[b]}` : "";
        const index = i >= 0 ? `,%${R32[i]},${scale}` : "";
        const mode = b === ESP || i >= 0 ? "sib" : "modrm";
        const asm = `leal ${dkind === 0 ? "" : dtext(d, dkind === 2)}(${base}${index}), ${regName(32, dst)}`;
        const regs: RegVal[] = cs.regs();
        cs.add({ name: `lea r32,[${b >= 0 ? R32[b] : "-"}+${i >= 0 ? `${R32[i]}*${scale}` : "-"}${dkind === 0 ? "" : dkind === 1 ? "+d8" : "+d32"}] [8D ${mode}]`, asm, regs, eflags: cs.flags(), flagsMask: ALL });
        n++;
      }
    }
    // A handful of the other shapes: [ebp] (mod=01 disp8 0), %eiz, 16-bit destination (66 8D: the address truncated).
    const extra: string[] = [
      "leal (%ebp), %eax", "leal (%esp), %ebx", "leal (%ebx,%eiz,1), %ecx", "leal 0x10(%esi,%eiz,4), %edi",
      "leal (%eax,%eax,8), %eax", "leal -1(%ecx,%ecx,2), %edx", "leal 0x80000000(%edx), %edx",
      "leaw 0x1234(%ebx,%esi,4), %ax", "leaw -0x8(%ebp), %si", "leaw (%eax,%ecx,2), %dx", "leaw 0x7fffffff(,%edi,8), %cx",
      "leaw (%esp), %bp",
    ];
    for (const asm of extra) {
      const regs: RegVal[] = cs.regs();
      cs.add({ name: `lea ${asm.startsWith("leaw") ? "r16" : "r32"} ${asm.slice(5)} [${asm.startsWith("leaw") ? "66 " : ""}8D]`, asm, regs, eflags: cs.flags(), flagsMask: ALL });
    }
    return cs.list;
  },
};

export const cbwFamily: Family = {
  name: "cbw-cdq",
  build(rng) {
    const cs = new Cases(rng);
    const forms: [string, string, Size][] = [["cbtw", "66 98 CBW", 8], ["cwtl", "98 CWDE", 16], ["cwtd", "66 99 CWD", 16], ["cltd", "99 CDQ", 32]];
    for (const [mn, what, from] of forms) {
      const vals = from === 8 ? [0, 0x7f, 0x80, 0xff, 0x01, rng.value(8), rng.value(8)] : from === 16 ? [0, 0x7fff, 0x8000, 0xffff, 0x00ff, rng.value(16), rng.value(16)] : [0, 0x7fffffff, 0x80000000, 0xffffffff, 0x0000ffff, rng.u32(), rng.u32()];
      for (const v of vals) {
        const regs: RegVal[] = cs.regs();
        setReg(regs, from, EAX, v);
        cs.add({ name: `${mn} [${what}] ${hex(v)}`, asm: mn, regs, eflags: cs.flags(), flagsMask: ALL });
      }
    }
    return cs.list;
  },
};

const COND_FLAGS = [CF, PF, ZF, SF, OF] as const;

/** All 32 combinations of the flags conditions read. */
export function conditionFlagSets(): number[] {
  const out: number[] = [];
  for (let bits = 0; bits < 32; bits++) {
    let f = 0;
    COND_FLAGS.forEach((flag, k) => {
      if (bits & (1 << k)) f |= flag;
    });
    out.push(eflags(f));
  }
  return out;
}

export const setccFamily: Family = {
  name: "setcc",
  build(rng) {
    const cs = new Cases(rng);
    const kinds = new KindCycle(MEM_KINDS);
    CONDITIONS.forEach((cc, n) => {
      const opc = `0F ${(0x90 + n).toString(16).toUpperCase()}`;
      conditionFlagSets().forEach((f, j) => {
        const regs: RegVal[] = cs.regs();
        const r = (n + j) % 8;
        const flags = eflags((f & ~0x2) | (rng.bool() ? 0x10 : 0));
        const want = conditionHolds(n, flags) ? 1 : 0;
        cs.add({
          name: `set${cc} r8 [${opc}] flags=${hex(flags)}`, asm: `set${cc} ${regName(8, r)}`, regs, eflags: flags, flagsMask: ALL,
          check: (out) => (getReg(out.regs, 8, r) === want ? undefined : `expected ${want}`),
        });
      });
      for (const j of [0, 1]) {
        const regs: RegVal[] = cs.regs();
        const mem = new Mem(rng, 64, 64);
        const o = rng.range(8, 52);
        const kind = kinds.next();
        const mo = memOperand(rng, kind, mem.addr(o), []);
        applyMem(regs, mo);
        // One case where the condition holds, one where it does not.
        const flags = conditionFlagSets().filter((f) => conditionHolds(n, f) === (j === 0));
        const fl = rng.pick(flags);
        const want = j === 0 ? 1 : 0;
        const addr = mem.addr(o) - SCRATCH_BASE;
        cs.add({
          name: `set${cc} m8 [${opc}] ${kind} ${j === 0 ? "true" : "false"}`, asm: `set${cc} ${mo.asm}`, regs, eflags: fl, mem: mem.spec(), flagsMask: ALL,
          check: (out) => (out.mem[addr] === want ? undefined : `expected ${want} in memory`),
        });
      }
    });
    return cs.list;
  },
};

