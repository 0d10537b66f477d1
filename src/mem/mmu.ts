// Linear memory: 32-bit two-level paging (SDM 3A 4.3) with PSE, A/D bits, CR0.WP, a bounded TLB, #PF as data.
import { FaultRecord } from "../cpu/fault.js";
import { EXC_PF } from "../cpu/vectors.js";
import { C_CYCLES, S_CR2 } from "../cpu/state.js";
import { PAGE_MASK, PAGE_SHIFT, PhysicalMemory } from "./physical.js";

// TLB entry: physical frame in bits 31..12, permission bits below. 0 means "not cached".
export const TLB_SR = 1; // supervisor read (every cached entry has it)
export const TLB_SW = 2; // supervisor write, dirty already set, not a code page
export const TLB_UR = 4; // user read
export const TLB_UW = 8; // user write, dirty already set, not a code page
// Write allowed and dirty, but the page holds code: the fast store path misses (so stores reach the
// self-modifying-code check) while translate() still succeeds without a page walk.
export const TLB_SW_CODE = 16;
export const TLB_UW_CODE = 32;

// Page-table entry bits (SDM 3A Table 4-5, 4-6).
export const PTE_P = 1;
export const PTE_RW = 2;
export const PTE_US = 4;
export const PTE_A = 0x20;
export const PTE_D = 0x40;
export const PDE_PS = 0x80;

// #PF error code bits (SDM 3A 4.7).
export const PF_P = 1;
export const PF_W = 2;
export const PF_U = 4;

/** The DBT's monitor region: linear [linBase, linBase+size) maps to hidden physical memory, supervisor only. */
export interface MonitorMapping {
  readonly linBase: number;
  readonly physBase: number;
  readonly size: number;
}

export interface MmuStats {
  walks: number;
  pageFaults: number;
  flushes: number;
  invlpgs: number;
}

export class Mmu {
  readonly tlb = new Int32Array(1 << 20);
  private readonly ring: Int32Array;
  private ringHead = 0;
  private ringCount = 0;
  private readonly bytes: Uint8Array;
  private readonly i32: Int32Array;
  private readonly dv: DataView;
  private readonly touched: Uint8Array;

  paging = false;
  writeProtect = false;
  pse = false;
  cr3 = 0;
  /** Permission masks of the current privilege level (user when CPL = 3). */
  rmask = TLB_SR;
  wmask = TLB_SW;
  user = false;
  monitor: MonitorMapping | null = null;
  /** Cycles charged per page walk (TLB miss); set from the cost model. */
  walkCost = 0;
  /** True when the last successful translate() hit something other than RAM (reads all-ones, writes ignored). */
  lastWasBus = false;
  readonly stats: MmuStats = { walks: 0, pageFaults: 0, flushes: 0, invlpgs: 0 };

  constructor(
    readonly phys: PhysicalMemory,
    private readonly fault: FaultRecord,
    private readonly ctr: Float64Array,
    tlbEntries: number,
    /** The CPU state array: a page fault loads CR2 there (SDM 3A 4.7). */
    private readonly state: Int32Array,
  ) {
    this.ring = new Int32Array(Math.max(1, tlbEntries));
    this.bytes = phys.bytes;
    this.i32 = phys.i32;
    this.dv = phys.dv;
    this.touched = phys.touched;
    // A page that starts holding code loses its cached write permission so stores reach the SMC check.
    phys.onNewCodePage((ppn) => this.revokeFastWrites(ppn));
  }

  /**
   * Entries mapping physical page ppn keep their translation but send stores through the slow
   * path (where the self-modifying-code check is). Not a TLB flush: the hardware TLB knows nothing
   * of decoded code, so no page walk may be charged for it.
   */
  private revokeFastWrites(ppn: number): void {
    const tlb = this.tlb;
    const ring = this.ring;
    let i = this.ringHead;
    for (let k = 0; k < this.ringCount; k++) {
      const lpn = ring[i]!;
      const e = tlb[lpn]!;
      if (e !== 0 && e >>> PAGE_SHIFT === ppn) {
        tlb[lpn] = (e & ~(TLB_SW | TLB_UW)) | ((e & TLB_SW) !== 0 ? TLB_SW_CODE : 0) | ((e & TLB_UW) !== 0 ? TLB_UW_CODE : 0);
      }
      i = i + 1 === ring.length ? 0 : i + 1;
    }
  }

