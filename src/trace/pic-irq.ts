// Raising a recorded external interrupt the way the hardware did: on the PIC line the guest's programming maps its vector to.
import type { Pic } from "../devices/pic.js";

/** The PIC line (0-15) the guest's current PIC programming (ICW2 vector bases) maps `vector` to, or null. */
export function irqOfVector(pic: Pic, vector: number): number | null {
  const { master, slave } = pic.registers();
  if (vector >= master.vectorBase && vector < master.vectorBase + 8) return vector - master.vectorBase;
  if (vector >= slave.vectorBase && vector < slave.vectorBase + 8) return 8 + vector - slave.vectorBase;
  return null;
}

/** Raise and lower the line: the 8259A latches the edge in IRR, as a PIT pulse does. */
export function pulseIrq(pic: Pic, irq: number): void {
  pic.irq(irq).raise();
  pic.irq(irq).lower();
}
