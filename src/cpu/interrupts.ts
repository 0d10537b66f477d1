// Interrupt and exception delivery through the IDT (SDM 3A 6.12), #DF promotion (6.15), IRET and POPF rules.
import type { Cpu } from "./cpu.js";
import type { DeliveryInfo } from "./interfaces.js";
import { DF_BENIGN, DF_CLASS, DF_CONTRIBUTORY, DF_PAGE_FAULT, EXC_DF, EXC_GP, EXC_NP, EXC_SS, EXC_TS, PUSHES_ERROR_CODE, PUSHES_RF, vectorLabel } from "./vectors.js";
import {
  commitCodeSegment,
  commitSegment,
  descDpl,
  descPresent,
  descType,
  fetchDescriptor,
  isCodeOrData,
  markAccessed,
  requireFlat,
  SYS_INTERRUPT_GATE32,
  SYS_TASK_GATE,
  SYS_TRAP_GATE32,
  TYPE_CODE,
  TYPE_CONFORMING,
  TYPE_WRITABLE,
  DESC_S,
} from "./segments.js";
import {
  C_CYCLES,
  FLAG_AC,
  FLAG_ID,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_NT,
  FLAG_RESERVED1,
  FLAG_RF,
  FLAG_TF,
  FLAG_VM,
  ARITH_FLAGS,
  FLAG_DF,
  IOPL_SHIFT,
  REG_ESP,
  SEG_CS,
  SEG_DS,
  SEG_ES,
  SEG_FS,
  SEG_GS,
  SEG_SS,
  S_CPL,
  S_DESC_HI,
  S_EFLAGS,
  S_EIP,
  S_IDTR_BASE,
  S_IDTR_LIMIT,
  S_SEL,
  S_TR_BASE,
  S_TR_LIMIT,
  S_TR_SEL,
  S_CC_OP,
  S_SEG_NULL_MASK,
  S_CR2,
} from "./state.js";
import { CC_EFLAGS } from "./flags.js";

/** A fault or trap raised by the processor (EXT = 1 in error codes of faults during its delivery). */
export const EVENT_EXCEPTION = 0;
/** An external interrupt from the PIC (EXT = 1). */
export const EVENT_EXTERNAL = 1;
/** INT n, INT3, INTO: gate DPL is checked against CPL, EXT = 0 (SDM 3A 6.12.1.1). */
export const EVENT_SOFTWARE = 2;

const delivery: DeliveryInfo = {
  vector: 0,
  kind: 0,
  errorCode: 0,
  hasErrorCode: false,
  pushedEip: 0,
  fromCpl: 0,
  cr2: 0,
  frameEsp: 0,
  privilegeChange: false,
  insnEip: 0,
  retired: 0,
  cycle: 0,
};

/**
 * Deliver an event, turning faults during delivery into the next event by the SDM's rules:
 * benign + anything is handled serially; contributory + contributory, or #PF + (#PF or contributory),
 * becomes #DF; anything during #DF delivery is a triple fault (SDM 3A Table 6-5).
 */
export function deliverEvent(cpu: Cpu, vector: number, kind: number, errorCode: number, returnEip: number): void {
  let v = vector;
  let k = kind;
  let err = errorCode;
  let ret = returnEip;
  for (let attempt = 0; ; attempt++) {
    if (tryDeliver(cpu, v, k, err, ret)) return;
    const f = cpu.fault;
    const v2 = f.vector;
    const e2 = f.errorCode;
    f.clear();
    if (v === EXC_DF) cpu.tripleFault(`${vectorLabel(v2)} while delivering #DF`);
    if (attempt > 16) cpu.tripleFault(`delivery of ${vectorLabel(vector)} keeps faulting`);
    const c1 = k === EVENT_EXCEPTION ? DF_CLASS[v]! : DF_BENIGN;
    const c2 = DF_CLASS[v2]!;
    // A fault while delivering INT n is reported at the INT instruction; otherwise at the same return point.
    if (k === EVENT_SOFTWARE) ret = cpu.insnEip;
    if ((c1 === DF_CONTRIBUTORY && c2 === DF_CONTRIBUTORY) || (c1 === DF_PAGE_FAULT && (c2 === DF_CONTRIBUTORY || c2 === DF_PAGE_FAULT))) {
      v = EXC_DF;
      err = 0;
    } else {
      v = v2;
      err = e2;
    }
    k = EVENT_EXCEPTION;
    cpu.s[S_EIP] = ret;
  }
}

