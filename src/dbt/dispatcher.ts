// The dispatcher: what runs when the CPU fetches from a dispatcher entry (exit stubs, lookups, interrupts, emulation).
import type { Cpu } from "../cpu/cpu.js";
import type { CpuProbe, DeliveryInfo } from "../cpu/interfaces.js";
import type { CostModel } from "../cost/model.js";
import { commitSegment, fetchDescriptor, requireFlat } from "../cpu/segments.js";
import { CC_EFLAGS } from "../cpu/flags.js";
import { EXC_GP } from "../cpu/vectors.js";
import { CR0_PG, FLAG_RF, REG_ESP, SEG_CS, SEG_SS, S_CC_OP, S_CPL, S_CR0, S_EFLAGS, S_EIP, C_CYCLES, S_HALTED } from "../cpu/state.js";
import { ExitCode, GuestStop, InternalError } from "../errors.js";
import type { MultibootBoot } from "../machine/multiboot.js";
import type { DbtDesign } from "./dbt.js";
import { ExtableRegistry } from "./extable-registry.js";
import { CodeCache, REC_EMULATE, REC_EXIT, Tpl, blockKey, type TBlock } from "./code-cache.js";
import { Translator } from "./translate.js";
import { PcResolution, Restorer } from "./restore.js";
import { ShadowIdt } from "./shadow-idt.js";
import { ENTRY_INDIRECT, ENTRY_INDIRECT_CALL_STACK, ENTRY_INDIRECT_JMP_STACK, ENTRY_INDIRECT_RET_IMM, ENTRY_RECORDS, HOST_ENTRIES, INTERRUPT_STUB_STRIDE, SPILL, SPILL_RET_IMM, isCodeCache, isMonitor } from "./layout.js";
import type { BreakdownCategory } from "../cli/bench-schema.js";

/**
 * Why the dispatcher was entered (the run summary counts each). gate: relaxed mode translating a
 * handler for its shadow gate; native-target: relaxed mode's check caught a ret or iret to a
 * native kernel PC; idt-rebuild: relaxed mode mirroring a guest IDT store or LIDT.
 */
export const ENTRY_REASONS = ["start", "exit", "indirect", "interrupt", "emulate", "escape", "resync", "gate", "native-target", "idt-rebuild"] as const;
export type EntryReason = (typeof ENTRY_REASONS)[number];

/** Where code-cache PCs became visible to the guest (relaxed mode; all zero in precise mode). */
export interface LeakStats {
  /** Deliveries whose frame holds a code-cache PC, in all and per vector. */
  deliveries: number;
  byVector: Record<number, number>;
  /** Code-cache entries written into the guest's exception-table extension. */
  extableEntries: number;
}

export interface DispatcherStats {
  entries: Record<EntryReason, number>;
  leaks: LeakStats;
  rollbacks: Record<string, number>;
  indirectHits: number;
  indirectMisses: number;
  frameRebuilds: number;
  pcLookups: number;
}

/** The dispatcher's share of a run's cycles, by cost-model category (everything else is guest code). */
export type DispatcherCycles = Record<Exclude<BreakdownCategory, "guestCode">, number>;

/** What the dispatcher did for the last event it handled: for traces and the explain view. */
export interface EventNote {
  vector: number;
  /** The PC the hardware pushed (a code-cache PC when it interrupted translated code). */
  pushedPc: number;
  nativePc: number;
  cachePc: number | null;
  rollbackSteps: number;
  template: string;
  dispatcherCycles: number;
  /** Relaxed mode: the frame the guest sees holds the code-cache PC (a transparency leak). */
  leak: boolean;
}

/**
 * What the teaching views (`kdbt explain`, `kdbt step`) watch the precise dispatcher do with an
 * event, at the points nothing downstream can see: the hardware's frame before it is rewound, the
 * interrupted state, and the PC-map lookup with its rollback. The default does nothing, so it
 * costs nothing when no view is attached (conventions §12).
 */
