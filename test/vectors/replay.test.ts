// Replays every hardware-recorded instruction vector on the simulated CPU (one instruction, CPL 3, like the recording).
import { describe, expect, it } from "vitest";
import { loadVectorFiles, caseRegsMask, VECTOR_HOST_EFLAGS, type VectorCase } from "./schema.js";
import { makeTestCpu, resetPrivilege, type TestCpu } from "../helpers/test-cpu.js";
import { materializeFlags } from "../../src/cpu/flags.js";
import { CC_EFLAGS } from "../../src/cpu/flags.js";
import { REG_ESP, SEG_CS, S_CC_OP, S_EFLAGS, S_EIP } from "../../src/cpu/state.js";
import { commitSegment } from "../../src/cpu/segments.js";
import { flatDescriptor } from "../../src/machine/boot-state.js";

const files = loadVectorFiles();
const hex = (v: number): string => "0x" + (v >>> 0).toString(16).padStart(8, "0");
const REG = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];

function fromHex(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** Run one case; returns a list of human-readable mismatches (empty when the CPU matches hardware). */
function replay(t: TestCpu, c: VectorCase): string[] {
  const { cpu, phys } = t;
  const s = cpu.s;
  t.deliveries.length = 0;
  resetPrivilege(t, 3);
  if (c.init.segs) {
    const code = flatDescriptor(true, 3);
    const data = flatDescriptor(false, 3);
    c.init.segs.forEach((sel, seg) => commitSegment(cpu, seg, sel, seg === SEG_CS ? code.lo : data.lo, seg === SEG_CS ? code.hi : data.hi));
  }
  phys.load(c.codeAddr, fromHex(c.bytes));
  if (c.mem) phys.load(c.mem.base, fromHex(c.mem.init));
  for (let r = 0; r < 8; r++) s[r] = c.init.regs[r]! | 0;
  s[S_EFLAGS] = c.init.eflags | VECTOR_HOST_EFLAGS;
  s[S_CC_OP] = CC_EFLAGS;
  s[S_EIP] = c.codeAddr;
  cpu.recomputeAttention();
  // A REP string instruction is one instruction to the hardware; the CPU retires it per iteration.
  for (let i = 0; i < 100_000; i++) {
    cpu.stepOne();
    if (s[S_EIP]! >>> 0 !== c.codeAddr || t.deliveries.length > 0) break;
  }
  materializeFlags(s);
  const out: string[] = [];
  if (c.exception) {
    const d = t.deliveries[0];
    if (!d) return [`expected ${c.exception.vector} exception, none delivered`];
    if (d.vector !== c.exception.vector) out.push(`vector ${d.vector} != ${c.exception.vector}`);
    if (d.pushedEip >>> 0 !== c.exception.eip) out.push(`pushed eip ${hex(d.pushedEip)} != ${hex(c.exception.eip)}`);
    for (let r = 0; r < 8; r++) {
      if (r === REG_ESP) continue; // now on the kernel stack; the frame holds the user ESP
      if (s[r]! >>> 0 !== c.init.regs[r]) out.push(`${REG[r]} changed by a faulting instruction`);
    }
    const savedEsp = phys.dv.getUint32(d.frameEsp + 12, true);
    if (savedEsp !== c.init.regs[REG_ESP]) out.push(`frame esp ${hex(savedEsp)} != ${hex(c.init.regs[REG_ESP]!)}`);
    return out;
  }
  if (t.deliveries.length > 0) return [`unexpected exception ${t.deliveries[0]!.vector} at ${hex(t.deliveries[0]!.pushedEip)}`];
  const mask = caseRegsMask(c);
  for (let r = 0; r < 8; r++) {
    const got = (s[r]! & mask[r]!) >>> 0;
    const want = (c.final.regs[r]! & mask[r]!) >>> 0;
    if (got !== want) out.push(`${REG[r]} ${hex(got)} != ${hex(want)}`);
  }
  const fg = (s[S_EFLAGS]! & c.flagsMask) >>> 0;
  const fw = (c.final.eflags & c.flagsMask) >>> 0;
  if (fg !== fw) out.push(`eflags ${hex(fg)} != ${hex(fw)} (mask ${hex(c.flagsMask)})`);
  if (s[S_EIP]! >>> 0 !== c.final.eip) out.push(`eip ${hex(s[S_EIP]!)} != ${hex(c.final.eip)}`);
  if (c.mem && c.final.mem) {
    const want = fromHex(c.final.mem);
    const got = phys.bytes.subarray(c.mem.base, c.mem.base + want.length);
    for (let i = 0; i < want.length; i++) {
      if (got[i] !== want[i]) {
        out.push(`mem[${hex(c.mem.base + i)}] ${got[i]!.toString(16)} != ${want[i]!.toString(16)}`);
        break;
      }
    }
  }
  return out;
}

describe("hardware-recorded instruction vectors", () => {
  it("has at least 3,000 cases", () => {
    expect(files.reduce((n, f) => n + f.cases.length, 0)).toBeGreaterThanOrEqual(3000);
  });
  for (const file of files) {
    it(`${file.family}: ${file.cases.length} cases match the hardware`, () => {
      const t = makeTestCpu({ cpl: 3 });
      const failures: string[] = [];
      for (const c of file.cases) {
        const diff = replay(t, c);
        if (diff.length > 0) failures.push(`${c.name} [${c.asm}] ${c.bytes}: ${diff.join("; ")}`);
      }
      expect(failures.slice(0, 20), `${failures.length} of ${file.cases.length} cases differ`).toEqual([]);
    });
  }
});

describe("exception frames as the recording CPU pushed them", () => {
  it("faults push EFLAGS with RF set, traps without it (SDM 3B 17.3.1.1, matching the recorded signal contexts)", () => {
    const t = makeTestCpu({ cpl: 3 });
    for (const file of files.filter((f) => f.family === "exceptions")) {
      for (const c of file.cases.filter((x) => x.exception !== undefined)) {
        replay(t, c);
        const d = t.deliveries[0]!;
        const pushed = t.phys.dv.getUint32(d.frameEsp + 8, true);
        // The recorded final.eflags is what the kernel saw in the frame.
        expect((pushed & 0x10000) >>> 0, c.name).toBe((c.final.eflags & 0x10000) >>> 0);
      }
    }
  });
});