  setPrivilege(user: boolean): void {
    this.user = user;
    this.rmask = user ? TLB_UR : TLB_SR;
    this.wmask = user ? TLB_UW : TLB_SW;
  }

  /** CR0/CR3/CR4 changed (SDM 3A 4.10.4.1: a CR3 write flushes the TLB; so does toggling PG, WP or PSE). */
  setControl(paging: boolean, writeProtect: boolean, pse: boolean, cr3: number): void {
    this.paging = paging;
    this.writeProtect = writeProtect;
    this.pse = pse;
    this.cr3 = cr3;
    this.flush();
  }

  flush(): void {
    const tlb = this.tlb;
    const ring = this.ring;
    const n = this.ringCount;
    let i = this.ringHead;
    for (let k = 0; k < n; k++) {
      tlb[ring[i]!] = 0;
      i = i + 1 === ring.length ? 0 : i + 1;
    }
    this.ringCount = 0;
    this.ringHead = 0;
    this.stats.flushes++;
  }

  invalidatePage(la: number): void {
    this.tlb[la >>> PAGE_SHIFT] = 0;
    this.stats.invlpgs++;
  }

  // ---- accesses with the current privilege (the interpreter's operand accesses)

  read8(la: number): number {
    const e = this.tlb[la >>> PAGE_SHIFT]!;
    if ((e & this.rmask) !== 0) return this.bytes[(e & ~PAGE_MASK) | (la & PAGE_MASK)]!;
    return this.readSlow(la, 1, this.user);
  }

  read16(la: number): number {
    const e = this.tlb[la >>> PAGE_SHIFT]!;
    if ((e & this.rmask) !== 0 && (la & PAGE_MASK) <= PAGE_MASK - 1) return this.dv.getUint16((e & ~PAGE_MASK) | (la & PAGE_MASK), true);
    return this.readSlow(la, 2, this.user);
  }

  read32(la: number): number {
    const e = this.tlb[la >>> PAGE_SHIFT]!;
    if ((e & this.rmask) !== 0 && (la & PAGE_MASK) <= PAGE_MASK - 3) {
      const pa = (e & ~PAGE_MASK) | (la & PAGE_MASK);
      return (pa & 3) === 0 ? this.i32[pa >> 2]! : this.dv.getInt32(pa, true);
    }
    return this.readSlow(la, 4, this.user);
  }

  write8(la: number, v: number): void {
    const e = this.tlb[la >>> PAGE_SHIFT]!;
    if ((e & this.wmask) !== 0) {
      this.bytes[(e & ~PAGE_MASK) | (la & PAGE_MASK)] = v;
      this.touched[e >>> PAGE_SHIFT] = 1;
      return;
    }
    this.writeSlow(la, v, 1, this.user);
  }

  write16(la: number, v: number): void {
    const e = this.tlb[la >>> PAGE_SHIFT]!;
    if ((e & this.wmask) !== 0 && (la & PAGE_MASK) <= PAGE_MASK - 1) {
      this.dv.setUint16((e & ~PAGE_MASK) | (la & PAGE_MASK), v, true);
      this.touched[e >>> PAGE_SHIFT] = 1;
      return;
    }
    this.writeSlow(la, v, 2, this.user);
  }

  write32(la: number, v: number): void {
    const e = this.tlb[la >>> PAGE_SHIFT]!;
    if ((e & this.wmask) !== 0 && (la & PAGE_MASK) <= PAGE_MASK - 3) {
      const pa = (e & ~PAGE_MASK) | (la & PAGE_MASK);
      if ((pa & 3) === 0) this.i32[pa >> 2] = v;
      else this.dv.setInt32(pa, v, true);
      this.touched[e >>> PAGE_SHIFT] = 1;
      return;
    }
    this.writeSlow(la, v, 4, this.user);
  }

