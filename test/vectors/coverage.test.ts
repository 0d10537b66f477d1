// Every user-mode form in the opcode table must be exercised by at least one hardware-recorded vector.
import { describe, expect, it } from "vitest";
import { loadVectorFiles } from "./schema.js";
import { DecodeCache, decodeInto, entryOf } from "../../src/cpu/decode.js";
import { A_IOPL, A_PRIVILEGED, Op, OPCODES } from "../../src/cpu/opcodes.js";

/**
 * Forms a Linux user process cannot execute or observe as a single replayable instruction. Each is
 * covered by the system test kernels under test/kernels instead (named in the comment).
 */
const SYSTEM_LEVEL = new Set<Op>([
  Op.MOV_SE, // segment loads: kernels/segments
  Op.POP_SEG,
  Op.JMP_FAR, // far jumps: every kernel's GDT reload
  Op.JMP_FAR_E,
  Op.INT, // interrupt delivery: kernels/int-gates, kernels/dpl
  Op.IRET,
  Op.CLI,
  Op.STI,
  Op.SGDT, // table registers: kernels/tables
  Op.SIDT,
  Op.STR,
  Op.CPUID, // kernels/cpuid (values are implementation-defined)
  Op.RDTSC, // kernels/pit (time)
]);

describe("opcode table coverage by hardware vectors", () => {
  it("every user-mode opcode form has a vector", () => {
    const dc = new DecodeCache(2);
    const covered = new Set<number>();
    for (const f of loadVectorFiles()) {
      for (const c of f.cases) {
        const bytes = Uint8Array.from(c.bytes.match(/../g)!.map((b) => parseInt(b, 16)));
        decodeInto(dc, 0, bytes, bytes.length);
        const e = entryOf(dc, 0);
        if (e) covered.add(e.id);
      }
    }
    const missing = OPCODES.filter(
      (e) => !covered.has(e.id) && (e.attrs & (A_PRIVILEGED | A_IOPL)) === 0 && !SYSTEM_LEVEL.has(e.op),
    ).map((e) => `${e.opcode.toString(16)}${e.ext >= 0 ? "/" + e.ext : ""} ${e.mnemonic} ${e.form}`);
    expect(missing).toEqual([]);
  });
});