export interface DispatcherObserver {
  /** The hardware delivered through the shadow IDT; its frame is still on the stack at d.frameEsp. */
  onShadowDelivery(d: Readonly<DeliveryInfo>): void;
  /** The hardware frame is popped: registers are the interrupted code's again (EIP still the stub's). */
  onFrameRewound(): void;
  /** A code-cache PC was mapped to r.nativePc and any rollback applied (r.detail when `explain` is on). */
  onPcResolved(r: Readonly<PcResolution>): void;
}

export const NULL_DISPATCHER_OBSERVER: DispatcherObserver = { onShadowDelivery() {}, onFrameRewound() {}, onPcResolved() {} };

export class Dispatcher implements CpuProbe {
  readonly cache: CodeCache;
  readonly translator: Translator;
  readonly restorer: Restorer;
  readonly shadow: ShadowIdt;
  readonly stats: DispatcherStats = {
    entries: { start: 0, exit: 0, indirect: 0, interrupt: 0, emulate: 0, escape: 0, resync: 0, gate: 0, "native-target": 0, "idt-rebuild": 0 },
    leaks: { deliveries: 0, byVector: {}, extableEntries: 0 },
    rollbacks: {},
    indirectHits: 0,
    indirectMisses: 0,
    frameRebuilds: 0,
    pcLookups: 0,
  };
  readonly cycles: DispatcherCycles = { dispatcherEntryExit: 0, pcMapping: 0, rollback: 0, frameRebuild: 0, indirectLookups: 0, translation: 0, linking: 0, escapes: 0, emulation: 0, shadowIdt: 0 };
  /** Guest-visible deliveries go on to these (run statistics, trace recorder). */
  downstream: CpuProbe;
  /** Explain views set this to get rollback step descriptions. */
  explain = false;
  /** Teaching views swap in an observer of the precise interrupt path (see DispatcherObserver). */
  observer: DispatcherObserver = NULL_DISPATCHER_OBSERVER;
  /** The last shadow (hardware) delivery, copied when it happens, consumed by the interrupt stub. */
  private readonly pending: DeliveryInfo = { vector: 0, kind: 0, errorCode: 0, hasErrorCode: false, pushedEip: 0, fromCpl: 0, cr2: 0, frameEsp: 0, privilegeChange: false, insnEip: 0, retired: 0, cycle: 0 };
  private readonly resolution = new PcResolution();
  /** Set while the dispatcher handles an event, read by downstream probes (traces). */
  lastEvent: EventNote | null = null;
  /** A store changed translated guest code while translated code ran: resynchronize at the next boundary. */
  resyncPending = false;
  /** Relaxed: the guest wrote its IDT; rebuild the shadow table before the next delivery. */
  shadowRebuildPending = false;
  /** Relaxed: the code-cache copies of the kernel's exception-table entries (null: precise, or no table). */
  readonly extable: ExtableRegistry | null;
  /** True while the dispatcher re-delivers an event through the guest IDT (lastEvent describes it). */
  inRedelivery = false;

  constructor(
    private readonly cpu: Cpu,
    private readonly cost: CostModel,
    monitorPhys: number,
    downstream: CpuProbe,
    readonly design: DbtDesign,
    kernel: Pick<MultibootBoot, "symbols" | "elf">,
  ) {
    this.cache = new CodeCache(cpu.phys, monitorPhys);
    this.translator = new Translator(cpu, this.cache, design);
    this.restorer = new Restorer(cpu, this.cache);
    this.shadow = new ShadowIdt(cpu, design);
    this.downstream = downstream;
    this.extable = design === "relaxed" ? ExtableRegistry.forKernel(cpu.phys, kernel.elf, kernel.symbols) : null;
  }

  /** The DBT's note on the guest-visible delivery being reported right now (for probes downstream), or null. */
  get currentEvent(): EventNote | null {
    return this.inRedelivery ? this.lastEvent : null;
  }

  // ---------------------------------------------------------------- probe (deliveries and irets)

  onDelivery(d: DeliveryInfo): void {
    if (this.design === "relaxed") {
      this.onRelaxedDelivery(d);
      return;
    }
    if (this.shadow.isShadowActive()) {
      // The hardware delivered through the shadow IDT: remember the frame for the interrupt stub.
      Object.assign(this.pending, d);
      return;
    }
    this.downstream.onDelivery(d);
  }

