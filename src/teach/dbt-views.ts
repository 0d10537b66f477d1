// The DBT's side of the teaching views: names for monitor addresses, code-cache blocks as views, guest code beside its translation.
import type { Dispatcher } from "../dbt/dispatcher.js";
import { REC_EMULATE, REC_EXIT, Tpl, type HostInsn, type TBlock } from "../dbt/code-cache.js";
import {
  CODE_CACHE,
  CODE_CACHE_BYTES,
  ENTRY_INDIRECT,
  ENTRY_INDIRECT_CALL_STACK,
  ENTRY_INDIRECT_JMP_STACK,
  ENTRY_INDIRECT_RET_IMM,
  INTERRUPT_STUB_STRIDE,
  MONITOR_BASE,
  MONITOR_BYTES,
  SHADOW_IDT,
  SPILL,
  SPILL_EAX,
  SPILL_RET_IMM,
  interruptStub,
  isCodeCache,
} from "../dbt/layout.js";
import type { ElfSymbol } from "../machine/elf.js";
import type { Machine } from "../machine/machine.js";
import { disassemble, symbolize, syntheticSymbol, SymbolTable } from "./disasm.js";
import { hex } from "./format.js";
import type { CodeCacheBlockView, DisasmLine, IdtGate, TranslationPair } from "./schemas.js";
import { disassembleLinear, readLinear } from "./snapshot.js";
import { pairTranslations } from "./tables.js";

/** "call_tree+0x1c" or "0x1027c4": how the views name a guest address. */
export function guestName(pc: number, symbols: SymbolTable): string {
  return symbolize(pc, symbols) ?? hex(pc);
}

/** "call_tree+0x1c (0x1027c4)" or "0x1027c4". */
export function namedPc(pc: number, symbols: SymbolTable): string {
  const n = symbolize(pc, symbols);
  return n === null ? hex(pc) : `${n} (${hex(pc)})`;
}

/**
 * The kernel's ELF symbols plus names for everything the DBT put in the monitor region, so a
 * translation disassembles as `pop [spill0]` / `jmp lookup:indirect` / `jmp exit:call_tree+0x1f`
 * rather than bare addresses. Blocks are named after the guest address they translate:
 * `cache{call_tree+0x1c}+0x6` is 6 bytes into the translation of the block at call_tree+0x1c.
 */
export function monitorSymbols(d: Dispatcher, kernel: readonly ElfSymbol[], guest: SymbolTable): SymbolTable {
  const extra: ElfSymbol[] = [
    // First, so an address equal to the monitor's base is named after the region, not its first table.
    { ...syntheticSymbol("monitor", MONITOR_BASE, MONITOR_BYTES), type: "object" },
    { ...syntheticSymbol("shadow_idt", SHADOW_IDT, 256 * 8), type: "object" },
    { ...syntheticSymbol("code_cache", CODE_CACHE, CODE_CACHE_BYTES), type: "object" },
    { ...syntheticSymbol("spill0", SPILL, 4), type: "object" },
    { ...syntheticSymbol("spill1", SPILL_EAX, 4), type: "object" },
    { ...syntheticSymbol("spill2", SPILL_RET_IMM, 4), type: "object" },
    syntheticSymbol("lookup:indirect", ENTRY_INDIRECT, 4),
    syntheticSymbol("lookup:ret_imm", ENTRY_INDIRECT_RET_IMM, 4),
    syntheticSymbol("lookup:call_stack", ENTRY_INDIRECT_CALL_STACK, 4),
    syntheticSymbol("lookup:jmp_stack", ENTRY_INDIRECT_JMP_STACK, 4),
  ];
  for (let v = 0; v < 256; v++) extra.push(syntheticSymbol(`dispatcher:stub_${v}`, interruptStub(v), INTERRUPT_STUB_STRIDE));
  const cache = d.cache;
  for (const b of cache.liveBlocks()) {
    // Untyped, so an immediate equal to the cache's start names the cache, not its first block.
    extra.push({ ...syntheticSymbol(`cache{${guestName(b.guestEip, guest)}}`, b.cacheStart, b.cacheEnd - b.cacheStart), type: "notype" });
    for (const rec of b.exits) {
      const kind = cache.recKind[rec]!;
      const target = cache.recTarget[rec]! >>> 0;
      const what = kind === REC_EXIT ? "exit" : kind === REC_EMULATE ? "emulate" : "entry";
      extra.push(syntheticSymbol(`${what}:${guestName(target, guest)}`, cache.recordAddress(rec), 4));
    }
  }
  return new SymbolTable([...kernel, ...extra]);
}

/** What a shadow IDT gate leads to: a dispatcher stub or a translated handler. */
export function shadowTargetName(d: Dispatcher, guest: SymbolTable): (g: IdtGate) => string | null {
  return (g) => {
    const off = g.offset >>> 0;
    const stub = interruptStub(0);
    if (off >= stub && off < stub + 256 * INTERRUPT_STUB_STRIDE && (off - stub) % INTERRUPT_STUB_STRIDE === 0) return `dispatcher stub ${(off - stub) / INTERRUPT_STUB_STRIDE}`;
    if (isCodeCache(off)) {
      const b = d.cache.blockAt(off);
      return b !== undefined && b.cacheStart === off ? `cache{${guestName(b.guestEip, guest)}}` : hex(off);
    }
    return null;
  };
}

