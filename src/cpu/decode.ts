// x86 instruction decoder into a structure-of-arrays decode cache; driven entirely by the opcode table.
import { ImmKind, Op, OPCODES, A_WRITES_MEM, ALU_ADD, ALU_AND, ALU_CMP, ALU_OR, ALU_SUB, ALU_XOR, isGroupOpcode, lookupOpcode, opcodeNeedsModrm, type OpcodeEntry } from "./opcodes.js";
import { REG_EBP, REG_ESP, REG_NONE, SEG_DS, SEG_SS } from "./state.js";

export const PREFIX_REP = 1; // F3: REP / REPE
export const PREFIX_REPNE = 2; // F2
export const PREFIX_LOCK = 4;
export const PREFIX_OPSIZE = 8;
export const PREFIX_SEG = 16; // an explicit segment override was present

/** The architectural limit on instruction length (SDM Vol. 2 2.3.11): longer raises #GP(0). */
export const MAX_INSN_LENGTH = 15;

/** decodeInto() results other than a complete instruction. */
export const DECODE_NEED_MORE = -1;

// The hot loop reads one packed header word per slot instead of five arrays (fewer live registers):
// op in bits 0-7, length 8-11, reg 12-14, rm 15-17, sub 18-21.
export const H_LEN_SHIFT = 8;
export const H_REG_SHIFT = 12;
export const H_RM_SHIFT = 15;
export const H_SUB_SHIFT = 18;

/** Decoded instructions, one slot per instruction, fields in parallel typed arrays. */
export class DecodeCache {
  readonly op: Uint8Array;
  /** Packed op/len/reg/rm/sub (see H_*_SHIFT), for Cpu.runBlocks. */
  readonly hdr: Int32Array;
  readonly len: Uint8Array;
  /** Operation size in bytes: 1, 2 or 4. */
  readonly size: Uint8Array;
  readonly sub: Uint8Array;
  /** ModRM.reg field, or the register from the opcode's low bits (Z forms). */
  readonly reg: Uint8Array;
  /** ModRM.rm register when the operand is a register (mod = 3). */
  readonly rm: Uint8Array;
  /** 1 when the ModRM operand is memory. */
  readonly isMem: Uint8Array;
  readonly base: Uint8Array;
  readonly index: Uint8Array;
  readonly scale: Uint8Array;
  readonly disp: Int32Array;
  readonly seg: Uint8Array;
  readonly imm: Int32Array;
  readonly imm2: Int32Array;
  readonly prefix: Uint8Array;
  /** Opcode-table entry id (for the translator, disassembly views and coverage). */
  readonly entry: Uint16Array;
  /** Cycles charged when the instruction completes (filled by the CPU from its cost model). */
  readonly cost: Float64Array;
  /** Guest instructions this instruction retires on completion (1 natively; the DBT marks code-cache instructions). */
  readonly weight: Uint8Array;
  used = 0;

  constructor(readonly capacity: number) {
    this.op = new Uint8Array(capacity);
    this.hdr = new Int32Array(capacity);
    this.len = new Uint8Array(capacity);
    this.size = new Uint8Array(capacity);
    this.sub = new Uint8Array(capacity);
    this.reg = new Uint8Array(capacity);
    this.rm = new Uint8Array(capacity);
    this.isMem = new Uint8Array(capacity);
    this.base = new Uint8Array(capacity);
    this.index = new Uint8Array(capacity);
    this.scale = new Uint8Array(capacity);
    this.disp = new Int32Array(capacity);
    this.seg = new Uint8Array(capacity);
    this.imm = new Int32Array(capacity);
    this.imm2 = new Int32Array(capacity);
    this.prefix = new Uint8Array(capacity);
    this.entry = new Uint16Array(capacity);
    this.cost = new Float64Array(capacity);
    this.weight = new Uint8Array(capacity);
  }

