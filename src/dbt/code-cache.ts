// The code cache: translated blocks in monitor memory, their lookup, linking, invalidation and flush.
import type { PhysicalMemory } from "../mem/physical.js";
import { PAGE_SHIFT } from "../mem/physical.js";
import { CODE_CACHE, CODE_CACHE_BYTES, ENTRY_RECORDS, MAX_ENTRY_RECORDS, MONITOR_BASE } from "./layout.js";

/**
 * Translation templates: which rewritten form a host instruction belongs to, and its step within
 * it. restore.ts knows how to undo each partial template (the rollback recipes).
 */
export const enum Tpl {
  /** A guest instruction copied unchanged (one host instruction). */
  COPY = 0,
  /** jmp rel32 for a direct guest jmp. */
  JMP,
  /** jcc rel32 for a guest jcc (taken path). */
  JCC,
  /** push imm32 (the native return address) of a direct call. */
  CALL_PUSH,
  /** jmp rel32 of a direct call. */
  CALL_JMP,
  /** push r/m32 (the target) of an indirect call. */
  IND_PUSH_TARGET,
  /** pop [spill] of an indirect call: the target moves to the spill slot. */
  IND_POP_SPILL,
  /** push imm32 (the native return address) of an indirect call. */
  CALLI_PUSH_RET,
  /** jmp to the indirect-branch lookup (ends an indirect call, jmp or ret). */
  IND_JMP,
  /** pop [spill] of a ret: the return address moves to the spill slot. */
  RET_POP,
  /** mov [spill+8], imm16 of ret imm16: the bytes the dispatcher releases with the jump. */
  RET_IMM,
  /** loop/loope/loopne/jecxz rel8 to a local jmp. */
  LOOP,
  /** jmp to an emulation entry (iret, lidt, sidt, far jmp). */
  EMULATE,
  /** Glue jmp after a guest instruction that ended its block: to the next guest instruction. */
  GLUE,
  /** mov [spill+4], eax of an indirect jmp (the guest's stack is never touched: no residue below ESP). */
  JMPI_SAVE_EAX,
  /** mov eax, r/m32: the target, with the guest's own addressing. */
  JMPI_LOAD,
  /** mov [spill], eax: the target to the spill slot. */
  JMPI_STORE,
  /** mov eax, [spill+4]: the guest's EAX back. */
  JMPI_RESTORE_EAX,
  /** Relaxed: a direct call copied as a call (it pushes the code-cache return address), to a linked block or exit. */
  CALL,
  /** Relaxed: call to the stack-based indirect lookup (after push r/m32 of the target). */
  CALLI_LOOKUP,
  /** Relaxed: jmp to the stack-based indirect lookup (after push r/m32 of the target). */
  JMPI_LOOKUP,
  /** Relaxed: BTKernel's iret check (pushfd; test the frame's RPL; cmp its EIP with the cache; popfd; branch). */
  IRET_CHECK,
}

export const TEMPLATE_NAMES = [
  "copy",
  "jmp",
  "jcc",
  "call-push",
  "call-jmp",
  "indirect-push",
  "indirect-pop",
  "calli-push-ret",
  "indirect-jmp",
  "ret-pop",
  "ret-imm",
  "loop",
  "emulate",
  "glue",
  "jmpi-save-eax",
  "jmpi-load",
  "jmpi-store",
  "jmpi-restore-eax",
  "call",
  "calli-lookup",
  "jmpi-lookup",
  "iret-check",
] as const;

/** Entry record kinds: exit stubs lead to a guest target; emulation entries carry out one guest instruction. */
export const REC_EXIT = 1;
export const REC_EMULATE = 2;

/** One host instruction of a translated block. */
export interface HostInsn {
  /** Offset from the block's start in the cache. */
  offset: number;
  len: number;
  /** The guest instruction this host instruction belongs to (or, for glue, the guest PC it leads to). */
  nativePc: number;
  /** Completing this host instruction retires a guest instruction (its CPU retire weight). */
  ends: boolean;
  tpl: Tpl;
  /** The guest instruction's immediate the rollback needs (ret imm16's byte count). */
  param: number;
}

