// The IA-32 CPU: state, the fetch/decode/execute loop, and the one place guest faults are delivered.
import { GuestStop, ExitCode } from "../errors.js";
import { FaultRecord } from "./fault.js";
import { DecodeCache, decodeInto, DECODE_NEED_MORE, H_LEN_SHIFT, H_REG_SHIFT, H_RM_SHIFT, H_SUB_SHIFT, MAX_INSN_LENGTH, PREFIX_REP, PREFIX_REPNE } from "./decode.js";
import { execute, effectiveAddress } from "./exec.js";
import { alu, logicFlags } from "./alu.js";
import { CC_EFLAGS, CCK_ADD, CCK_DEC, CCK_INC, CCK_LOGIC, CCK_SUB, carryFlag, testCondition } from "./flags.js";

const CC_INC32 = (CCK_INC << 2) | 2;
const CC_ADD32 = (CCK_ADD << 2) | 2;
const CC_SUB32 = (CCK_SUB << 2) | 2;
const CC_LOGIC32 = (CCK_LOGIC << 2) | 2;
const CC_DEC32 = (CCK_DEC << 2) | 2;
import { deliverEvent, EVENT_EXCEPTION, EVENT_EXTERNAL, EVENT_SOFTWARE } from "./interrupts.js";
import { materializeFlags } from "./flags.js";
import { Mmu } from "../mem/mmu.js";
import { PAGE_MASK, PAGE_SHIFT, PhysicalMemory } from "../mem/physical.js";
import { EXC_DB, EXC_GP } from "./vectors.js";
import { A_ENDS_BLOCK, A_REP, A_SYSTEM_STATE, A_COUNTS, ALU_CMP, ALU_AND, ALU_XOR, CostClass, COST_CLASS_NAMES, OPCODES, Op } from "./opcodes.js";
import {
  COUNTER_WORDS,
  C_CYCLES,
  C_ICOUNT,
  C_HOST_ONLY,
  FLAG_IF,
  REG_ESP,
  S_CC_DST,
  S_CC_OP,
  S_CC_SRC,
  S_CC_SRC2,
  FLAG_TF,
  S_CPL,
  S_EFLAGS,
  S_EIP,
  S_HALTED,
  S_SEG_NULL_MASK,
  STATE_WORDS,
} from "./state.js";
import type { CpuCosts, CpuProbe, IoPorts, InterruptController } from "./interfaces.js";
import { NULL_PROBE } from "./interfaces.js";

const DECODE_CAPACITY = 1 << 18;
const MAX_BLOCKS = 1 << 16;
const BLOCK_STRIDE = 4;
const B_FIRST = 0;
const B_COUNT = 1;
const B_COST = 2;
const B_WEIGHT = 3;
/** Longest basic block; also bounds how far a block can overshoot nothing, since deadlines are checked per block. */
const MAX_BLOCK_INSNS = 64;
const BLOCK_FAULT = -1;
const BLOCK_HOST = -2;
const BLOCK_UNBLOCKED = -3;
/** Opcode attributes by entry id, for the block builder. */
const ENTRY_ATTRS = Uint16Array.from(OPCODES, (e) => e.attrs);

/** Why run() returned control to the machine. */
export const RUN_DEADLINE = 0; // reached stopCycle, stopIcount or stopRetired
export const RUN_YIELD = 1; // a device may have changed its schedule (OUT, HLT, ...)
export const RUN_STOP = 2; // stop requested (debug exit)

export class Cpu {
  readonly s = new Int32Array(STATE_WORDS);
  readonly s8 = new Uint8Array(this.s.buffer);
  readonly s16 = new Uint16Array(this.s.buffer);
  readonly ctr = new Float64Array(COUNTER_WORDS);
  readonly fault = new FaultRecord();
  readonly mem: Mmu;
  readonly dc = new DecodeCache(DECODE_CAPACITY);
  /** Per physical page, block start offset -> block id (-1 = none yet). */
  private readonly blockMaps: (Int32Array | undefined)[];
  /**
   * Blocks, BLOCK_STRIDE words each: first decode slot, instruction count, cycles, retired guest
   * instructions. One array so a block's header is one cache line (costs are validated integers).
   */
  private readonly blocks = new Int32Array(MAX_BLOCKS * BLOCK_STRIDE);
  private blocksUsed = 0;
  private fetchPage = -1;
  private fetchBlocks: Int32Array = new Int32Array(0);
  private fetchPhysBase = 0;
  private readonly fetchBuf = new Uint8Array(MAX_INSN_LENGTH + 1);
  /** Scratch slot for instructions that straddle a page boundary (never cached). */
  private readonly straddleSlot: number;