  onIret(fromCpl: number, toCpl: number, eip: number): void {
    this.downstream.onIret(fromCpl, toCpl, eip);
  }

  // ---------------------------------------------------------------- entry

  /** The CPU fetched from a dispatcher entry (or a ring-0 fetch escaped the code cache). */
  hostCall(): void {
    const eip = this.cpu.s[S_EIP]! >>> 0;
    // An indirect-branch lookup that hits stays in the code cache in a real DBT (DynamoRIO's inline
    // lookup); every other entry is a full context switch into the dispatcher and back.
    const lookup = eip === ENTRY_INDIRECT || eip === ENTRY_INDIRECT_RET_IMM || eip === ENTRY_INDIRECT_CALL_STACK || eip === ENTRY_INDIRECT_JMP_STACK;
    if (!lookup) this.charge("dispatcherEntryExit", this.cost.dispatcher.entry + this.cost.dispatcher.exit);
    if (eip >= HOST_ENTRIES && eip < HOST_ENTRIES + 256 * INTERRUPT_STUB_STRIDE) {
      const vector = (eip - HOST_ENTRIES) / INTERRUPT_STUB_STRIDE;
      if (this.design === "relaxed") this.onRelaxedGate(vector);
      else this.onInterrupt(vector);
    } else if (lookup) {
      this.onIndirect(this.takeIndirectTarget(eip));
    } else if (eip >= ENTRY_RECORDS && isMonitor(eip)) {
      const rec = this.cache.recordAt(eip);
      const kind = this.cache.recKind[rec];
      if (kind === REC_EXIT) this.onExit(rec);
      else if (kind === REC_EMULATE) this.onEmulate(rec);
      else throw new InternalError(`dispatcher: fetch from unused entry 0x${eip.toString(16)}`);
    } else {
      this.onEscape(eip);
    }
  }

  /** Boot: take over the IDTR and enter the kernel's translation. */
  start(): void {
    this.stats.entries.start++;
    this.shadow.install();
    if (this.cpu.s[S_CPL] === 0) this.goTo(this.cpu.s[S_EIP]!);
  }

  private onExit(rec: number): void {
    this.stats.entries.exit++;
    const target = this.cache.recTarget[rec]!;
    const b = this.goTo(target);
    if (b && this.cache.link(rec, b)) this.charge("linking", this.cost.dispatcher.link);
  }

  /** Where the translated indirect branch left its native target, and finishing what it started. */
  private takeIndirectTarget(eip: number): number {
    const s = this.cpu.s;
    const mem = this.cpu.mem;
    switch (eip) {
      case ENTRY_INDIRECT_RET_IMM:
        // ret imm16: release the argument bytes together with the jump.
        s[REG_ESP] = (s[REG_ESP]! + mem.readAs(SPILL_RET_IMM, 4, false)) | 0;
        return mem.readAs(SPILL, 4, false);
      case ENTRY_INDIRECT_CALL_STACK: {
        // Relaxed indirect call: [esp] is the return address the call pushed, [esp+4] the target:
        // the return address takes the target's slot, as the guest's own call would leave it.
        const esp = s[REG_ESP]!;
        const ret = mem.readAs(esp, 4, false);
        const target = mem.readAs((esp + 4) | 0, 4, false);
        mem.writeAs((esp + 4) | 0, ret, 4, false);
        s[REG_ESP] = (esp + 4) | 0;
        return target;
      }
      case ENTRY_INDIRECT_JMP_STACK: {
        const target = mem.readAs(s[REG_ESP]!, 4, false);
        s[REG_ESP] = (s[REG_ESP]! + 4) | 0;
        return target;
      }
      default:
        // The translated ret / indirect call / indirect jmp left the native target in the spill slot.
        return mem.readAs(SPILL, 4, false);
    }
  }

  private onIndirect(target: number): void {
    this.stats.entries.indirect++;
    const hit = this.cache.lookup(this.key(target)) !== undefined;
    if (hit) {
      this.stats.indirectHits++;
      this.charge("indirectLookups", this.cost.dispatcher.indirectHit);
    } else {
      this.stats.indirectMisses++;
      this.charge("dispatcherEntryExit", this.cost.dispatcher.entry + this.cost.dispatcher.exit);
      this.charge("indirectLookups", this.cost.dispatcher.indirectMiss);
    }
    this.goTo(target);
  }

