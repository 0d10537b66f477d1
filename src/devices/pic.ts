// The PC's cascaded 8259A pair (master 0x20/0x21, slave 0xA0/0xA1 on master IR2): IRR/ISR/IMR, ICW/OCW, INTA.
//
// Behaviour follows the Intel 8259A datasheet (231468) and QEMU's hw/intc/i8259.c, which agree on
// everything a PC kernel uses:
// - ICW1 (A0=0, D4=1) resets the chip: IMR, ISR and IRR cleared, edge-sense latches cleared (a line
//   must go low-to-high again to request), priority rotation reset (IR0 highest), special mask mode off,
//   read register = IRR, and ICW4 functions cleared when IC4=0. Then ICW2 (vector base, low 3 bits
//   ignored), ICW3 unless SNGL=1, ICW4 if IC4=1. ICW1 LTIM (level-triggered mode) is accepted and
//   ignored, as QEMU does: the PC's ISA IRQs are edge-triggered. ICW4 uPM=0 (MCS-80/85 mode), BUF and
//   M/S are accepted and ignored (INTA always returns an 8086-style vector); AEOI and SFNM are honoured.
// - OCW1 (A0=1 after init) writes IMR. OCW2: non-specific EOI (0x20), specific EOI (0x60+n), rotate on
//   non-specific EOI (0xA0), rotate on specific EOI (0xE0+n), set priority (0xC0+n), rotate in AEOI
//   mode set/clear (0x80/0x00), no-op (0x40). OCW3: read IRR (0x0A) / ISR (0x0B), poll (P=1: the next
//   read of either port returns 0x80|level and acknowledges it, or 0 when none), special mask mode.
// - A request is latched into IRR on a rising edge of its line. Priority is fixed (IR0 highest) unless
//   rotated; a request is passed on only if it is unmasked and of higher priority than everything in
//   service (in special mask mode, masked ISR bits do not block; in special fully nested mode the
//   master does not let its own IR2 in-service bit block further slave requests).
// - The slave's INT output drives the master's IR2 input through the master's edge detector, exactly
//   as the board wires it; so slave IRQs sit at IR2's priority on the master.
// - INTA (acknowledge): the master picks its highest request; for IR2 the slave supplies the vector.
//   Nothing pending on the master: spurious IRQ7, vector = master base + 7, no ISR bit set. Master
//   picked IR2 but the slave has nothing: slave spurious IRQ15, vector = slave base + 7, the master's
//   IR2 ISR bit is set (it did see a request) and the slave's ISR is not. In AEOI mode the ISR bit is
//   not set (and the priority rotates if rotate-in-AEOI is on).
// Not modelled: ELCR (ports 0x4D0/0x4D1, edge/level per IRQ; the brief's PC is all edge-triggered).

import type { IrqLine, PortDevice, PortSize, SavesState } from "./bus.js";

/** One chip's registers, JSON-able (all values are small integers or booleans). */
export interface PicChipState {
  irr: number;
  imr: number;
  isr: number;
  /** Edge detector: the last level seen on each IR input (bit n = IRn high). */
  lastLevels: number;
  /** Rotation: IR(priorityAdd) is the highest priority. */
  priorityAdd: number;
  vectorBase: number;
  icw3: number;
  readIsr: boolean;
  poll: boolean;
  specialMask: boolean;
  /** 0 = operational, 1 = expecting ICW2, 2 = ICW3, 3 = ICW4. */
  initState: number;
  autoEoi: boolean;
  rotateOnAutoEoi: boolean;
  specialFullyNested: boolean;
  expectIcw4: boolean;
  singleMode: boolean;
  levelTriggeredRequested: boolean;
  /** ICW4 bit 0 as written (true = 8086 mode); informational only. */
  mode8086: boolean;
}

export interface PicState {
  master: PicChipState;
  slave: PicChipState;
}

export interface PicOptions {
  /** Called whenever the master's INT output (the CPU's INTR pin) changes level. */
  onIntrChange?: (intr: boolean) => void;
}

const NO_IRQ = -1;

