// The interpreter: one switch over the opcode table's handlers, precise faults (nothing commits before the last check).
import type { Cpu } from "./cpu.js";
import { Op, ALU_CMP, LOOP_E, LOOP_NE } from "./opcodes.js";
import { alu, divS64, divU64, doubleShift, incDec, logicFlags, mulFlags, mulS32, mulU32, shift } from "./alu.js";
import { SIZE_INDEX, arithFlags, materializeFlags, testCondition } from "./flags.js";
import { EXC_DE, EXC_GP, EXC_UD, EXC_OF, EXC_BP } from "./vectors.js";
import { TOO_LONG_SUB } from "./decode.js";
import { iret, eflagsWriteMask, writeEflags } from "./interrupts.js";
import { checkFarJumpTarget, commitCodeSegment, loadDataSegment } from "./segments.js";
import { stringOp } from "./strings.js";
import { bitTest, ioAllowed, loadTaskRegister, readControl, writeControl, cpuid } from "./system.js";
import {
  BYTE_REG_OFFSET,
  FLAG_CF,
  FLAG_DF,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_OF,
  FLAG_RF,
  FLAG_VM,
  FLAG_ZF,
  IOPL_SHIFT,
  REG_EAX,
  REG_EBP,
  REG_ECX,
  REG_EDX,
  REG_ESP,
  SEG_CS,
  SEG_SS,
  S_CPL,
  S_CR4,
  S_EFLAGS,
  S_EIP,
  S_GDTR_BASE,
  S_GDTR_LIMIT,
  S_HALTED,
  S_IDTR_BASE,
  S_IDTR_LIMIT,
  S_SEL,
  S_TR_SEL,
  CR4_TSD,
  C_CYCLES,
} from "./state.js";

const TWO32 = 4294967296;

/** Effective address of the ModRM memory operand (flat segments: linear = offset). */
export function effectiveAddress(cpu: Cpu, slot: number): number {
  const dc = cpu.dc;
  const s = cpu.s;
  return (s[dc.base[slot]!]! + (s[dc.index[slot]!]! << dc.scale[slot]!) + dc.disp[slot]!) | 0;
}

export function readReg(cpu: Cpu, r: number, size: number): number {
  if (size === 4) return cpu.s[r]!;
  if (size === 2) return cpu.s16[r << 1]!;
  return cpu.s8[BYTE_REG_OFFSET[r]!]!;
}

export function writeReg(cpu: Cpu, r: number, v: number, size: number): void {
  if (size === 4) cpu.s[r] = v;
  else if (size === 2) cpu.s16[r << 1] = v;
  else cpu.s8[BYTE_REG_OFFSET[r]!] = v;
}

/** Read the E operand (register or memory). On a fault returns 0 with the fault recorded. */
function readE(cpu: Cpu, slot: number, size: number): number {
  const dc = cpu.dc;
  if (dc.isMem[slot] === 0) return readReg(cpu, dc.rm[slot]!, size);
  return cpu.mem.read(effectiveAddress(cpu, slot), size);
}

/** Write the E operand (a pure store: nothing else of the instruction is left to commit after it). */
function writeE(cpu: Cpu, slot: number, v: number, size: number): void {
  const dc = cpu.dc;
  if (dc.isMem[slot] === 0) writeReg(cpu, dc.rm[slot]!, v, size);
  else cpu.mem.write(effectiveAddress(cpu, slot), v, size);
}

export function push(cpu: Cpu, v: number, size: number): boolean {
  const esp = (cpu.s[REG_ESP]! - size) | 0;
  cpu.mem.write(esp, v, size);
  if (cpu.fault.pending) return false;
  cpu.s[REG_ESP] = esp;
  return true;
}

function gp0(cpu: Cpu): void {
  cpu.fault.raise(EXC_GP, 0);
}

function ud(cpu: Cpu): void {
  cpu.fault.raise(EXC_UD, 0);
}

function iopl(cpu: Cpu): number {
  return (cpu.s[S_EFLAGS]! & FLAG_IOPL) >>> IOPL_SHIFT;
}

