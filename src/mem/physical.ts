// Physical memory: guest RAM plus a hidden region only the DBT's monitor mapping reaches, and code-byte tracking.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

/** Called when a store lands on bytes that hold decoded or translated code in physical page `ppn`. */
export type CodeWriteListener = (ppn: number) => void;

export class PhysicalMemory {
  readonly bytes: Uint8Array;
  readonly i32: Int32Array;
  readonly dv: DataView;
  /** Total bytes including the hidden monitor area. */
  readonly size: number;
  /**
   * Per physical page, a bitmap (one byte per byte) of bytes that hold instructions someone decoded
   * or translated. A store overlapping a marked byte invalidates the whole page for every listener,
   * which is how self-modifying code stays correct (as QEMU's tb_invalidate_phys_page_range).
   */
  readonly codeBytes: (Uint8Array | undefined)[];
  /**
   * Pages ever written (by the guest, a loader or a device): the guest-visible memory state is the
   * contents of these, so state hashes need not read untouched RAM.
   */
  readonly touched: Uint8Array;
  private readonly listeners: CodeWriteListener[] = [];
  /** Told when a page gains its first code byte, so cached write permissions can be revoked. */
  private readonly newCodePageListeners: CodeWriteListener[] = [];

  constructor(
    /** RAM the guest sees (its memory map and its page tables can reach only this). */
    readonly guestSize: number,
    hiddenSize = 0,
  ) {
    if (guestSize % PAGE_SIZE !== 0 || hiddenSize % PAGE_SIZE !== 0) throw new Error("memory sizes must be page multiples");
    this.size = guestSize + hiddenSize;
    const buf = new ArrayBuffer(this.size);
    this.bytes = new Uint8Array(buf);
    this.i32 = new Int32Array(buf);
    this.dv = new DataView(buf);
    this.codeBytes = new Array<Uint8Array | undefined>(this.size >>> PAGE_SHIFT).fill(undefined);
    this.touched = new Uint8Array(this.size >>> PAGE_SHIFT);
  }

  onCodeWrite(listener: CodeWriteListener): void {
    this.listeners.push(listener);
  }

  onNewCodePage(listener: CodeWriteListener): void {
    this.newCodePageListeners.push(listener);
  }

  /** Mark [pa, pa+len) as holding code. Returns true if the page had no code before. */
  markCode(pa: number, len: number): boolean {
    const ppn = pa >>> PAGE_SHIFT;
    let map = this.codeBytes[ppn];
    const fresh = map === undefined;
    if (map === undefined) {
      map = new Uint8Array(PAGE_SIZE);
      this.codeBytes[ppn] = map;
      for (const l of this.newCodePageListeners) l(ppn);
    }
    const off = pa & PAGE_MASK;
    map.fill(1, off, Math.min(PAGE_SIZE, off + len));
    return fresh;
  }

  isCodePage(ppn: number): boolean {
    return this.codeBytes[ppn] !== undefined;
  }

  /** A store of `len` bytes at `pa` is about to happen (slow path only): invalidate overlapped code. */
  checkCodeWrite(pa: number, len: number): void {
    const ppn = pa >>> PAGE_SHIFT;
    const map = this.codeBytes[ppn];
    if (map === undefined) return;
    const off = pa & PAGE_MASK;
    const end = Math.min(PAGE_SIZE, off + len);
    for (let i = off; i < end; i++) {
      if (map[i] !== 0) {
        this.invalidateCodePage(ppn);
        return;
      }
    }
  }

  invalidateCodePage(ppn: number): void {
    this.codeBytes[ppn] = undefined;
    for (const l of this.listeners) l(ppn);
  }

  // Plain physical accesses (no paging, no code checks); out-of-range reads float high like an empty bus.
  read8(pa: number): number {
    return pa < this.size ? this.bytes[pa]! : 0xff;
  }
  read16(pa: number): number {
    return pa + 1 < this.size ? this.dv.getUint16(pa, true) : 0xffff;
  }
  read32(pa: number): number {
    return pa + 3 < this.size ? this.dv.getInt32(pa, true) : -1;
  }

  /** Stores with self-modifying-code detection. */
  write8(pa: number, v: number): void {
    if (pa >= this.size) return;
    this.touched[pa >>> PAGE_SHIFT] = 1;
    this.checkCodeWrite(pa, 1);
    this.bytes[pa] = v;
  }
  write16(pa: number, v: number): void {
    if (pa + 1 >= this.size) return;
    this.touched[pa >>> PAGE_SHIFT] = 1;
    this.touched[(pa + 1) >>> PAGE_SHIFT] = 1;
    this.checkCodeWrite(pa, 2);
    this.dv.setUint16(pa, v & 0xffff, true);
  }
  write32(pa: number, v: number): void {
    if (pa + 3 >= this.size) return;
    this.touched[pa >>> PAGE_SHIFT] = 1;
    this.touched[(pa + 3) >>> PAGE_SHIFT] = 1;
    this.checkCodeWrite(pa, 4);
    this.dv.setInt32(pa, v, true);
  }

  /** Bulk load (boot images); invalidates code as any store does. */
  load(pa: number, data: Uint8Array): void {
    if (pa + data.length > this.size) throw new RangeError(`physical load of ${data.length} bytes at 0x${pa.toString(16)} exceeds memory`);
    for (let p = pa & ~PAGE_MASK; p < pa + data.length; p += PAGE_SIZE) {
      this.checkCodeWrite(p, PAGE_SIZE);
      this.touched[p >>> PAGE_SHIFT] = 1;
    }
    this.bytes.set(data, pa);
  }
}
