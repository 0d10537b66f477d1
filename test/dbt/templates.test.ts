// Each translation template against the encoding the SDM prescribes, and each rollback recipe
// against the state the SDM says the guest had before the instruction (executed for real, host
// instruction by host instruction, rolled back at every position in between).
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/machine/machine.js";
import { TEMPLATE_NAMES, Tpl } from "../../src/dbt/code-cache.js";
import { PcResolution } from "../../src/dbt/restore.js";
import { ENTRY_INDIRECT, ENTRY_INDIRECT_RET_IMM, SPILL, SPILL_EAX, SPILL_RET_IMM } from "../../src/dbt/layout.js";
import { REG_EAX, REG_EDX, REG_ESP, S_EIP } from "../../src/cpu/state.js";
import { CODE, STACK, hostBytes, le, machineWith, rel, translate } from "../helpers/dbt-harness.js";



describe("translation templates produce the SDM encodings", () => {
  it("an ordinary instruction is copied byte for byte, and the block ends with a jmp to the next guest instruction", () => {
    const m = machineWith([0x01, 0xd8, 0xf4]); // add eax, ebx; hlt
    const b = translate(m);
    const bytes = hostBytes(m, b);
    expect(bytes.slice(0, 3)).toEqual([0x01, 0xd8, 0xf4]);
    expect(bytes[3]).toBe(0xe9); // hlt ends a block: a glue jmp follows
    expect(b.insns.map((i) => [TEMPLATE_NAMES[i.tpl], i.nativePc, i.ends])).toEqual([
      ["copy", CODE, true],
      ["copy", CODE + 2, true],
      ["glue", CODE + 3, false],
    ]);
  });

  it("call rel32 pushes the native return address (68 imm32), then jumps (e9 rel32)", () => {
    const m = machineWith([0xe8, 0x10, 0x00, 0x00, 0x00]); // call +0x10
    const b = translate(m);
    const bytes = hostBytes(m, b);
    expect(bytes.slice(0, 5)).toEqual([0x68, ...le(CODE + 5)]);
    expect(bytes[5]).toBe(0xe9);
    const rec = b.exits[0]!;
    expect(m.dbt!.dispatcher.cache.recTarget[rec]).toBe(CODE + 5 + 0x10);
    expect(bytes.slice(6, 10)).toEqual(rel(m.dbt!.dispatcher.cache.recordAddress(rec), b.cacheStart + 10));
    expect(b.insns.map((i) => [TEMPLATE_NAMES[i.tpl], i.ends])).toEqual([
      ["call-push", false],
      ["call-jmp", true],
    ]);
  });

  it("jcc rel8 becomes jcc rel32 (0f 8x) to the taken exit plus a jmp to the fall-through exit", () => {
    const m = machineWith([0x75, 0x05]); // jne +5
    const b = translate(m);
    const bytes = hostBytes(m, b);
    expect(bytes.slice(0, 2)).toEqual([0x0f, 0x85]);
    expect(bytes[6]).toBe(0xe9);
    const cache = m.dbt!.dispatcher.cache;
    expect(b.exits.map((r) => cache.recTarget[r])).toEqual([CODE + 2 + 5, CODE + 2]);
  });

  it("call *%eax: push eax (ff f0), pop [spill] (8f 05), push native return (68), jmp to the indirect lookup", () => {
    const m = machineWith([0xff, 0xd0]); // call eax
    const b = translate(m);
    const s = b.cacheStart;
    expect(hostBytes(m, b)).toEqual([0xff, 0xf0, 0x8f, 0x05, ...le(SPILL), 0x68, ...le(CODE + 2), 0xe9, ...rel(ENTRY_INDIRECT, s + 18)]);
  });

  it("call *0x8(%esp) keeps the ESP-relative operand (PUSH reads it before moving ESP)", () => {
    const m = machineWith([0xff, 0x54, 0x24, 0x08]); // call [esp+8]
    expect(hostBytes(m, translate(m)).slice(0, 4)).toEqual([0xff, 0x74, 0x24, 0x08]);
  });

  it("jmp *%edx borrows EAX through spill slot 1 and never writes the guest's stack", () => {
    const m = machineWith([0xff, 0xe2]); // jmp edx
    const b = translate(m);
    expect(hostBytes(m, b)).toEqual([0xa3, ...le(SPILL_EAX), 0x8b, 0xc2, 0xa3, ...le(SPILL), 0xa1, ...le(SPILL_EAX), 0xe9, ...rel(ENTRY_INDIRECT, b.cacheStart + 22)]);
  });

  it("jmp *0x1234 loads the target with the same memory operand (8b 05 disp32)", () => {
    const m = machineWith([0xff, 0x25, 0x34, 0x12, 0x00, 0x00]);
    expect(hostBytes(m, translate(m)).slice(5, 11)).toEqual([0x8b, 0x05, 0x34, 0x12, 0x00, 0x00]);
  });

  it("ret: pop [spill], jmp to the indirect lookup; ret 8: the byte count goes to spill slot 2 first", () => {
    const m1 = machineWith([0xc3]);
    const b1 = translate(m1);
    expect(hostBytes(m1, b1)).toEqual([0x8f, 0x05, ...le(SPILL), 0xe9, ...rel(ENTRY_INDIRECT, b1.cacheStart + 11)]);
    const m2 = machineWith([0xc2, 0x08, 0x00]);
    const b2 = translate(m2);
    expect(hostBytes(m2, b2)).toEqual([0xc7, 0x05, ...le(SPILL_RET_IMM), ...le(8), 0x8f, 0x05, ...le(SPILL), 0xe9, ...rel(ENTRY_INDIRECT_RET_IMM, b2.cacheStart + 21)]);
  });

  it("loop rel8 branches over the fall-through jmp to the taken jmp (e2 05)", () => {
    const m = machineWith([0xe2, 0xfe]); // loop .
    const b = translate(m);
    const bytes = hostBytes(m, b);
    expect(bytes.slice(0, 2)).toEqual([0xe2, 0x05]);
    const cache = m.dbt!.dispatcher.cache;
    expect(b.exits.map((r) => cache.recTarget[r])).toEqual([CODE + 2, CODE]);
  });

  it("iret, lidt, sidt and far jmp go to an emulation entry for their native PC", () => {
    for (const code of [[0xcf], [0x0f, 0x01, 0x1d, 0, 0, 0x10, 0], [0x0f, 0x01, 0x0d, 0, 0, 0x10, 0], [0xea, 0, 0, 0x10, 0, 0x08, 0]]) {
      const m = machineWith(code);
      const b = translate(m);
      expect(b.insns.map((i) => TEMPLATE_NAMES[i.tpl])).toEqual(["emulate"]);
      expect(m.dbt!.dispatcher.cache.recTarget[b.exits[0]!]).toBe(CODE);
    }
  });
});