  /** A ring-0 fetch outside the code cache: the safety net (brief §3 "no escape"), charged like a fault. */
  private onEscape(eip: number): void {
    // Relaxed: a copied ret (or an iret the check let through) reached a native kernel PC, the
    // target a stack the guest built itself holds: BTKernel's native-target check, a fault-priced trap.
    if (this.design === "relaxed") this.stats.entries["native-target"]++;
    else this.stats.entries.escape++;
    this.charge("escapes", this.cost.dispatcher.escapeTrap);
    this.goTo(eip);
  }

  /**
   * Carry out the guest instruction at an emulation entry (IRET, LIDT, SIDT, far JMP) by
   * interpreting it at its native PC with the guest's IDTR in place: what it loads or stores is
   * the guest's, and a fault it raises is delivered through the guest's IDT with the native PC.
   */
  private onEmulate(rec: number): void {
    this.stats.entries.emulate++;
    this.charge("emulation", this.cost.dispatcher.emulate);
    const cpu = this.cpu;
    const pc = this.cache.recTarget[rec]!;
    cpu.s[S_EIP] = pc;
    this.shadow.useGuest();
    let changed = false;
    try {
      cpu.interpretOne();
    } finally {
      changed = this.shadow.captureGuest();
      this.shadow.useShadow();
    }
    if (changed && this.design === "relaxed") this.rebuildShadow();
    this.continueNative();
  }

  /**
   * An event came in through the shadow IDT. Undo what the hardware did (pop its frame, whose EIP
   * may be a code-cache PC), map that PC to the guest instruction boundary and roll back a
   * half-executed translation, then deliver the event again through the guest's own IDT, as the
   * hardware would have natively, and enter the translation of the guest's handler.
   */
  private onInterrupt(vector: number): void {
    const cpu = this.cpu;
    const s = cpu.s;
    const d = this.pending;
    if (d.vector !== vector) throw new InternalError(`dispatcher: stub ${vector} entered after a delivery of vector ${d.vector}`);
    this.stats.entries.interrupt++;
    const cyclesBefore = cpu.ctr[C_CYCLES]!;
    // 1. Rewind the hardware's delivery.
    const mem = cpu.mem;
    let p = d.frameEsp;
    const errorCode = d.hasErrorCode ? mem.readAs(p, 4, false) : 0;
    if (d.hasErrorCode) p += 4;
    const pushedEip = mem.readAs(p, 4, false) >>> 0;
    const pushedCs = mem.readAs((p + 4) | 0, 4, false) & 0xffff;
    const pushedEflags = mem.readAs((p + 8) | 0, 4, false);
    this.observer.onShadowDelivery(d);
    if (d.privilegeChange) {
      const esp = mem.readAs((p + 12) | 0, 4, false);
      const ss = mem.readAs((p + 16) | 0, 4, false) & 0xffff;
      this.loadSegment(SEG_SS, ss);
      s[REG_ESP] = esp;
    } else {
      s[REG_ESP] = (p + 12) | 0;
    }
    this.loadSegment(SEG_CS, pushedCs);
    cpu.setCpl(pushedCs & 3);
    // Our CPU sets RF only in the pushed image of a fault; the interrupted code ran with RF clear.
    s[S_EFLAGS] = pushedEflags & ~FLAG_RF;
    s[S_CC_OP] = CC_EFLAGS;
    s[S_HALTED] = 0;
    this.observer.onFrameRewound();
    // 2. Code-cache PC -> native PC, with rollback.
    let nativePc = pushedEip;
    let nativeInsn = d.insnEip >>> 0;
    let cachePc: number | null = null;
    const r = this.resolution;
    r.steps = 0;
    r.template = "";
    // Relaxed mode only comes here for a gate it could not mirror, and keeps the code-cache PC.
    if (d.fromCpl === 0 && isMonitor(pushedEip) && this.design === "precise") {
      cachePc = pushedEip;
      this.stats.pcLookups++;
      this.charge("pcMapping", this.cost.dispatcher.pcLookup);
      if (!this.restorer.resolve(pushedEip, r, this.explain)) throw new InternalError(`dispatcher: no PC map entry for code-cache PC 0x${pushedEip.toString(16)}`);
      nativePc = r.nativePc;
      this.observer.onPcResolved(r);
      if (r.steps > 0) {
        this.stats.rollbacks[r.template] = (this.stats.rollbacks[r.template] ?? 0) + 1;
        this.charge("rollback", this.cost.dispatcher.rollbackStep * r.steps);
      }
      if (isCodeCache(nativeInsn)) {
        const b = this.cache.blockAt(nativeInsn);
        const insn = b?.insns.find((i) => b.cacheStart + i.offset === nativeInsn);
        if (insn) nativeInsn = insn.nativePc;
      }
    }
    s[S_EIP] = nativePc;
    cpu.insnEip = nativeInsn;
    this.lastEvent = {
      vector,
      pushedPc: pushedEip,
      nativePc,
      cachePc,
      rollbackSteps: r.steps,
      template: r.template,
      dispatcherCycles: 0,
      leak: false,
    };
    // 3. Deliver it again through the guest's IDT (a software frame rebuild: the hardware's own cost is not charged twice).
    this.stats.frameRebuilds++;
    this.charge("frameRebuild", this.cost.dispatcher.frameRebuild);
    this.lastEvent.dispatcherCycles = cpu.ctr[C_CYCLES]! - cyclesBefore + this.cost.dispatcher.entry + this.cost.dispatcher.exit;
    this.shadow.useGuest();
    cpu.chargeEventCosts = false;
    // The guest-visible event happened when the hardware took it, not now.
    cpu.eventRetired = d.retired;
    cpu.eventCycle = d.cycle;
    this.inRedelivery = true;
    try {
      cpu.deliver(vector, d.kind, errorCode, nativePc);
    } finally {
      this.inRedelivery = false;
      cpu.eventRetired = -1;
      cpu.eventCycle = -1;
      cpu.chargeEventCosts = true;
      this.shadow.captureGuest();
      this.shadow.useShadow();
    }
    // 4. Into the translated handler.
    this.continueNative();
  }

