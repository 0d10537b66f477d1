// The shadow IDT: what the real IDTR points at in DBT modes, while the guest's IDTR is kept aside.
import type { Cpu } from "../cpu/cpu.js";
import { S_IDTR_BASE, S_IDTR_LIMIT } from "../cpu/state.js";
import { SYS_INTERRUPT_GATE32, SYS_TRAP_GATE32, DESC_P, DESC_TYPE_SHIFT } from "../cpu/segments.js";
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../mem/physical.js";
import { SHADOW_IDT, interruptStub } from "./layout.js";
import type { DbtDesign } from "./dbt.js";

/** 256 gates x 8 bytes. */
export const SHADOW_IDT_LIMIT = 256 * 8 - 1;

/** A shadow gate's handler not yet translated: it still leads to the vector's dispatcher stub. */
const UNRESOLVED = 0;

/**
 * Precise design: every vector's shadow gate is a present 32-bit interrupt gate of DPL 3 to that
 * vector's dispatcher stub, so every event, from ring 3 or ring 0, reaches the dispatcher with
 * interrupts off. The guest's own gate (present bit, type, DPL, handler) is applied when the
 * dispatcher re-delivers the event through the guest's IDT, exactly as the hardware would.
 *
 * Relaxed design (BTKernel): each shadow gate is a copy of the guest's gate (present bit, type,
 * DPL, selector, and the table's limit, so the hardware applies every check itself) whose offset
 * is the code-cache address of the translated handler. Until a handler is translated its gate
 * leads to the vector's dispatcher stub, which translates it and patches the gate. A guest store
 * to its IDT (watched like self-modifying code) or an LIDT rebuilds the table.
 */
export class ShadowIdt {
  /** The IDTR the guest loaded (LIDT) and sees (SIDT). */
  guestBase = 0;
  guestLimit = 0x3ff;
  /** Code selector of the precise design's gates (a flat ring-0 code segment of the guest's GDT). */
  selector = 0x08;
  /** Times the shadow table was (re)built. */
  rebuilds = 0;
  /** Relaxed: the guest handler of each 32-bit interrupt or trap gate (0 where the gate is anything else). */
  readonly guestHandler = new Int32Array(256);
  /**
   * Relaxed: 1 where the guest's gate could not be read (its IDT page is not mapped). The shadow
   * gate then leads to the stub like a precise-mode gate, and the dispatcher delivers the event
   * again through the guest's IDT, so the hardware's fault on reading the gate (#PF, then #DF)
   * happens as it would natively.
   */
  readonly fallback = new Uint8Array(256);
  /** Relaxed: the code-cache address each gate was patched to (UNRESOLVED: still at the stub). */
  readonly resolved = new Int32Array(256);
  /** Physical pages holding the guest's IDT (watched for stores). */
  private watched: number[] = [];

  constructor(
    private readonly cpu: Cpu,
    private readonly design: DbtDesign,
  ) {}

  /** Take over the IDTR: remember the guest's, point the real one at the shadow table. */
  install(): void {
    const s = this.cpu.s;
    this.guestBase = s[S_IDTR_BASE]! >>> 0;
    this.guestLimit = s[S_IDTR_LIMIT]!;
    this.build();
  }

  /** Write the whole shadow table from scratch (returns the number of gates written). */
  build(): number {
    if (this.design === "relaxed") return this.buildRelaxed();
    for (let v = 0; v < 256; v++) this.writePreciseGate(v);
    this.useShadow();
    this.rebuilds++;
    return 256;
  }

  /** A present DPL-3 interrupt gate to vector v's dispatcher stub: every event reaches the dispatcher. */
  private writePreciseGate(v: number): void {
    const stub = interruptStub(v);
    const lo = ((this.selector & 0xffff) << 16) | (stub & 0xffff);
    const hi = (stub & 0xffff0000) | DESC_P | (3 << 13) | (SYS_INTERRUPT_GATE32 << DESC_TYPE_SHIFT);
    this.cpu.mem.writeAs((SHADOW_IDT + v * 8) | 0, lo, 4, false);
    this.cpu.mem.writeAs((SHADOW_IDT + v * 8 + 4) | 0, hi, 4, false);
  }