  // ---- The DBT's narrow hooks (conventions §4: the CPU never imports the DBT).
  /** Linear pages whose fetch hands control to the host (the DBT's dispatcher entry points). */
  readonly hostPages = new Uint8Array(1 << 20);
  hostCall: (cpu: Cpu) => void = () => {
    throw new Error("host call without a handler");
  };
  /**
   * With kernel DBT, ring-0 code must never run outside the code cache: a CPL-0 fetch from any
   * linear page outside this window hands control to hostCall instead (brief §3 "no escape").
   */
  ring0FetchWindow: { firstPage: number; lastPage: number } | null = null;
  /** Defer policy: asked before an external interrupt is taken; true = not at a guest boundary yet. */
  holdInterrupt: (() => boolean) | null = null;
  /**
   * Charge the hardware's delivery and IRET costs. The dispatcher turns it off while it re-delivers
   * an event in software (it charges its own frame-rebuild cost instead).
   */
  chargeEventCosts = true;
  /** When >= 0, the retired count deliveries report (the dispatcher re-delivering an earlier event). */
  eventRetired = -1;
  /** The same for the cycle a delivery reports (-1: now). */
  eventCycle = -1;

  stopCycle = Infinity;
  /** Stop before the host instruction that would make C_ICOUNT exceed this (fault injection points). */
  stopIcount = Infinity;
  /** Stop at the guest instruction boundary where this many guest instructions have retired (replay). */
  stopRetired = Infinity;
  /** Something needs a look before the next instruction (pending IRQ, TF, HLT, shadow, stop, null segment). */
  attention = false;
  /** The PIC's INTR output. */
  intr = false;
  private shadowUntil = -1;
  private yieldRequested = false;
  stopRequested = false;
  /** EIP of the instruction being executed (faults report it; rep string ops restart at it). */
  insnEip = 0;
  /** Descriptor scratch filled by readDescriptor(). */
  descLo = 0;
  descHi = 0;
  /** Product/quotient scratch for 64-bit arithmetic without allocation. */
  wideLo = 0;
  wideHi = 0;

  readonly costs: CpuCosts;
  private readonly classCost: Float64Array;
  probe: CpuProbe = NULL_PROBE;
  cr3Writes = 0;

  constructor(
    readonly phys: PhysicalMemory,
    readonly io: IoPorts,
    readonly intc: InterruptController,
    costs: CpuCosts,
  ) {
    this.costs = costs;
    this.classCost = Float64Array.from(COST_CLASS_NAMES, (n) => costs.instr[n]);
    this.mem = new Mmu(phys, this.fault, this.ctr, costs.tlbEntries, this.s);
    this.mem.walkCost = costs.pageWalk;
    this.blockMaps = new Array<Int32Array | undefined>(phys.size >>> PAGE_SHIFT).fill(undefined);
    this.straddleSlot = this.dc.allocate();
    phys.onCodeWrite((ppn) => this.dropPage(ppn));
  }

  get cpl(): number {
    return this.s[S_CPL]!;
  }

  /** Guest instructions retired so far. */
  get retired(): number {
    return this.ctr[C_ICOUNT]! - this.ctr[C_HOST_ONLY]!;
  }

  // ---------------------------------------------------------------- the loop

  /** Execute until a deadline, a yield or a stop. */
  run(): number {
    for (;;) {
      if (this.attention) {
        const r = this.serviceAttention();
        if (r >= 0) return r;
        continue;
      }
      const r = this.runBlocks(this.stopCycle, this.stopIcount, this.stopRetired, false);
      if (r >= 0) return r;
    }
  }

  /** Execute one instruction, whatever it is (single-stepping, TF, checked segments, debugger views). */
  stepOne(): void {
    this.runBlocks(Infinity, Infinity, Infinity, true);
  }