  // ---------------------------------------------------------------- relaxed design

  /**
   * Relaxed: the hardware delivered through a shadow gate that is the guest's own but for the
   * handler's address, so this delivery is the guest-visible one. Note what the guest sees: a
   * code-cache PC in the frame when translated code was interrupted (a transparency leak).
   */
  private onRelaxedDelivery(d: DeliveryInfo): void {
    if (this.shadow.isShadowActive() && this.shadow.fallback[d.vector] === 1) {
      // A gate the shadow table could not mirror: delivered again through the guest's IDT.
      Object.assign(this.pending, d);
      return;
    }
    const pushed = d.pushedEip >>> 0;
    const leak = d.fromCpl === 0 && isMonitor(pushed);
    if (leak) {
      this.stats.leaks.deliveries++;
      this.stats.leaks.byVector[d.vector] = (this.stats.leaks.byVector[d.vector] ?? 0) + 1;
    }
    this.lastEvent = {
      vector: d.vector,
      pushedPc: pushed,
      nativePc: leak ? this.nativePcOf(pushed) : pushed,
      cachePc: leak ? pushed : null,
      rollbackSteps: 0,
      template: "",
      dispatcherCycles: 0,
      leak,
    };
    this.inRedelivery = true;
    try {
      this.downstream.onDelivery(d);
    } finally {
      this.inRedelivery = false;
    }
  }

  /**
   * Relaxed: a shadow gate whose handler was not translated yet led here. The hardware frame
   * stays exactly as pushed; translate the handler, point the gate at it for next time, enter it.
   */
  private onRelaxedGate(vector: number): void {
    if (this.shadow.fallback[vector] === 1) {
      this.onInterrupt(vector);
      return;
    }
    this.stats.entries.gate++;
    const handler = this.shadow.guestHandler[vector]!;
    const b = this.goTo(handler);
    // Blocks made with paging off are keyed apart from those made with it on: resolve only the latter.
    if (b !== null && b.paging && b.valid) this.shadow.resolve(vector, b.cacheStart);
  }

