import { describe, expect, it } from "vitest";
import type { IrqLine } from "../../src/devices/bus.js";
import { Uart16550, type UartState } from "../../src/devices/uart.js";

function setup(): { uart: Uart16550; out: number[]; irq: { level: boolean; raises: number } } {
  const out: number[] = [];
  const irq = { level: false, raises: 0 };
  const line: IrqLine = {
    raise: () => {
      if (!irq.level) irq.raises++;
      irq.level = true;
    },
    lower: () => {
      irq.level = false;
    },
  };
  return { uart: new Uart16550({ onTransmit: (b) => out.push(b), irq: line }), out, irq };
}

const reg = (uart: Uart16550, offset: number): number => uart.portIn(0x3f8 + offset, 1);
const write = (uart: Uart16550, offset: number, value: number): void => uart.portOut(0x3f8 + offset, value, 1);

describe("16550A UART", () => {
  it("resets to QEMU's values (also what a multiboot kernel sees after SeaBIOS)", () => {
    const { uart } = setup();
    expect([1, 2, 3, 4, 5, 6, 7].map((o) => reg(uart, o))).toEqual([0x00, 0x01, 0x00, 0x08, 0x60, 0xb0, 0x00]);
    write(uart, 3, 0x80);
    expect([reg(uart, 0), reg(uart, 1)]).toEqual([0x0c, 0x00]); // divisor 12: 9600 baud
  });

  it("sends THR writes to the sink; LSR always shows THRE|TEMT", () => {
    const { uart, out } = setup();
    for (const c of "hi\n") write(uart, 0, c.charCodeAt(0));
    expect(Buffer.from(out).toString()).toBe("hi\n");
    expect(reg(uart, 5)).toBe(0x60);
    expect(uart.transmitted).toBe(3);
  });

  it("DLAB switches offsets 0 and 1 to the divisor latches", () => {
    const { uart, out } = setup();
    write(uart, 3, 0x83); // DLAB | 8N1
    write(uart, 0, 0x01); // DLL: 115200 baud
    write(uart, 1, 0x00); // DLM
    expect([reg(uart, 0), reg(uart, 1), reg(uart, 3)]).toEqual([0x01, 0x00, 0x83]);
    write(uart, 3, 0x03);
    expect(reg(uart, 1)).toBe(0x00); // IER again
    expect(out).toEqual([]);
  });

  it("FCR with FIFO enable sets IIR bits 7-6", () => {
    const { uart } = setup();
    write(uart, 2, 0xc7);
    expect(reg(uart, 2)).toBe(0xc1);
    write(uart, 2, 0x00);
    expect(reg(uart, 2)).toBe(0x01);
  });

  it("THR-empty interrupt: raised by IER.THRI, cleared by reading IIR, re-armed by a transmit", () => {
    const { uart, irq } = setup();
    write(uart, 1, 0x02);
    expect(irq.level).toBe(true);
    expect(reg(uart, 2)).toBe(0x02);
    expect(irq.level).toBe(false);
    expect(reg(uart, 2)).toBe(0x01);
    write(uart, 0, 0x41);
    expect(irq.level).toBe(true);
    expect(irq.raises).toBe(2);
    write(uart, 1, 0x00);
    expect(irq.level).toBe(false);
    expect(reg(uart, 2)).toBe(0x01);
  });

  it("loopback mode receives what it sends (the usual serial self-test)", () => {
    const { uart, out } = setup();
    write(uart, 4, 0x1e); // loopback, OUT2, OUT1, RTS
    write(uart, 0, 0xae);
    expect(out).toEqual([]);
    expect(reg(uart, 5)).toBe(0x61); // DR
    expect(reg(uart, 6)).toBe(0xd0); // OUT2->DCD, OUT1->RI, RTS->CTS
    expect(reg(uart, 0)).toBe(0xae);
    expect(reg(uart, 5)).toBe(0x60);
    write(uart, 4, 0x0f); // normal operation
    write(uart, 0, 0x41);
    expect(out).toEqual([0x41]);
    expect(reg(uart, 6)).toBe(0xb0);
  });

  it("loopback overrun sets OE (cleared by reading LSR) and raises the line-status interrupt", () => {
    const { uart } = setup();
    write(uart, 4, 0x10);
    write(uart, 1, 0x05); // RLSI | RDI
    write(uart, 0, 1);
    expect(reg(uart, 2)).toBe(0x04); // received data available
    write(uart, 0, 2);
    expect(reg(uart, 2)).toBe(0x06); // receiver line status outranks it
    expect(reg(uart, 5)).toBe(0x63);
    expect(reg(uart, 5)).toBe(0x61);
    expect(reg(uart, 0)).toBe(2);
    expect(reg(uart, 2)).toBe(0x01);
  });

  it("with FIFOs, loopback bytes queue up to 16 and data-available waits for the trigger level", () => {
    const { uart } = setup();
    write(uart, 2, 0x41); // FIFO on, trigger level 4
    write(uart, 4, 0x10);
    write(uart, 1, 0x01);
    for (let i = 0; i < 3; i++) write(uart, 0, i);
    expect(reg(uart, 2)).toBe(0xc1);
    write(uart, 0, 3);
    expect(reg(uart, 2)).toBe(0xc4);
    for (let i = 4; i < 20; i++) write(uart, 0, i);
    expect(reg(uart, 5) & 0x02).toBe(0x02); // overrun
    const got: number[] = [];
    while (reg(uart, 5) & 1) got.push(reg(uart, 0));
    expect(got).toEqual([...Array(16).keys()]);
  });

  it("scratch register reads back", () => {
    const { uart } = setup();
    write(uart, 7, 0x5a);
    expect(reg(uart, 7)).toBe(0x5a);
  });

  it("saves and restores through JSON", () => {
    const a = setup();
    write(a.uart, 2, 0x01);
    write(a.uart, 4, 0x10);
    write(a.uart, 0, 7);
    write(a.uart, 3, 0x1b);
    const saved = JSON.parse(JSON.stringify(a.uart.saveState())) as UartState;
    const b = setup();
    b.uart.loadState(saved);
    expect(b.uart.saveState()).toEqual(a.uart.saveState());
    expect(reg(b.uart, 0)).toBe(7);
  });
});
