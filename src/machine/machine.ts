// The PC: wires CPU, memory, PIC, PIT, UART, debug exit and port 0x80, boots a multiboot kernel, runs it.
import { Cpu, RUN_STOP } from "../cpu/cpu.js";
import { PhysicalMemory } from "../mem/physical.js";
import { IoBus } from "../devices/io-bus.js";
import { Pic, applySeaBiosPicState } from "../devices/pic.js";
import { Pit, applySeaBiosPitState } from "../devices/pit.js";
import { Uart16550 } from "../devices/uart.js";
import { IsaDebugExit, type DebugExitRequest } from "../devices/debug-exit.js";
import { PostPort } from "../devices/post-port.js";
import { loadMultiboot, BOOT_GDT, type MultibootBoot } from "./multiboot.js";
import { cpuCosts, type CostModel } from "../cost/model.js";
import { commitSegment } from "../cpu/segments.js";
import { syncPaging } from "../cpu/system.js";
import { CC_EFLAGS } from "../cpu/flags.js";
import { ExitCode, GuestStop } from "../errors.js";
import { DeliveryStats } from "./delivery-stats.js";
import { Dbt, MONITOR_BYTES } from "../dbt/dbt.js";
import type { AsyncPolicy } from "../trace/format.js";
import {
  C_CYCLES,
  C_ICOUNT,
  FLAG_IF,
  REG_EAX,
  REG_EBP,
  REG_EBX,
  REG_ECX,
  REG_EDI,
  REG_EDX,
  REG_ESI,
  REG_ESP,
  SEG_CS,
  SEG_DS,
  SEG_ES,
  SEG_FS,
  SEG_GS,
  SEG_SS,
  S_CC_OP,
  S_CR0,
  S_CR3,
  S_CR4,
  S_EFLAGS,
  S_EIP,
  S_GDTR_BASE,
  S_GDTR_LIMIT,
  S_HALTED,
  S_IDTR_BASE,
  S_IDTR_LIMIT,
  S_TR_LIMIT,
} from "../cpu/state.js";

export const DEFAULT_RAM_BYTES = 128 << 20;

export interface MachineOptions {
  kernelImage: Buffer;
  /** The name the guest sees first on its command line (QEMU passes the -kernel argument). */
  kernelName: string;
  cmdline: string;
  cost: CostModel;
  ramBytes?: number;
  /** Physical memory above guest RAM that only the DBT's monitor mapping reaches. */
  hiddenBytes?: number;
  /** COM1 output, byte by byte. */
  onConsole?: (byte: number) => void;
  /**
   * native: the CPU runs the kernel's code; precise: kernel DBT with PC rewrite and rollback
   * (DynamoRIO-Kernel, VMware); relaxed: kernel DBT whose code-cache PCs reach the guest (BTKernel).
   */
  mode?: ExecMode;
  asyncPolicy?: AsyncPolicy;
}

export const EXEC_MODES = ["native", "precise", "relaxed"] as const;
export type ExecMode = (typeof EXEC_MODES)[number];

export type StopReason = "exit" | "max-cycles" | "stop-point";

export interface RunOutcome {
  reason: StopReason;
  /** What the guest wrote to isa-debug-exit (null if it never did). */
  exit: DebugExitRequest | null;
}

export class Machine {
  readonly phys: PhysicalMemory;
  readonly cpu: Cpu;
  readonly bus: IoBus;
  readonly pic: Pic;
  readonly pit: Pit;
  readonly uart: Uart16550;
  readonly debugExit: IsaDebugExit;
  readonly post: PostPort;
  readonly boot: MultibootBoot;
  readonly cost: CostModel;
  /** Guest-visible deliveries per vector. */
  readonly stats = new DeliveryStats();
  exitRequest: DebugExitRequest | null = null;
  /** The kernel DBT, in DBT modes. */
  readonly dbt: Dbt | null = null;
  readonly mode: ExecMode;
  /** Cycles the CPU spent halted waiting for an interrupt. */
  idleCycles = 0;
  /**
   * Called when the CPU halts and no device has anything scheduled (the PIT stopped or suppressed):
   * trace replay and fault injection raise their next external interrupt here. Return true if
   * something was raised; false means the guest is hung.
   */
  idleHook: (() => boolean) | null = null;

