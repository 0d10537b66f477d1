// Counts guest-visible interrupt and exception deliveries per vector (the run summary's table).
import type { CpuProbe, DeliveryInfo } from "../cpu/interfaces.js";

export class DeliveryStats implements CpuProbe {
  readonly vectorCounts = new Float64Array(256);
  /** Deliveries that interrupted ring-0 code (a timer tick landing in the kernel, a kernel #PF). */
  readonly vectorCountsCpl0 = new Float64Array(256);
  total = 0;

  onDelivery(d: DeliveryInfo): void {
    this.vectorCounts[d.vector]++;
    if (d.fromCpl === 0) this.vectorCountsCpl0[d.vector]++;
    this.total++;
  }

  onIret(): void {}
}

/** Several probes behind the CPU's one probe slot. */
export class ProbeFanout implements CpuProbe {
  constructor(readonly probes: CpuProbe[]) {}
  onDelivery(d: DeliveryInfo): void {
    for (const p of this.probes) p.onDelivery(d);
  }
  onIret(fromCpl: number, toCpl: number, eip: number): void {
    for (const p of this.probes) p.onIret(fromCpl, toCpl, eip);
  }
}
