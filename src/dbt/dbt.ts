// Kernel DBT attached to a machine's CPU through its narrow hooks: monitor mapping, entries, weights, guards.
import type { Cpu } from "../cpu/cpu.js";
import type { CostModel } from "../cost/model.js";
import type { PhysicalMemory } from "../mem/physical.js";
import { PAGE_SHIFT } from "../mem/physical.js";
import { S_CPL, S_EIP } from "../cpu/state.js";
import { Dispatcher } from "./dispatcher.js";
import { CODE_CACHE, HOST_ENTRIES, HOST_ENTRIES_END, MONITOR_BASE, MONITOR_BYTES, MONITOR_FIRST_PAGE, MONITOR_LAST_PAGE, isCodeCache } from "./layout.js";
import type { AsyncPolicy } from "../trace/format.js";
import type { MultibootBoot } from "../machine/multiboot.js";

export { MONITOR_BYTES };

/**
 * precise: every event enters the dispatcher, which rewrites the pushed PC and rolls back
 * (DynamoRIO-Kernel, VMware); relaxed: shadow gates lead straight to the translated handlers and
 * code-cache PCs stay where the hardware put them (BTKernel).
 */
export type DbtDesign = "precise" | "relaxed";

export interface DbtOptions {
  design: DbtDesign;
  /** Asynchronous interrupts inside a translation (precise): roll back to the last boundary, or run on to the next. */
  asyncPolicy: AsyncPolicy;
  /** The booted kernel: relaxed mode finds its exception tables through the ELF symbols. */
  kernel: Pick<MultibootBoot, "symbols" | "elf">;
}

/** Kernel DBT: the precise (DynamoRIO-Kernel / VMware) or the relaxed (BTKernel) design. */
export class Dbt {
  readonly dispatcher: Dispatcher;
  /** Physical address of the monitor region's backing memory (just above guest RAM). */
  readonly monitorPhys: number;

  constructor(
    cpu: Cpu,
    phys: PhysicalMemory,
    cost: CostModel,
    readonly options: DbtOptions,
  ) {
    this.monitorPhys = phys.guestSize;
    if (phys.size < phys.guestSize + MONITOR_BYTES) throw new Error("DBT: the machine has no hidden memory for the monitor region");
    this.dispatcher = new Dispatcher(cpu, cost, this.monitorPhys, cpu.probe, options.design, options.kernel);
    const cacheStart = this.monitorPhys + (CODE_CACHE - MONITOR_BASE);
    const weights = this.dispatcher.cache.weightAt;
    const cpuRef = cpu;
    // The monitor region is mapped in every address space, supervisor-only, outside the guest's page tables.
    cpu.mem.monitor = { linBase: MONITOR_BASE, physBase: this.monitorPhys, size: MONITOR_BYTES };
    cpu.mem.flush();
    for (let p = HOST_ENTRIES >>> PAGE_SHIFT; p < HOST_ENTRIES_END >>> PAGE_SHIFT; p++) cpu.hostPages[p] = 1;
    cpu.hostCall = () => this.dispatcher.hostCall();
    // Code-cache instructions retire a guest instruction only if they end one; glue retires none.
    cpu.retireWeight = (pa) => (pa < this.monitorPhys ? 1 : pa >= cacheStart && pa - cacheStart < weights.length ? weights[pa - cacheStart]! : 0);
    cpu.ring0FetchWindow = { firstPage: MONITOR_FIRST_PAGE, lastPage: MONITOR_LAST_PAGE };
    cpu.probe = this.dispatcher;
    if (options.design === "precise" && options.asyncPolicy === "defer") {
      cpu.holdInterrupt = () => cpuRef.s[S_CPL] === 0 && isCodeCache(cpuRef.s[S_EIP]!) && !this.dispatcher.atBoundary(cpuRef.s[S_EIP]!);
    }
    // Self-modifying kernel code: a store to translated guest bytes drops those translations.
    // The same watch serves the guest IDT in relaxed mode: a store to a gate rebuilds the shadow IDT.
    phys.onCodeWrite((ppn) => {
      if (ppn >= this.monitorPhys >>> PAGE_SHIFT) return;
      if (this.dispatcher.cache.invalidateGuestPage(ppn) > 0) {
        this.dispatcher.afterInvalidation();
        if (cpuRef.s[S_CPL] === 0 && isCodeCache(cpuRef.s[S_EIP]!)) this.dispatcher.resyncPending = true;
        cpuRef.requestYield();
      }
      if (this.dispatcher.shadow.watches(ppn)) {
        this.dispatcher.shadowRebuildPending = true;
        cpuRef.requestYield();
      }
    });
  }

  start(): void {
    this.dispatcher.start();
  }

  /** Called by the machine whenever the CPU returns control. */
  afterRun(): void {
    this.dispatcher.catchUp();
  }
}