function setCarry(s: Int32Array, cf: number): void {
  materializeFlags(s);
  s[S_EFLAGS] = (s[S_EFLAGS]! & ~FLAG_CF) | cf;
}

/**
 * Execute one decoded instruction with the generic handlers. The specialized 32-bit forms (Op.ALU32_RR
 * and friends) and JCC are executed inline by Cpu.runSlots and never reach this function.
 */
export function execute(cpu: Cpu, slot: number): void {
  const dc = cpu.dc;
  const s = cpu.s;
  const mem = cpu.mem;
  const f = cpu.fault;
  const size = dc.size[slot]!;
  const sz = SIZE_INDEX[size]!;
  switch (dc.op[slot]) {
    case Op.UD:
      if (dc.sub[slot] === TOO_LONG_SUB) gp0(cpu);
      else ud(cpu);
      return;

    // ---------------------------------------------------------------- ALU
    case Op.ALU_EG:
    case Op.ALU_EI: {
      const kind = dc.sub[slot]!;
      const b = dc.op[slot] === Op.ALU_EG ? readReg(cpu, dc.reg[slot]!, size) : dc.imm[slot]!;
      if (dc.isMem[slot] === 0) {
        // Accumulator forms (AL,Ib / eAX,Iz) decode with rm = EAX and no memory operand.
        const r = dc.rm[slot]!;
        const res = alu(s, kind, readReg(cpu, r, size), b, sz);
        if (kind !== ALU_CMP) writeReg(cpu, r, res, size);
        return;
      }
      const la = effectiveAddress(cpu, slot);
      const a = mem.read(la, size);
      if (f.pending) return;
      if (kind === ALU_CMP) {
        alu(s, kind, a, b, sz);
        return;
      }
      if (!mem.probeWrite(la, size)) return;
      mem.write(la, alu(s, kind, a, b, sz), size);
      return;
    }
    case Op.ALU_GE: {
      const a = readReg(cpu, dc.reg[slot]!, size);
      const b = readE(cpu, slot, size);
      if (f.pending) return;
      const kind = dc.sub[slot]!;
      const res = alu(s, kind, a, b, sz);
      if (kind !== ALU_CMP) writeReg(cpu, dc.reg[slot]!, res, size);
      return;
    }
    case Op.TEST_EG:
    case Op.TEST_EI: {
      const b = dc.op[slot] === Op.TEST_EG ? readReg(cpu, dc.reg[slot]!, size) : dc.imm[slot]!;
      const a = readE(cpu, slot, size);
      if (f.pending) return;
      logicFlags(s, a & b, sz);
      return;
    }
    case Op.INC_Z:
    case Op.DEC_Z: {
      const r = dc.reg[slot]!;
      writeReg(cpu, r, incDec(s, readReg(cpu, r, size), dc.op[slot] === Op.DEC_Z, sz), size);
      return;
    }
    case Op.INC_E:
    case Op.DEC_E:
    case Op.NOT_E:
    case Op.NEG_E: {
      const op = dc.op[slot];
      if (dc.isMem[slot] === 0) {
        const r = dc.rm[slot]!;
        writeReg(cpu, r, unary(s, op, readReg(cpu, r, size), sz), size);
        return;
      }
      const la = effectiveAddress(cpu, slot);
      const a = mem.read(la, size);
      if (f.pending || !mem.probeWrite(la, size)) return;
      mem.write(la, unary(s, op, a, sz), size);
      return;
    }
    case Op.MUL_E:
    case Op.IMUL1_E: {
      const v = readE(cpu, slot, size);
      if (f.pending) return;
      const signed = dc.op[slot] === Op.IMUL1_E;
      if (size === 1) {
        const a = s[REG_EAX]! & 0xff;
        const p = signed ? ((a << 24) >> 24) * ((v << 24) >> 24) : a * v;
        cpu.s16[REG_EAX << 1] = p;
        mulFlags(s, p, signed ? p !== (p << 24) >> 24 : (p & 0xff00) !== 0, sz);
      } else if (size === 2) {
        const a = cpu.s16[REG_EAX << 1]!;
        const p = signed ? ((a << 16) >> 16) * ((v << 16) >> 16) : a * v;
        cpu.s16[REG_EAX << 1] = p;
        cpu.s16[REG_EDX << 1] = p >> 16;
        mulFlags(s, p, signed ? p !== (p << 16) >> 16 : (p >>> 16 & 0xffff) !== 0, sz);
      } else {
        if (signed) mulS32(cpu, s[REG_EAX]!, v);
        else mulU32(cpu, s[REG_EAX]!, v);
        s[REG_EAX] = cpu.wideLo;
        s[REG_EDX] = cpu.wideHi;
        mulFlags(s, cpu.wideLo, signed ? cpu.wideHi !== cpu.wideLo >> 31 : cpu.wideHi !== 0, sz);
      }
      return;
    }
    case Op.IMUL_GE:
    case Op.IMUL_GEI: {
      const a = readE(cpu, slot, size);
      if (f.pending) return;
      const b = dc.op[slot] === Op.IMUL_GE ? readReg(cpu, dc.reg[slot]!, size) : dc.imm[slot]!;
      let low: number;
      let overflow: boolean;
      if (size === 2) {
        const p = ((a << 16) >> 16) * ((b << 16) >> 16);
        low = p;
        overflow = p !== (p << 16) >> 16;
      } else {
        mulS32(cpu, a, b);
        low = cpu.wideLo;
        overflow = cpu.wideHi !== low >> 31;
      }
      writeReg(cpu, dc.reg[slot]!, low, size);
      mulFlags(s, low, overflow, sz);
      return;
    }
    case Op.DIV_E:
    case Op.IDIV_E: {
      const d = readE(cpu, slot, size);
      if (f.pending) return;
      divide(cpu, d, size, dc.op[slot] === Op.IDIV_E);
      return;
    }
    case Op.SHIFT_E1:
    case Op.SHIFT_EI:
    case Op.SHIFT_ECL: {
      const op = dc.op[slot];
      const count = op === Op.SHIFT_E1 ? 1 : op === Op.SHIFT_EI ? dc.imm[slot]! : s[REG_ECX]! & 0xff;
      const kind = dc.sub[slot]!;
      if (dc.isMem[slot] === 0) {
        const r = dc.rm[slot]!;
        writeReg(cpu, r, shift(s, kind, readReg(cpu, r, size), count, sz), size);
        return;
      }
      const la = effectiveAddress(cpu, slot);
      const a = mem.read(la, size);
      if (f.pending || !mem.probeWrite(la, size)) return;
      mem.write(la, shift(s, kind, a, count, sz), size);
      return;
    }
    case Op.SHLD_I:
    case Op.SHLD_CL:
    case Op.SHRD_I:
    case Op.SHRD_CL: {
      const op = dc.op[slot];
      const count = op === Op.SHLD_I || op === Op.SHRD_I ? dc.imm[slot]! : s[REG_ECX]! & 0xff;
      const left = op === Op.SHLD_I || op === Op.SHLD_CL;
      const src = readReg(cpu, dc.reg[slot]!, size);
      if (dc.isMem[slot] === 0) {
        const r = dc.rm[slot]!;
        writeReg(cpu, r, doubleShift(s, left, readReg(cpu, r, size), src, count, sz), size);
        return;
      }
      const la = effectiveAddress(cpu, slot);
      const a = mem.read(la, size);
      if (f.pending || !mem.probeWrite(la, size)) return;
      mem.write(la, doubleShift(s, left, a, src, count, sz), size);
      return;
    }

    // ---------------------------------------------------------------- data movement
    case Op.MOV_EG:
      writeE(cpu, slot, readReg(cpu, dc.reg[slot]!, size), size);
      return;
    case Op.MOV_GE: {
      const v = readE(cpu, slot, size);
      if (!f.pending) writeReg(cpu, dc.reg[slot]!, v, size);
      return;
    }
    case Op.MOV_EI:
      writeE(cpu, slot, dc.imm[slot]!, size);
      return;
    case Op.MOV_ZI:
      writeReg(cpu, dc.reg[slot]!, dc.imm[slot]!, size);
      return;
    case Op.MOV_AO: {
      const v = mem.read(dc.disp[slot]!, size);
      if (!f.pending) writeReg(cpu, REG_EAX, v, size);
      return;
    }
    case Op.MOV_OA:
      mem.write(dc.disp[slot]!, readReg(cpu, REG_EAX, size), size);
      return;
    case Op.MOV_ES: {
      const sreg = dc.reg[slot]!;
      if (sreg > 5) return ud(cpu);
      const sel = s[S_SEL + sreg]!;
      // A memory destination is always a 16-bit store; a register gets the zero-extended selector.
      if (dc.isMem[slot] === 1) mem.write16(effectiveAddress(cpu, slot), sel);
      else writeReg(cpu, dc.rm[slot]!, sel, size);
      return;
    }
    case Op.MOV_SE: {
      const sreg = dc.reg[slot]!;
      if (sreg === SEG_CS || sreg > 5) return ud(cpu);
      const sel = readE(cpu, slot, 2);
      if (f.pending || !loadDataSegment(cpu, sreg, sel)) return;
      if (sreg === SEG_SS) cpu.startInterruptShadow();
      return;
    }
    case Op.MOVZX_B:
    case Op.MOVZX_W:
    case Op.MOVSX_B:
    case Op.MOVSX_W: {
      const op = dc.op[slot];
      const byte = op === Op.MOVZX_B || op === Op.MOVSX_B;
      let v = readE(cpu, slot, byte ? 1 : 2);
      if (f.pending) return;
      if (op === Op.MOVSX_B) v = (v << 24) >> 24;
      else if (op === Op.MOVSX_W) v = (v << 16) >> 16;
      writeReg(cpu, dc.reg[slot]!, v, size);
      return;
    }
    case Op.LEA:
      writeReg(cpu, dc.reg[slot]!, effectiveAddress(cpu, slot), size);
      return;
    case Op.XCHG_EG: {
      const r = dc.reg[slot]!;
      const a = readReg(cpu, r, size);
      if (dc.isMem[slot] === 0) {
        writeReg(cpu, r, readReg(cpu, dc.rm[slot]!, size), size);
        writeReg(cpu, dc.rm[slot]!, a, size);
        return;
      }
      const la = effectiveAddress(cpu, slot);
      const b = mem.read(la, size);
      if (f.pending || !mem.probeWrite(la, size)) return;
      mem.write(la, a, size);
      writeReg(cpu, r, b, size);
      return;
    }
    case Op.XCHG_ZA: {
      const r = dc.reg[slot]!;
      const a = readReg(cpu, REG_EAX, size);
      writeReg(cpu, REG_EAX, readReg(cpu, r, size), size);
      writeReg(cpu, r, a, size);
      return;
    }
    case Op.NOP:
      return;
    case Op.CMPXCHG: {
      const acc = readReg(cpu, REG_EAX, size);
      const src = readReg(cpu, dc.reg[slot]!, size);
      if (dc.isMem[slot] === 0) {
        const r = dc.rm[slot]!;
        const dest = readReg(cpu, r, size);
        alu(s, ALU_CMP, acc, dest, sz);
        if (acc === dest) writeReg(cpu, r, src, size);
        else writeReg(cpu, REG_EAX, dest, size);
        return;
      }
      const la = effectiveAddress(cpu, slot);
      const dest = mem.read(la, size);
      if (f.pending || !mem.probeWrite(la, size)) return;
      alu(s, ALU_CMP, acc, dest, sz);
      // SDM CMPXCHG: the destination is written in both cases (its old value when the compare fails).
      mem.write(la, acc === dest ? src : dest, size);
      if (acc !== dest) writeReg(cpu, REG_EAX, dest, size);
      return;
    }
    case Op.BT_EG:
    case Op.BT_EI:
      bitTest(cpu, slot, size);
      return;
    case Op.BSF:
    case Op.BSR: {
      let v = readE(cpu, slot, size);
      if (f.pending) return;
      if (size === 2) v &= 0xffff;
      materializeFlags(s);
      if (v === 0) {
        s[S_EFLAGS] = s[S_EFLAGS]! | FLAG_ZF;
        return;
      }
      s[S_EFLAGS] = s[S_EFLAGS]! & ~FLAG_ZF;
      writeReg(cpu, dc.reg[slot]!, dc.op[slot] === Op.BSF ? 31 - Math.clz32(v & -v) : 31 - Math.clz32(v), size);
      return;
    }
    case Op.CBW:
      if (size === 2) cpu.s16[REG_EAX << 1] = (s[REG_EAX]! << 24) >> 24;
      else s[REG_EAX] = (s[REG_EAX]! << 16) >> 16;
      return;
    case Op.CWD:
      if (size === 2) cpu.s16[REG_EDX << 1] = (s[REG_EAX]! << 16) >> 31;
      else s[REG_EDX] = s[REG_EAX]! >> 31;
      return;

    // ---------------------------------------------------------------- stack
    case Op.PUSH_Z:
      push(cpu, readReg(cpu, dc.reg[slot]!, size), size);
      return;
    case Op.POP_Z: {
      const esp = s[REG_ESP]!;
      const v = mem.read(esp, size);
      if (f.pending) return;
      s[REG_ESP] = (esp + size) | 0;
      writeReg(cpu, dc.reg[slot]!, v, size);
      return;
    }
    case Op.PUSH_I:
      push(cpu, dc.imm[slot]!, size);
      return;
    case Op.PUSH_E: {
      const v = readE(cpu, slot, size);
      if (!f.pending) push(cpu, v, size);
      return;
    }
    case Op.POP_E: {
      const esp = s[REG_ESP]!;
      const v = mem.read(esp, size);
      if (f.pending) return;
      // SDM POP: an ESP-based destination address is computed after ESP is incremented.
      s[REG_ESP] = (esp + size) | 0;
      writeE(cpu, slot, v, size);
      if (f.pending) s[REG_ESP] = esp;
      return;
    }
    case Op.PUSH_SEG:
      // The SDM allows a 16-bit store or a zero-extended push; QEMU and the recording CPU (test/vectors) zero-extend.
      push(cpu, s[S_SEL + dc.sub[slot]!]!, size);
      return;
    case Op.POP_SEG: {
      const esp = s[REG_ESP]!;
      const sel = mem.read(esp, size);
      if (f.pending) return;
      const sreg = dc.sub[slot]!;
      if (!loadDataSegment(cpu, sreg, sel & 0xffff)) return;
      s[REG_ESP] = (esp + size) | 0;
      if (sreg === SEG_SS) cpu.startInterruptShadow();
      return;
    }
    case Op.PUSHA: {
      const esp = s[REG_ESP]!;
      const base = (esp - 8 * size) | 0;
      if (!mem.probeWrite(base, 8 * size)) return;
      for (let r = 0; r < 8; r++) mem.write((base + (7 - r) * size) | 0, r === REG_ESP ? (size === 4 ? esp : esp & 0xffff) : readReg(cpu, r, size), size);
      s[REG_ESP] = base;
      return;
    }
    case Op.POPA: {
      const esp = s[REG_ESP]!;
      if (!mem.probeRead(esp, 8 * size)) return;
      for (let r = 0; r < 8; r++) {
        const v = mem.read((esp + (7 - r) * size) | 0, size);
        if (r !== REG_ESP) writeReg(cpu, r, v, size);
      }
      s[REG_ESP] = (esp + 8 * size) | 0;
      return;
    }
    case Op.PUSHF:
      materializeFlags(s);
      push(cpu, s[S_EFLAGS]! & ~(FLAG_VM | FLAG_RF), size);
      return;
    case Op.POPF: {
      const esp = s[REG_ESP]!;
      const v = mem.read(esp, size);
      if (f.pending) return;
      s[REG_ESP] = (esp + size) | 0;
      materializeFlags(s);
      writeEflags(cpu, v, eflagsWriteMask(s[S_CPL]!, iopl(cpu), size));
      return;
    }
    case Op.ENTER:
      enter(cpu, dc.imm[slot]!, dc.imm2[slot]! & 31);
      return;
    case Op.LEAVE: {
      // SDM LEAVE with a 32-bit stack: ESP <- EBP, then pop (E)BP at the operand size.
      const ebp = s[REG_EBP]!;
      const v = mem.read(ebp, size);
      if (f.pending) return;
      s[REG_ESP] = (ebp + size) | 0;
      writeReg(cpu, REG_EBP, v, size);
      return;
    }

    // ---------------------------------------------------------------- control transfer
    case Op.CALL_J: {
      const next = s[S_EIP]!;
      if (push(cpu, next, 4)) s[S_EIP] = (next + dc.imm[slot]!) | 0;
      return;
    }
    case Op.CALL_E: {
      const target = readE(cpu, slot, 4);
      if (!f.pending && push(cpu, s[S_EIP]!, 4)) s[S_EIP] = target;
      return;
    }
    case Op.RET:
    case Op.RET_I: {
      const esp = s[REG_ESP]!;
      const v = mem.read(esp, 4);
      if (f.pending) return;
      s[REG_ESP] = (esp + 4 + (dc.op[slot] === Op.RET_I ? dc.imm[slot]! : 0)) | 0;
      s[S_EIP] = v;
      return;
    }
    case Op.JMP_J:
      s[S_EIP] = (s[S_EIP]! + dc.imm[slot]!) | 0;
      return;
    case Op.JMP_E: {
      const v = readE(cpu, slot, 4);
      if (!f.pending) s[S_EIP] = v;
      return;
    }
    case Op.JMP_FAR:
    case Op.JMP_FAR_E: {
      let sel: number;
      let off: number;
      if (dc.op[slot] === Op.JMP_FAR) {
        sel = dc.imm2[slot]!;
        off = dc.imm[slot]!;
      } else {
        const la = effectiveAddress(cpu, slot);
        off = mem.read32(la);
        sel = mem.read16((la + 4) | 0);
        if (f.pending) return;
      }
      if (!checkFarJumpTarget(cpu, sel)) return;
      commitCodeSegment(cpu, sel, s[S_CPL]!);
      s[S_EIP] = off;
      return;
    }
    case Op.SETCC:
      writeE(cpu, slot, testCondition(s, dc.sub[slot]!) ? 1 : 0, 1);
      return;
    case Op.LOOP: {
      const ecx = (s[REG_ECX]! - 1) | 0;
      s[REG_ECX] = ecx;
      const kind = dc.sub[slot]!;
      let take = ecx !== 0;
      if (take && kind !== 2) {
        const zf = (arithFlags(s) & FLAG_ZF) !== 0;
        take = kind === LOOP_E ? zf : kind === LOOP_NE ? !zf : true;
      }
      if (take) s[S_EIP] = (s[S_EIP]! + dc.imm[slot]!) | 0;
      return;
    }
    case Op.JECXZ:
      if (s[REG_ECX] === 0) s[S_EIP] = (s[S_EIP]! + dc.imm[slot]!) | 0;
      return;

    case Op.MOVS:
    case Op.STOS:
    case Op.CMPS:
    case Op.SCAS:
    case Op.LODS:
      stringOp(cpu, slot, size);
      return;

    // ---------------------------------------------------------------- flags
    case Op.CLC:
      setCarry(s, 0);
      return;
    case Op.STC:
      setCarry(s, FLAG_CF);
      return;
    case Op.CMC:
      materializeFlags(s);
      s[S_EFLAGS] = s[S_EFLAGS]! ^ FLAG_CF;
      return;
    case Op.CLD:
      s[S_EFLAGS] = s[S_EFLAGS]! & ~FLAG_DF;
      return;
    case Op.STD:
      s[S_EFLAGS] = s[S_EFLAGS]! | FLAG_DF;
      return;
    case Op.CLI:
      if (s[S_CPL]! > iopl(cpu)) return gp0(cpu);
      s[S_EFLAGS] = s[S_EFLAGS]! & ~FLAG_IF;
      cpu.recomputeAttention();
      return;
    case Op.STI:
      if (s[S_CPL]! > iopl(cpu)) return gp0(cpu);
      if ((s[S_EFLAGS]! & FLAG_IF) === 0) {
        s[S_EFLAGS] = s[S_EFLAGS]! | FLAG_IF;
        cpu.startInterruptShadow();
      }
      cpu.recomputeAttention();
      return;
    case Op.SAHF: {
      materializeFlags(s);
      const ah = cpu.s8[1]!;
      s[S_EFLAGS] = (s[S_EFLAGS]! & ~0xd5) | (ah & 0xd5);
      return;
    }
    case Op.LAHF:
      materializeFlags(s);
      cpu.s8[1] = (s[S_EFLAGS]! & 0xd5) | 2;
      return;

    // ---------------------------------------------------------------- interrupts and system
    case Op.INT:
      cpu.softwareInterrupt(dc.imm[slot]!);
      return;
    case Op.INT3:
      cpu.softwareInterrupt(EXC_BP);
      return;
    case Op.INTO:
      if ((arithFlags(s) & FLAG_OF) !== 0) cpu.softwareInterrupt(EXC_OF);
      return;
    case Op.IRET:
      materializeFlags(s);
      iret(cpu);
      return;
    case Op.HLT:
      if (s[S_CPL] !== 0) return gp0(cpu);
      s[S_HALTED] = 1;
      cpu.recomputeAttention();
      return;
    case Op.IN_I:
    case Op.IN_DX: {
      const port = dc.op[slot] === Op.IN_I ? dc.imm[slot]! : cpu.s16[REG_EDX << 1]!;
      if (!ioAllowed(cpu, port, size)) return;
      writeReg(cpu, REG_EAX, cpu.io.portIn(port, size as 1 | 2 | 4), size);
      return;
    }
    case Op.OUT_I:
    case Op.OUT_DX: {
      const port = dc.op[slot] === Op.OUT_I ? dc.imm[slot]! : cpu.s16[REG_EDX << 1]!;
      if (!ioAllowed(cpu, port, size)) return;
      cpu.io.portOut(port, readReg(cpu, REG_EAX, size), size as 1 | 2 | 4);
      cpu.requestYield();
      return;
    }
    case Op.LGDT:
    case Op.LIDT: {
      if (s[S_CPL] !== 0) return gp0(cpu);
      const la = effectiveAddress(cpu, slot);
      const limit = mem.read16(la);
      const base = mem.read32((la + 2) | 0);
      if (f.pending) return;
      const gdt = dc.op[slot] === Op.LGDT;
      s[gdt ? S_GDTR_LIMIT : S_IDTR_LIMIT] = limit;
      s[gdt ? S_GDTR_BASE : S_IDTR_BASE] = base;
      return;
    }
    case Op.SGDT:
    case Op.SIDT: {
      const la = effectiveAddress(cpu, slot);
      if (!mem.probeWrite(la, 6)) return;
      const gdt = dc.op[slot] === Op.SGDT;
      mem.write16(la, s[gdt ? S_GDTR_LIMIT : S_IDTR_LIMIT]!);
      mem.write32((la + 2) | 0, s[gdt ? S_GDTR_BASE : S_IDTR_BASE]!);
      return;
    }
    case Op.INVLPG:
      if (s[S_CPL] !== 0) return gp0(cpu);
      mem.invalidatePage(effectiveAddress(cpu, slot));
      cpu.invalidateFetch();
      return;
    case Op.LTR: {
      if (s[S_CPL] !== 0) return gp0(cpu);
      const sel = readE(cpu, slot, 2);
      if (!f.pending) loadTaskRegister(cpu, sel);
      return;
    }
    case Op.STR:
      writeE(cpu, slot, s[S_TR_SEL]!, dc.isMem[slot] === 1 ? 2 : size);
      return;
    case Op.MOV_RC: {
      if (s[S_CPL] !== 0) return gp0(cpu);
      const v = readControl(cpu, dc.reg[slot]!);
      if (!f.pending) s[dc.rm[slot]!] = v;
      return;
    }
    case Op.MOV_CR:
      if (s[S_CPL] !== 0) return gp0(cpu);
      writeControl(cpu, dc.reg[slot]!, s[dc.rm[slot]!]!);
      return;
    case Op.RDTSC: {
      if ((s[S_CR4]! & CR4_TSD) !== 0 && s[S_CPL] !== 0) return gp0(cpu);
      const c = cpu.ctr[C_CYCLES]!;
      s[REG_EAX] = c % TWO32 | 0;
      s[REG_EDX] = Math.floor(c / TWO32) | 0;
      return;
    }
    case Op.CPUID:
      cpuid(cpu);
      return;
    case Op.UD2:
      return ud(cpu);
    case Op.HOST_CALL:
      cpu.hostCall(cpu);
      return;
    case Op.JCC:
      if (testCondition(s, dc.sub[slot]!)) s[S_EIP] = (s[S_EIP]! + dc.imm[slot]!) | 0;
      return;
    default:
      throw new Error(`interpreter: no handler for op ${dc.op[slot]}`);
  }
}