  /** Take a fresh slot, or -1 when full (the caller flushes and resets). */
  allocate(): number {
    return this.used < this.capacity ? this.used++ : -1;
  }

  reset(): void {
    this.used = 0;
  }
}

/** Ops that accept a LOCK prefix with a memory destination (SDM Vol. 2 LOCK). */
const LOCKABLE = new Set<Op>([Op.ALU_EG, Op.ALU_EI, Op.INC_E, Op.DEC_E, Op.NOT_E, Op.NEG_E, Op.XCHG_EG, Op.CMPXCHG, Op.BT_EG, Op.BT_EI]);

const UD_ENTRY_ID = 0xffff;

/**
 * Decode the instruction whose bytes start at bytes[0] (`avail` of them are valid) into `slot`;
 * with `specialize`, common 32-bit forms get the fast handlers only the block loop executes.
 * Returns the length, DECODE_NEED_MORE if the bytes ran out before the instruction ended, or the
 * length with op = UD for an opcode or prefix combination this CPU lacks (#UD when executed).
 */
export function decodeInto(c: DecodeCache, slot: number, bytes: Uint8Array, avail: number, specialize = true): number {
  let p = 0;
  let prefix = 0;
  let seg = -1;
  let opcode = 0;
  // Prefixes (SDM Vol. 2 2.1.1). 0x67 (16-bit addressing) is not modelled: #UD, never mis-decoding.
  for (;;) {
    if (p >= avail) return avail >= MAX_INSN_LENGTH ? tooLong(c, slot) : DECODE_NEED_MORE;
    const b = bytes[p]!;
    if (b === 0x66) prefix |= PREFIX_OPSIZE;
    else if (b === 0xf3) prefix = (prefix & ~PREFIX_REPNE) | PREFIX_REP;
    else if (b === 0xf2) prefix = (prefix & ~PREFIX_REP) | PREFIX_REPNE;
    else if (b === 0xf0) prefix |= PREFIX_LOCK;
    else if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e) seg = (b >> 3) & 3;
    else if (b === 0x64) seg = 4;
    else if (b === 0x65) seg = 5;
    else if (b === 0x67) return undefinedOpcode(c, slot, p + 1);
    else break;
    p++;
    if (p >= MAX_INSN_LENGTH) return tooLong(c, slot);
  }
  opcode = bytes[p++]!;
  if (opcode === 0x0f) {
    if (p >= avail) return DECODE_NEED_MORE;
    opcode = 0x0f00 | bytes[p++]!;
  }

  let modrm = -1;
  if (opcodeNeedsModrm(opcode)) {
    if (p >= avail) return DECODE_NEED_MORE;
    modrm = bytes[p++]!;
  }
  const entry: OpcodeEntry | undefined = lookupOpcode(opcode, modrm >= 0 ? (modrm >> 3) & 7 : 0);
  if (!entry) return undefinedOpcode(c, slot, p);
  if (modrm < 0 && entry.hasModrm) throw new Error(`decoder: ${entry.mnemonic} needs ModRM but the table says otherwise`);
  if ((prefix & PREFIX_OPSIZE) !== 0 && !entry.allows16) return undefinedOpcode(c, slot, p);

  const size = entry.fixedSize !== 0 ? entry.fixedSize : (prefix & PREFIX_OPSIZE) !== 0 ? 2 : 4;
  let reg = entry.zreg ? opcode & 7 : 0;
  let rm = 0;
  let isMem = 0;
  let base = REG_NONE;
  let index = REG_NONE;
  let scale = 0;
  let disp = 0;
  let defaultSeg = SEG_DS;

  if (modrm >= 0) {
    const mod = modrm >> 6;
    reg = (modrm >> 3) & 7;
    const rmBits = modrm & 7;
    if (mod === 3 || entry.regOnly) {
      // MOV to/from CRn ignores the mod bits and always names a register (SDM MOV-Control Registers).
      rm = rmBits;
      if (entry.memOnly) return undefinedOpcode(c, slot, p);
    } else {
      isMem = 1;
      if (rmBits === 4) {
        if (p >= avail) return DECODE_NEED_MORE;
        const sib = bytes[p++]!;
        scale = sib >> 6;
        const idx = (sib >> 3) & 7;
        index = idx === 4 ? REG_NONE : idx;
        const b = sib & 7;
        if (b === 5 && mod === 0) {
          base = REG_NONE;
          if (p + 4 > avail) return DECODE_NEED_MORE;
          disp = readInt32(bytes, p);
          p += 4;
        } else {
          base = b;
        }
      } else if (rmBits === 5 && mod === 0) {
        base = REG_NONE;
        if (p + 4 > avail) return DECODE_NEED_MORE;
        disp = readInt32(bytes, p);
        p += 4;
      } else {
        base = rmBits;
      }
      if (mod === 1) {
        if (p >= avail) return DECODE_NEED_MORE;
        disp = (bytes[p++]! << 24) >> 24;
      } else if (mod === 2) {
        if (p + 4 > avail) return DECODE_NEED_MORE;
        disp = readInt32(bytes, p);
        p += 4;
      }
      // SDM Vol. 1 3.7.5: EBP or ESP as base defaults to the stack segment.
      if (base === REG_ESP || base === REG_EBP) defaultSeg = SEG_SS;
    }
  }

  let imm = 0;
  let imm2 = 0;
  switch (entry.imm) {
    case ImmKind.None:
      break;
    case ImmKind.B:
      if (p >= avail) return DECODE_NEED_MORE;
      imm = bytes[p++]!;
      break;
    case ImmKind.Bs:
    case ImmKind.Jb:
      if (p >= avail) return DECODE_NEED_MORE;
      imm = (bytes[p++]! << 24) >> 24;
      break;
    case ImmKind.W:
      if (p + 2 > avail) return DECODE_NEED_MORE;
      imm = bytes[p]! | (bytes[p + 1]! << 8);
      p += 2;
      break;
    case ImmKind.Z:
      if (size === 2) {
        if (p + 2 > avail) return DECODE_NEED_MORE;
        imm = bytes[p]! | (bytes[p + 1]! << 8);
        p += 2;
        break;
      }
      if (p + 4 > avail) return DECODE_NEED_MORE;
      imm = readInt32(bytes, p);
      p += 4;
      break;
    case ImmKind.D:
    case ImmKind.Jz:
      if (p + 4 > avail) return DECODE_NEED_MORE;
      imm = readInt32(bytes, p);
      p += 4;
      break;
    case ImmKind.Ap:
      if (p + 6 > avail) return DECODE_NEED_MORE;
      imm = readInt32(bytes, p);
      imm2 = bytes[p + 4]! | (bytes[p + 5]! << 8);
      p += 6;
      break;
    case ImmKind.WB:
      if (p + 3 > avail) return DECODE_NEED_MORE;
      imm = bytes[p]! | (bytes[p + 1]! << 8);
      imm2 = bytes[p + 2]!;
      p += 3;
      break;
    case ImmKind.Moffs:
      if (p + 4 > avail) return DECODE_NEED_MORE;
      disp = readInt32(bytes, p);
      p += 4;
      isMem = 1;
      break;
  }
  if (p > MAX_INSN_LENGTH) return tooLong(c, slot);

  // LOCK is legal only on read-modify-write instructions with a memory destination (SDM Vol. 2 LOCK).
  if ((prefix & PREFIX_LOCK) !== 0 && !(isMem === 1 && (entry.attrs & A_WRITES_MEM) !== 0 && LOCKABLE.has(entry.op))) {
    return undefinedOpcode(c, slot, p);
  }

  c.op[slot] = specialize && size === 4 ? specialize32(entry.op, isMem, entry.sub) : entry.op;
  // GE forms keep the destination in reg; the specialized handlers want it in rm.
  if (specialize && size === 4 && isMem === 0 && (entry.op === Op.ALU_GE || entry.op === Op.MOV_GE)) {
    const t = reg;
    reg = rm;
    rm = t;
  }
  c.len[slot] = p;
  c.size[slot] = size;
  c.sub[slot] = entry.sub;
  c.reg[slot] = reg;
  c.rm[slot] = rm;
  c.isMem[slot] = isMem;
  c.base[slot] = base;
  c.index[slot] = index;
  c.scale[slot] = scale;
  c.disp[slot] = disp;
  c.seg[slot] = seg >= 0 ? seg : defaultSeg;
  c.imm[slot] = imm;
  c.imm2[slot] = imm2;
  c.prefix[slot] = prefix | (seg >= 0 ? PREFIX_SEG : 0);
  c.entry[slot] = entry.id;
  c.weight[slot] = 1;
  packHeader(c, slot);
  return p;
}