/** One 8259A. The pair class wires two of these together. */
class PicChip {
  irr = 0;
  imr = 0;
  isr = 0;
  lastLevels = 0;
  priorityAdd = 0;
  vectorBase = 0;
  icw3 = 0;
  readIsr = false;
  poll = false;
  specialMask = false;
  initState = 0;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  expectIcw4 = false;
  singleMode = false;
  levelTriggeredRequested = false;
  mode8086 = false;

  constructor(
    readonly isMaster: boolean,
    /** Called after any change that may move the INT output. */
    private readonly outputChanged: () => void,
  ) {}

  /** Priority index (0 = highest) of the highest-priority bit in mask under the current rotation; 8 if none. */
  private priorityOf(mask: number): number {
    if (mask === 0) return 8;
    let p = 0;
    while ((mask & (1 << ((p + this.priorityAdd) & 7))) === 0) p++;
    return p;
  }

  /** The IR level this chip would present to the CPU now, or NO_IRQ. */
  pendingIrq(): number {
    const requested = this.priorityOf(this.irr & ~this.imr);
    if (requested === 8) return NO_IRQ;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    if (this.specialFullyNested && this.isMaster) inService &= ~(1 << 2);
    const current = this.priorityOf(inService);
    return requested < current ? (requested + this.priorityAdd) & 7 : NO_IRQ;
  }

  /** An IR input changed level; latch IRR on a rising edge (edge-triggered mode). */
  setLevel(irq: number, high: boolean): void {
    const bit = 1 << irq;
    if (high) {
      if ((this.lastLevels & bit) === 0) this.irr |= bit;
      this.lastLevels |= bit;
    } else {
      this.lastLevels &= ~bit;
    }
    this.outputChanged();
  }