  constructor(opts: MachineOptions) {
    this.cost = opts.cost;
    const ram = opts.ramBytes ?? DEFAULT_RAM_BYTES;
    this.mode = opts.mode ?? "native";
    this.phys = new PhysicalMemory(ram, (opts.hiddenBytes ?? 0) + (this.mode === "native" ? 0 : MONITOR_BYTES));
    const onConsole = opts.onConsole ?? ((): void => {});
    let cpu: Cpu | null = null;
    this.pic = new Pic({ onIntrChange: () => cpu?.setIntr(this.intrLevel()) });
    this.bus = new IoBus();
    // INTA goes to injected vectors first (fault injection), then to the PIC.
    const intc = { acknowledge: (): number => (this.injected.length > 0 ? this.takeInjected() : this.pic.acknowledge()) };
    this.cpu = cpu = new Cpu(this.phys, this.bus, intc, cpuCosts(opts.cost));
    cpu.probe = this.stats;
    const clock = { now: (): number => this.cpu.ctr[C_CYCLES]!, cpuHz: opts.cost.cpuHz };
    this.pit = new Pit({ clock, irq0: this.pic.irq(0) });
    this.uart = new Uart16550({ onTransmit: onConsole });
    this.debugExit = new IsaDebugExit({
      onExit: (req) => {
        this.exitRequest = req;
        this.cpu.requestStop();
      },
    });
    this.post = new PostPort();
    for (const d of [this.pic, this.pit, this.uart, this.debugExit, this.post]) this.bus.register(d);
    // The state SeaBIOS leaves behind before QEMU's multiboot option ROM runs (PIT at 18.2 Hz, PIC at 0x08/0x70).
    applySeaBiosPicState(this.pic);
    applySeaBiosPitState(this.pit);
    this.boot = loadMultiboot(opts.kernelImage, opts.kernelName, opts.cmdline, ram, (addr, bytes) => this.phys.load(addr, bytes));
    this.enterKernel();
    if (this.mode !== "native") {
      this.dbt = new Dbt(cpu, this.phys, opts.cost, { design: this.mode, asyncPolicy: opts.asyncPolicy ?? "rollback", kernel: this.boot });
      this.dbt.start();
    }
  }

  /** The register state QEMU's multiboot option ROM leaves at the kernel entry. */
  private enterKernel(): void {
    const st = this.boot.cpu;
    const cpu = this.cpu;
    const s = cpu.s;
    // The entry GDTR points into the option ROM; give the bytes a home so a segment reload finds them.
    this.phys.load(st.gdtr.base, Uint8Array.from(BOOT_GDT));
    const [cLo, cHi] = st.codeDescriptor;
    const [dLo, dHi] = st.dataDescriptor;
    commitSegment(cpu, SEG_CS, st.cs, cLo, cHi);
    commitSegment(cpu, SEG_SS, st.ss, dLo, dHi);
    commitSegment(cpu, SEG_DS, st.ds, dLo, dHi);
    commitSegment(cpu, SEG_ES, st.es, dLo, dHi);
    commitSegment(cpu, SEG_FS, st.fs, dLo, dHi);
    commitSegment(cpu, SEG_GS, st.gs, dLo, dHi);
    s[REG_EAX] = st.eax;
    s[REG_EBX] = st.ebx;
    s[REG_ECX] = st.ecx;
    s[REG_EDX] = st.edx;
    s[REG_ESI] = st.esi;
    s[REG_EDI] = st.edi;
    s[REG_EBP] = st.ebp;
    s[REG_ESP] = st.esp;
    s[S_EIP] = st.eip;
    s[S_EFLAGS] = st.eflags;
    s[S_CC_OP] = CC_EFLAGS;
    s[S_CR0] = st.cr0;
    s[S_CR3] = st.cr3;
    s[S_CR4] = st.cr4;
    s[S_GDTR_BASE] = st.gdtr.base;
    s[S_GDTR_LIMIT] = st.gdtr.limit;
    s[S_IDTR_BASE] = st.idtr.base;
    s[S_IDTR_LIMIT] = st.idtr.limit;
    s[S_TR_LIMIT] = 0xffff;
    cpu.setCpl(0);
    syncPaging(cpu);
    cpu.recomputeAttention();
  }

