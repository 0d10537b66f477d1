// A run driven by the teaching views: exact stop points, stops right after a delivery or an iret, and watching that never changes the run.
//
// `kdbt explain`, `kdbt inspect` and `kdbt step` all need the same thing: boot a kernel, run it to
// a point, look, go on. Machine.run stops exactly at a host or retired instruction count; what it
// cannot do is stop *at an event*, because the event is only known when it happens. A probe that
// wants to stop sets the CPU's host-instruction stop point to "now" and asks it to yield, so
// Machine.run returns at the next instruction boundary with reason "stop-point", exactly as if the
// point had been asked for in advance. Stopping and resuming at exact points is what Machine.run
// is built for (fault injection and replay rely on it), so a stopped-and-resumed run is the same
// run: the tests check the console, cycles and instruction counts against an unobserved run.
import type { CpuProbe, DeliveryInfo } from "../cpu/interfaces.js";
import { C_ICOUNT } from "../cpu/state.js";
import type { CostModel } from "../cost/model.js";
import { Machine, type ExecMode } from "../machine/machine.js";
import { ProbeFanout } from "../machine/delivery-stats.js";
import type { Dispatcher } from "../dbt/dispatcher.js";
import { SymbolTable } from "./disasm.js";

export interface SessionOptions {
  kernelImage: Buffer;
  kernelName: string;
  cmdline: string;
  mode: ExecMode;
  cost: CostModel;
  ramBytes?: number;
}

/** Why a session's run came back. */
export type StopReason = "point" | "delivery" | "iret" | "exit";

/** A copy of the CPU's delivery record (the CPU reuses one object for every delivery). */
export type Delivery = Readonly<DeliveryInfo>;

/** Watchers of guest-visible events; returning true stops the run right after the event. */
export interface SessionWatch {
  /** A guest-visible delivery, numbered from 0 in delivery order (as trace records' `seq`). */
  delivery?(d: Delivery, seq: number): boolean;
  /** An IRET completed (the CPU's registers already hold what it loaded). */
  iret?(fromCpl: number, toCpl: number, eip: number): boolean;
}

export class TeachSession {
  readonly machine: Machine;
  readonly symbols: SymbolTable;
  readonly mode: ExecMode;
  /** COM1 output so far (the views print results, not the guest's console). */
  readonly console: number[] = [];
  /** Guest-visible deliveries so far (the next one's sequence number). */
  deliveries = 0;
  /** The guest's isa-debug-exit value once it has exited. */
  exitValue: number | null = null;
  /** The last guest-visible delivery (a copy), and its sequence number. */
  lastDelivery: Delivery | null = null;
  watch: SessionWatch = {};
  private stopRequested: StopReason | null = null;

  constructor(opts: SessionOptions) {
    this.mode = opts.mode;
    this.machine = new Machine({
      kernelImage: opts.kernelImage,
      kernelName: opts.kernelName,
      cmdline: opts.cmdline,
      cost: opts.cost,
      ...(opts.ramBytes !== undefined ? { ramBytes: opts.ramBytes } : {}),
      onConsole: (b) => void this.console.push(b),
      mode: opts.mode,
    });
    this.symbols = new SymbolTable(this.machine.boot.symbols);
    const probe: CpuProbe = {
      onDelivery: (d) => {
        const seq = this.deliveries++;
        const copy = { ...d };
        this.lastDelivery = copy;
        if (this.watch.delivery?.(copy, seq) === true) this.stopHere("delivery");
      },
      onIret: (from, to, eip) => {
        if (this.watch.iret?.(from, to, eip) === true) this.stopHere("iret");
      },
    };
    const d = this.dispatcher;
    // Guest-visible deliveries: the dispatcher's downstream under DBT (the shadow IDT's are its own).
    if (d !== null) {
      d.downstream = new ProbeFanout([d.downstream, probe]);
      d.explain = true;
    } else {
      this.machine.cpu.probe = new ProbeFanout([this.machine.cpu.probe, probe]);
    }
  }

  get dispatcher(): Dispatcher | null {
    return this.machine.dbt?.dispatcher ?? null;
  }

  get exited(): boolean {
    return this.exitValue !== null;
  }

  /** Host instructions executed so far (code-cache instructions included). */
  get hostInstructions(): number {
    return this.machine.cpu.ctr[C_ICOUNT]!;
  }

  get retired(): number {
    return this.machine.retired;
  }

  /**
   * Stop at the next instruction boundary: the CPU's stop point becomes "now" and it yields, so
   * Machine.run returns as at any exact stop point.
   */
  private stopHere(why: StopReason): void {
    if (this.stopRequested !== null) return;
    this.stopRequested = why;
    const cpu = this.machine.cpu;
    cpu.stopIcount = cpu.ctr[C_ICOUNT]!;
    cpu.requestYield();
  }

  /**
   * Run to a host or retired instruction count (or on until a watcher stops it, or the guest
   * exits). A guest stop (triple fault, hang) propagates as its GuestStop.
   */
  run(stop: { icount?: number; retired?: number } = {}): StopReason {
    if (this.exited) return "exit";
    this.stopRequested = null;
    const r = this.machine.run(Infinity, stop);
    if (r.reason === "exit") {
      this.exitValue = r.exit?.value ?? 0;
      return "exit";
    }
    return this.stopRequested ?? "point";
  }
}