/** One block as the code-cache views show it: ranges, sizes and its exits with where each leads now. */
export function blockView(d: Dispatcher, b: TBlock): CodeCacheBlockView {
  const cache = d.cache;
  const links: CodeCacheBlockView["links"] = [];
  for (const rec of b.exits) {
    if (cache.recKind[rec] !== REC_EXIT) continue;
    const to = cache.recLinked[rec]!;
    const target = to === -1 ? undefined : cache.blocks[to];
    links.push({ toCache: target !== undefined ? target.cacheStart >>> 0 : cache.recordAddress(rec), guestTarget: cache.recTarget[rec]! >>> 0, linked: target !== undefined });
  }
  return {
    cacheStart: b.cacheStart >>> 0,
    cacheEnd: b.cacheEnd >>> 0,
    guestStart: b.guestEip >>> 0,
    guestEnd: b.guestEnd >>> 0,
    cpl: b.cpl,
    paging: b.paging,
    hostInstructions: b.insns.length,
    guestInstructions: b.guestInstructions,
    links,
  };
}

/** Every live block in cache order. */
export function codeCacheBlocks(d: Dispatcher): CodeCacheBlockView[] {
  return d.cache.liveBlocks().map((b) => blockView(d, b));
}

/** The host instruction record at a code-cache address, with its index in the block. */
export function hostInsnAt(b: TBlock, pc: number): { insn: HostInsn; index: number } | null {
  const off = (pc >>> 0) - b.cacheStart;
  const index = b.insns.findIndex((i) => i.offset === off);
  return index < 0 ? null : { insn: b.insns[index]!, index };
}

/**
 * The host instructions of the guest instruction at `nativePc` inside block b (glue excluded):
 * the translation of that one guest instruction, in order.
 */
export function translationOf(b: TBlock, nativePc: number): { insn: HostInsn; index: number }[] {
  const out: { insn: HostInsn; index: number }[] = [];
  b.insns.forEach((insn, index) => {
    if (insn.tpl !== Tpl.GLUE && insn.nativePc >>> 0 === nativePc >>> 0) out.push({ insn, index });
  });
  return out;
}

/**
 * A block's guest instructions beside their translation, read from memory without side effects:
 * guest bytes through the current page tables, host bytes from the monitor region. Glue (exit
 * jumps after a block-ending instruction) forms its own group.
 */
export function blockPairs(m: Machine, b: TBlock, symbols: SymbolTable, hostSymbols: SymbolTable): TranslationPair[] {
  const guest = disassembleLinear(m, b.guestEip, b.guestInstructions, { symbols });
  const raw = readLinear(m, b.cacheStart, b.cacheEnd - b.cacheStart);
  const host = disassemble(raw.bytes.subarray(0, raw.readable), b.cacheStart, { symbols: hostSymbols });
  const byAddress = new Map(b.insns.map((i) => [(b.cacheStart + i.offset) >>> 0, i]));
  return pairTranslations(guest, host, (h) => {
    const i = byAddress.get(h.address);
    return i === undefined || i.tpl === Tpl.GLUE ? null : i.nativePc >>> 0;
  });
}

/** Keep the pairs around the guest instruction at `pc` (a window of `before` and `after` guest instructions). */
export function pairsAround(pairs: readonly TranslationPair[], pc: number, before: number, after: number): TranslationPair[] {
  const at = pairs.findIndex((p) => p.guest?.address === pc >>> 0);
  if (at < 0) return [...pairs];
  let lo = at;
  for (let n = 0; n < before && lo > 0; ) if (pairs[--lo]!.guest !== null) n++;
  let hi = at;
  for (let n = 0; n < after && hi < pairs.length - 1; ) if (pairs[++hi]!.guest !== null) n++;
  // Glue right after the last kept guest instruction belongs with it.
  while (hi < pairs.length - 1 && pairs[hi + 1]!.guest === null) hi++;
  return pairs.slice(lo, hi + 1);
}

/** Copies of the pairs with a remark after the host instruction at `address` ("<= next"). */
export function markHost(pairs: readonly TranslationPair[], address: number, remark: string): TranslationPair[] {
  return pairs.map((p) =>
    p.host.some((h) => h.address === address >>> 0)
      ? { ...p, host: p.host.map((h) => (h.address === address >>> 0 ? { ...h, comment: h.comment === null ? remark : `${h.comment}  ${remark}` } : h)) }
      : p,
  );
}

/** The guest instruction at a native PC, read without side effects (null if unmapped). */
export function guestInstruction(m: Machine, pc: number, symbols: SymbolTable, user = false): DisasmLine | null {
  return disassembleLinear(m, pc, 1, { symbols, user })[0] ?? null;
}

