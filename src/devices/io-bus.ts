// The 64 KiB I/O port space: a lookup table from port to device, with PC semantics for unassigned ports.
//
// Semantics (matching QEMU's system/ioport.c and memory core):
// - An unassigned port reads all-ones for the access width (QEMU's unassigned_io_read returns -1,
//   truncated to the width: 0xff, 0xffff, 0xffffffff; verified on qemu-system-i386 7.2 for ports
//   0x2e0 and 0x100) and ignores writes.
// - A device decodes byte-wide ports unless it declares `maxAccessSize` (see WidePortDevice). A word or
//   dword access that the device cannot take whole, or that straddles two devices (or a device and
//   unassigned space), is split into byte accesses on consecutive ports, lowest port first, each
//   routed to its own owner, and reassembled little-endian. This is what QEMU's memory core does for
//   regions with impl.max_access_size = 1 (the 8259, 8254 and 16550 models all are), so `inw 0x20`
//   reads IRR/ISR in the low byte and IMR in the high byte.
// - Bytes past port 0xffff are unassigned (they do not wrap to port 0).
// The hot path allocates nothing: a Uint8Array maps port -> device slot, slots index plain arrays.

import type { PortDevice, PortSize } from "./bus.js";
import { InternalError } from "../errors.js";

/** A device that can take 16- or 32-bit accesses whole (isa-debug-exit does; the PC's legacy chips do not). */
export interface WidePortDevice extends PortDevice {
  /** Widest access the device decodes in one call; narrower devices see byte accesses. Default 1. */
  readonly maxAccessSize: PortSize;
}

const PORT_COUNT = 0x10000;
const UNASSIGNED = 0;
/** Slot numbers are stored in a Uint8Array; slot 0 means unassigned. */
const MAX_DEVICES = 255;

function widthMask(size: PortSize): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}

export class IoBus {
  private readonly slotOfPort = new Uint8Array(PORT_COUNT);
  /** devices[slot]; index 0 is a placeholder for "unassigned". */
  private readonly devices: PortDevice[] = [];
  private readonly maxSize: number[] = [0];

  constructor(devices: Iterable<PortDevice> = []) {
    this.devices.push(placeholderDevice);
    for (const d of devices) this.register(d);
  }

  /** Map every port range the device lists. Overlaps and bad ranges are kdbt bugs (the machine wires devices). */
  register(device: PortDevice): void {
    if (this.devices.length > MAX_DEVICES) {
      throw new InternalError(`io-bus: cannot register ${device.name}: more than ${MAX_DEVICES} devices`);
    }
    const slot = this.devices.length;
    for (const [first, last] of device.ports) {
      if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last > 0xffff || first > last) {
        throw new InternalError(`io-bus: ${device.name}: bad port range 0x${hex(first)}-0x${hex(last)}`);
      }
      for (let p = first; p <= last; p++) {
        const owner = this.slotOfPort[p]!;
        if (owner !== UNASSIGNED) {
          throw new InternalError(
            `io-bus: ${device.name}: port 0x${hex(p)} is already owned by ${this.devices[owner]!.name}`,
          );
        }
      }
    }
    for (const [first, last] of device.ports) this.slotOfPort.fill(slot, first, last + 1);
    this.devices.push(device);
    const declared = (device as Partial<WidePortDevice>).maxAccessSize;
    this.maxSize.push(declared === 2 || declared === 4 ? declared : 1);
  }

  /** The device owning `port`, or undefined when unassigned (for `inspect`). */
  deviceAt(port: number): PortDevice | undefined {
    const slot = this.slotOfPort[port & 0xffff]!;
    return slot === UNASSIGNED ? undefined : this.devices[slot];
  }

  portIn(port: number, size: PortSize): number {
    port &= 0xffff;
    const slot = this.slotOfPort[port]!;
    if (size === 1) {
      return slot === UNASSIGNED ? 0xff : this.devices[slot]!.portIn(port, 1) & 0xff;
    }
    if (slot !== UNASSIGNED && this.maxSize[slot]! >= size && this.ownsAll(slot, port, size)) {
      return (this.devices[slot]!.portIn(port, size) & widthMask(size)) >>> 0;
    }
    // Split into byte reads, little-endian.
    let value = 0;
    for (let i = 0; i < size; i++) {
      const p = port + i;
      let b = 0xff;
      if (p <= 0xffff) {
        const s = this.slotOfPort[p]!;
        if (s !== UNASSIGNED) b = this.devices[s]!.portIn(p, 1) & 0xff;
      }
      value |= b << (8 * i);
    }
    return value >>> 0;
  }

  portOut(port: number, value: number, size: PortSize): void {
    port &= 0xffff;
    const slot = this.slotOfPort[port]!;
    if (size === 1) {
      if (slot !== UNASSIGNED) this.devices[slot]!.portOut(port, value & 0xff, 1);
      return;
    }
    if (slot !== UNASSIGNED && this.maxSize[slot]! >= size && this.ownsAll(slot, port, size)) {
      this.devices[slot]!.portOut(port, (value & widthMask(size)) >>> 0, size);
      return;
    }
    for (let i = 0; i < size; i++) {
      const p = port + i;
      if (p > 0xffff) break;
      const s = this.slotOfPort[p]!;
      if (s !== UNASSIGNED) this.devices[s]!.portOut(p, (value >>> (8 * i)) & 0xff, 1);
    }
  }

  private ownsAll(slot: number, port: number, size: number): boolean {
    for (let i = 1; i < size; i++) {
      const p = port + i;
      if (p > 0xffff || this.slotOfPort[p] !== slot) return false;
    }
    return true;
  }
}

const placeholderDevice: PortDevice = {
  name: "unassigned",
  ports: [],
  portIn: () => 0xff,
  portOut: () => undefined,
};

function hex(n: number): string {
  return n.toString(16);
}
