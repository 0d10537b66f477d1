// System instructions: control registers, LTR, the TSS I/O permission bitmap, BT*, CPUID.
import type { Cpu } from "./cpu.js";
import { Op } from "./opcodes.js";
import { materializeFlags } from "./flags.js";
import { effectiveAddress, readReg, writeReg } from "./exec.js";
import { EXC_GP, EXC_NP, EXC_UD } from "./vectors.js";
import { descBase, descLimit, descPresent, descType, fetchDescriptor, SYS_TSS32_AVAILABLE, DESC_S } from "./segments.js";
import {
  CR0_CD,
  CR0_NW,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR0_ET,
  CR0_MP,
  CR0_EM,
  CR0_TS,
  CR0_NE,
  CR0_AM,
  CR4_PSE,
  CR4_SUPPORTED,
  FLAG_CF,
  FLAG_IOPL,
  IOPL_SHIFT,
  REG_EAX,
  REG_EBX,
  REG_ECX,
  REG_EDX,
  S_CPL,
  S_CR0,
  S_CR2,
  S_CR3,
  S_CR4,
  S_EFLAGS,
  S_GDTR_BASE,
  S_TR_BASE,
  S_TR_LIMIT,
  S_TR_SEL,
} from "./state.js";

const CR0_IMPLEMENTED = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;

export function readControl(cpu: Cpu, n: number): number {
  const s = cpu.s;
  switch (n) {
    case 0:
      return s[S_CR0]!;
    case 2:
      return s[S_CR2]!;
    case 3:
      return s[S_CR3]!;
    case 4:
      return s[S_CR4]!;
    default:
      // CR1, CR5-CR7 are reserved: #UD (SDM MOV-Control Registers).
      cpu.fault.raise(EXC_UD, 0);
      return 0;
  }
}

/** MOV to CRn with the SDM's #GP checks; paging changes flush the TLB. */
export function writeControl(cpu: Cpu, n: number, v: number): void {
  const s = cpu.s;
  switch (n) {
    case 0: {
      if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) return void cpu.fault.raise(EXC_GP, 0);
      if ((v & CR0_NW) !== 0 && (v & CR0_CD) === 0) return void cpu.fault.raise(EXC_GP, 0);
      if ((v & CR0_PE) === 0) cpu.unsupported("clearing CR0.PE (real mode)");
      // ET is hardwired to 1 on processors since the 486 (SDM 3A 2.5).
      s[S_CR0] = (v & CR0_IMPLEMENTED) | CR0_ET;
      break;
    }
    case 2:
      s[S_CR2] = v;
      return;
    case 3:
      s[S_CR3] = v;
      cpu.cr3Writes++;
      break;
    case 4:
      if ((v & ~CR4_SUPPORTED) !== 0) return void cpu.fault.raise(EXC_GP, 0);
      s[S_CR4] = v;
      break;
    default:
      return void cpu.fault.raise(EXC_UD, 0);
  }
  syncPaging(cpu);
}

/** Tell the MMU about CR0/CR3/CR4 (flushes the TLB, as any CR3 load does). */
export function syncPaging(cpu: Cpu): void {
  const s = cpu.s;
  const cr0 = s[S_CR0]!;
  cpu.mem.setControl((cr0 & CR0_PG) !== 0, (cr0 & CR0_WP) !== 0, (s[S_CR4]! & CR4_PSE) !== 0, s[S_CR3]!);
  cpu.invalidateFetch();
}

/** LTR (SDM LTR): the selector must name an available 32-bit TSS in the GDT; it is marked busy. */
export function loadTaskRegister(cpu: Cpu, sel: number): void {
  const s = cpu.s;
  sel &= 0xffff;
  if ((sel & 0xfffc) === 0) return void cpu.fault.raise(EXC_GP, 0);
  if (!fetchDescriptor(cpu, sel, EXC_GP, 0)) return;
  const lo = cpu.descLo;
  const hi = cpu.descHi;
  if ((hi & DESC_S) !== 0 || descType(hi) !== SYS_TSS32_AVAILABLE) {
    if ((hi & DESC_S) === 0 && (descType(hi) === 0x1 || descType(hi) === 0x3)) cpu.unsupported("16-bit TSS");
    return void cpu.fault.raise(EXC_GP, sel & 0xfffc);
  }
  if (!descPresent(hi)) return void cpu.fault.raise(EXC_NP, sel & 0xfffc);
  const busy = hi | (0x2 << 8);
  cpu.mem.writeAs((s[S_GDTR_BASE]! + (sel & 0xfff8) + 4) | 0, busy, 4, false);
  if (cpu.fault.pending) return;
  s[S_TR_SEL] = sel;
  s[S_TR_BASE] = descBase(lo, busy);
  s[S_TR_LIMIT] = descLimit(lo, busy);
}