  /**
   * The hot loop: find the basic block at EIP, execute its decoded slots, account its cycles once,
   * repeat until a deadline (RUN_DEADLINE) or something needs attention (-1). With `single`, one
   * instruction exactly. Near a deadline it also goes one instruction at a time, so events land on
   * the exact instruction boundary. The commonest 32-bit forms are executed inline; everything else
   * through execute(). EIP and insnEip are stored only where something can observe them.
   */
  private runBlocks(stopCycle: number, stopIcount: number, stopRetired: number, single: boolean): number {
    const s = this.s;
    const ctr = this.ctr;
    const f = this.fault;
    const dc = this.dc;
    const mem = this.mem;
    const hdr = dc.hdr;
    const blocks = this.blocks;
    const icountLimited = single || stopIcount !== Infinity || stopRetired !== Infinity;
    // Completed blocks' cycles, instructions and host-only instructions not yet added to ctr: kept in
    // registers, flushed before anything that can read the counters (generic instructions, faults, returns).
    let pc = 0;
    let pi = 0;
    let ph = 0;
    for (;;) {
      const eip = s[S_EIP]!;
      let b = eip >>> PAGE_SHIFT === this.fetchPage ? this.fetchBlocks[eip & PAGE_MASK]! : -1;
      if (b < 0) {
        // The slow path fetches (page walk, accessed bits): at a deadline, stop first, since an
        // instruction the CPU never runs must not touch the page tables.
        if (ctr[C_CYCLES]! + pc >= stopCycle || (icountLimited && !single && (ctr[C_ICOUNT]! + pi >= stopIcount || ctr[C_ICOUNT]! + pi - ctr[C_HOST_ONLY]! - ph >= stopRetired))) {
          if (pi !== 0) {
            ctr[C_CYCLES] += pc;
            ctr[C_ICOUNT] += pi;
            ctr[C_HOST_ONLY] += ph;
            pc = pi = ph = 0;
          }
          return RUN_DEADLINE;
        }
        b = this.blockAt(eip);
        if (b < 0) {
          if (pi !== 0) {
            ctr[C_CYCLES] += pc;
            ctr[C_ICOUNT] += pi;
            ctr[C_HOST_ONLY] += ph;
            pc = pi = ph = 0;
          }
          if (ctr[C_CYCLES]! >= stopCycle || ctr[C_ICOUNT]! >= stopIcount || this.retired >= stopRetired) return RUN_DEADLINE;
          this.stepUnblocked(eip, b);
          if (single || this.attention) return -1;
          continue;
        }
      }
      const bi = b * BLOCK_STRIDE;
      const first = blocks[bi + B_FIRST]!;
      let n = blocks[bi + B_COUNT]!;
      let cost = blocks[bi + B_COST]!;
      let weight = blocks[bi + B_WEIGHT]!;
      if (
        ctr[C_CYCLES]! + pc + cost > stopCycle ||
        (icountLimited && (single || ctr[C_ICOUNT]! + pi + n > stopIcount || ctr[C_ICOUNT]! + pi - ctr[C_HOST_ONLY]! - ph + weight > stopRetired))
      ) {
        if (pi !== 0) {
          ctr[C_CYCLES] += pc;
          ctr[C_ICOUNT] += pi;
          ctr[C_HOST_ONLY] += ph;
          pc = pi = ph = 0;
        }
        if (ctr[C_CYCLES]! >= stopCycle || ctr[C_ICOUNT]! >= stopIcount || this.retired >= stopRetired) return RUN_DEADLINE;
        n = 1;
        cost = dc.cost[first]!;
        weight = dc.weight[first]!;
      }
      let e = eip;
      // True while S_EIP lags behind `e` (after inline non-branch forms, which do not store it).
      let eipStale = false;
      let stopped = false;
      // The slot whose inline memory access faulted (-1: none); handled once, after the loop.
      let faultAt = -1;
      slots: for (let i = 0; i < n; i++) {
        const slot = first + i;
        const h = hdr[slot]!;
        const next = (e + ((h >>> H_LEN_SHIFT) & 15)) | 0;
        eipStale = true;
        switch (h & 0xff) {
          case Op.ALU32_RR: {
            const d = ((h >>> H_RM_SHIFT) & 7);
            const k = ((h >>> H_SUB_SHIFT) & 15);
            const r = alu(s, k, s[d]!, s[((h >>> H_REG_SHIFT) & 7)]!, 2);
            if (k !== ALU_CMP) s[d] = r;
            break;
          }
          case Op.ADD32_RR: {
            const d = ((h >>> H_RM_SHIFT) & 7);
            const b = s[((h >>> H_REG_SHIFT) & 7)]!;
            const r = (s[d]! + b) | 0;
            s[d] = r;
            s[S_CC_OP] = CC_ADD32;
            s[S_CC_DST] = r;
            s[S_CC_SRC] = b;
            break;
          }
          case Op.SUB32_RR: {
            const d = ((h >>> H_RM_SHIFT) & 7);
            const b = s[((h >>> H_REG_SHIFT) & 7)]!;
            const r = (s[d]! - b) | 0;
            if (((h >>> H_SUB_SHIFT) & 15) !== ALU_CMP) s[d] = r;
            s[S_CC_OP] = CC_SUB32;
            s[S_CC_DST] = r;
            s[S_CC_SRC] = b;
            break;
          }
          case Op.LOGIC32_RR: {
            const d = ((h >>> H_RM_SHIFT) & 7);
            const a = s[d]!;
            const b = s[((h >>> H_REG_SHIFT) & 7)]!;
            const k = ((h >>> H_SUB_SHIFT) & 15);
            const r = k === ALU_XOR ? a ^ b : k === ALU_AND ? a & b : a | b;
            s[d] = r;
            s[S_CC_OP] = CC_LOGIC32;
            s[S_CC_DST] = r;
            s[S_CC_SRC] = 0;
            break;
          }
          case Op.ALU32_RI: {
            const d = ((h >>> H_RM_SHIFT) & 7);
            const k = ((h >>> H_SUB_SHIFT) & 15);
            const r = alu(s, k, s[d]!, dc.imm[slot]!, 2);
            if (k !== ALU_CMP) s[d] = r;
            break;
          }
          case Op.MOV32_RR:
            s[((h >>> H_RM_SHIFT) & 7)] = s[((h >>> H_REG_SHIFT) & 7)]!;
            break;
          case Op.MOV32_LOAD: {
            const v = mem.read32(effectiveAddress(this, slot));
            if (f.pending) {
              faultAt = i;
              break slots;
            }
            s[((h >>> H_REG_SHIFT) & 7)] = v;
            break;
          }
          case Op.MOV32_STORE:
            mem.write32(effectiveAddress(this, slot), s[((h >>> H_REG_SHIFT) & 7)]!);
            if (f.pending) {
              faultAt = i;
              break slots;
            }
            break;
          case Op.ALU32_RM: {
            const v = mem.read32(effectiveAddress(this, slot));
            if (f.pending) {
              faultAt = i;
              break slots;
            }
            const d = ((h >>> H_REG_SHIFT) & 7);
            const k = ((h >>> H_SUB_SHIFT) & 15);
            const r = alu(s, k, s[d]!, v, 2);
            if (k !== ALU_CMP) s[d] = r;
            break;
          }
          case Op.INC32_R:
          case Op.DEC32_R: {
            // INC/DEC keep CF, so the old CF is captured; after a logic op (the usual case) it is 0.
            const r = ((h >>> H_REG_SHIFT) & 7);
            const cf = s[S_CC_OP]! >> 2 === CCK_LOGIC ? 0 : carryFlag(s);
            const dec = (h & 0xff) === Op.DEC32_R;
            const v = (dec ? s[r]! - 1 : s[r]! + 1) | 0;
            s[r] = v;
            s[S_CC_OP] = dec ? CC_DEC32 : CC_INC32;
            s[S_CC_DST] = v;
            s[S_CC_SRC] = 1;
            s[S_CC_SRC2] = cf;
            break;
          }
          case Op.PUSH32_R: {
            const esp = (s[REG_ESP]! - 4) | 0;
            mem.write32(esp, s[((h >>> H_REG_SHIFT) & 7)]!);
            if (f.pending) {
              faultAt = i;
              break slots;
            }
            s[REG_ESP] = esp;
            break;
          }
          case Op.POP32_R: {
            const esp = s[REG_ESP]!;
            const v = mem.read32(esp);
            if (f.pending) {
              faultAt = i;
              break slots;
            }
            s[REG_ESP] = (esp + 4) | 0;
            s[((h >>> H_REG_SHIFT) & 7)] = v;
            break;
          }
          case Op.TEST32_RR:
            logicFlags(s, s[((h >>> H_RM_SHIFT) & 7)]! & s[((h >>> H_REG_SHIFT) & 7)]!, 2);
            break;
          case Op.JCC: {
            const cc = ((h >>> H_SUB_SHIFT) & 15);
            const op = s[S_CC_OP]!;
            // JZ/JNZ after a 32-bit flag-setting op: ZF is "the lazy result is 0", no flag computation.
            const taken = (cc === 4 || cc === 5) && (op & 3) === 2 && op !== CC_EFLAGS ? (s[S_CC_DST] === 0) === (cc === 4) : testCondition(s, cc);
            s[S_EIP] = taken ? (next + dc.imm[slot]!) | 0 : next;
            eipStale = false;
            break;
          }
          default:
            if (pi !== 0) {
              ctr[C_CYCLES] += pc;
              ctr[C_ICOUNT] += pi;
              ctr[C_HOST_ONLY] += ph;
              pc = pi = ph = 0;
            }
            this.insnEip = e;
            s[S_EIP] = next;
            execute(this, slot);
            if (f.pending) {
              faultAt = i;
              break slots;
            }
            eipStale = false;
            break;
        }
        e = next;
        // Something needs a look now (a store hit this very block, an IRQ was raised, ...): stop here.
        if (this.attention && i + 1 < n) {
          if (eipStale) s[S_EIP] = e;
          if (pi !== 0) {
            ctr[C_CYCLES] += pc;
            ctr[C_ICOUNT] += pi;
            ctr[C_HOST_ONLY] += ph;
            pc = pi = ph = 0;
          }
          this.accountSlots(first, i + 1);
          stopped = true;
          break;
        }
      }
      if (faultAt >= 0) {
        if (pi !== 0) {
          ctr[C_CYCLES] += pc;
          ctr[C_ICOUNT] += pi;
          ctr[C_HOST_ONLY] += ph;
          pc = pi = ph = 0;
        }
        this.faultInSlots(first, faultAt, e);
        stopped = true;
      }
      if (!stopped) {
        if (eipStale) s[S_EIP] = e;
        pc += cost;
        pi += n;
        ph += n - weight;
      }
      if (single || this.attention) {
        if (pi !== 0) {
          ctr[C_CYCLES] += pc;
          ctr[C_ICOUNT] += pi;
          ctr[C_HOST_ONLY] += ph;
          pc = pi = ph = 0;
        }
        return -1;
      }
    }
  }