function unary(s: Int32Array, op: number, v: number, sz: number): number {
  switch (op) {
    case Op.INC_E:
      return incDec(s, v, false, sz);
    case Op.DEC_E:
      return incDec(s, v, true, sz);
    case Op.NOT_E:
      return ~v;
    default:
      // NEG is 0 - v with SUB flags (CF set unless the operand was 0: SDM NEG).
      return alu(s, 5, 0, v, sz);
  }
}

function divide(cpu: Cpu, d: number, size: number, signed: boolean): void {
  const s = cpu.s;
  if (size === 1) {
    const ax = cpu.s16[REG_EAX << 1]!;
    const dv = signed ? (d << 24) >> 24 : d & 0xff;
    if (dv === 0) return void cpu.fault.raise(EXC_DE, 0);
    const n = signed ? (ax << 16) >> 16 : ax;
    const q = Math.trunc(n / dv);
    if (signed ? q < -128 || q > 127 : q > 0xff) return void cpu.fault.raise(EXC_DE, 0);
    cpu.s8[0] = q;
    cpu.s8[1] = n - q * dv;
    return;
  }
  if (size === 2) {
    const hi = cpu.s16[REG_EDX << 1]!;
    const lo = cpu.s16[REG_EAX << 1]!;
    const dv = signed ? (d << 16) >> 16 : d & 0xffff;
    if (dv === 0) return void cpu.fault.raise(EXC_DE, 0);
    const n = signed ? ((hi << 16) | lo) | 0 : ((hi << 16) | lo) >>> 0;
    const q = Math.trunc(n / dv);
    if (signed ? q < -32768 || q > 32767 : q > 0xffff) return void cpu.fault.raise(EXC_DE, 0);
    cpu.s16[REG_EAX << 1] = q;
    cpu.s16[REG_EDX << 1] = n - q * dv;
    return;
  }
  const ok = signed ? divS64(cpu, s[REG_EDX]!, s[REG_EAX]!, d) : divU64(cpu, s[REG_EDX]!, s[REG_EAX]!, d);
  if (!ok) return void cpu.fault.raise(EXC_DE, 0);
  s[REG_EAX] = cpu.wideLo;
  s[REG_EDX] = cpu.wideHi;
}

/** ENTER (SDM): push EBP, copy `level - 1` frame pointers, push the new frame pointer, allocate. */
function enter(cpu: Cpu, alloc: number, level: number): void {
  const s = cpu.s;
  const mem = cpu.mem;
  let esp = (s[REG_ESP]! - 4) | 0;
  let ebp = s[REG_EBP]!;
  mem.write32(esp, ebp);
  if (cpu.fault.pending) return;
  const frameTemp = esp;
  if (level > 0) {
    for (let i = 1; i < level; i++) {
      ebp = (ebp - 4) | 0;
      const v = mem.read32(ebp);
      if (cpu.fault.pending) return;
      esp = (esp - 4) | 0;
      mem.write32(esp, v);
      if (cpu.fault.pending) return;
    }
    esp = (esp - 4) | 0;
    mem.write32(esp, frameTemp);
    if (cpu.fault.pending) return;
  }
  s[REG_EBP] = frameTemp;
  s[REG_ESP] = (esp - alloc) | 0;
}

