// A DBT machine parked in ring 0 with a few bytes of guest code, for template and rollback tests.
import { Machine } from "../../src/machine/machine.js";
import { multibootElf } from "../../src/machine/micro-kernels.js";
import { loadCostModel } from "../../src/cost/model.js";
import { blockKey, type TBlock } from "../../src/dbt/code-cache.js";
import { REG_ESP } from "../../src/cpu/state.js";

/** Where each test's guest code sits (identity-mapped, paging off), and its stack. */
export const CODE = 0x200000;
export const STACK = 0x300000;

/** A machine in the given DBT mode, parked in ring 0 with `code` at CODE and ESP at STACK. */
export function machineWith(code: number[], mode: "precise" | "relaxed" = "precise"): Machine {
  const m = new Machine({ kernelImage: multibootElf([0xf4]), kernelName: "t", cmdline: "", cost: loadCostModel("icount"), mode, ramBytes: 8 << 20 });
  m.phys.load(CODE, Uint8Array.from(code));
  m.cpu.s[REG_ESP] = STACK;
  return m;
}

/** Translate the guest block at eip (ring 0, paging off). */
export function translate(m: Machine, eip = CODE): TBlock {
  const r = m.dbt!.dispatcher.translator.translate(eip, blockKey(eip, 0, false), 0, false);
  if (!("block" in r)) throw new Error("translation failed");
  return r.block;
}

/** The block's bytes in the code cache. */
export function hostBytes(m: Machine, b: TBlock): number[] {
  const pa = m.dbt!.dispatcher.cache.physOf(b.cacheStart);
  return Array.from(m.phys.bytes.subarray(pa, pa + (b.cacheEnd - b.cacheStart)));
}

/** A dword as little-endian bytes. */
export const le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
/** rel32 of a jump whose rel32 field ends at `end`, to `target` (SDM JMP: target = EIP after the instruction + rel32). */
export const rel = (target: number, end: number): number[] => le((target - end) | 0);
