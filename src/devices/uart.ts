// 16550A UART on COM1 (0x3F8-0x3FF): transmit to a sink, every register readable as QEMU's hw/char/serial.c shows it.
//
// Model (National PC16550D datasheet; QEMU serial.c for the details a guest can observe):
// - Transmission is instantaneous: a THR write hands the byte to onTransmit at once, so LSR always
//   shows THRE|TEMT (0x60) to the guest. Nothing is ever received from outside, so LSR.DR is 0 except
//   in loopback mode.
// - Reset values are QEMU's, and are also what a multiboot kernel finds after SeaBIOS (verified on
//   qemu-system-i386 7.2): IER 0, IIR 0x01, LCR 0, MCR 0x08 (OUT2), LSR 0x60, MSR 0xB0 (DCD|DSR|CTS),
//   SCR 0, divisor 12 (9600 baud).
// - DLAB (LCR bit 7) switches offsets 0/1 to the divisor latches DLL/DLM, which read back.
// - FCR (write-only at offset 2): FIFO enable sets IIR bits 7-6 (0xC0); toggling enable, or RFR, clears
//   the receive FIFO; XFR re-arms the THR-empty interrupt (QEMU). Receive FIFO trigger level is kept.
// - IIR reports, in priority order: receiver line status (OE/BI) if IER.RLSI, received data if IER.RDI
//   (with FIFOs: only once the trigger level is reached; the character-timeout indication needs a timer
//   and is not modelled), THR empty if IER.THRI, modem status if IER.MSI and a delta bit is set (never:
//   the modem lines are constant). Reading IIR while it shows THR-empty clears that source; enabling
//   IER.THRI while THR is empty raises it (QEMU, as Windows expects).
// - Interrupts: if an `irq` line is given, it is driven high while IIR shows a pending source and low
//   otherwise, re-driven on every register update as QEMU does (the PIC's edge detector ignores
//   repeated highs). The brief's machine need not wire it; without a line the IIR values still follow.
// - Loopback (MCR bit 4): transmitted bytes are received instead of sent (LSR.DR, RBR, overrun OE),
//   and MSR reflects MCR (DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD), as the datasheet and QEMU do; kernels'
//   serial-port self-tests (write 0xAE in loopback, read it back) therefore pass.
// - Line parameters (LCR word length, parity, stop bits, break) are stored and read back, not applied.

import type { IrqLine, PortDevice, PortSize, SavesState } from "./bus.js";

export const COM1_BASE = 0x3f8;

const LCR_DLAB = 0x80;
const IER_RDI = 0x01;
const IER_THRI = 0x02;
const IER_RLSI = 0x04;
const IER_MSI = 0x08;
const IIR_NO_INT = 0x01;
const IIR_ID_MASK = 0x06;
const IIR_MSI = 0x00;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_RLSI = 0x06;
const IIR_FIFO_ENABLED = 0xc0;
const MCR_LOOP = 0x10;
const MSR_DCD = 0x80;
const MSR_DSR = 0x20;
const MSR_CTS = 0x10;
const MSR_ANY_DELTA = 0x0f;
const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_BI = 0x10;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const LSR_INT_ANY = 0x1e;
const FCR_FE = 0x01;
const FCR_RFR = 0x02;
const FCR_XFR = 0x04;
const FIFO_SIZE = 16;

export interface UartState {
  rbr: number;
  ier: number;
  /** IIR including the FIFO-enabled bits 7-6. */
  iir: number;
  lcr: number;
  mcr: number;
  lsr: number;
  msr: number;
  scr: number;
  fcr: number;
  divisor: number;
  thrInterruptPending: boolean;
  /** Receive FIFO contents, oldest first (loopback only). */
  rxFifo: number[];
  rxTriggerLevel: number;
  irqLevel: boolean;
}

export interface UartOptions {
  /** Base I/O port; COM1 (0x3F8) by default. */
  base?: number;
  /** Receives each transmitted byte (0-255). */
  onTransmit: (byte: number) => void;
  /** IRQ4 for COM1, if the machine wires the UART's interrupt. */
  irq?: IrqLine;
}