export class TBlock {
  valid = true;
  /** Entry records whose jumps were patched to land here (unlinked if this block goes away). */
  readonly incoming: number[] = [];
  /** Entry records this block's exits own. */
  readonly exits: number[] = [];

  constructor(
    readonly id: number,
    readonly key: number,
    readonly guestEip: number,
    readonly guestEnd: number,
    readonly cpl: number,
    readonly paging: boolean,
    readonly cacheStart: number,
    readonly cacheEnd: number,
    readonly insns: readonly HostInsn[],
    readonly guestInstructions: number,
    /** Physical pages of the guest code this block was translated from (for invalidation). */
    readonly guestPages: readonly number[],
  ) {}
}

/** Lookup key: linear EIP, CPL and paging on/off (brief §3). Exact in a double (below 2^35). */
export function blockKey(eip: number, cpl: number, paging: boolean): number {
  return (eip >>> 0) + cpl * 2 ** 32 + (paging ? 2 ** 34 : 0);
}

export interface CacheStats {
  blocks: number;
  guestInstructions: number;
  hostInstructions: number;
  bytes: number;
  links: number;
  unlinks: number;
  invalidations: number;
  flushes: number;
}

export class CodeCache {
  private readonly byKey = new Map<number, TBlock>();
  /** Every block ever made since the last flush, in cache order (index = id): binary search by address. */
  readonly blocks: TBlock[] = [];
  private readonly byGuestPage = new Map<number, TBlock[]>();
  private top = CODE_CACHE;
  /** Retire weight of the host instruction starting at each cache byte (1 = ends a guest instruction). */
  readonly weightAt = new Uint8Array(CODE_CACHE_BYTES);
  // Entry records (exit stubs and emulation entries), in parallel arrays indexed by record id.
  readonly recKind = new Uint8Array(MAX_ENTRY_RECORDS);
  readonly recTarget = new Int32Array(MAX_ENTRY_RECORDS);
  readonly recBlock = new Int32Array(MAX_ENTRY_RECORDS);
  /** Linear address of the rel32 to patch when linking, or 0. */
  readonly recPatch = new Int32Array(MAX_ENTRY_RECORDS);
  readonly recLinked = new Int32Array(MAX_ENTRY_RECORDS);
  private records = 0;
  readonly stats: CacheStats = { blocks: 0, guestInstructions: 0, hostInstructions: 0, bytes: 0, links: 0, unlinks: 0, invalidations: 0, flushes: 0 };

  constructor(
    private readonly phys: PhysicalMemory,
    private readonly monitorPhys: number,
  ) {}

  lookup(key: number): TBlock | undefined {
    return this.byKey.get(key);
  }

  get used(): number {
    return this.top - CODE_CACHE;
  }

  /** Room for `bytes` of code and `exits` entry records? */
  fits(bytes: number, exits: number): boolean {
    return this.top + bytes <= CODE_CACHE + CODE_CACHE_BYTES && this.records + exits <= MAX_ENTRY_RECORDS;
  }

  /** Where the next block will start (the translator assembles relative to it). */
  get nextAddress(): number {
    return this.top;
  }

  newRecord(kind: number, target: number, block: number, patch: number): number {
    const id = this.records++;
    this.recKind[id] = kind;
    this.recTarget[id] = target;
    this.recBlock[id] = block;
    this.recPatch[id] = patch;
    this.recLinked[id] = -1;
    return id;
  }

  recordAddress(id: number): number {
    return (ENTRY_RECORDS + id * 4) >>> 0;
  }

  recordAt(la: number): number {
    return ((la >>> 0) - ENTRY_RECORDS) >>> 2;
  }