function tryDeliver(cpu: Cpu, v: number, kind: number, err: number, ret: number): boolean {
  const s = cpu.s;
  const mem = cpu.mem;
  const f = cpu.fault;
  const ext = kind === EVENT_SOFTWARE ? 0 : 1;
  const idtErr = v * 8 + 2 + ext;
  const cpl = s[S_CPL]!;
  if (v * 8 + 7 > s[S_IDTR_LIMIT]!) return fail(cpu, EXC_GP, idtErr);
  const gateLa = (s[S_IDTR_BASE]! + v * 8) | 0;
  const lo = mem.readAs(gateLa, 4, false);
  const hi = mem.readAs((gateLa + 4) | 0, 4, false);
  if (f.pending) return false;
  const type = descType(hi);
  if ((hi & DESC_S) === 0 && type === SYS_TASK_GATE) cpu.unsupported(`task gate in IDT entry ${v}`);
  if ((hi & DESC_S) === 0 && (type === 0x6 || type === 0x7)) cpu.unsupported(`16-bit gate in IDT entry ${v}`);
  if ((hi & DESC_S) !== 0 || (type !== SYS_INTERRUPT_GATE32 && type !== SYS_TRAP_GATE32)) return fail(cpu, EXC_GP, idtErr);
  if (kind === EVENT_SOFTWARE && descDpl(hi) < cpl) return fail(cpu, EXC_GP, v * 8 + 2);
  if (!descPresent(hi)) return fail(cpu, EXC_NP, idtErr);

  const sel = lo >>> 16;
  const offset = (hi & 0xffff0000) | (lo & 0xffff);
  if ((sel & 0xfffc) === 0) return fail(cpu, EXC_GP, ext);
  if (!fetchDescriptor(cpu, sel, EXC_GP, ext)) return false;
  const csLo = cpu.descLo;
  const csHi = cpu.descHi;
  const csType = descType(csHi);
  if (!isCodeOrData(csHi) || (csType & TYPE_CODE) === 0) return fail(cpu, EXC_GP, (sel & 0xfffc) | ext);
  const dpl = descDpl(csHi);
  if (dpl > cpl) return fail(cpu, EXC_GP, (sel & 0xfffc) | ext);
  if (!descPresent(csHi)) return fail(cpu, EXC_NP, (sel & 0xfffc) | ext);

  const pushErr = kind === EVENT_EXCEPTION && PUSHES_ERROR_CODE[v] === 1;
  const eflags = s[S_EFLAGS]!;
  const pushedEflags = kind === EVENT_EXCEPTION && PUSHES_RF[v] === 1 ? eflags | FLAG_RF : eflags;
  const toInner = (csType & TYPE_CONFORMING) === 0 && dpl < cpl;
  let frameEsp: number;
  if (toInner) {
    // SDM 3A 6.12.1: switch to the stack for the new CPL taken from the TSS.
    const off = 8 * dpl + 4;
    if (off + 5 > s[S_TR_LIMIT]!) return fail(cpu, EXC_TS, (s[S_TR_SEL]! & 0xfffc) | ext);
    const tss = s[S_TR_BASE]!;
    const newEsp = mem.readAs((tss + off) | 0, 4, false);
    const newSs = mem.readAs((tss + off + 4) | 0, 2, false);
    if (f.pending) return false;
    if ((newSs & 0xfffc) === 0) return fail(cpu, EXC_TS, ext);
    if (!fetchDescriptor(cpu, newSs, EXC_TS, ext)) return false;
    const ssLo = cpu.descLo;
    const ssHi = cpu.descHi;
    const ssType = descType(ssHi);
    if ((newSs & 3) !== dpl || descDpl(ssHi) !== dpl || !isCodeOrData(ssHi) || (ssType & TYPE_CODE) !== 0 || (ssType & TYPE_WRITABLE) === 0) {
      return fail(cpu, EXC_TS, (newSs & 0xfffc) | ext);
    }
    if (!descPresent(ssHi)) return fail(cpu, EXC_SS, (newSs & 0xfffc) | ext);
    const size = pushErr ? 24 : 20;
    frameEsp = (newEsp - size) | 0;
    const user = dpl === 3;
    if (!mem.probeWrite(frameEsp, size, user)) return false;
    const p = writeFrame(cpu, frameEsp, pushErr, err, ret, pushedEflags, user);
    mem.writeAs(p, s[REG_ESP]!, 4, user);
    mem.writeAs(p + 4, s[S_SEL + SEG_SS]!, 4, user);
    cpu.descLo = ssLo;
    cpu.descHi = ssHi;
    markAccessed(cpu, newSs);
    requireFlat(cpu, SEG_SS, newSs, ssLo, cpu.descHi);
    commitSegment(cpu, SEG_SS, newSs, ssLo, cpu.descHi);
    s[REG_ESP] = frameEsp;
    if (cpu.chargeEventCosts) cpu.ctr[C_CYCLES] += cpu.costs.deliverPrivChange;
  } else {
    const size = pushErr ? 16 : 12;
    frameEsp = (s[REG_ESP]! - size) | 0;
    const user = cpl === 3;
    if (!mem.probeWrite(frameEsp, size, user)) return false;
    writeFrame(cpu, frameEsp, pushErr, err, ret, pushedEflags, user);
    s[REG_ESP] = frameEsp;
    if (cpu.chargeEventCosts) cpu.ctr[C_CYCLES] += cpu.costs.deliverSamePl;
  }
  cpu.descLo = csLo;
  cpu.descHi = csHi;
  commitCodeSegment(cpu, sel, toInner ? dpl : cpl);
  s[S_EIP] = offset;
  // SDM 3A 6.12.1.3: TF, VM, RF and NT are cleared; an interrupt gate also clears IF.
  let nf = eflags & ~(FLAG_TF | FLAG_VM | FLAG_RF | FLAG_NT);
  if (descType(hi) === SYS_INTERRUPT_GATE32) nf &= ~FLAG_IF;
  s[S_EFLAGS] = nf;
  s[S_CC_OP] = CC_EFLAGS;

  delivery.vector = v;
  delivery.kind = kind;
  delivery.errorCode = err;
  delivery.hasErrorCode = pushErr;
  delivery.pushedEip = ret;
  delivery.fromCpl = cpl;
  delivery.cr2 = s[S_CR2]!;
  delivery.frameEsp = frameEsp;
  delivery.privilegeChange = toInner;
  delivery.insnEip = cpu.insnEip;
  delivery.retired = cpu.eventRetired >= 0 ? cpu.eventRetired : cpu.retired;
  delivery.cycle = cpu.eventCycle >= 0 ? cpu.eventCycle : cpu.ctr[C_CYCLES]!;
  cpu.probe.onDelivery(delivery);
  return true;
}

