import { beforeEach, describe, expect, it } from "vitest";
import { applySeaBiosPicState, Pic, type PicState } from "../../src/devices/pic.js";

/** The usual protected-mode remap: master vectors 0x20-0x27, slave 0x28-0x2f, 8086 mode, normal EOI. */
function initPic(pic: Pic, icw4 = 0x01): void {
  for (const [port, value] of [
    [0x20, 0x11],
    [0xa0, 0x11],
    [0x21, 0x20],
    [0xa1, 0x28],
    [0x21, 0x04],
    [0xa1, 0x02],
    [0x21, icw4],
    [0xa1, icw4],
    [0x21, 0x00],
    [0xa1, 0x00],
  ] as const) {
    pic.portOut(port, value, 1);
  }
}

function pulse(pic: Pic, irq: number): void {
  pic.irq(irq).raise();
  pic.irq(irq).lower();
}

function irr(pic: Pic, port = 0x20): number {
  pic.portOut(port, 0x0a, 1);
  return pic.portIn(port, 1);
}

function isr(pic: Pic, port = 0x20): number {
  pic.portOut(port, 0x0b, 1);
  return pic.portIn(port, 1);
}

describe("8259A pair", () => {
  let pic: Pic;
  let changes: boolean[];
  beforeEach(() => {
    changes = [];
    pic = new Pic({ onIntrChange: (intr) => changes.push(intr) });
    initPic(pic);
  });

  it("delivers in fixed priority order, blocking lower priorities while one is in service", () => {
    pulse(pic, 3);
    pulse(pic, 1);
    expect(pic.hasInterrupt()).toBe(true);
    expect(irr(pic)).toBe(0b1010);
    expect(pic.acknowledge()).toBe(0x21); // IRQ1 beats IRQ3
    expect(isr(pic)).toBe(0b0010);
    expect(irr(pic)).toBe(0b1000);
    expect(pic.hasInterrupt()).toBe(false); // IRQ3 is lower than the in-service IRQ1
    pic.portOut(0x20, 0x20, 1); // non-specific EOI
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x23);
    pic.portOut(0x20, 0x20, 1);
    expect(pic.hasInterrupt()).toBe(false);
    expect(isr(pic)).toBe(0);
  });

  it("lets a higher priority interrupt nest into a lower one", () => {
    pulse(pic, 5);
    expect(pic.acknowledge()).toBe(0x25);
    pulse(pic, 0);
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x20);
    expect(isr(pic)).toBe(0b100001);
    pic.portOut(0x20, 0x20, 1); // non-specific EOI clears the highest: IRQ0
    expect(isr(pic)).toBe(0b100000);
  });

  it("puts slave IRQs at IR2's priority: above IRQ3, below IRQ1", () => {
    pulse(pic, 3);
    pulse(pic, 12);
    pulse(pic, 1);
    expect(pic.acknowledge()).toBe(0x21);
    pic.portOut(0x20, 0x20, 1);
    expect(pic.acknowledge()).toBe(0x2c); // IRQ12 = slave IR4, vector 0x28 + 4
    expect(isr(pic)).toBe(0b0100); // master IR2 in service
    expect(isr(pic, 0xa0)).toBe(0b10000);
    expect(pic.hasInterrupt()).toBe(false); // IRQ3 blocked by the cascade in service
    pic.portOut(0xa0, 0x20, 1);
    pic.portOut(0x20, 0x20, 1);
    expect(pic.acknowledge()).toBe(0x23);
  });

  it("does not re-deliver a level while it is in service", () => {
    pulse(pic, 0);
    expect(pic.acknowledge()).toBe(0x20);
    pulse(pic, 0);
    expect(pic.hasInterrupt()).toBe(false);
    expect(irr(pic)).toBe(1);
    pic.portOut(0x20, 0x20, 1);
    expect(pic.acknowledge()).toBe(0x20);
  });

  it("special fully nested mode (ICW4 SFNM) lets a higher slave IRQ through while IR2 is in service", () => {
    pulse(pic, 9);
    expect(pic.acknowledge()).toBe(0x29);
    pulse(pic, 8);
    expect(pic.hasInterrupt()).toBe(false); // fully nested: the master blocks its own IR2
    initPic(pic, 0x11);
    pulse(pic, 9);
    expect(pic.acknowledge()).toBe(0x29);
    pulse(pic, 8);
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x28);
    expect(isr(pic, 0xa0)).toBe(0b11);
  });

  it("masks with OCW1 while still latching the request in IRR", () => {
    pic.portOut(0x21, 0x01, 1);
    pulse(pic, 0);
    expect(pic.hasInterrupt()).toBe(false);
    expect(irr(pic)).toBe(1);
    expect(pic.portIn(0x21, 1)).toBe(0x01);
    pic.portOut(0x21, 0x00, 1);
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x20);
  });

  it("masking the slave's line on the master (IRQ2) hides all slave IRQs", () => {
    pic.portOut(0x21, 0x04, 1);
    pulse(pic, 8);
    expect(pic.hasInterrupt()).toBe(false);
    pic.portOut(0x21, 0x00, 1);
    expect(pic.acknowledge()).toBe(0x28);
  });

  it("specific EOI (0x60 + n) clears only that level", () => {
    pulse(pic, 4);
    pic.acknowledge();
    pulse(pic, 2);
    pic.acknowledge(); // IRQ2 nests into IRQ4 (cascade input with an empty slave: spurious 15)
    expect(isr(pic)).toBe(0b10100);
    pic.portOut(0x20, 0x64, 1);
    expect(isr(pic)).toBe(0b00100);
  });

  it("latches on rising edges only", () => {
    pic.irq(6).raise();
    pic.irq(6).raise(); // still high: no new edge
    expect(pic.acknowledge()).toBe(0x26);
    pic.portOut(0x20, 0x20, 1);
    expect(pic.hasInterrupt()).toBe(false);
    pic.irq(6).raise(); // no low-to-high transition since the last request
    expect(pic.hasInterrupt()).toBe(false);
    pic.irq(6).lower();
    pic.irq(6).raise();
    expect(pic.hasInterrupt()).toBe(true);
  });

  it("returns the master's spurious vector (base + 7) with nothing pending, setting no ISR bit", () => {
    expect(pic.hasInterrupt()).toBe(false);
    expect(pic.acknowledge()).toBe(0x27);
    expect(isr(pic)).toBe(0);
  });

  it("returns the slave's spurious vector when the slave withdrew its request", () => {
    pulse(pic, 9); // slave IR1 -> master IR2 latched
    pic.portOut(0xa1, 0x02, 1); // mask IRQ9 on the slave before INTA
    expect(pic.hasInterrupt()).toBe(true); // the master still holds IR2
    expect(pic.acknowledge()).toBe(0x2f); // slave base + 7
    expect(isr(pic)).toBe(0b100); // the master saw a real IR2
    expect(isr(pic, 0xa0)).toBe(0);
  });

  it("AEOI mode (ICW4 0x03) does not set ISR", () => {
    initPic(pic, 0x03);
    pulse(pic, 1);
    pulse(pic, 3);
    expect(pic.acknowledge()).toBe(0x21);
    expect(isr(pic)).toBe(0);
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x23);
  });

  it("poll command: the next read returns 0x80 | level and acknowledges it", () => {
    pulse(pic, 5);
    pic.portOut(0x20, 0x0c, 1);
    expect(pic.portIn(0x20, 1)).toBe(0x85);
    expect(isr(pic)).toBe(0b100000);
    pic.portOut(0x20, 0x0c, 1);
    expect(pic.portIn(0x21, 1)).toBe(0); // nothing else pending; poll applies to either port
    expect(pic.portIn(0x21, 1)).toBe(0); // and only once: this is IMR again
  });

  it("reports INTR changes through onIntrChange", () => {
    changes.length = 0;
    pulse(pic, 0);
    pic.acknowledge();
    pic.portOut(0x20, 0x20, 1);
    expect(changes).toEqual([true, false]);
  });

  it("set-priority and rotate commands change the order", () => {
    pic.portOut(0x20, 0xc3, 1); // IR3 lowest, so IR4 highest
    pulse(pic, 0);
    pulse(pic, 4);
    expect(pic.acknowledge()).toBe(0x24);
    pic.portOut(0x20, 0xa0, 1); // rotate on non-specific EOI: IR4 becomes lowest
    expect(pic.acknowledge()).toBe(0x20);
    pic.portOut(0x20, 0xe0, 1); // rotate on specific EOI 0: IR0 lowest, IR1 highest
    pulse(pic, 0);
    pulse(pic, 7);
    expect(pic.acknowledge()).toBe(0x27);
  });

  it("special mask mode lets lower priorities in while the masked level is in service", () => {
    pulse(pic, 1);
    pic.acknowledge();
    pulse(pic, 5);
    expect(pic.hasInterrupt()).toBe(false);
    pic.portOut(0x21, 0x02, 1); // mask IR1 (in service)
    pic.portOut(0x20, 0x68, 1); // OCW3: set special mask mode
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x25);
  });

  it("ICW1 clears IMR, IRR, ISR and the edge detectors", () => {
    pic.portOut(0x21, 0xff, 1);
    pulse(pic, 3);
    pic.irq(4).raise();
    initPic(pic);
    expect(pic.portIn(0x21, 1)).toBe(0);
    expect(irr(pic)).toBe(0);
    expect(pic.hasInterrupt()).toBe(false);
    pic.irq(4).raise(); // the line is still high, but the edge sense was reset: this latches (QEMU)
    expect(pic.acknowledge()).toBe(0x24);
  });

  it("single mode without ICW4 skips ICW3 and ICW4", () => {
    pic.portOut(0x20, 0x12, 1); // ICW1: single, no ICW4
    pic.portOut(0x21, 0x40, 1); // ICW2
    pic.portOut(0x21, 0xfe, 1); // OCW1 already
    expect(pic.portIn(0x21, 1)).toBe(0xfe);
    pulse(pic, 0);
    expect(pic.acknowledge()).toBe(0x40);
  });

  it("saves and restores through JSON", () => {
    pulse(pic, 3);
    pulse(pic, 10);
    pic.acknowledge();
    pic.portOut(0x21, 0x80, 1);
    const saved = JSON.parse(JSON.stringify(pic.saveState())) as PicState;
    const copy = new Pic();
    copy.loadState(saved);
    expect(copy.saveState()).toEqual(pic.saveState());
    expect(copy.hasInterrupt()).toBe(pic.hasInterrupt());
    expect(copy.acknowledge()).toBe(pic.acknowledge());
  });

  it("rejects IRQ numbers outside 0-15", () => {
    expect(() => pic.irq(16)).toThrow(RangeError);
  });
});

describe("SeaBIOS state", () => {
  it("matches what a multiboot kernel reads under QEMU: IMR b8/8e, IRR 0x10", () => {
    const pic = new Pic();
    applySeaBiosPicState(pic);
    expect(pic.portIn(0x21, 1)).toBe(0xb8);
    expect(pic.portIn(0xa1, 1)).toBe(0x8e);
    expect(pic.portIn(0x20, 1)).toBe(0x10);
    expect(pic.hasInterrupt()).toBe(false);
    // IRQ0 is unmasked and goes to vector 8 (the BIOS layout).
    pulse(pic, 0);
    expect(pic.acknowledge()).toBe(0x08);
  });
});