  read(la: number, size: number): number {
    return size === 4 ? this.read32(la) : size === 2 ? this.read16(la) : this.read8(la);
  }

  write(la: number, v: number, size: number): void {
    if (size === 4) this.write32(la, v);
    else if (size === 2) this.write16(la, v);
    else this.write8(la, v);
  }

  /**
   * Make sure a store of `len` bytes at `la` will succeed (translating and setting dirty bits), so an
   * instruction with several stores either faults before the first or completes. False on fault.
   */
  probeWrite(la: number, len: number, user = this.user): boolean {
    const last = (la + len - 1) | 0;
    if (this.translate(la, true, user) < 0) return false;
    if (((la ^ last) >>> PAGE_SHIFT) !== 0 && this.translate(last, true, user) < 0) return false;
    return true;
  }

  probeRead(la: number, len: number, user = this.user): boolean {
    const last = (la + len - 1) | 0;
    if (this.translate(la, false, user) < 0) return false;
    if (((la ^ last) >>> PAGE_SHIFT) !== 0 && this.translate(last, false, user) < 0) return false;
    return true;
  }

  // ---- accesses with an explicit privilege (descriptor tables, TSS, interrupt frames: SDM 3A 5.5 "implicit supervisor")

  readAs(la: number, size: number, user: boolean): number {
    const e = this.tlb[la >>> PAGE_SHIFT]!;
    if ((e & (user ? TLB_UR : TLB_SR)) !== 0 && (la & PAGE_MASK) <= PAGE_SIZE_ - size) {
      const pa = (e & ~PAGE_MASK) | (la & PAGE_MASK);
      return size === 4 ? this.dv.getInt32(pa, true) : size === 2 ? this.dv.getUint16(pa, true) : this.bytes[pa]!;
    }
    return this.readSlow(la, size, user);
  }

  writeAs(la: number, v: number, size: number, user: boolean): void {
    const e = this.tlb[la >>> PAGE_SHIFT]!;
    if ((e & (user ? TLB_UW : TLB_SW)) !== 0 && (la & PAGE_MASK) <= PAGE_SIZE_ - size) {
      const pa = (e & ~PAGE_MASK) | (la & PAGE_MASK);
      if (size === 4) this.dv.setInt32(pa, v, true);
      else if (size === 2) this.dv.setUint16(pa, v, true);
      else this.bytes[pa] = v;
      this.touched[e >>> PAGE_SHIFT] = 1;
      return;
    }
    this.writeSlow(la, v, size, user);
  }

  // ---- observers (traces, state hashes, teaching views): no TLB fills, no A/D bits, no faults

  /** Physical address of `la` for a supervisor read under the current paging mode, or -1; changes nothing. */
  peek(la: number): number {
    la >>>= 0;
    const mon = this.monitor;
    if (mon !== null && la - mon.linBase >= 0 && la - mon.linBase < mon.size) return mon.physBase + (la - mon.linBase);
    if (!this.paging) return la < this.phys.guestSize ? la : -1;
    const pde = this.readTable(((this.cr3 & ~PAGE_MASK) + ((la >>> 22) << 2)) >>> 0);
    if ((pde & PTE_P) === 0) return -1;
    if ((pde & PDE_PS) !== 0 && this.pse) return (((pde & 0xffc00000) | (la & 0x003fffff)) >>> 0) < this.phys.guestSize ? ((pde & 0xffc00000) | (la & 0x003fffff)) >>> 0 : -1;
    const pte = this.readTable(((pde & ~PAGE_MASK) + (((la >>> 12) & 0x3ff) << 2)) >>> 0);
    if ((pte & PTE_P) === 0) return -1;
    const pa = ((pte & ~PAGE_MASK) >>> 0) + (la & PAGE_MASK);
    return pa < this.phys.guestSize || (mon !== null && pa >= mon.physBase) ? pa : -1;
  }