  /** An instruction in a run of slots faulted: account the ones before it and deliver. */
  private faultInSlots(first: number, i: number, eip: number): void {
    this.accountSlots(first, i);
    this.insnEip = eip;
    this.deliverPendingFault();
  }

  private accountSlots(first: number, n: number): void {
    const dc = this.dc;
    const ctr = this.ctr;
    for (let i = 0; i < n; i++) {
      ctr[C_CYCLES] += dc.cost[first + i]!;
      ctr[C_HOST_ONLY] += 1 - dc.weight[first + i]!;
    }
    ctr[C_ICOUNT] += n;
  }

  /**
   * Decode and execute the instruction at EIP without caching it and without the ring-0 fetch
   * window: the DBT dispatcher uses this to carry out a guest instruction it emulates (IRET,
   * LIDT, SIDT, far JMP) exactly as the native CPU would, faults included.
   */
  interpretOne(): void {
    this.stepUnblocked(this.s[S_EIP]!, BLOCK_UNBLOCKED);
  }

  /** Instructions that live outside blocks: fetch faults, host calls, page-straddling and bus fetches. */
  private stepUnblocked(eip: number, code: number): void {
    if (code === BLOCK_FAULT) {
      this.insnEip = eip;
      this.deliverPendingFault();
    } else if (code === BLOCK_HOST) {
      this.insnEip = eip;
      this.hostCall(this);
    } else {
      const slot = this.decodeUnblocked(eip);
      if (slot < 0) {
        this.insnEip = eip;
        this.deliverPendingFault();
      } else {
        this.insnEip = eip;
        this.s[S_EIP] = (eip + this.dc.len[slot]!) | 0;
        execute(this, slot);
        if (this.fault.pending) {
          this.deliverPendingFault();
        } else {
          this.ctr[C_CYCLES] += this.dc.cost[slot]!;
          this.ctr[C_ICOUNT]++;
          this.ctr[C_HOST_ONLY] += 1 - this.dc.weight[slot]!;
        }
      }
    }
  }