  /** INTA on this chip for level `irq`: set ISR (unless AEOI), clear the IRR latch. */
  intack(irq: number): void {
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= 1 << irq;
    }
    this.irr &= ~(1 << irq);
    this.outputChanged();
  }

  private resetForIcw1(): void {
    this.lastLevels = 0;
    this.irr = 0;
    this.imr = 0;
    this.isr = 0;
    this.priorityAdd = 0;
    this.vectorBase = 0;
    this.icw3 = 0;
    this.readIsr = false;
    this.poll = false;
    this.specialMask = false;
    this.initState = 0;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    this.expectIcw4 = false;
    this.singleMode = false;
    this.levelTriggeredRequested = false;
    this.mode8086 = false;
  }

  write(a0: number, value: number): void {
    if (a0 === 0) {
      if (value & 0x10) {
        // ICW1
        this.resetForIcw1();
        this.initState = 1;
        this.expectIcw4 = (value & 0x01) !== 0;
        this.singleMode = (value & 0x02) !== 0;
        this.levelTriggeredRequested = (value & 0x08) !== 0;
        this.outputChanged();
      } else if (value & 0x08) {
        // OCW3
        if (value & 0x04) this.poll = true;
        if (value & 0x02) this.readIsr = (value & 0x01) !== 0;
        if (value & 0x40) {
          this.specialMask = (value & 0x20) !== 0;
          this.outputChanged();
        }
      } else {
        this.ocw2(value);
      }
      return;
    }
    switch (this.initState) {
      case 0: // OCW1
        this.imr = value;
        this.outputChanged();
        break;
      case 1: // ICW2: T7-T3 of the vector; the low three bits come from the IR level
        this.vectorBase = value & 0xf8;
        this.initState = this.singleMode ? (this.expectIcw4 ? 3 : 0) : 2;
        break;
      case 2: // ICW3: the PC wiring is fixed (slave on IR2, slave ID 2); stored for inspection
        this.icw3 = value;
        this.initState = this.expectIcw4 ? 3 : 0;
        break;
      default: // ICW4
        this.mode8086 = (value & 0x01) !== 0;
        this.autoEoi = (value & 0x02) !== 0;
        this.specialFullyNested = (value & 0x10) !== 0;
        this.initState = 0;
        break;
    }
  }

  private ocw2(value: number): void {
    const command = value >> 5;
    switch (command) {
      case 0: // rotate in AEOI mode: clear
      case 4: // rotate in AEOI mode: set
        this.rotateOnAutoEoi = command === 4;
        break;
      case 1: // non-specific EOI
      case 5: {
        // rotate on non-specific EOI
        const p = this.priorityOf(this.isr);
        if (p !== 8) {
          const irq = (p + this.priorityAdd) & 7;
          this.isr &= ~(1 << irq);
          if (command === 5) this.priorityAdd = (irq + 1) & 7;
          this.outputChanged();
        }
        break;
      }
      case 3: // specific EOI
        this.isr &= ~(1 << (value & 7));
        this.outputChanged();
        break;
      case 6: // set priority: IR(value & 7) becomes the lowest
        this.priorityAdd = (value + 1) & 7;
        this.outputChanged();
        break;
      case 7: {
        // rotate on specific EOI
        const irq = value & 7;
        this.isr &= ~(1 << irq);
        this.priorityAdd = (irq + 1) & 7;
        this.outputChanged();
        break;
      }
      default: // 2: no operation
        break;
    }
  }

  read(a0: number): number {
    if (this.poll) {
      // Poll command: the read acts as INTA and returns 1000_0LLL, or 0 when nothing is requested.
      this.poll = false;
      const irq = this.pendingIrq();
      if (irq === NO_IRQ) return 0;
      this.intack(irq);
      return 0x80 | irq;
    }
    if (a0 === 0) return this.readIsr ? this.isr : this.irr;
    return this.imr;
  }

  save(): PicChipState {
    return {
      irr: this.irr,
      imr: this.imr,
      isr: this.isr,
      lastLevels: this.lastLevels,
      priorityAdd: this.priorityAdd,
      vectorBase: this.vectorBase,
      icw3: this.icw3,
      readIsr: this.readIsr,
      poll: this.poll,
      specialMask: this.specialMask,
      initState: this.initState,
      autoEoi: this.autoEoi,
      rotateOnAutoEoi: this.rotateOnAutoEoi,
      specialFullyNested: this.specialFullyNested,
      expectIcw4: this.expectIcw4,
      singleMode: this.singleMode,
      levelTriggeredRequested: this.levelTriggeredRequested,
      mode8086: this.mode8086,
    };
  }

  load(s: PicChipState): void {
    this.irr = s.irr & 0xff;
    this.imr = s.imr & 0xff;
    this.isr = s.isr & 0xff;
    this.lastLevels = s.lastLevels & 0xff;
    this.priorityAdd = s.priorityAdd & 7;
    this.vectorBase = s.vectorBase & 0xf8;
    this.icw3 = s.icw3 & 0xff;
    this.readIsr = s.readIsr;
    this.poll = s.poll;
    this.specialMask = s.specialMask;
    this.initState = s.initState & 3;
    this.autoEoi = s.autoEoi;
    this.rotateOnAutoEoi = s.rotateOnAutoEoi;
    this.specialFullyNested = s.specialFullyNested;
    this.expectIcw4 = s.expectIcw4;
    this.singleMode = s.singleMode;
    this.levelTriggeredRequested = s.levelTriggeredRequested;
    this.mode8086 = s.mode8086;
  }
}

/** The master/slave 8259A pair as wired on the PC/AT. */
export class Pic implements PortDevice, SavesState<PicState> {
  readonly name = "pic";
  readonly ports = [
    [0x20, 0x21],
    [0xa0, 0xa1],
  ] as const;

  private readonly master: PicChip;
  private readonly slave: PicChip;
  private readonly lines: readonly IrqLine[];
  private intr = false;
  private readonly onIntrChange: ((intr: boolean) => void) | undefined;