/**
 * The part of a frame every delivery pushes (SDM 3A 6.12.1, figure 6-4): [error code,] EIP, CS,
 * EFLAGS, lowest address first, at p (already probed). Returns where SS:ESP go on a stack switch.
 */
function writeFrame(cpu: Cpu, p: number, pushErr: boolean, err: number, ret: number, eflags: number, user: boolean): number {
  const mem = cpu.mem;
  if (pushErr) {
    mem.writeAs(p, err, 4, user);
    p += 4;
  }
  mem.writeAs(p, ret, 4, user);
  mem.writeAs(p + 4, cpu.s[S_SEL + SEG_CS]!, 4, user);
  mem.writeAs(p + 8, eflags, 4, user);
  return p + 12;
}

function fail(cpu: Cpu, vector: number, err: number): boolean {
  cpu.fault.raise(vector, err);
  return false;
}

/** EFLAGS bits IRET and POPF may change given the CPL and IOPL at the time (SDM IRET, POPF pseudocode). */
export function eflagsWriteMask(cpl: number, iopl: number, size: number): number {
  let mask = ARITH_FLAGS | FLAG_TF | FLAG_DF | FLAG_NT | FLAG_AC | FLAG_ID;
  if (cpl === 0) mask |= FLAG_IOPL;
  if (cpl <= iopl) mask |= FLAG_IF;
  return size === 2 ? mask & 0xffff : mask;
}

/** Replace EFLAGS under a write mask, keeping the always-one bit 1. */
export function writeEflags(cpu: Cpu, value: number, mask: number): void {
  const s = cpu.s;
  s[S_EFLAGS] = ((s[S_EFLAGS]! & ~mask) | (value & mask) | FLAG_RESERVED1) & ~(FLAG_VM | FLAG_RF);
  s[S_CC_OP] = CC_EFLAGS;
  cpu.recomputeAttention();
}

