// Relaxed mode: code-cache copies of the guest kernel's exception-table entries, registered in its run-time table.
import type { PhysicalMemory } from "../mem/physical.js";
import type { ElfImage, ElfSymbol } from "../machine/elf.js";
import { Tpl, type TBlock } from "./code-cache.js";

/** The guest kernel's symbols for its tables (guest-kernel/include/extable.h). */
const BUILTIN_START = "__start___ex_table";
const BUILTIN_STOP = "__stop___ex_table";
const EXT_TABLE = "kdbt_extable_ext";
const EXT_COUNT = "kdbt_extable_ext_count";
const EXT_CAPACITY = "kdbt_extable_ext_capacity";

/** One registered entry: a code-cache PC that may fault, and the code-cache PC of its fixup. */
interface Registration {
  faultPc: number;
  fixupPc: number;
  faultBlock: TBlock;
  fixupBlock: TBlock;
}

/**
 * In relaxed mode a fault in translated code pushes the code-cache PC, which no entry of the
 * kernel's built-in exception table names; BTKernel registers code-cache copies of the entries
 * through Linux's module exception tables. kdbt does the same through the guest kernel's
 * extension table: when a block holding an instruction that may fault is translated, the DBT
 * translates its fixup too and writes {fault copy, fixup translation} into kdbt_extable_ext.
 * Each entry written is a code-cache PC the guest can see: a counted transparency leak.
 */
export class ExtableRegistry {
  /** Native fault EIP -> native fixup EIP, from the kernel's built-in table. */
  private readonly builtin = new Map<number, number>();
  private readonly live: Registration[] = [];
  private readonly extPhys: number;
  private readonly countPhys: number;
  private readonly capacity: number;
  /** Entries ever written (leaks) and entries that did not fit. */
  written = 0;
  dropped = 0;
  /** Translations went away: entries must be checked before the guest next relies on them. */
  stale = false;

  private constructor(
    private readonly phys: PhysicalMemory,
    elf: ElfImage,
    symbols: readonly ElfSymbol[],
  ) {
    const addr = (name: string): number => symbols.find((s) => s.name === name)!.value >>> 0;
    const toPhys = (va: number): number => {
      for (const seg of elf.loadSegments) {
        if (va >= seg.vaddr && va < seg.vaddr + seg.memsz) return seg.paddr + (va - seg.vaddr);
      }
      throw new Error(`extable: 0x${va.toString(16)} is in no loaded segment`);
    };
    const start = addr(BUILTIN_START);
    const stop = addr(BUILTIN_STOP);
    for (let va = start; va + 8 <= stop; va += 8) {
      const pa = toPhys(va);
      this.builtin.set(phys.read32(pa) >>> 0, phys.read32(pa + 4) >>> 0);
    }
    this.extPhys = toPhys(addr(EXT_TABLE));
    this.countPhys = toPhys(addr(EXT_COUNT));
    this.capacity = phys.read32(toPhys(addr(EXT_CAPACITY))) >>> 0;
  }

  /** The registry for a kernel that exports the tables, or null (the kernel cannot be helped). */
  static forKernel(phys: PhysicalMemory, elf: ElfImage | null, symbols: readonly ElfSymbol[]): ExtableRegistry | null {
    if (elf === null) return null;
    const names = new Set(symbols.map((s) => s.name));
    if (![BUILTIN_START, BUILTIN_STOP, EXT_TABLE, EXT_COUNT, EXT_CAPACITY].every((n) => names.has(n))) return null;
    return new ExtableRegistry(phys, elf, symbols);
  }

  /** Native fixup addresses needed by a new block: one per host instruction that copies a listed instruction. */
  faultsIn(b: TBlock): { faultPc: number; fixup: number }[] {
    const out: { faultPc: number; fixup: number }[] = [];
    for (const i of b.insns) {
      if (i.tpl === Tpl.GLUE) continue;
      const fixup = this.builtin.get(i.nativePc >>> 0);
      if (fixup !== undefined) out.push({ faultPc: (b.cacheStart + i.offset) >>> 0, fixup });
    }
    return out;
  }

  register(faultPc: number, faultBlock: TBlock, fixupBlock: TBlock): void {
    this.live.push({ faultPc, fixupPc: fixupBlock.cacheStart, faultBlock, fixupBlock });
    this.write();
  }

  /**
   * Drop entries whose fault copy went away; return the native fixups of the ones whose fixup
   * translation went away while the fault copy lives, for the dispatcher to translate again.
   */
  prune(): { reg: number; fixupNative: number }[] {
    this.stale = false;
    for (let i = this.live.length - 1; i >= 0; i--) if (!this.live[i]!.faultBlock.valid) this.live.splice(i, 1);
    const again: { reg: number; fixupNative: number }[] = [];
    this.live.forEach((r, i) => {
      if (!r.fixupBlock.valid) again.push({ reg: i, fixupNative: r.fixupBlock.guestEip });
    });
    this.write();
    return again;
  }

  refresh(reg: number, fixupBlock: TBlock): void {
    const r = this.live[reg]!;
    r.fixupBlock = fixupBlock;
    r.fixupPc = fixupBlock.cacheStart;
    this.write();
  }

  /** Everything the cache held is gone. */
  clear(): void {
    this.live.length = 0;
    this.write();
  }

  get entries(): number {
    return Math.min(this.live.length, this.capacity);
  }

  /** Rewrite the guest's table: entries first, then the count, so a reader never sees a half entry. */
  private write(): void {
    const n = Math.min(this.live.length, this.capacity);
    const before = this.phys.read32(this.countPhys) >>> 0;
    for (let i = 0; i < n; i++) {
      const r = this.live[i]!;
      const at = this.extPhys + 8 * i;
      if ((this.phys.read32(at) >>> 0) !== r.faultPc || (this.phys.read32(at + 4) >>> 0) !== r.fixupPc) {
        this.phys.write32(at, r.faultPc);
        this.phys.write32(at + 4, r.fixupPc);
        this.written++;
      }
    }
    if (before !== n) this.phys.write32(this.countPhys, n);
    this.dropped = Math.max(0, this.live.length - this.capacity);
  }
}