  /** Returns a RUN_* code to leave run(), or -1 to continue. */
  private serviceAttention(): number {
    if (this.stopRequested) return RUN_STOP;
    if (this.yieldRequested) {
      this.yieldRequested = false;
      this.recomputeAttention();
      return RUN_YIELD;
    }
    const s = this.s;
    const ctr = this.ctr;
    if (ctr[C_CYCLES]! >= this.stopCycle || ctr[C_ICOUNT]! >= this.stopIcount || this.retired >= this.stopRetired) return RUN_DEADLINE;
    const shadow = this.retired < this.shadowUntil;
    if (this.intr && (s[S_EFLAGS]! & FLAG_IF) !== 0 && !shadow) {
      // Defer policy: run the current translation to its guest instruction boundary first.
      if (this.holdInterrupt !== null && s[S_HALTED] === 0 && this.holdInterrupt()) {
        this.stepOne();
        this.recomputeAttention();
        return -1;
      }
      s[S_HALTED] = 0;
      const vector = this.intc.acknowledge();
      this.deliver(vector, EVENT_EXTERNAL, 0, s[S_EIP]!);
      this.recomputeAttention();
      return -1;
    }
    if (s[S_HALTED] !== 0) return RUN_YIELD; // the machine advances time to the next device event
    if ((s[S_EFLAGS]! & FLAG_TF) !== 0) {
      this.stepTraced();
    } else if (s[S_SEG_NULL_MASK] !== 0) {
      this.stepCheckedSegments();
    } else {
      this.stepOne();
    }
    this.recomputeAttention();
    return -1;
  }

