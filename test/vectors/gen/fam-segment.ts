// Reads of segment registers (PUSH Sreg, MOV r/m,Sreg) and the undocumented TEST aliases F6/1 and F7/1.
import { Cases, Mem, type Family, type RegVal } from "./case.js";
import { ALL } from "./flags.js";
import { rawAsm } from "./forms.js";
import { SCRATCH_BASE } from "./case.js";

const SREG = ["es", "cs", "ss", "ds", "fs", "gs"] as const;

export const segmentFamily: Family = {
  name: "segment-reads",
  recordsSegments: true,
  build(rng) {
    const cs = new Cases(rng);
    const withStack = (): { regs: RegVal[]; mem: Mem } => {
      const regs: RegVal[] = cs.regs();
      // Random bytes below ESP show how many bytes a segment push really writes (SDM PUSH: 2 or 4).
      const mem = new Mem(rng, 32, 64);
      regs[4] = mem.addr(32);
      return { regs, mem };
    };
    for (let k = 0; k < 6; k++) {
      for (let rep = 0; rep < 2; rep++) {
        const a = withStack();
        cs.add({ name: `push ${SREG[k]} 32-bit`, asm: `pushl %${SREG[k]}`, regs: a.regs, eflags: cs.flags(), mem: a.mem.spec(), flagsMask: ALL });
      }
      const b = withStack();
      cs.add({ name: `push ${SREG[k]} 16-bit`, asm: `pushw %${SREG[k]}`, regs: b.regs, eflags: cs.flags(), mem: b.mem.spec(), flagsMask: ALL });
    }
    for (let k = 0; k < 6; k++) {
      for (const r of ["%eax", "%ebx", "%edi"]) {
        cs.add({ name: `mov r32,${SREG[k]} ${r}`, asm: `movl %${SREG[k]}, ${r}`, regs: cs.regs(), eflags: cs.flags(), flagsMask: ALL });
      }
      cs.add({ name: `mov r16,${SREG[k]}`, asm: `movw %${SREG[k]}, %cx`, regs: cs.regs(), eflags: cs.flags(), flagsMask: ALL });
      const regs: RegVal[] = cs.regs();
      const mem = new Mem(rng, 0, 16);
      regs[3] = mem.addr(4);
      cs.add({ name: `mov m16,${SREG[k]}`, asm: `movw %${SREG[k]}, (%ebx)`, regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL });
    }
    // F6 /1 and F7 /1 decode as TEST on every x86 processor, though the SDM lists only /0.
    for (let k = 0; k < 6; k++) {
      const imm = rng.int(256);
      cs.add({ name: "test r8,imm8 [F6/1]", asm: rawAsm([0xf6, 0xc8 | (k % 4), imm], "testb $imm, %r8 (F6 /1)"), regs: cs.regs(), eflags: cs.flags(), flagsMask: ALL & ~0x10 });
      const i32 = rng.u32();
      cs.add({
        name: "test r32,imm32 [F7/1]",
        asm: rawAsm([0xf7, 0xc8 | k, i32 & 0xff, (i32 >>> 8) & 0xff, (i32 >>> 16) & 0xff, i32 >>> 24], "testl $imm, %r32 (F7 /1)"),
        regs: cs.regs(),
        eflags: cs.flags(),
        flagsMask: ALL & ~0x10,
      });
    }
    const regs: RegVal[] = cs.regs();
    const mem = new Mem(rng, 0, 16);
    regs[6] = mem.addr(0);
    cs.add({ name: "test m8,imm8 [F6/1]", asm: rawAsm([0xf6, 0x0e, 0x5a], "testb $0x5a, (%esi) (F6 /1)"), regs, eflags: cs.flags(), mem: mem.spec(), flagsMask: ALL & ~0x10 });
    void SCRATCH_BASE;
    return cs.list;
  },
};