  /** A dword at `la` as a supervisor read would see it, or `fallback` if unmapped; changes nothing. */
  peek32(la: number, fallback = 0): number {
    const a = this.peek(la);
    const b = this.peek((la + 3) | 0);
    if (a < 0 || b < 0) return fallback;
    if ((a & PAGE_MASK) <= PAGE_MASK - 3) return this.dv.getInt32(a, true);
    let v = 0;
    for (let i = 0; i < 4; i++) v |= this.bytes[this.peek((la + i) | 0)]! << (8 * i);
    return v;
  }

  // ---- slow paths

  private readSlow(la: number, size: number, user: boolean): number {
    la >>>= 0;
    if ((la & PAGE_MASK) + size > PAGE_SIZE_) {
      // Crosses a page: both translations must succeed before any byte is used.
      if (!this.probeRead(la, size, user)) return 0;
      let v = 0;
      for (let i = 0; i < size; i++) v |= this.readByteAt((la + i) >>> 0, user) << (8 * i);
      return size === 4 ? v : v >>> 0;
    }
    const pa = this.translate(la, false, user);
    if (pa < 0) return 0;
    if (this.lastWasBus) return size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    return size === 4 ? this.dv.getInt32(pa, true) : size === 2 ? this.dv.getUint16(pa, true) : this.bytes[pa]!;
  }

  private readByteAt(la: number, user: boolean): number {
    const pa = this.translate(la, false, user);
    if (pa < 0 || this.lastWasBus) return 0xff;
    return this.bytes[pa]!;
  }

  private writeSlow(la: number, v: number, size: number, user: boolean): void {
    la >>>= 0;
    if ((la & PAGE_MASK) + size > PAGE_SIZE_) {
      if (!this.probeWrite(la, size, user)) return;
      for (let i = 0; i < size; i++) {
        const pa = this.translate((la + i) >>> 0, true, user);
        if (!this.lastWasBus) this.phys.write8(pa, (v >>> (8 * i)) & 0xff);
      }
      return;
    }
    const pa = this.translate(la, true, user);
    if (pa < 0 || this.lastWasBus) return;
    if (size === 4) this.phys.write32(pa, v);
    else if (size === 2) this.phys.write16(pa, v);
    else this.phys.write8(pa, v);
  }

  /**
   * Translate a linear address, walking the page tables on a TLB miss and filling the TLB.
   * Returns the physical address, or -1 after recording #PF (CR2 and the error code) in the fault record.
   */
  translate(la: number, write: boolean, user: boolean): number {
    la >>>= 0;
    const lpn = la >>> PAGE_SHIFT;
    const e = this.tlb[lpn]!;
    const need = write ? (user ? TLB_UW | TLB_UW_CODE : TLB_SW | TLB_SW_CODE) : user ? TLB_UR : TLB_SR;
    if ((e & need) !== 0) {
      this.lastWasBus = false;
      return (e & ~PAGE_MASK) + (la & PAGE_MASK);
    }
    return this.walk(la, write, user);
  }