  /** SDM 3A 17.3.1.4: with TF set at the start of an instruction, #DB (a trap) follows its completion. */
  private stepTraced(): void {
    // Counted in retired guest instructions: code-cache glue (weight 0) must not trap under DBT.
    const before = this.retired;
    const delivered = this.deliveries;
    this.stepOne();
    // No single-step trap if the instruction faulted or itself transferred through the IDT.
    if (this.retired !== before && this.deliveries === delivered) {
      this.deliver(EXC_DB, EVENT_EXCEPTION, 0, this.s[S_EIP]!);
    }
  }

  private deliveries = 0;

  /** With a null DS/ES/FS/GS loaded, every memory operand through it must raise #GP(0) (SDM 3A 5.4.1). */
  private stepCheckedSegments(): void {
    const eip = this.s[S_EIP]!;
    const b = this.blockAt(eip);
    if (b >= 0 && this.usesNullSegment(this.blocks[b * BLOCK_STRIDE + B_FIRST]!)) {
      this.insnEip = eip;
      this.fault.raise(EXC_GP, 0);
      this.deliverPendingFault();
      return;
    }
    this.stepOne();
  }

  private usesNullSegment(slot: number): boolean {
    const dc = this.dc;
    const mask = this.s[S_SEG_NULL_MASK]!;
    const op = dc.op[slot]!;
    if (op === Op.MOVS || op === Op.STOS || op === Op.CMPS || op === Op.SCAS) {
      if ((mask & (1 << 0)) !== 0) return true; // ES:EDI
    }
    if (op === Op.MOVS || op === Op.CMPS || op === Op.LODS) return (mask & (1 << dc.seg[slot]!)) !== 0;
    if (dc.isMem[slot] === 1 && op !== Op.LEA && op !== Op.NOP && op !== Op.INVLPG) return (mask & (1 << dc.seg[slot]!)) !== 0;
    return false;
  }

  /** Re-derive `attention` after anything that changes IF, TF, INTR, HLT, segments or stop state. */
  recomputeAttention(): void {
    const s = this.s;
    this.attention =
      this.stopRequested ||
      this.yieldRequested ||
      s[S_HALTED] !== 0 ||
      (this.intr && (s[S_EFLAGS]! & FLAG_IF) !== 0) ||
      (s[S_EFLAGS]! & FLAG_TF) !== 0 ||
      s[S_SEG_NULL_MASK] !== 0 ||
      this.retired < this.shadowUntil;
  }

  setIntr(level: boolean): void {
    this.intr = level;
    this.recomputeAttention();
  }

  /** Return to the machine after the current instruction (device state may have changed). */
  requestYield(): void {
    this.yieldRequested = true;
    this.attention = true;
  }

  requestStop(): void {
    this.stopRequested = true;
    this.attention = true;
  }

  /**
   * STI, MOV SS, POP SS: interrupts are inhibited until after the next instruction (SDM 3A 6.8.3).
   * Measured in retired guest instructions, so under DBT the shadow covers the next guest
   * instruction's whole translation, not just the next host instruction.
   */
  startInterruptShadow(): void {
    // The shadowing instruction itself retires when it completes, then one more must.
    this.shadowUntil = this.retired + 2;
    this.attention = true;
  }