  private buildRelaxed(): number {
    const mem = this.cpu.mem;
    const gates = Math.min(256, (this.guestLimit + 1) >>> 3);
    this.guestHandler.fill(0);
    this.resolved.fill(UNRESOLVED);
    this.fallback.fill(0);
    for (let v = 0; v < 256; v++) {
      let lo = 0;
      let hi = 0;
      if (v < gates) {
        const at = (this.guestBase + v * 8) | 0;
        if (mem.peek(at) < 0 || mem.peek((at + 7) | 0) < 0) {
          this.fallback[v] = 1;
          this.writePreciseGate(v);
          continue;
        }
        lo = mem.peek32(at, 0);
        hi = mem.peek32((at + 4) | 0, 0);
        const type = (hi >>> DESC_TYPE_SHIFT) & 0x1f;
        if ((hi & DESC_P) !== 0 && (type === SYS_INTERRUPT_GATE32 || type === SYS_TRAP_GATE32)) {
          this.guestHandler[v] = (hi & 0xffff0000) | (lo & 0xffff);
          const stub = interruptStub(v);
          lo = (lo & 0xffff0000) | (stub & 0xffff);
          hi = (stub & 0xffff0000) | (hi & 0xffff);
        }
      }
      mem.writeAs((SHADOW_IDT + v * 8) | 0, lo, 4, false);
      mem.writeAs((SHADOW_IDT + v * 8 + 4) | 0, hi, 4, false);
    }
    this.useShadow();
    this.watchGuestTable();
    this.rebuilds++;
    return gates;
  }

  /** Relaxed: point vector v's gate straight at its translated handler. */
  resolve(v: number, cachePc: number): void {
    const at = (SHADOW_IDT + v * 8) | 0;
    const mem = this.cpu.mem;
    mem.writeAs(at, (mem.readAs(at, 4, false) & 0xffff0000) | (cachePc & 0xffff), 4, false);
    mem.writeAs((at + 4) | 0, (cachePc & 0xffff0000) | (mem.readAs((at + 4) | 0, 4, false) & 0xffff), 4, false);
    this.resolved[v] = cachePc;
  }

  /** Relaxed: send vector v's gate back to its stub (its translated handler went away). */
  unresolve(v: number): void {
    if (this.resolved[v] === UNRESOLVED) return;
    this.resolve(v, interruptStub(v));
    this.resolved[v] = UNRESOLVED;
  }

  /** Is physical page ppn part of the guest IDT this table mirrors? */
  watches(ppn: number): boolean {
    return this.watched.includes(ppn);
  }

  /**
   * Watch the guest IDT's bytes with the self-modifying-code machinery: a store to them, through
   * any linear alias, reaches the DBT's code-write listener, which rebuilds this table.
   */
  private watchGuestTable(): void {
    const mem = this.cpu.mem;
    const pages: number[] = [];
    const end = this.guestBase + this.guestLimit + 1;
    for (let la = this.guestBase; la < end; ) {
      const chunk = Math.min(end - la, PAGE_SIZE - (la & PAGE_MASK));
      const pa = mem.peek(la | 0);
      if (pa >= 0 && pa < this.cpu.phys.guestSize) {
        this.cpu.phys.markCode(pa, chunk);
        pages.push(pa >>> PAGE_SHIFT);
      }
      la += chunk;
    }
    this.watched = pages;
  }

  useShadow(): void {
    this.cpu.s[S_IDTR_BASE] = SHADOW_IDT | 0;
    // Relaxed: the hardware checks vectors against the guest's limit itself.
    this.cpu.s[S_IDTR_LIMIT] = this.design === "relaxed" ? Math.min(this.guestLimit, SHADOW_IDT_LIMIT) : SHADOW_IDT_LIMIT;
  }

  useGuest(): void {
    this.cpu.s[S_IDTR_BASE] = this.guestBase | 0;
    this.cpu.s[S_IDTR_LIMIT] = this.guestLimit;
  }

  /** After code that ran with the guest's IDTR in place (emulated LIDT): keep what it loaded. Returns true if it changed. */
  captureGuest(): boolean {
    const s = this.cpu.s;
    const changed = this.guestBase !== s[S_IDTR_BASE]! >>> 0 || this.guestLimit !== s[S_IDTR_LIMIT]!;
    this.guestBase = s[S_IDTR_BASE]! >>> 0;
    this.guestLimit = s[S_IDTR_LIMIT]!;
    return changed;
  }

  isShadowActive(): boolean {
    return this.cpu.s[S_IDTR_BASE]! >>> 0 === SHADOW_IDT;
  }
}
