// The monitor region's addresses, derived once from the layout in idt/vectors.json.
import { SHADOW_LAYOUT } from "../cpu/vectors.js";
import { PAGE_SHIFT } from "../mem/physical.js";

const L = SHADOW_LAYOUT;

export const MONITOR_BASE = L.monitorBase;
export const MONITOR_BYTES = L.monitorBytes;
export const SHADOW_IDT = (L.monitorBase + L.shadowIdtOffset) >>> 0;
/** Spill slots (per-CPU scratch): slot 0 holds an indirect branch target or a popped return address. */
export const SPILL = (L.monitorBase + L.spillOffset) >>> 0;
/** Spill slot 1: the guest's EAX while an indirect jmp's translation borrows the register. */
export const SPILL_EAX = (SPILL + 4) >>> 0;
/** Spill slot 2: the byte count a `ret imm16` releases. */
export const SPILL_RET_IMM = (SPILL + 8) >>> 0;
export const HOST_ENTRIES = (L.monitorBase + L.hostEntriesOffset) >>> 0;
export const HOST_ENTRIES_END = HOST_ENTRIES + L.hostEntriesBytes;
export const INTERRUPT_STUB_STRIDE = L.interruptStubStride;
/** Fixed dispatcher entries, one address each. */
export const ENTRY_INDIRECT = (HOST_ENTRIES + L.fixedEntriesOffset) >>> 0;
/** Indirect lookup for `ret imm16`: the dispatcher also releases the imm16 bytes (spill slot 2) as it jumps. */
export const ENTRY_INDIRECT_RET_IMM = (ENTRY_INDIRECT + 4) >>> 0;
/**
 * Relaxed design's indirect call: the target was pushed, then a `call` to this entry pushed the
 * code-cache return address below it; the dispatcher drops the target slot as it jumps.
 * Keeping the target on the guest's stack, not in a spill slot, lets interrupts nest anywhere.
 */
export const ENTRY_INDIRECT_CALL_STACK = (ENTRY_INDIRECT + 8) >>> 0;
/** Relaxed design's indirect jmp: the target was pushed; the dispatcher pops it as it jumps. */
export const ENTRY_INDIRECT_JMP_STACK = (ENTRY_INDIRECT + 12) >>> 0;
/** Entry records (exit stubs and emulation entries): record n is at ENTRY_RECORDS + 4n. */
export const ENTRY_RECORDS = (HOST_ENTRIES + L.entryRecordsOffset) >>> 0;
export const MAX_ENTRY_RECORDS = Math.floor((L.hostEntriesBytes - L.entryRecordsOffset) / 4);
export const CODE_CACHE = (L.monitorBase + L.codeCacheOffset) >>> 0;
export const CODE_CACHE_BYTES = L.codeCacheBytes;
/** One past the cache's last byte; the cache may end at the top of the address space, so no `>>> 0` (2^32 wraps to 0). */
export const CODE_CACHE_END = CODE_CACHE + CODE_CACHE_BYTES;

export const MONITOR_FIRST_PAGE = MONITOR_BASE >>> PAGE_SHIFT;
export const MONITOR_LAST_PAGE = (MONITOR_BASE + MONITOR_BYTES - 1) >>> PAGE_SHIFT;

export function interruptStub(vector: number): number {
  return (HOST_ENTRIES + vector * INTERRUPT_STUB_STRIDE) >>> 0;
}

export function isHostEntry(la: number): boolean {
  return la >>> 0 >= HOST_ENTRIES && la >>> 0 < HOST_ENTRIES_END;
}

export function isCodeCache(la: number): boolean {
  return la >>> 0 >= CODE_CACHE && la >>> 0 < CODE_CACHE_END;
}

export function isMonitor(la: number): boolean {
  return la >>> 0 >= MONITOR_BASE;
}