  /**
   * Run until the guest writes to isa-debug-exit, `maxCycles` pass, or a stop point is reached: a
   * host instruction count (fault injection) or a retired guest instruction count (replay), both
   * exact instruction boundaries. A triple fault or an unsupported feature throws GuestStop; a halt
   * nothing can wake throws GuestStop("hung").
   */
  run(maxCycles = Infinity, stop: { icount?: number; retired?: number } = {}): RunOutcome {
    const cpu = this.cpu;
    const ctr = cpu.ctr;
    const pit = this.pit;
    cpu.stopIcount = stop.icount ?? Infinity;
    cpu.stopRetired = stop.retired ?? Infinity;
    try {
      for (;;) {
        pit.advanceTo(ctr[C_CYCLES]!);
        if (cpu.stopRequested) return { reason: "exit", exit: this.exitRequest };
        if (ctr[C_CYCLES]! >= maxCycles) return { reason: "max-cycles", exit: null };
        if (ctr[C_ICOUNT]! >= cpu.stopIcount || cpu.retired >= cpu.stopRetired) return { reason: "stop-point", exit: null };
        cpu.stopCycle = Math.min(pit.nextEventCycle(), maxCycles);
        const r = cpu.run();
        if (r === RUN_STOP) return { reason: "exit", exit: this.exitRequest };
        this.dbt?.afterRun();
        if (cpu.s[S_HALTED] !== 0 && !(cpu.intr && (cpu.s[S_EFLAGS]! & FLAG_IF) !== 0)) this.idle(maxCycles);
      }
    } finally {
      cpu.stopIcount = Infinity;
      cpu.stopRetired = Infinity;
    }
  }

  /** External interrupts injected straight at the CPU (not through the PIC), oldest first. */
  private readonly injected: number[] = [];

  /**
   * Raise an external interrupt with `vector` directly at the CPU's INTR line, bypassing the PIC's
   * masks (the CPU's IF and the STI shadow still apply): fault injection at exact boundaries.
   */
  injectExternal(vector: number): void {
    this.injected.push(vector);
    this.cpu.setIntr(true);
  }

  private takeInjected(): number {
    const v = this.injected.shift()!;
    this.cpu.setIntr(this.intrLevel());
    return v;
  }

  private intrLevel(): boolean {
    return this.injected.length > 0 || this.pic.hasInterrupt();
  }

  /** HLT: time passes until the next device event, as QEMU's -icount sleep=off warps the clock. */
  private idle(maxCycles: number): void {
    const ctr = this.cpu.ctr;
    const next = this.pit.nextEventCycle();
    if ((this.cpu.s[S_EFLAGS]! & FLAG_IF) !== 0 && next === Infinity && this.idleHook !== null && this.idleHook()) return;
    if ((this.cpu.s[S_EFLAGS]! & FLAG_IF) === 0 || next === Infinity) {
      throw new GuestStop(
        `guest hung: hlt at eip 0x${(this.cpu.s[S_EIP]! >>> 0).toString(16)} with ${(this.cpu.s[S_EFLAGS]! & FLAG_IF) === 0 ? "interrupts disabled" : "no timer running"}`,
        ExitCode.guestHung,
        "hung",
      );
    }
    const to = Math.min(next, maxCycles);
    if (to > ctr[C_CYCLES]!) {
      this.idleCycles += to - ctr[C_CYCLES]!;
      ctr[C_CYCLES] = to;
    }
  }

  get cycles(): number {
    return this.cpu.ctr[C_CYCLES]!;
  }
  get retired(): number {
    return this.cpu.retired;
  }
  get hostInstructions(): number {
    return this.cpu.ctr[C_ICOUNT]!;
  }
}