  // ---------------------------------------------------------------- fetch and decode

  /** Drop the cached fetch translation (CR0/CR3/CR4 writes, INVLPG, CPL changes). */
  invalidateFetch(): void {
    this.fetchPage = -1;
  }

  /**
   * Find or build the basic block starting at eip. Returns its id, or BLOCK_FAULT (fetch fault
   * recorded), BLOCK_HOST (a host-call page), BLOCK_UNBLOCKED (page-straddling or bus fetch).
   */
  private blockAt(eip: number): number {
    const la = eip >>> 0;
    const lpn = la >>> PAGE_SHIFT;
    if (this.hostPages[lpn] !== 0) {
      this.fetchPage = -1;
      return BLOCK_HOST;
    }
    if (lpn !== this.fetchPage) {
      const w = this.ring0FetchWindow;
      if (w !== null && this.s[S_CPL] === 0 && (lpn < w.firstPage || lpn > w.lastPage)) {
        this.fetchPage = -1;
        return BLOCK_HOST;
      }
      const pa = this.mem.translate(la, false, this.mem.user);
      if (pa < 0) return BLOCK_FAULT;
      if (this.mem.lastWasBus) {
        this.fetchPage = -1;
        return BLOCK_UNBLOCKED;
      }
      const ppn = pa >>> PAGE_SHIFT;
      let map = this.blockMaps[ppn];
      if (map === undefined) {
        map = new Int32Array(PAGE_MASK + 1).fill(-1);
        this.blockMaps[ppn] = map;
      }
      this.fetchPage = lpn;
      this.fetchBlocks = map;
      this.fetchPhysBase = pa - (la & PAGE_MASK);
    }
    const b = this.fetchBlocks[la & PAGE_MASK]!;
    return b >= 0 ? b : this.buildBlock(la & PAGE_MASK);
  }

  /** Decode a basic block starting at `off` on the current fetch page. */
  private buildBlock(off: number): number {
    if (this.blocksUsed === MAX_BLOCKS || this.dc.capacity - this.dc.used < MAX_BLOCK_INSNS) this.flushDecodeCache();
    const dc = this.dc;
    const bytes = this.phys.bytes;
    const buf = this.fetchBuf;
    const pageBase = this.fetchPhysBase;
    const first = dc.used;
    let n = 0;
    let cost = 0;
    let weight = 0;
    let o = off;
    for (;;) {
      const avail = Math.min(MAX_INSN_LENGTH, PAGE_MASK + 1 - o);
      for (let i = 0; i < avail; i++) buf[i] = bytes[pageBase + o + i]!;
      const slot = dc.allocate();
      const len = decodeInto(dc, slot, buf, avail);
      if (len === DECODE_NEED_MORE) {
        dc.used--; // straddles into the next page: it runs unblocked
        break;
      }
      const attrs = dc.op[slot] === Op.UD ? A_ENDS_BLOCK : ENTRY_ATTRS[dc.entry[slot]!]!;
      if (n > 0 && (attrs & A_COUNTS) !== 0) {
        dc.used--; // instructions that observe the counters start their own block
        break;
      }
      this.finishSlot(slot, pageBase + o);
      this.phys.markCode(pageBase + o, len);
      cost += dc.cost[slot]!;
      weight += dc.weight[slot]!;
      n++;
      o += len;
      const rep = (attrs & A_REP) !== 0 && (dc.prefix[slot]! & (PREFIX_REP | PREFIX_REPNE)) !== 0;
      if ((attrs & (A_ENDS_BLOCK | A_SYSTEM_STATE)) !== 0 || rep || n === MAX_BLOCK_INSNS || o > PAGE_MASK) break;
    }
    if (n === 0) return BLOCK_UNBLOCKED;
    const b = this.blocksUsed++;
    const bi = b * BLOCK_STRIDE;
    this.blocks[bi + B_FIRST] = first;
    this.blocks[bi + B_COUNT] = n;
    this.blocks[bi + B_COST] = cost;
    this.blocks[bi + B_WEIGHT] = weight;
    this.fetchBlocks[off] = b;
    return b;
  }