/**
 * Run the translation of the guest instruction at CODE one host instruction at a time. At each
 * position strictly inside it (some but not all of its host instructions done), roll back on a
 * saved copy of the state and hand the result to `check`. Returns how many positions there were.
 */
function rollbackAtEveryStep(m: Machine, check: (r: PcResolution) => void): number {
  const d = m.dbt!.dispatcher;
  const b = d.goTo(CODE)!;
  const ownHostInsns = b.insns.filter((i) => i.nativePc === CODE && i.tpl !== Tpl.GLUE).length;
  for (let j = 1; j < ownHostInsns; j++) {
    m.cpu.stepOne();
    const saved = m.cpu.s.slice();
    const stack = m.phys.bytes.slice(STACK - 64, STACK + 64);
    const r = new PcResolution();
    expect(d.restorer.resolve(m.cpu.s[S_EIP]!, r, true)).toBe(true);
    check(r);
    m.cpu.s.set(saved);
    m.phys.bytes.set(stack, STACK - 64);
  }
  return ownHostInsns - 1;
}

describe("rollback recipes restore the state before the guest instruction (SDM semantics)", () => {
  it("call: after the push, ESP goes back up and the native PC is the call's", () => {
    const m = machineWith([0xe8, 0x10, 0x00, 0x00, 0x00]);
    expect(
      rollbackAtEveryStep(m, (r) => {
        expect(r.nativePc).toBe(CODE);
        expect(m.cpu.s[REG_ESP]).toBe(STACK);
        expect(r.steps).toBe(1);
      }),
    ).toBe(1);
  });

  it("ret: after the pop, ESP goes back down and the return address is back in its slot even though a frame overwrote it", () => {
    const m = machineWith([0xc3]);
    m.phys.dv.setUint32(STACK, 0x00201234, true);
    m.dbt!.dispatcher.goTo(CODE);
    m.cpu.stepOne(); // pop [spill]
    expect(m.cpu.s[REG_ESP]).toBe(STACK + 4);
    // An interrupt here pushes its frame below ESP = STACK + 4: over the slot the pop just freed.
    m.phys.dv.setUint32(STACK, 0xdeadbeef, true);
    const r = new PcResolution();
    expect(m.dbt!.dispatcher.restorer.resolve(m.cpu.s[S_EIP]!, r, true)).toBe(true);
    expect(r.nativePc).toBe(CODE);
    expect(m.cpu.s[REG_ESP]).toBe(STACK);
    expect(m.phys.dv.getUint32(STACK, true)).toBe(0x00201234);
    expect(r.detail!.map((x) => x.undoes)).toEqual(["ret-pop"]);
  });

  it("ret 8 interrupted at its lookup entry rolls forward: ESP lands past the released bytes, the PC at the return address", () => {
    const m = machineWith([0xc2, 0x08, 0x00]);
    m.phys.dv.setUint32(STACK, 0x00205678, true);
    m.dbt!.dispatcher.goTo(CODE);
    m.cpu.stepOne(); // mov [spill+8], 8
    m.cpu.stepOne(); // pop [spill]
    m.cpu.stepOne(); // jmp ENTRY_INDIRECT_RET_IMM: the guest ret has retired
    expect(m.cpu.s[S_EIP]! >>> 0).toBe(ENTRY_INDIRECT_RET_IMM);
    const r = new PcResolution();
    expect(m.dbt!.dispatcher.restorer.resolve(ENTRY_INDIRECT_RET_IMM, r, false)).toBe(true);
    // SDM RET imm16: EIP <- pop(); ESP <- ESP + imm16.
    expect(r.nativePc).toBe(0x00205678);
    expect(m.cpu.s[REG_ESP]).toBe(STACK + 4 + 8);
  });

  it("call *%eax: every intermediate position restores ESP", () => {
    const m = machineWith([0xff, 0xd0]);
    m.cpu.s[REG_EAX] = 0x00201000;
    const positions = rollbackAtEveryStep(m, (r) => {
      expect(r.nativePc).toBe(CODE);
      expect(m.cpu.s[REG_ESP]).toBe(STACK);
    });
    expect(positions).toBe(3);
  });

  it("jmp *%edx: once EAX holds the target, the rollback restores the guest's EAX", () => {
    const m = machineWith([0xff, 0xe2]);
    m.cpu.s[REG_EAX] = 0x11223344;
    m.cpu.s[REG_EDX] = 0x00201000;
    expect(
      rollbackAtEveryStep(m, (r) => {
        expect(r.nativePc).toBe(CODE);
        expect(m.cpu.s[REG_EAX]! >>> 0).toBe(0x11223344);
        expect(m.cpu.s[REG_ESP]).toBe(STACK);
      }),
    ).toBe(4);
  });
});