/**
 * I/O permission (SDM Vol. 1 19.5): with CPL > IOPL, every bit for the accessed ports in the TSS
 * I/O bitmap must be 0; a bitmap outside the TSS limit denies access. Raises #GP(0) when denied.
 */
export function ioAllowed(cpu: Cpu, port: number, size: number): boolean {
  const s = cpu.s;
  if (s[S_CPL]! <= (s[S_EFLAGS]! & FLAG_IOPL) >>> IOPL_SHIFT) return true;
  const limit = s[S_TR_LIMIT]!;
  const base = s[S_TR_BASE]!;
  if (limit < 0x67) return deny(cpu);
  const mapOffset = cpu.mem.readAs((base + 0x66) | 0, 2, false);
  if (cpu.fault.pending) return false;
  const byteOffset = mapOffset + (port >>> 3);
  if (byteOffset + 1 > limit) return deny(cpu);
  const bits = cpu.mem.readAs((base + byteOffset) | 0, 2, false);
  if (cpu.fault.pending) return false;
  const need = ((1 << size) - 1) << (port & 7);
  if ((bits & need) !== 0) return deny(cpu);
  return true;
}

function deny(cpu: Cpu): boolean {
  cpu.fault.raise(EXC_GP, 0);
  return false;
}

/**
 * BT/BTS/BTR/BTC (SDM): CF gets the selected bit. With a register bit offset and a memory operand,
 * the offset is signed and may address memory outside the operand. ZF is unchanged; OF, SF, AF and
 * PF are undefined (left unchanged here).
 */
export function bitTest(cpu: Cpu, slot: number, size: number): void {
  const dc = cpu.dc;
  const s = cpu.s;
  const mem = cpu.mem;
  const kind = dc.sub[slot]!;
  const bits = size * 8;
  const fromReg = dc.op[slot] === Op.BT_EG;
  let offset = fromReg ? readReg(cpu, dc.reg[slot]!, size) : dc.imm[slot]!;
  let v: number;
  let la = 0;
  if (dc.isMem[slot] === 1) {
    la = effectiveAddress(cpu, slot);
    if (fromReg) {
      const signed = size === 2 ? (offset << 16) >> 16 : offset | 0;
      la = (la + (signed >> (size === 2 ? 4 : 5)) * size) | 0;
      offset = signed & (bits - 1);
    } else {
      offset &= bits - 1;
    }
    v = mem.read(la, size);
    if (cpu.fault.pending) return;
    if (kind !== 0 && !mem.probeWrite(la, size)) return;
  } else {
    offset &= bits - 1;
    v = readReg(cpu, dc.rm[slot]!, size);
  }
  const bit = 1 << offset;
  const cf = (v & bit) !== 0 ? FLAG_CF : 0;
  let r = v;
  if (kind === 1) r = v | bit;
  else if (kind === 2) r = v & ~bit;
  else if (kind === 3) r = v ^ bit;
  if (kind !== 0) {
    if (dc.isMem[slot] === 1) mem.write(la, r, size);
    else writeReg(cpu, dc.rm[slot]!, r, size);
  }
  materializeFlags(s);
  s[S_EFLAGS] = (s[S_EFLAGS]! & ~FLAG_CF) | cf;
}

/**
 * CPUID: a Pentium-class identification listing only what kdbt implements (TSC and PSE; no FPU,
 * no CMOV, no MSRs). Unknown leaves return the highest basic leaf, as Intel processors do.
 */
export function cpuid(cpu: Cpu): void {
  const s = cpu.s;
  let leaf = s[REG_EAX]! >>> 0;
  if (leaf >= 0x80000000) {
    s[REG_EAX] = 0x80000000;
    s[REG_EBX] = 0;
    s[REG_ECX] = 0;
    s[REG_EDX] = 0;
    return;
  }
  if (leaf > 1) leaf = 1;
  if (leaf === 0) {
    s[REG_EAX] = 1;
    // "GenuineIntel" in EBX, EDX, ECX order
    s[REG_EBX] = 0x756e6547;
    s[REG_EDX] = 0x49656e69;
    s[REG_ECX] = 0x6c65746e;
    return;
  }
  s[REG_EAX] = 0x00000543; // family 5, model 4, stepping 3
  s[REG_EBX] = 0;
  s[REG_ECX] = 0;
  s[REG_EDX] = (1 << 3) | (1 << 4); // PSE, TSC
}