export class Uart16550 implements PortDevice, SavesState<UartState> {
  readonly name = "uart";
  readonly ports: ReadonlyArray<readonly [number, number]>;
  private readonly base: number;
  private readonly onTransmit: (byte: number) => void;
  private readonly irq: IrqLine | undefined;

  private rbr = 0;
  private ier = 0;
  private iir = IIR_NO_INT;
  private lcr = 0;
  private mcr = 0x08;
  private lsr = LSR_TEMT | LSR_THRE;
  private msr = MSR_DCD | MSR_DSR | MSR_CTS;
  private scr = 0;
  private fcr = 0;
  private divisor = 12;
  private thrInterruptPending = false;
  private readonly rxFifo = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  private rxTriggerLevel = 1;
  private irqLevel = false;
  /** Bytes handed to onTransmit (for statistics). */
  transmitted = 0;

  constructor(options: UartOptions) {
    this.base = options.base ?? COM1_BASE;
    this.ports = [[this.base, this.base + 7]];
    this.onTransmit = options.onTransmit;
    this.irq = options.irq;
  }

  portIn(port: number, _size: PortSize): number {
    switch ((port - this.base) & 7) {
      case 0:
        if (this.lcr & LCR_DLAB) return this.divisor & 0xff;
        return this.readRbr();
      case 1:
        if (this.lcr & LCR_DLAB) return (this.divisor >> 8) & 0xff;
        return this.ier;
      case 2: {
        const value = this.iir;
        if ((value & IIR_ID_MASK) === IIR_THRI && (value & IIR_NO_INT) === 0) {
          this.thrInterruptPending = false;
          this.updateIrq();
        }
        return value;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const value = this.lsr;
        if (value & (LSR_BI | LSR_OE)) {
          this.lsr &= ~(LSR_BI | LSR_OE);
          this.updateIrq();
        }
        return value;
      }
      case 6:
        if (this.mcr & MCR_LOOP) {
          // Loopback: OUT2->DCD, OUT1->RI, RTS->CTS, DTR->DSR.
          return ((this.mcr & 0x0c) << 4) | ((this.mcr & 0x02) << 3) | ((this.mcr & 0x01) << 5);
        } else {
          const value = this.msr;
          if (value & MSR_ANY_DELTA) {
            this.msr &= 0xf0;
            this.updateIrq();
          }
          return value;
        }
      default:
        return this.scr;
    }
  }

  portOut(port: number, value: number, _size: PortSize): void {
    value &= 0xff;
    switch ((port - this.base) & 7) {
      case 0:
        if (this.lcr & LCR_DLAB) {
          this.divisor = (this.divisor & 0xff00) | value;
        } else {
          this.transmit(value);
        }
        break;
      case 1:
        if (this.lcr & LCR_DLAB) {
          this.divisor = (this.divisor & 0x00ff) | (value << 8);
        } else {
          const changed = (this.ier ^ value) & 0x0f;
          this.ier = value & 0x0f;
          if (changed & IER_THRI) {
            this.thrInterruptPending = (this.ier & IER_THRI) !== 0 && (this.lsr & LSR_THRE) !== 0;
          }
          if (changed) this.updateIrq();
        }
        break;
      case 2:
        this.writeFcr(value);
        break;
      case 3:
        this.lcr = value;
        break;
      case 4:
        this.mcr = value & 0x1f;
        break;
      case 5: // LSR: writes ignored (factory test only), as in QEMU
      case 6: // MSR: read-only
        break;
      default:
        this.scr = value;
        break;
    }
  }

  saveState(): UartState {
    const fifo: number[] = [];
    for (let i = 0; i < this.rxCount; i++) fifo.push(this.rxFifo[(this.rxHead + i) % FIFO_SIZE]!);
    return {
      rbr: this.rbr,
      ier: this.ier,
      iir: this.iir,
      lcr: this.lcr,
      mcr: this.mcr,
      lsr: this.lsr,
      msr: this.msr,
      scr: this.scr,
      fcr: this.fcr,
      divisor: this.divisor,
      thrInterruptPending: this.thrInterruptPending,
      rxFifo: fifo,
      rxTriggerLevel: this.rxTriggerLevel,
      irqLevel: this.irqLevel,
    };
  }

