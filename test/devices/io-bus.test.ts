import { describe, expect, it } from "vitest";
import type { PortDevice, PortSize } from "../../src/devices/bus.js";
import { IoBus } from "../../src/devices/io-bus.js";
import { InternalError } from "../../src/errors.js";

/** A byte-wide register file that logs every access it sees. */
class Regs implements PortDevice {
  readonly log: string[] = [];
  readonly values = new Map<number, number>();
  constructor(
    readonly name: string,
    readonly ports: ReadonlyArray<readonly [number, number]>,
    readonly maxAccessSize?: PortSize,
  ) {}
  portIn(port: number, size: PortSize): number {
    this.log.push(`in ${port.toString(16)}/${size}`);
    return this.values.get(port) ?? port & 0xff;
  }
  portOut(port: number, value: number, size: PortSize): void {
    this.log.push(`out ${port.toString(16)}/${size}=${value.toString(16)}`);
    this.values.set(port, value);
  }
}

describe("I/O bus", () => {
  it("reads all-ones for the width on unassigned ports and ignores writes there", () => {
    const bus = new IoBus();
    expect([bus.portIn(0x2e0, 1), bus.portIn(0x2e0, 2), bus.portIn(0x2e0, 4)]).toEqual([0xff, 0xffff, 0xffffffff]);
    bus.portOut(0x2e0, 0x12345678, 4);
    expect(bus.portIn(0x2e0, 4)).toBe(0xffffffff);
    expect(bus.deviceAt(0x2e0)).toBeUndefined();
  });

  it("splits word and dword accesses to byte-wide devices into byte accesses, little-endian", () => {
    const dev = new Regs("dev", [[0x40, 0x43]]);
    const bus = new IoBus([dev]);
    expect(bus.portIn(0x40, 4)).toBe(0x43424140);
    bus.portOut(0x41, 0xbeef, 2);
    expect(dev.log).toEqual(["in 40/1", "in 41/1", "in 42/1", "in 43/1", "out 41/1=ef", "out 42/1=be"]);
    expect(bus.portIn(0x41, 2)).toBe(0xbeef);
  });

  it("routes each byte of a straddling access to its own owner (unassigned bytes read 0xff)", () => {
    const a = new Regs("a", [[0x10, 0x11]]);
    const b = new Regs("b", [[0x12, 0x12]]);
    const bus = new IoBus([a, b]);
    expect(bus.portIn(0x11, 4)).toBe(0xff_ff_12_11);
    bus.portOut(0x11, 0x33221100, 4);
    expect(a.values.get(0x11)).toBe(0x00);
    expect(b.values.get(0x12)).toBe(0x11);
  });

  it("passes whole accesses to devices that declare a wider maxAccessSize", () => {
    const wide = new Regs("wide", [[0xf4, 0xf7]], 4);
    const bus = new IoBus([wide]);
    bus.portOut(0xf4, 0x12345678, 4);
    bus.portOut(0xf4, 0x1234, 2);
    bus.portOut(0xf6, 0x12345678, 4); // runs past the device: split
    expect(wide.log).toEqual(["out f4/4=12345678", "out f4/2=1234", "out f6/1=78", "out f7/1=56"]);
  });

  it("does not wrap past port 0xffff", () => {
    const top = new Regs("top", [[0xfffe, 0xffff]]);
    const zero = new Regs("zero", [[0x0, 0x1]]);
    const bus = new IoBus([top, zero]);
    expect(bus.portIn(0xfffe, 4)).toBe(0xffff_fffe);
    bus.portOut(0xffff, 0xaabb, 2);
    expect(zero.log).toEqual([]);
  });

  it("rejects overlapping or malformed registrations as internal errors", () => {
    const bus = new IoBus([new Regs("a", [[0x20, 0x21]])]);
    expect(() => bus.register(new Regs("b", [[0x21, 0x22]]))).toThrow(InternalError);
    expect(() => bus.register(new Regs("c", [[0x30, 0x10000]]))).toThrow("bad port range");
    expect(bus.deviceAt(0x21)?.name).toBe("a");
    expect(bus.deviceAt(0x22)).toBeUndefined();
  });
});
