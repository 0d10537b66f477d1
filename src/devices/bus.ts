// The small interfaces devices implement and the machine wires together; devices never import the CPU.

/** Access width of an I/O port operation in bytes. */
export type PortSize = 1 | 2 | 4;

/** A device that owns one or more I/O ports (inclusive ranges). */
export interface PortDevice {
  readonly name: string;
  readonly ports: ReadonlyArray<readonly [first: number, last: number]>;
  portIn(port: number, size: PortSize): number;
  portOut(port: number, value: number, size: PortSize): void;
}

/** An interrupt request wire into the PIC. Edge-triggered devices pulse raise() then lower(). */
export interface IrqLine {
  raise(): void;
  lower(): void;
}

/** Simulated time as the devices see it: cycles of the CPU clock, never the host clock. */
export interface Clock {
  /** Current cycle count (an integer-valued double). */
  now(): number;
  /** CPU clock frequency in Hz (the PIT's 1.193182 MHz is converted against it). */
  readonly cpuHz: number;
}

/** Devices that schedule future work tell the machine when they next need to run. */
export interface TimedDevice {
  /** Earliest cycle at which the device has something to do, or Infinity. */
  nextEventCycle(): number;
  /** Bring the device up to cycle `now`, raising any IRQ edges that fell due. */
  advanceTo(now: number): void;
}

/** Snapshots for replay, inspection and fault injection: plain JSON-able data. */
export interface SavesState<S> {
  saveState(): S;
  loadState(state: S): void;
}