  /** Decode a page-straddling or bus instruction into the scratch slot; -1 if its second page faults. */
  private decodeUnblocked(eip: number): number {
    const la = eip >>> 0;
    const buf = this.fetchBuf;
    const slot = this.straddleSlot;
    const pa = this.mem.translate(la, false, this.mem.user);
    if (pa < 0) return -1;
    if (this.mem.lastWasBus) {
      buf.fill(0xff);
      decodeInto(this.dc, slot, buf, MAX_INSN_LENGTH, false);
      this.finishSlot(slot, -1);
      return slot;
    }
    const off = la & PAGE_MASK;
    const avail = Math.min(MAX_INSN_LENGTH, PAGE_MASK + 1 - off);
    for (let i = 0; i < avail; i++) buf[i] = this.phys.bytes[pa + i]!;
    if (decodeInto(this.dc, slot, buf, avail, false) === DECODE_NEED_MORE) {
      // Fetch the rest from the next page; a fault there reports CR2 on that page (SDM 3A 4.7).
      const pa2 = this.mem.translate((la - off + PAGE_MASK + 1) >>> 0, false, this.mem.user);
      if (pa2 < 0) return -1;
      const bus = this.mem.lastWasBus;
      for (let i = avail; i < MAX_INSN_LENGTH; i++) buf[i] = bus ? 0xff : this.phys.bytes[pa2 + i - avail]!;
      decodeInto(this.dc, slot, buf, MAX_INSN_LENGTH, false);
    }
    this.finishSlot(slot, pa);
    return slot;
  }

  private finishSlot(slot: number, pa: number): void {
    const dc = this.dc;
    const id = dc.entry[slot]!;
    const entry = id < OPCODES.length ? OPCODES[id] : undefined;
    const cls = entry ? CostClass[entry.cost] : CostClass.system;
    const hasMem = entry !== undefined && entry.implicitMem && (dc.isMem[slot] === 1 || !entry.hasModrm);
    dc.weight[slot] = pa >= 0 ? this.retireWeight(pa) : 1;
    dc.cost[slot] = dc.weight[slot] === 0 && !this.costs.chargeHostOnly ? 0 : this.classCost[cls]! + (hasMem ? this.costs.memOperand : 0);
  }

  /** How many guest instructions the instruction at physical address pa retires (the DBT overrides). */
  retireWeight: (pa: number) => number = () => 1;

  /** Self-modifying code: a store hit decoded bytes of physical page ppn. */
  private dropPage(ppn: number): void {
    if (this.blockMaps[ppn] === undefined) return;
    this.blockMaps[ppn] = undefined;
    this.fetchPage = -1;
    this.smcInvalidations++;
    // The block being executed may be the one just overwritten: stop it after this instruction.
    this.attention = true;
  }
  smcInvalidations = 0;

  private flushDecodeCache(): void {
    this.blockMaps.fill(undefined);
    this.blocksUsed = 0;
    this.dc.reset();
    this.dc.allocate(); // re-reserve the straddle slot at index 0
    this.fetchPage = -1;
    this.decodeFlushes++;
  }
  decodeFlushes = 0;

  // ---------------------------------------------------------------- events

  /** Deliver the fault recorded by the instruction (EIP back at the faulting instruction). */
  deliverPendingFault(): void {
    const f = this.fault;
    f.pending = false;
    this.s[S_EIP] = this.insnEip;
    this.deliver(f.vector, EVENT_EXCEPTION, f.errorCode, this.insnEip);
  }

  /** Raise a software interrupt (INT n / INT3 / INTO): gate DPL is checked, the return EIP is the next instruction. */
  softwareInterrupt(vector: number): void {
    this.deliver(vector, EVENT_SOFTWARE, 0, this.s[S_EIP]!);
  }

  deliver(vector: number, kind: number, errorCode: number, returnEip: number): void {
    materializeFlags(this.s);
    this.deliveries++;
    deliverEvent(this, vector, kind, errorCode, returnEip);
    this.recomputeAttention();
  }

  /** CPL changed (interrupt delivery, IRET, far jump): update memory privilege and the fetch cache. */
  setCpl(cpl: number): void {
    this.s[S_CPL] = cpl;
    this.mem.setPrivilege(cpl === 3);
    this.fetchPage = -1;
  }

  tripleFault(reason: string): never {
    throw new GuestStop(`triple fault: ${reason}`, ExitCode.tripleFault, "triple-fault");
  }

  unsupported(what: string): never {
    throw new GuestStop(`unsupported: ${what} at eip 0x${(this.insnEip >>> 0).toString(16).padStart(8, "0")}`, ExitCode.unsupported, "unsupported");
  }
}

export { EVENT_EXCEPTION, EVENT_EXTERNAL, EVENT_SOFTWARE };