/** Refresh a slot's packed header from its fields. */
export function packHeader(c: DecodeCache, slot: number): void {
  c.hdr[slot] = c.op[slot]! | (c.len[slot]! << H_LEN_SHIFT) | ((c.reg[slot]! & 7) << H_REG_SHIFT) | ((c.rm[slot]! & 7) << H_RM_SHIFT) | ((c.sub[slot]! & 15) << H_SUB_SHIFT);
}

/** The specialized handler for a 32-bit form, or the generic one. */
function specialize32(op: Op, isMem: number, kind: number): Op {
  switch (op) {
    case Op.ALU_EG:
    case Op.ALU_GE:
      if (isMem === 1) return op === Op.ALU_GE ? Op.ALU32_RM : op;
      return kind === ALU_ADD ? Op.ADD32_RR : kind === ALU_SUB || kind === ALU_CMP ? Op.SUB32_RR : kind === ALU_AND || kind === ALU_OR || kind === ALU_XOR ? Op.LOGIC32_RR : Op.ALU32_RR;
    case Op.ALU_EI:
      return isMem === 0 ? Op.ALU32_RI : op;
    case Op.MOV_EG:
      return isMem === 0 ? Op.MOV32_RR : Op.MOV32_STORE;
    case Op.MOV_GE:
      return isMem === 0 ? Op.MOV32_RR : Op.MOV32_LOAD;
    case Op.INC_Z:
      return Op.INC32_R;
    case Op.DEC_Z:
      return Op.DEC32_R;
    case Op.PUSH_Z:
      return Op.PUSH32_R;
    case Op.POP_Z:
      return Op.POP32_R;
    case Op.TEST_EG:
      return isMem === 0 ? Op.TEST32_RR : op;
    default:
      return op;
  }
}

function readInt32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

function undefinedOpcode(c: DecodeCache, slot: number, len: number): number {
  c.op[slot] = Op.UD;
  c.sub[slot] = 0;
  c.len[slot] = len;
  c.size[slot] = 4;
  c.isMem[slot] = 0;
  c.entry[slot] = UD_ENTRY_ID;
  c.weight[slot] = 1;
  c.prefix[slot] = 0;
  packHeader(c, slot);
  return len;
}

/** More than 15 bytes of prefixes and opcode: #GP(0) when executed (SDM Vol. 2 2.3.11). */
export const TOO_LONG_SUB = 1;
function tooLong(c: DecodeCache, slot: number): number {
  undefinedOpcode(c, slot, MAX_INSN_LENGTH);
  c.sub[slot] = TOO_LONG_SUB;
  return MAX_INSN_LENGTH;
}

/** The opcode-table entry a decoded slot came from, or undefined for #UD slots. */
export function entryOf(c: DecodeCache, slot: number): OpcodeEntry | undefined {
  const id = c.entry[slot]!;
  return id === UD_ENTRY_ID ? undefined : OPCODES[id];
}

export { isGroupOpcode };
