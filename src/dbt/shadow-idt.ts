// The shadow IDT: what the real IDTR points at in DBT modes, while the guest's IDTR is kept aside.
import type { Cpu } from "../cpu/cpu.js";
import { S_IDTR_BASE, S_IDTR_LIMIT } from "../cpu/state.js";
import { SYS_INTERRUPT_GATE32, DESC_P } from "../cpu/segments.js";
import { SHADOW_IDT, interruptStub } from "./layout.js";

/** 256 gates x 8 bytes. */
export const SHADOW_IDT_LIMIT = 256 * 8 - 1;

/**
 * Precise mode: every vector's shadow gate is a present 32-bit interrupt gate of DPL 3 to that
 * vector's dispatcher stub, so every event, from ring 3 or ring 0, reaches the dispatcher with
 * interrupts off. The guest's own gate (present bit, type, DPL, handler) is applied when the
 * dispatcher re-delivers the event through the guest's IDT, exactly as the hardware would.
 */
export class ShadowIdt {
  /** The IDTR the guest loaded (LIDT) and sees (SIDT). */
  guestBase = 0;
  guestLimit = 0x3ff;
  /** Code selector of the shadow gates (a flat ring-0 code segment of the guest's GDT). */
  selector = 0x08;
  rebuilds = 0;

  constructor(private readonly cpu: Cpu) {}

  /** Take over the IDTR: remember the guest's, point the real one at the shadow table. */
  install(): void {
    const s = this.cpu.s;
    this.guestBase = s[S_IDTR_BASE]! >>> 0;
    this.guestLimit = s[S_IDTR_LIMIT]!;
    this.build();
  }

  build(): void {
    const mem = this.cpu.mem;
    for (let v = 0; v < 256; v++) {
      const stub = interruptStub(v);
      const lo = ((this.selector & 0xffff) << 16) | (stub & 0xffff);
      const hi = (stub & 0xffff0000) | DESC_P | (3 << 13) | (SYS_INTERRUPT_GATE32 << 8);
      mem.writeAs((SHADOW_IDT + v * 8) | 0, lo, 4, false);
      mem.writeAs((SHADOW_IDT + v * 8 + 4) | 0, hi, 4, false);
    }
    this.useShadow();
    this.rebuilds++;
  }

  useShadow(): void {
    this.cpu.s[S_IDTR_BASE] = SHADOW_IDT | 0;
    this.cpu.s[S_IDTR_LIMIT] = SHADOW_IDT_LIMIT;
  }

  useGuest(): void {
    this.cpu.s[S_IDTR_BASE] = this.guestBase | 0;
    this.cpu.s[S_IDTR_LIMIT] = this.guestLimit;
  }

  /** After code that ran with the guest's IDTR in place (emulated LIDT): keep what it loaded. */
  captureGuest(): void {
    const s = this.cpu.s;
    this.guestBase = s[S_IDTR_BASE]! >>> 0;
    this.guestLimit = s[S_IDTR_LIMIT]!;
  }

  isShadowActive(): boolean {
    return this.cpu.s[S_IDTR_BASE]! >>> 0 === SHADOW_IDT;
  }
}