  private walk(la: number, write: boolean, user: boolean): number {
    const lpn = la >>> PAGE_SHIFT;
    const mon = this.monitor;
    if (mon !== null && la - mon.linBase >= 0 && la - mon.linBase < mon.size) {
      if (user) return this.pageFault(la, PF_P | (write ? PF_W : 0) | PF_U);
      const pa = mon.physBase + (la - mon.linBase);
      this.fill(lpn, pa & ~PAGE_MASK, true, true, false, false);
      this.lastWasBus = false;
      return pa;
    }
    if (!this.paging) {
      this.lastWasBus = la >= this.phys.guestSize;
      if (!this.lastWasBus) this.fill(lpn, la & ~PAGE_MASK, true, true, true, true);
      return la;
    }
    this.stats.walks++;
    this.ctr[C_CYCLES] += this.walkCost;
    const errBase = (write ? PF_W : 0) | (user ? PF_U : 0);
    const pdeAddr = ((this.cr3 & ~PAGE_MASK) + ((la >>> 22) << 2)) >>> 0;
    let pde = this.readTable(pdeAddr);
    if ((pde & PTE_P) === 0) return this.pageFault(la, errBase);
    let frame: number;
    let rw: boolean;
    let us: boolean;
    let dirty: boolean;
    if ((pde & PDE_PS) !== 0 && this.pse) {
      // 4 MiB page (SDM 3A 4.3, Table 4-4): the PDE maps the page directly.
      rw = (pde & PTE_RW) !== 0;
      us = (pde & PTE_US) !== 0;
      if (!this.allowed(write, user, rw, us)) return this.pageFault(la, errBase | PF_P);
      const want = pde | PTE_A | (write ? PTE_D : 0);
      if (want !== pde) {
        pde = want;
        this.writeTable(pdeAddr, pde);
      }
      dirty = (pde & PTE_D) !== 0;
      frame = ((pde & 0xffc00000) | (la & 0x003ff000)) >>> 0;
    } else {
      // QEMU and hardware set the directory entry's accessed bit before looking at the table entry.
      if ((pde & PTE_A) === 0) {
        pde |= PTE_A;
        this.writeTable(pdeAddr, pde);
      }
      const pteAddr = ((pde & ~PAGE_MASK) + (((la >>> 12) & 0x3ff) << 2)) >>> 0;
      let pte = this.readTable(pteAddr);
      if ((pte & PTE_P) === 0) return this.pageFault(la, errBase);
      rw = (pde & pte & PTE_RW) !== 0;
      us = (pde & pte & PTE_US) !== 0;
      if (!this.allowed(write, user, rw, us)) return this.pageFault(la, errBase | PF_P);
      const want = pte | PTE_A | (write ? PTE_D : 0);
      if (want !== pte) {
        pte = want;
        this.writeTable(pteAddr, pte);
      }
      dirty = (pte & PTE_D) !== 0;
      frame = (pte & ~PAGE_MASK) >>> 0;
    }
    // Guest page tables can only reach guest RAM; anything above is an empty bus (the monitor area stays hidden).
    if (frame >= this.phys.guestSize) {
      this.lastWasBus = true;
      return frame + (la & PAGE_MASK);
    }
    this.fill(lpn, frame, true, (rw || !this.writeProtect) && dirty, us, us && rw && dirty);
    this.lastWasBus = false;
    return frame + (la & PAGE_MASK);
  }

  /** SDM 3A 4.6: user accesses need U/S in every level, user writes need R/W; supervisor writes need R/W only with CR0.WP. */
  private allowed(write: boolean, user: boolean, rw: boolean, us: boolean): boolean {
    if (user) return us && (!write || rw);
    return !write || rw || !this.writeProtect;
  }

  private pageFault(la: number, errorCode: number): number {
    this.stats.pageFaults++;
    // Only the first fault of an instruction is architectural: a later access it never makes cannot load CR2.
    if (!this.fault.pending) this.state[S_CR2] = la | 0;
    this.fault.raise(EXC_PF, errorCode);
    return -1;
  }

  private readTable(pa: number): number {
    return pa + 3 < this.phys.guestSize ? this.dv.getInt32(pa, true) : -1;
  }

  private writeTable(pa: number, v: number): void {
    if (pa + 3 < this.phys.guestSize) this.phys.write32(pa, v);
  }

  private fill(lpn: number, frame: number, sr: boolean, sw: boolean, ur: boolean, uw: boolean): void {
    const code = this.phys.isCodePage(frame >>> PAGE_SHIFT);
    const bits =
      (sr ? TLB_SR : 0) | (sw ? (code ? TLB_SW_CODE : TLB_SW) : 0) | (ur ? TLB_UR : 0) | (uw ? (code ? TLB_UW_CODE : TLB_UW) : 0);
    const tlb = this.tlb;
    if (tlb[lpn] === 0) {
      const ring = this.ring;
      if (this.ringCount === ring.length) {
        tlb[ring[this.ringHead]!] = 0; // evict the oldest entry (FIFO), like a small hardware TLB
        this.ringHead = this.ringHead + 1 === ring.length ? 0 : this.ringHead + 1;
        this.ringCount--;
      }
      let tail = this.ringHead + this.ringCount;
      if (tail >= ring.length) tail -= ring.length;
      ring[tail] = lpn;
      this.ringCount++;
    }
    tlb[lpn] = frame | bits;
  }
}

const PAGE_SIZE_ = PAGE_MASK + 1;