  constructor(options: PicOptions = {}) {
    this.onIntrChange = options.onIntrChange;
    this.master = new PicChip(true, () => this.masterChanged());
    // The slave's INT output is a level on the master's IR2 input; QEMU re-drives it on every slave
    // update, so an ICW1 on the master followed by a slave update re-latches IR2, as here.
    this.slave = new PicChip(false, () => this.master.setLevel(2, this.slave.pendingIrq() !== NO_IRQ));
    const lines: IrqLine[] = [];
    for (let n = 0; n < 16; n++) {
      const chip = n < 8 ? this.master : this.slave;
      const level = n & 7;
      lines.push({ raise: () => chip.setLevel(level, true), lower: () => chip.setLevel(level, false) });
    }
    this.lines = lines;
  }

  /** The request line for ISA IRQ n (0-15). IRQ2 is the cascade input and is normally unused by devices. */
  irq(n: number): IrqLine {
    const line = this.lines[n];
    if (line === undefined || !Number.isInteger(n)) throw new RangeError(`pic: no IRQ ${n} (0-15)`);
    return line;
  }

  /** The INTR pin: true while the master has an unmasked request of higher priority than anything in service. */
  hasInterrupt(): boolean {
    return this.intr;
  }

  /**
   * The INTA cycle: returns the vector the pair puts on the bus and updates ISR/IRR. With nothing
   * pending this returns the spurious vector (master base + 7, or slave base + 7 when the master
   * saw IR2 but the slave had nothing), as the datasheet describes.
   */
  acknowledge(): number {
    const master = this.master;
    const irq = master.pendingIrq();
    if (irq === NO_IRQ) return (master.vectorBase + 7) & 0xff; // spurious IRQ7: no ISR bit
    let vector: number;
    if (irq === 2) {
      const irq2 = this.slave.pendingIrq();
      if (irq2 !== NO_IRQ) {
        this.slave.intack(irq2);
        vector = this.slave.vectorBase + irq2;
      } else {
        vector = this.slave.vectorBase + 7; // spurious IRQ15
      }
    } else {
      vector = master.vectorBase + irq;
    }
    master.intack(irq);
    return vector & 0xff;
  }

  portIn(port: number, _size: PortSize): number {
    const chip = (port & 0x80) === 0 ? this.master : this.slave;
    return chip.read(port & 1) & 0xff;
  }

  portOut(port: number, value: number, _size: PortSize): void {
    const chip = (port & 0x80) === 0 ? this.master : this.slave;
    chip.write(port & 1, value & 0xff);
  }

  /** Registers of both chips, for `inspect` and tests. */
  registers(): PicState {
    return this.saveState();
  }

  saveState(): PicState {
    return { master: this.master.save(), slave: this.slave.save() };
  }

  loadState(state: PicState): void {
    this.master.load(state.master);
    this.slave.load(state.slave);
    this.masterChanged();
  }

  private masterChanged(): void {
    const intr = this.master.pendingIrq() !== NO_IRQ;
    if (intr !== this.intr) {
      this.intr = intr;
      this.onIntrChange?.(intr);
    }
  }
}

/**
 * Put the pair in the state SeaBIOS leaves it in when QEMU enters a multiboot kernel (observed on
 * qemu-system-i386 7.2, -machine pc): ICW1 0x11, vector bases 0x08 and 0x70, ICW3 4/2, ICW4 0x01
 * (SeaBIOS pic_setup), IMR 0xB8 on the master (IRQ0, 1, 2, 6 unmasked) and 0x8E on the slave
 * (IRQ8, 12, 13, 14 unmasked), and IRQ4 latched in the master's IRR (left by SeaBIOS's COM1 probe;
 * masked, so harmless until a kernel unmasks IRQ4 without reinitialising the PIC).
 */
export function applySeaBiosPicState(pic: Pic): void {
  const writes: ReadonlyArray<readonly [number, number]> = [
    [0x20, 0x11],
    [0xa0, 0x11],
    [0x21, 0x08],
    [0xa1, 0x70],
    [0x21, 0x04],
    [0xa1, 0x02],
    [0x21, 0x01],
    [0xa1, 0x01],
    [0x21, 0xb8],
    [0xa1, 0x8e],
  ];
  for (const [port, value] of writes) pic.portOut(port, value, 1);
  pic.irq(4).raise();
  pic.irq(4).lower();
}