  /** Relaxed: mirror the guest's IDT again (after LIDT or a store to it). */
  private rebuildShadow(): void {
    this.shadowRebuildPending = false;
    this.stats.entries["idt-rebuild"]++;
    const gates = this.shadow.build();
    this.charge("shadowIdt", this.cost.dispatcher.shadowGateWrite * gates);
  }

  /** Translations went away (self-modifying code): drop what pointed at them. */
  afterInvalidation(): void {
    if (this.design !== "relaxed") return;
    for (let v = 0; v < 256; v++) {
      const pc = this.shadow.resolved[v]!;
      if (pc !== 0 && !(this.cache.blockAt(pc)?.valid ?? false)) this.shadow.unresolve(v);
    }
    if (this.extable) this.extable.stale = true;
  }

  /** Deferred work the CPU yielded for: an IDT rebuild, exception-table repair, a resync. */
  catchUp(): void {
    if (this.shadowRebuildPending) {
      this.charge("dispatcherEntryExit", this.cost.dispatcher.entry + this.cost.dispatcher.exit);
      this.rebuildShadow();
    }
    if (this.extable?.stale) this.repairExtable();
    if (this.resyncPending) this.resync();
  }

  /** Relaxed: translate a block without entering it (an exception-table fixup). */
  private translateOnly(eip: number): TBlock | null {
    const key = this.key(eip);
    const known = this.cache.lookup(key);
    if (known) return known;
    const r = this.translator.translate(eip, key, this.cpu.s[S_CPL]!, (this.cpu.s[S_CR0]! & CR0_PG) !== 0);
    if (!("block" in r)) return null;
    this.charge("translation", this.cost.dispatcher.translatePerInstruction * r.block.guestInstructions);
    this.afterTranslate(r.block);
    return r.block;
  }

  /** Relaxed: a new block copies instructions the kernel's exception table lists: register the copies. */
  private afterTranslate(b: TBlock): void {
    const ext = this.extable;
    if (ext === null) return;
    for (const f of ext.faultsIn(b)) {
      const fixup = this.translateOnly(f.fixup);
      if (fixup === null || !b.valid) continue;
      ext.register(f.faultPc, b, fixup);
      this.stats.leaks.extableEntries = ext.written;
      this.charge("shadowIdt", this.cost.dispatcher.shadowGateWrite);
    }
  }

  private repairExtable(): void {
    const ext = this.extable!;
    for (const { reg, fixupNative } of ext.prune()) {
      const fixup = this.translateOnly(fixupNative);
      if (fixup !== null) ext.refresh(reg, fixup);
    }
    this.stats.leaks.extableEntries = ext.written;
  }

  /** Resynchronize after self-modifying code changed the translation being executed. */
  resync(): void {
    this.resyncPending = false;
    const cpu = this.cpu;
    if (cpu.s[S_CPL] !== 0 || !isCodeCache(cpu.s[S_EIP]!)) return;
    // Finish the current guest instruction's translation first: its remaining host instructions are still valid.
    for (let i = 0; i < 16 && !this.atBoundary(cpu.s[S_EIP]!); i++) cpu.stepOne();
    if (cpu.s[S_CPL] !== 0 || !isCodeCache(cpu.s[S_EIP]!)) return;
    this.stats.entries.resync++;
    const r = this.resolution;
    if (!this.restorer.resolve(cpu.s[S_EIP]!, r, false)) throw new InternalError("dispatcher: resync at an unmapped code-cache PC");
    this.goTo(r.nativePc);
  }

  /** The guest PC a monitor PC stands for (no rollback applied): for views and divergence reports. */
  nativePcOf(pc: number): number {
    if (!isMonitor(pc)) return pc >>> 0;
    const b = isCodeCache(pc) ? this.cache.blockAt(pc) : undefined;
    if (b) {
      const i = b.insns.find((x) => b.cacheStart + x.offset === pc >>> 0);
      return i ? i.nativePc >>> 0 : pc >>> 0;
    }
    if ((pc >>> 0) >= ENTRY_RECORDS) return this.cache.recTarget[this.cache.recordAt(pc)]! >>> 0;
    return pc >>> 0;
  }