/** IRET in protected mode, 32-bit operand size, NT = 0 (SDM IRET: RETURN-TO-SAME/OUTER-PRIVILEGE-LEVEL). */
export function iret(cpu: Cpu): void {
  const s = cpu.s;
  const mem = cpu.mem;
  const f = cpu.fault;
  const cpl = s[S_CPL]!;
  if ((s[S_EFLAGS]! & FLAG_NT) !== 0) cpu.unsupported("IRET with EFLAGS.NT set (task return)");
  const user = cpl === 3;
  const esp = s[REG_ESP]!;
  if (!mem.probeRead(esp, 12, user)) return;
  const newEip = mem.readAs(esp, 4, user);
  const newCs = mem.readAs((esp + 4) | 0, 4, user) & 0xffff;
  const newFlags = mem.readAs((esp + 8) | 0, 4, user);
  if (cpl === 0 && (newFlags & FLAG_VM) !== 0) cpu.unsupported("IRET to virtual-8086 mode");
  const rpl = newCs & 3;
  if ((newCs & 0xfffc) === 0) return void f.raise(EXC_GP, 0);
  if (!fetchDescriptor(cpu, newCs, EXC_GP, 0)) return;
  const csLo = cpu.descLo;
  const csHi = cpu.descHi;
  const t = descType(csHi);
  if (!isCodeOrData(csHi) || (t & TYPE_CODE) === 0 || rpl < cpl) return void f.raise(EXC_GP, newCs & 0xfffc);
  const dpl = descDpl(csHi);
  if ((t & TYPE_CONFORMING) !== 0 ? dpl > rpl : dpl !== rpl) return void f.raise(EXC_GP, newCs & 0xfffc);
  if (!descPresent(csHi)) return void f.raise(EXC_NP, newCs & 0xfffc);
  const iopl = (s[S_EFLAGS]! & FLAG_IOPL) >>> IOPL_SHIFT;
  const mask = eflagsWriteMask(cpl, iopl, 4) | FLAG_RF;

  if (rpl === cpl) {
    cpu.descLo = csLo;
    cpu.descHi = csHi;
    commitCodeSegment(cpu, newCs, cpl);
    s[REG_ESP] = (esp + 12) | 0;
    s[S_EIP] = newEip;
    writeEflags(cpu, newFlags, mask);
    if (cpu.chargeEventCosts) cpu.ctr[C_CYCLES] += cpu.costs.iretSamePl;
    cpu.probe.onIret(cpl, cpl, newEip);
    return;
  }

  if (!mem.probeRead((esp + 12) | 0, 8, user)) return;
  const newEsp = mem.readAs((esp + 12) | 0, 4, user);
  const newSs = mem.readAs((esp + 16) | 0, 4, user) & 0xffff;
  if ((newSs & 0xfffc) === 0) return void f.raise(EXC_GP, 0);
  if (!fetchDescriptor(cpu, newSs, EXC_GP, 0)) return;
  const ssLo = cpu.descLo;
  const ssHi = cpu.descHi;
  const st = descType(ssHi);
  if ((newSs & 3) !== rpl || descDpl(ssHi) !== rpl || !isCodeOrData(ssHi) || (st & TYPE_CODE) !== 0 || (st & TYPE_WRITABLE) === 0) {
    return void f.raise(EXC_GP, newSs & 0xfffc);
  }
  if (!descPresent(ssHi)) return void f.raise(EXC_SS, newSs & 0xfffc);

  writeEflags(cpu, newFlags, mask);
  cpu.descLo = csLo;
  cpu.descHi = csHi;
  commitCodeSegment(cpu, newCs, rpl);
  cpu.descLo = ssLo;
  cpu.descHi = ssHi;
  markAccessed(cpu, newSs);
  requireFlat(cpu, SEG_SS, newSs, ssLo, cpu.descHi);
  commitSegment(cpu, SEG_SS, newSs, ssLo, cpu.descHi);
  s[REG_ESP] = newEsp;
  s[S_EIP] = newEip;
  nullInaccessibleSegments(cpu, rpl);
  if (cpu.chargeEventCosts) cpu.ctr[C_CYCLES] += cpu.costs.iretPrivChange;
  cpu.probe.onIret(cpl, rpl, newEip);
}

const DATA_SEGMENTS = [SEG_ES, SEG_DS, SEG_FS, SEG_GS] as const;

/** Returning to an outer level nulls data segment registers the new CPL may not use (SDM IRET, RET far). */
function nullInaccessibleSegments(cpu: Cpu, newCpl: number): void {
  const s = cpu.s;
  for (const seg of DATA_SEGMENTS) {
    if ((s[S_SEG_NULL_MASK]! & (1 << seg)) !== 0) continue;
    const hi = s[S_DESC_HI + seg]!;
    const t = descType(hi);
    const dataOrNonConforming = (t & TYPE_CODE) === 0 || (t & TYPE_CONFORMING) === 0;
    if (dataOrNonConforming && descDpl(hi) < newCpl) {
      s[S_SEL + seg] = 0;
      s[S_DESC_HI + seg] = 0;
      s[S_SEG_NULL_MASK] = s[S_SEG_NULL_MASK]! | (1 << seg);
    }
  }
  cpu.recomputeAttention();
}