  /** Install a translated block whose bytes were assembled for cache address nextAddress. */
  install(b: TBlock, code: Uint8Array): void {
    if (b.cacheStart !== this.top) throw new Error("code cache: block assembled for the wrong address");
    this.phys.load(this.physOf(b.cacheStart), code);
    for (const i of b.insns) this.weightAt[b.cacheStart - CODE_CACHE + i.offset] = i.ends ? 1 : 0;
    this.top = b.cacheEnd;
    this.blocks.push(b);
    this.byKey.set(b.key, b);
    for (const p of b.guestPages) {
      let list = this.byGuestPage.get(p);
      if (!list) this.byGuestPage.set(p, (list = []));
      list.push(b);
    }
    this.stats.blocks++;
    this.stats.guestInstructions += b.guestInstructions;
    this.stats.hostInstructions += b.insns.length;
    this.stats.bytes = this.used;
  }

  physOf(la: number): number {
    return this.monitorPhys + ((la >>> 0) - MONITOR_BASE);
  }

  /** The block containing cache address la, by binary search (blocks are laid out in address order). */
  blockAt(la: number): TBlock | undefined {
    const a = la >>> 0;
    const bs = this.blocks;
    let lo = 0;
    let hi = bs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = bs[mid]!;
      if (a < b.cacheStart) hi = mid - 1;
      else if (a >= b.cacheEnd) lo = mid + 1;
      else return b;
    }
    return undefined;
  }

  /** Point an exit's jump straight at a block (DynamoRIO-style linking), so later runs skip the dispatcher. */
  link(rec: number, target: TBlock): boolean {
    const patch = this.recPatch[rec]!;
    const src = this.blocks[this.recBlock[rec]!];
    if (patch === 0 || !src || !src.valid || !target.valid || this.recLinked[rec] !== -1) return false;
    this.writeRel32(patch, target.cacheStart);
    this.recLinked[rec] = target.id;
    target.incoming.push(rec);
    this.stats.links++;
    return true;
  }

  private unlink(rec: number): void {
    if (this.recLinked[rec] === -1) return;
    this.writeRel32(this.recPatch[rec]!, this.recordAddress(rec));
    this.recLinked[rec] = -1;
    this.stats.unlinks++;
  }

  private writeRel32(at: number, target: number): void {
    // A store into the cache page: the CPU drops its decode of that page and sees the new target.
    this.phys.write32(this.physOf(at), (target - (at + 4)) | 0);
  }

  /** Self-modifying code: drop every block translated from guest physical page ppn. Returns how many. */
  invalidateGuestPage(ppn: number): number {
    const list = this.byGuestPage.get(ppn);
    if (!list) return 0;
    this.byGuestPage.delete(ppn);
    let n = 0;
    for (const b of list) {
      if (!b.valid) continue;
      b.valid = false;
      n++;
      if (this.byKey.get(b.key) === b) this.byKey.delete(b.key);
      for (const rec of b.incoming) if (this.recLinked[rec] === b.id) this.unlink(rec);
      b.incoming.length = 0;
      // Its own exits go back through the dispatcher too: code that still runs in the dead block
      // (a return address or interrupted PC on a stack in relaxed mode) leaves it at its end.
      for (const rec of b.exits) {
        const t = this.recLinked[rec]!;
        if (t !== -1) {
          const tb = this.blocks[t];
          if (tb) {
            const i = tb.incoming.indexOf(rec);
            if (i >= 0) tb.incoming.splice(i, 1);
          }
          this.unlink(rec);
        }
      }
    }
    this.stats.invalidations += n;
    return n;
  }

  /** Throw everything away (the cache or the entry records are full). */
  flush(): void {
    for (const b of this.blocks) b.valid = false;
    this.blocks.length = 0;
    this.byKey.clear();
    this.byGuestPage.clear();
    this.top = CODE_CACHE;
    this.records = 0;
    this.weightAt.fill(0);
    this.stats.flushes++;
    this.stats.bytes = 0;
  }

  /** Guest physical pages that hold translated code (the SMC watch list). */
  guestPages(): number[] {
    return [...this.byGuestPage.keys()];
  }

  liveBlocks(): TBlock[] {
    return this.blocks.filter((b) => b.valid);
  }

  static pageOf(pa: number): number {
    return pa >>> PAGE_SHIFT;
  }
}