  /** Is the code-cache PC at a guest instruction boundary (nothing of a translation half done)? */
  atBoundary(pc: number): boolean {
    if (!isCodeCache(pc)) return true;
    const b = this.cache.blockAt(pc);
    if (!b) return true;
    const off = (pc >>> 0) - b.cacheStart;
    const i = b.insns.findIndex((x) => x.offset === off);
    if (i <= 0) return true;
    const prev = b.insns[i - 1]!;
    return prev.ends || prev.tpl === Tpl.GLUE || prev.nativePc !== b.insns[i]!.nativePc;
  }

  // ---------------------------------------------------------------- translation

  /** After a native-PC step: ring-0 code continues in its translation, ring-3 code natively. */
  private continueNative(): void {
    if (this.cpu.s[S_CPL] === 0) this.goTo(this.cpu.s[S_EIP]!);
  }

  private key(eip: number): number {
    return blockKey(eip, this.cpu.s[S_CPL]!, (this.cpu.s[S_CR0]! & CR0_PG) !== 0);
  }

  /**
   * Continue at the translation of native EIP (translating it if need be). A fetch fault while
   * translating is delivered as the native fetch would raise it, and the loop goes on with the
   * handler; returns the block finally entered, or null if execution left ring 0.
   */
  goTo(eip: number): TBlock | null {
    const cpu = this.cpu;
    for (let attempts = 0; attempts < 64; attempts++) {
      const key = this.key(eip);
      let b = this.cache.lookup(key);
      if (!b) {
        let r = this.translator.translate(eip, key, cpu.s[S_CPL]!, (cpu.s[S_CR0]! & CR0_PG) !== 0);
        if ("full" in r) {
          // Relaxed mode cannot flush: code-cache return addresses and interrupted PCs sit on guest
          // stacks, and BTKernel sizes its cache so it never has to (brief §3).
          if (this.design === "relaxed") throw new GuestStop(`code cache full (${this.cache.used} bytes) in relaxed mode: code-cache PCs on guest stacks cannot be flushed`, ExitCode.unsupported, "unsupported");
          this.cache.flush();
          r = this.translator.translate(eip, key, cpu.s[S_CPL]!, (cpu.s[S_CR0]! & CR0_PG) !== 0);
        }
        if ("fault" in r) {
          // The native CPU would fault fetching this instruction: deliver it through the guest IDT.
          cpu.s[S_EIP] = eip;
          cpu.insnEip = eip;
          this.shadow.useGuest();
          try {
            cpu.deliverPendingFault();
          } finally {
            this.shadow.captureGuest();
            this.shadow.useShadow();
          }
          if (cpu.s[S_CPL] !== 0) return null;
          eip = cpu.s[S_EIP]!;
          continue;
        }
        if ("full" in r) throw new InternalError("code cache: a single block does not fit an empty cache");
        b = r.block;
        this.charge("translation", this.cost.dispatcher.translatePerInstruction * b.guestInstructions);
        if (this.extable !== null) this.afterTranslate(b);
      }
      cpu.s[S_EIP] = b.cacheStart | 0;
      return b;
    }
    cpu.fault.raise(EXC_GP, 0);
    throw new InternalError(`dispatcher: instruction fetches at 0x${(eip >>> 0).toString(16)} keep faulting`);
  }

  private loadSegment(seg: number, sel: number): void {
    const cpu = this.cpu;
    if (!fetchDescriptor(cpu, sel, EXC_GP, 0)) throw new InternalError(`dispatcher: cannot reload selector 0x${sel.toString(16)} from the frame`);
    requireFlat(cpu, seg, sel, cpu.descLo, cpu.descHi);
    commitSegment(cpu, seg, sel, cpu.descLo, cpu.descHi);
  }

  private charge(category: keyof DispatcherCycles, cycles: number): void {
    this.cpu.ctr[C_CYCLES] += cycles;
    this.cycles[category] += cycles;
  }
}