  loadState(s: UartState): void {
    this.rbr = s.rbr & 0xff;
    this.ier = s.ier & 0x0f;
    this.iir = s.iir & 0xff;
    this.lcr = s.lcr & 0xff;
    this.mcr = s.mcr & 0x1f;
    this.lsr = s.lsr & 0xff;
    this.msr = s.msr & 0xff;
    this.scr = s.scr & 0xff;
    this.fcr = s.fcr & 0xc9;
    this.divisor = s.divisor & 0xffff;
    this.thrInterruptPending = s.thrInterruptPending;
    this.rxHead = 0;
    this.rxCount = Math.min(s.rxFifo.length, FIFO_SIZE);
    for (let i = 0; i < this.rxCount; i++) this.rxFifo[i] = s.rxFifo[i]! & 0xff;
    this.rxTriggerLevel = s.rxTriggerLevel;
    this.irqLevel = s.irqLevel;
  }

  private transmit(byte: number): void {
    // THR written: THRE drops and the THR-empty interrupt clears ...
    this.thrInterruptPending = false;
    this.lsr &= ~(LSR_THRE | LSR_TEMT);
    this.updateIrq();
    // ... then the byte leaves at once (or loops back), THR and the shift register are empty again.
    if (this.mcr & MCR_LOOP) {
      this.receive(byte);
    } else {
      this.transmitted++;
      this.onTransmit(byte);
    }
    this.lsr |= LSR_THRE | LSR_TEMT;
    this.thrInterruptPending = true;
    this.updateIrq();
  }

  private receive(byte: number): void {
    if (this.fcr & FCR_FE) {
      if (this.rxCount < FIFO_SIZE) {
        this.rxFifo[(this.rxHead + this.rxCount) % FIFO_SIZE] = byte;
        this.rxCount++;
      } else {
        this.lsr |= LSR_OE; // overruns do not overwrite FIFO contents
      }
    } else {
      if (this.lsr & LSR_DR) this.lsr |= LSR_OE;
      this.rbr = byte;
    }
    this.lsr |= LSR_DR;
  }

  private readRbr(): number {
    let value: number;
    if (this.fcr & FCR_FE) {
      if (this.rxCount === 0) {
        value = 0;
      } else {
        value = this.rxFifo[this.rxHead]!;
        this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
        this.rxCount--;
      }
      if (this.rxCount === 0) this.lsr &= ~(LSR_DR | LSR_BI);
    } else {
      value = this.rbr;
      this.lsr &= ~(LSR_DR | LSR_BI);
    }
    this.updateIrq();
    return value;
  }

  private writeFcr(value: number): void {
    // Toggling FIFO enable flushes both FIFOs.
    if ((value ^ this.fcr) & FCR_FE) value |= FCR_XFR | FCR_RFR;
    if (value & FCR_RFR) {
      this.rxHead = 0;
      this.rxCount = 0;
      this.lsr &= ~(LSR_DR | LSR_BI);
    }
    if (value & FCR_XFR) {
      this.lsr |= LSR_THRE;
      this.thrInterruptPending = true;
    }
    this.fcr = value & 0xc9;
    if (this.fcr & FCR_FE) {
      this.iir |= IIR_FIFO_ENABLED;
      const level = value & 0xc0;
      this.rxTriggerLevel = level === 0x00 ? 1 : level === 0x40 ? 4 : level === 0x80 ? 8 : 14;
    } else {
      this.iir &= ~IIR_FIFO_ENABLED;
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    let id = IIR_NO_INT;
    const ier = this.ier;
    if (ier & IER_RLSI && this.lsr & LSR_INT_ANY) {
      id = IIR_RLSI;
    } else if (
      ier & IER_RDI &&
      this.lsr & LSR_DR &&
      ((this.fcr & FCR_FE) === 0 || this.rxCount >= this.rxTriggerLevel)
    ) {
      id = IIR_RDI;
    } else if (ier & IER_THRI && this.thrInterruptPending) {
      id = IIR_THRI;
    } else if (ier & IER_MSI && this.msr & MSR_ANY_DELTA) {
      id = IIR_MSI;
    }
    this.iir = id | (this.iir & 0xf0);
    this.irqLevel = id !== IIR_NO_INT;
    if (this.irq !== undefined) {
      if (this.irqLevel) this.irq.raise();
      else this.irq.lower();
    }
  }
}
