// String instructions with REP/REPE/REPNE: one iteration per execution, restarting at the same EIP (SDM Vol. 2 REP).
import type { Cpu } from "./cpu.js";
import { Op, ALU_CMP } from "./opcodes.js";
import { PREFIX_REP, PREFIX_REPNE } from "./decode.js";
import { alu } from "./alu.js";
import { SIZE_INDEX, testCondition } from "./flags.js";
import { readReg, writeReg } from "./exec.js";
import { FLAG_DF, REG_EAX, REG_ECX, REG_EDI, REG_ESI, S_EFLAGS, S_EIP } from "./state.js";

/**
 * Each iteration retires as one instruction, as QEMU counts them under -icount; an interrupt can
 * arrive between iterations and the saved EIP then points at the string instruction, with ECX,
 * ESI and EDI reflecting the iterations done (SDM Vol. 2 REP: "interrupts ... between iterations").
 */
export function stringOp(cpu: Cpu, slot: number, size: number): void {
  const s = cpu.s;
  const dc = cpu.dc;
  const mem = cpu.mem;
  const f = cpu.fault;
  const prefix = dc.prefix[slot]!;
  const rep = (prefix & (PREFIX_REP | PREFIX_REPNE)) !== 0;
  if (rep && s[REG_ECX] === 0) return;
  const delta = (s[S_EFLAGS]! & FLAG_DF) !== 0 ? -size : size;
  const op = dc.op[slot];
  const esi = s[REG_ESI]!;
  const edi = s[REG_EDI]!;
  let compare = false;
  switch (op) {
    case Op.MOVS: {
      const v = mem.read(esi, size);
      if (f.pending) return;
      mem.write(edi, v, size);
      if (f.pending) return;
      s[REG_ESI] = (esi + delta) | 0;
      s[REG_EDI] = (edi + delta) | 0;
      break;
    }
    case Op.STOS:
      mem.write(edi, readReg(cpu, REG_EAX, size), size);
      if (f.pending) return;
      s[REG_EDI] = (edi + delta) | 0;
      break;
    case Op.LODS: {
      const v = mem.read(esi, size);
      if (f.pending) return;
      writeReg(cpu, REG_EAX, v, size);
      s[REG_ESI] = (esi + delta) | 0;
      break;
    }
    case Op.CMPS: {
      const a = mem.read(esi, size);
      if (f.pending) return;
      const b = mem.read(edi, size);
      if (f.pending) return;
      alu(s, ALU_CMP, a, b, SIZE_INDEX[size]!);
      s[REG_ESI] = (esi + delta) | 0;
      s[REG_EDI] = (edi + delta) | 0;
      compare = true;
      break;
    }
    default: {
      // SCAS
      const b = mem.read(edi, size);
      if (f.pending) return;
      alu(s, ALU_CMP, readReg(cpu, REG_EAX, size), b, SIZE_INDEX[size]!);
      s[REG_EDI] = (edi + delta) | 0;
      compare = true;
      break;
    }
  }
  if (!rep) return;
  const ecx = (s[REG_ECX]! - 1) | 0;
  s[REG_ECX] = ecx;
  if (ecx === 0) return;
  // REPE stops when ZF = 0, REPNE when ZF = 1 (only CMPS and SCAS test ZF).
  if (compare && ((prefix & PREFIX_REPNE) !== 0 ? testCondition(s, 4) : !testCondition(s, 4))) return;
  s[S_EIP] = cpu.insnEip;
}
