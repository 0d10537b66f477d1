// The opcode table: the single source of truth for decoder, interpreter, translator and test coverage.

/** Interpreter handler for a decoded instruction. Dense small integers so the dispatch switch is a jump table. */
export const enum Op {
  // The cases Cpu.runBlocks executes inline come first, so its switch is dense and compiles to a jump table.
  // Specialized handlers the decoder substitutes for the commonest 32-bit forms (same semantics, fewer
  // checks). They never appear in the table: the slot's entry id still names the real instruction.
  // Register and load forms first: they cannot write memory, so runBlocks skips the attention check.
  /** ALU kind `sub`: rm <- rm op reg (both registers). */
  ALU32_RR,
  /** ADD rm, reg / SUB or CMP rm, reg (sub = ALU kind) / AND OR XOR rm, reg: no second dispatch on the kind. */
  ADD32_RR,
  SUB32_RR,
  LOGIC32_RR,
  /** ALU kind `sub`: rm <- rm op imm. */
  ALU32_RI,
  /** ALU kind `sub`: reg <- reg op [ea]. */
  ALU32_RM,
  MOV32_RR,
  MOV32_LOAD,
  INC32_R,
  DEC32_R,
  POP32_R,
  TEST32_RR,
  JCC,
  // From MOV32_STORE on, an instruction may store (self-modifying code) or touch devices: runBlocks checks attention.
  MOV32_STORE,
  PUSH32_R,
  // Everything else: execute() in exec.ts.
  UD,
  ALU_EG,
  ALU_GE,
  ALU_EI,
  TEST_EG,
  TEST_EI,
  INC_E,
  DEC_E,
  INC_Z,
  DEC_Z,
  NOT_E,
  NEG_E,
  MUL_E,
  IMUL1_E,
  DIV_E,
  IDIV_E,
  IMUL_GE,
  IMUL_GEI,
  SHIFT_E1,
  SHIFT_EI,
  SHIFT_ECL,
  SHLD_I,
  SHLD_CL,
  SHRD_I,
  SHRD_CL,
  MOV_EG,
  MOV_GE,
  MOV_EI,
  MOV_ZI,
  MOV_AO,
  MOV_OA,
  MOV_ES,
  MOV_SE,
  MOVZX_B,
  MOVZX_W,
  MOVSX_B,
  MOVSX_W,
  LEA,
  XCHG_EG,
  XCHG_ZA,
  NOP,
  CMPXCHG,
  BT_EG,
  BT_EI,
  BSF,
  BSR,
  CBW,
  CWD,
  PUSH_Z,
  POP_Z,
  PUSH_I,
  PUSH_E,
  POP_E,
  PUSH_SEG,
  POP_SEG,
  PUSHA,
  POPA,
  PUSHF,
  POPF,
  CALL_J,
  CALL_E,
  RET,
  RET_I,
  ENTER,
  LEAVE,
  JMP_J,
  JMP_E,
  JMP_FAR,
  JMP_FAR_E,
  SETCC,
  LOOP,
  JECXZ,
  MOVS,
  STOS,
  CMPS,
  SCAS,
  LODS,
  CLC,
  STC,
  CMC,
  CLD,
  STD,
  CLI,
  STI,
  SAHF,
  LAHF,
  INT,
  INT3,
  INTO,
  IRET,
  HLT,
  IN_I,
  IN_DX,
  OUT_I,
  OUT_DX,
  LGDT,
  LIDT,
  SGDT,
  SIDT,
  INVLPG,
  LTR,
  STR,
  MOV_RC,
  MOV_CR,
  RDTSC,
  CPUID,
  UD2,
  /** Not an x86 instruction: a fetch from a hooked address hands control to the host (the DBT dispatcher). */
  HOST_CALL,
  COUNT,
}

// Attribute bits: what the translator and the teaching views need to know without reading the interpreter.
/** Ends a basic block: any transfer of control, or an instruction after which the next EIP is not static. */
export const A_ENDS_BLOCK = 1 << 0;
/** Needs CPL 0 (raises #GP(0) otherwise). */
export const A_PRIVILEGED = 1 << 1;
/** Faults or traps depending on IOPL (CLI, STI, IN, OUT). */
export const A_IOPL = 1 << 2;
/** Makes the current EIP visible to the guest (pushes a return address or an interrupt frame). */
export const A_REVEALS_PC = 1 << 3;
/** Control transfer through a register or memory operand. */
export const A_INDIRECT = 1 << 4;
/** Reads or writes a descriptor-table register the DBT virtualizes (LIDT, SIDT, LGDT, SGDT). */
export const A_TABLE_REG = 1 << 5;
/** Conditional control transfer. */
export const A_CONDITIONAL = 1 << 6;
/** Accepts a REP/REPE/REPNE prefix (string instructions). */
export const A_REP = 1 << 7;
/** Can write guest memory (used by the DBT's rollback and the SMC detector's explanation). */
export const A_WRITES_MEM = 1 << 8;
/** Changes EFLAGS.IF, TF or IOPL, or CR0/CR3/CR4, or the IDT/GDT: the machine must re-examine pending events after it. */
export const A_SYSTEM_STATE = 1 << 9;
/**
 * Observes the counters (RDTSC reads cycles, IN/OUT let devices read them, INT n/INT3/INTO report
 * the retired count with their delivery): the interpreter starts a new basic block at it, so the
 * counters include every earlier instruction exactly.
 */
export const A_COUNTS = 1 << 10;

/** Cost classes of the cost model (src/cost). */
export const CostClass = {
  alu: 0,
  mul: 1,
  div: 2,
  branch: 3,
  callRet: 4,
  string: 5,
  io: 6,
  rdtsc: 7,
  cliSti: 8,
  system: 9,
  nop: 10,
  segmentLoad: 11,
} as const;
export type CostClassName = keyof typeof CostClass;
export const COST_CLASS_NAMES = Object.keys(CostClass) as CostClassName[];

/** Operand kinds of an operand form, after parsing the SDM-style form string. */
export const enum ImmKind {
  None = 0,
  /** 8-bit, zero-extended. */
  B,
  /** 8-bit, sign-extended to the operand size. */
  Bs,
  W,
  /** 16 or 32 bits by operand size. */
  Z,
  D,
  /** rel8 / rel16/32 displacements (sign-extended). */
  Jb,
  Jz,
  /** ptr16:32 far pointer (offset then selector). */
  Ap,
  /** ENTER: imm16 then imm8. */
  WB,
  /** moffs32: an absolute address in the instruction. */
  Moffs,
}

export interface OpcodeEntry {
  /** Index in OPCODES (stable for a given table; used by coverage checks). */
  readonly id: number;
  /** One-byte opcode, or 0x0f00 | second byte for two-byte opcodes. */
  readonly opcode: number;
  /** ModRM.reg opcode extension (/digit), or -1. */
  readonly ext: number;
  readonly mnemonic: string;
  /** Operand form in SDM notation, e.g. "Ev,Gv". */
  readonly form: string;
  readonly op: Op;
  /** Handler sub-operation: ALU kind, condition code, shift kind, segment register, register number. */
  readonly sub: number;
  readonly attrs: number;
  readonly cost: CostClassName;
  // Derived from the form:
  readonly hasModrm: boolean;
  readonly memOnly: boolean;
  readonly regOnly: boolean;
  /** Operation size: 1, 2, 4, or 0 for "by operand-size attribute" (v/z forms). */
  readonly fixedSize: 0 | 1 | 2 | 4;
  readonly imm: ImmKind;
  /** Register number taken from the low 3 opcode bits (Z forms). */
  readonly zreg: boolean;
  /** Accepts the 0x66 operand-size prefix (16-bit variant implemented). */
  readonly allows16: boolean;
  /** Has an explicit or implicit memory operand (for the cost model's memory-operand surcharge). */
  readonly implicitMem: boolean;
}

// ALU kinds in encoding order (opcode bits 5:3 and /digit of 80-83).
export const ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7;
export const ALU_NAMES = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"] as const;
// Shift kinds (/digit of C0/C1/D0-D3); /6 is the undocumented SAL alias of SHL.
export const SH_ROL = 0, SH_ROR = 1, SH_RCL = 2, SH_RCR = 3, SH_SHL = 4, SH_SHR = 5, SH_SAL = 6, SH_SAR = 7;
export const SHIFT_NAMES = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"] as const;
// String kinds share one handler shape; the sub selects the REP termination rule.
export const LOOP_NE = 0, LOOP_E = 1, LOOP_PLAIN = 2;

interface Spec {
  opcode: number;
  ext?: number;
  mnemonic: string;
  form: string;
  op: Op;
  sub?: number;
  attrs?: number;
  cost: CostClassName;
  /** Overrides the parsed operation size (e.g. push imm8 operates at operand size). */
  size?: 0 | 1 | 2 | 4;
  /** 16-bit (0x66) variant not implemented: the prefix raises #UD rather than mis-executing. */
  no16?: boolean;
  mem?: boolean;
}

const specs: Spec[] = [];
function add(s: Spec): void {
  specs.push(s);
}

// --- integer ALU: eight operations, six encodings each, plus the 80-83 immediate groups.
for (let k = 0; k < 8; k++) {
  const base = k << 3;
  const mn = ALU_NAMES[k]!;
  const w = k === ALU_CMP ? 0 : A_WRITES_MEM;
  add({ opcode: base + 0, mnemonic: mn, form: "Eb,Gb", op: Op.ALU_EG, sub: k, attrs: w, cost: "alu" });
  add({ opcode: base + 1, mnemonic: mn, form: "Ev,Gv", op: Op.ALU_EG, sub: k, attrs: w, cost: "alu" });
  add({ opcode: base + 2, mnemonic: mn, form: "Gb,Eb", op: Op.ALU_GE, sub: k, cost: "alu" });
  add({ opcode: base + 3, mnemonic: mn, form: "Gv,Ev", op: Op.ALU_GE, sub: k, cost: "alu" });
  add({ opcode: base + 4, mnemonic: mn, form: "AL,Ib", op: Op.ALU_EI, sub: k, cost: "alu" });
  add({ opcode: base + 5, mnemonic: mn, form: "eAX,Iz", op: Op.ALU_EI, sub: k, cost: "alu" });
  add({ opcode: 0x80, ext: k, mnemonic: mn, form: "Eb,Ib", op: Op.ALU_EI, sub: k, attrs: w, cost: "alu" });
  add({ opcode: 0x81, ext: k, mnemonic: mn, form: "Ev,Iz", op: Op.ALU_EI, sub: k, attrs: w, cost: "alu" });
  // 82 is an alias of 80 in 32-bit mode (invalid only in 64-bit mode; SDM Vol. 2 Table A-2).
  add({ opcode: 0x82, ext: k, mnemonic: mn, form: "Eb,Ib", op: Op.ALU_EI, sub: k, attrs: w, cost: "alu" });
  add({ opcode: 0x83, ext: k, mnemonic: mn, form: "Ev,Ibs", op: Op.ALU_EI, sub: k, attrs: w, cost: "alu" });
}
add({ opcode: 0x84, mnemonic: "test", form: "Eb,Gb", op: Op.TEST_EG, cost: "alu" });
add({ opcode: 0x85, mnemonic: "test", form: "Ev,Gv", op: Op.TEST_EG, cost: "alu" });
add({ opcode: 0xa8, mnemonic: "test", form: "AL,Ib", op: Op.TEST_EI, cost: "alu" });
add({ opcode: 0xa9, mnemonic: "test", form: "eAX,Iz", op: Op.TEST_EI, cost: "alu" });
add({ opcode: 0xf6, ext: 0, mnemonic: "test", form: "Eb,Ib", op: Op.TEST_EI, cost: "alu" });
add({ opcode: 0xf6, ext: 1, mnemonic: "test", form: "Eb,Ib", op: Op.TEST_EI, cost: "alu" }); // undocumented alias of /0
add({ opcode: 0xf7, ext: 0, mnemonic: "test", form: "Ev,Iz", op: Op.TEST_EI, cost: "alu" });
add({ opcode: 0xf7, ext: 1, mnemonic: "test", form: "Ev,Iz", op: Op.TEST_EI, cost: "alu" });
for (let r = 0; r < 8; r++) {
  add({ opcode: 0x40 + r, mnemonic: "inc", form: "Zv", op: Op.INC_Z, sub: r, cost: "alu" });
  add({ opcode: 0x48 + r, mnemonic: "dec", form: "Zv", op: Op.DEC_Z, sub: r, cost: "alu" });
}
add({ opcode: 0xfe, ext: 0, mnemonic: "inc", form: "Eb", op: Op.INC_E, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0xfe, ext: 1, mnemonic: "dec", form: "Eb", op: Op.DEC_E, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0xff, ext: 0, mnemonic: "inc", form: "Ev", op: Op.INC_E, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0xff, ext: 1, mnemonic: "dec", form: "Ev", op: Op.DEC_E, attrs: A_WRITES_MEM, cost: "alu" });
for (const [opc, f] of [
  [0xf6, "Eb"],
  [0xf7, "Ev"],
] as const) {
  add({ opcode: opc, ext: 2, mnemonic: "not", form: f, op: Op.NOT_E, attrs: A_WRITES_MEM, cost: "alu" });
  add({ opcode: opc, ext: 3, mnemonic: "neg", form: f, op: Op.NEG_E, attrs: A_WRITES_MEM, cost: "alu" });
  add({ opcode: opc, ext: 4, mnemonic: "mul", form: f, op: Op.MUL_E, cost: "mul" });
  add({ opcode: opc, ext: 5, mnemonic: "imul", form: f, op: Op.IMUL1_E, cost: "mul" });
  add({ opcode: opc, ext: 6, mnemonic: "div", form: f, op: Op.DIV_E, cost: "div" });
  add({ opcode: opc, ext: 7, mnemonic: "idiv", form: f, op: Op.IDIV_E, cost: "div" });
}
add({ opcode: 0x0faf, mnemonic: "imul", form: "Gv,Ev", op: Op.IMUL_GE, cost: "mul" });
add({ opcode: 0x69, mnemonic: "imul", form: "Gv,Ev,Iz", op: Op.IMUL_GEI, cost: "mul" });
add({ opcode: 0x6b, mnemonic: "imul", form: "Gv,Ev,Ibs", op: Op.IMUL_GEI, cost: "mul" });

// --- shifts and rotates.
for (let k = 0; k < 8; k++) {
  const mn = SHIFT_NAMES[k]!;
  add({ opcode: 0xc0, ext: k, mnemonic: mn, form: "Eb,Ib", op: Op.SHIFT_EI, sub: k, attrs: A_WRITES_MEM, cost: "alu" });
  add({ opcode: 0xc1, ext: k, mnemonic: mn, form: "Ev,Ib", op: Op.SHIFT_EI, sub: k, attrs: A_WRITES_MEM, cost: "alu" });
  add({ opcode: 0xd0, ext: k, mnemonic: mn, form: "Eb,1", op: Op.SHIFT_E1, sub: k, attrs: A_WRITES_MEM, cost: "alu" });
  add({ opcode: 0xd1, ext: k, mnemonic: mn, form: "Ev,1", op: Op.SHIFT_E1, sub: k, attrs: A_WRITES_MEM, cost: "alu" });
  add({ opcode: 0xd2, ext: k, mnemonic: mn, form: "Eb,CL", op: Op.SHIFT_ECL, sub: k, attrs: A_WRITES_MEM, cost: "alu" });
  add({ opcode: 0xd3, ext: k, mnemonic: mn, form: "Ev,CL", op: Op.SHIFT_ECL, sub: k, attrs: A_WRITES_MEM, cost: "alu" });
}
add({ opcode: 0x0fa4, mnemonic: "shld", form: "Ev,Gv,Ib", op: Op.SHLD_I, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0x0fa5, mnemonic: "shld", form: "Ev,Gv,CL", op: Op.SHLD_CL, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0x0fac, mnemonic: "shrd", form: "Ev,Gv,Ib", op: Op.SHRD_I, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0x0fad, mnemonic: "shrd", form: "Ev,Gv,CL", op: Op.SHRD_CL, attrs: A_WRITES_MEM, cost: "alu" });

// --- data movement.
add({ opcode: 0x88, mnemonic: "mov", form: "Eb,Gb", op: Op.MOV_EG, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0x89, mnemonic: "mov", form: "Ev,Gv", op: Op.MOV_EG, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0x8a, mnemonic: "mov", form: "Gb,Eb", op: Op.MOV_GE, cost: "alu" });
add({ opcode: 0x8b, mnemonic: "mov", form: "Gv,Ev", op: Op.MOV_GE, cost: "alu" });
add({ opcode: 0xc6, ext: 0, mnemonic: "mov", form: "Eb,Ib", op: Op.MOV_EI, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0xc7, ext: 0, mnemonic: "mov", form: "Ev,Iz", op: Op.MOV_EI, attrs: A_WRITES_MEM, cost: "alu" });
for (let r = 0; r < 8; r++) {
  add({ opcode: 0xb0 + r, mnemonic: "mov", form: "Zb,Ib", op: Op.MOV_ZI, sub: r, cost: "alu" });
  add({ opcode: 0xb8 + r, mnemonic: "mov", form: "Zv,Iz", op: Op.MOV_ZI, sub: r, cost: "alu" });
}
add({ opcode: 0xa0, mnemonic: "mov", form: "AL,Ob", op: Op.MOV_AO, cost: "alu" });
add({ opcode: 0xa1, mnemonic: "mov", form: "eAX,Ov", op: Op.MOV_AO, cost: "alu" });
add({ opcode: 0xa2, mnemonic: "mov", form: "Ob,AL", op: Op.MOV_OA, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0xa3, mnemonic: "mov", form: "Ov,eAX", op: Op.MOV_OA, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0x8c, mnemonic: "mov", form: "Ev,Sw", op: Op.MOV_ES, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0x8e, mnemonic: "mov", form: "Sw,Ew", op: Op.MOV_SE, attrs: A_SYSTEM_STATE, cost: "segmentLoad" });
add({ opcode: 0x0fb6, mnemonic: "movzx", form: "Gv,Eb", op: Op.MOVZX_B, cost: "alu" });
add({ opcode: 0x0fb7, mnemonic: "movzx", form: "Gv,Ew", op: Op.MOVZX_W, cost: "alu" });
add({ opcode: 0x0fbe, mnemonic: "movsx", form: "Gv,Eb", op: Op.MOVSX_B, cost: "alu" });
add({ opcode: 0x0fbf, mnemonic: "movsx", form: "Gv,Ew", op: Op.MOVSX_W, cost: "alu" });
add({ opcode: 0x8d, mnemonic: "lea", form: "Gv,M", op: Op.LEA, cost: "alu", mem: false });
add({ opcode: 0x86, mnemonic: "xchg", form: "Eb,Gb", op: Op.XCHG_EG, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0x87, mnemonic: "xchg", form: "Ev,Gv", op: Op.XCHG_EG, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0x90, mnemonic: "nop", form: "", op: Op.NOP, cost: "nop" });
for (let r = 1; r < 8; r++) add({ opcode: 0x90 + r, mnemonic: "xchg", form: "Zv,eAX", op: Op.XCHG_ZA, sub: r, cost: "alu" });
add({ opcode: 0x0f1f, ext: 0, mnemonic: "nop", form: "Ev", op: Op.NOP, cost: "nop", mem: false });
add({ opcode: 0x0fb0, mnemonic: "cmpxchg", form: "Eb,Gb", op: Op.CMPXCHG, attrs: A_WRITES_MEM, cost: "alu" });
add({ opcode: 0x0fb1, mnemonic: "cmpxchg", form: "Ev,Gv", op: Op.CMPXCHG, attrs: A_WRITES_MEM, cost: "alu" });
const BT_NAMES = ["bt", "bts", "btr", "btc"] as const;
for (let k = 0; k < 4; k++) {
  const w = k === 0 ? 0 : A_WRITES_MEM;
  add({ opcode: [0x0fa3, 0x0fab, 0x0fb3, 0x0fbb][k]!, mnemonic: BT_NAMES[k]!, form: "Ev,Gv", op: Op.BT_EG, sub: k, attrs: w, cost: "alu" });
  add({ opcode: 0x0fba, ext: 4 + k, mnemonic: BT_NAMES[k]!, form: "Ev,Ib", op: Op.BT_EI, sub: k, attrs: w, cost: "alu" });
}
add({ opcode: 0x0fbc, mnemonic: "bsf", form: "Gv,Ev", op: Op.BSF, cost: "alu" });
add({ opcode: 0x0fbd, mnemonic: "bsr", form: "Gv,Ev", op: Op.BSR, cost: "alu" });
add({ opcode: 0x98, mnemonic: "cwde", form: "", op: Op.CBW, cost: "alu", size: 0 });
add({ opcode: 0x99, mnemonic: "cdq", form: "", op: Op.CWD, cost: "alu", size: 0 });

// --- stack.
for (let r = 0; r < 8; r++) {
  add({ opcode: 0x50 + r, mnemonic: "push", form: "Zv", op: Op.PUSH_Z, sub: r, attrs: A_WRITES_MEM, cost: "alu", mem: true });
  add({ opcode: 0x58 + r, mnemonic: "pop", form: "Zv", op: Op.POP_Z, sub: r, cost: "alu", mem: true });
}
add({ opcode: 0x68, mnemonic: "push", form: "Iz", op: Op.PUSH_I, attrs: A_WRITES_MEM, cost: "alu", size: 0, mem: true });
add({ opcode: 0x6a, mnemonic: "push", form: "Ibs", op: Op.PUSH_I, attrs: A_WRITES_MEM, cost: "alu", size: 0, mem: true });
add({ opcode: 0xff, ext: 6, mnemonic: "push", form: "Ev", op: Op.PUSH_E, attrs: A_WRITES_MEM, cost: "alu", mem: true });
add({ opcode: 0x8f, ext: 0, mnemonic: "pop", form: "Ev", op: Op.POP_E, attrs: A_WRITES_MEM, cost: "alu", mem: true });
for (const [opc, seg, mn] of [
  [0x06, 0, "push"],
  [0x0e, 1, "push"],
  [0x16, 2, "push"],
  [0x1e, 3, "push"],
  [0x0fa0, 4, "push"],
  [0x0fa8, 5, "push"],
] as const) {
  add({ opcode: opc, mnemonic: mn, form: "", op: Op.PUSH_SEG, sub: seg, attrs: A_WRITES_MEM, cost: "alu", size: 0, mem: true });
}
for (const [opc, seg] of [
  [0x07, 0],
  [0x17, 2],
  [0x1f, 3],
  [0x0fa1, 4],
  [0x0fa9, 5],
] as const) {
  add({ opcode: opc, mnemonic: "pop", form: "", op: Op.POP_SEG, sub: seg, attrs: A_SYSTEM_STATE, cost: "segmentLoad", size: 0, mem: true });
}
add({ opcode: 0x60, mnemonic: "pushad", form: "", op: Op.PUSHA, attrs: A_WRITES_MEM, cost: "alu", size: 0, mem: true });
add({ opcode: 0x61, mnemonic: "popad", form: "", op: Op.POPA, cost: "alu", size: 0, mem: true });
add({ opcode: 0x9c, mnemonic: "pushfd", form: "", op: Op.PUSHF, attrs: A_WRITES_MEM, cost: "alu", size: 0, mem: true });
add({ opcode: 0x9d, mnemonic: "popfd", form: "", op: Op.POPF, attrs: A_SYSTEM_STATE | A_IOPL, cost: "alu", size: 0, mem: true });
add({ opcode: 0xc8, mnemonic: "enter", form: "Iw,Ib", op: Op.ENTER, attrs: A_WRITES_MEM, cost: "callRet", size: 4, no16: true, mem: true });
add({ opcode: 0xc9, mnemonic: "leave", form: "", op: Op.LEAVE, cost: "alu", size: 0, mem: true });

// --- control transfer. 16-bit (0x66) near branches would truncate EIP to 16 bits; no kernel needs them, so #UD.
add({ opcode: 0xe8, mnemonic: "call", form: "Jz", op: Op.CALL_J, attrs: A_ENDS_BLOCK | A_REVEALS_PC | A_WRITES_MEM, cost: "callRet", no16: true, mem: true });
add({ opcode: 0xff, ext: 2, mnemonic: "call", form: "Ev", op: Op.CALL_E, attrs: A_ENDS_BLOCK | A_REVEALS_PC | A_INDIRECT | A_WRITES_MEM, cost: "callRet", no16: true, mem: true });
add({ opcode: 0xc3, mnemonic: "ret", form: "", op: Op.RET, attrs: A_ENDS_BLOCK | A_INDIRECT, cost: "callRet", size: 4, no16: true, mem: true });
add({ opcode: 0xc2, mnemonic: "ret", form: "Iw", op: Op.RET_I, attrs: A_ENDS_BLOCK | A_INDIRECT, cost: "callRet", size: 4, no16: true, mem: true });
add({ opcode: 0xeb, mnemonic: "jmp", form: "Jb", op: Op.JMP_J, attrs: A_ENDS_BLOCK, cost: "branch", no16: true });
add({ opcode: 0xe9, mnemonic: "jmp", form: "Jz", op: Op.JMP_J, attrs: A_ENDS_BLOCK, cost: "branch", no16: true });
add({ opcode: 0xff, ext: 4, mnemonic: "jmp", form: "Ev", op: Op.JMP_E, attrs: A_ENDS_BLOCK | A_INDIRECT, cost: "branch", no16: true });
add({ opcode: 0xea, mnemonic: "jmp", form: "Ap", op: Op.JMP_FAR, attrs: A_ENDS_BLOCK | A_SYSTEM_STATE, cost: "system", size: 4, no16: true });
add({ opcode: 0xff, ext: 5, mnemonic: "jmp", form: "M", op: Op.JMP_FAR_E, attrs: A_ENDS_BLOCK | A_INDIRECT | A_SYSTEM_STATE, cost: "system", size: 4, no16: true });
for (let cc = 0; cc < 16; cc++) {
  add({ opcode: 0x70 + cc, mnemonic: "j" + CC_SUFFIX(cc), form: "Jb", op: Op.JCC, sub: cc, attrs: A_ENDS_BLOCK | A_CONDITIONAL, cost: "branch", no16: true });
  add({ opcode: 0x0f80 + cc, mnemonic: "j" + CC_SUFFIX(cc), form: "Jz", op: Op.JCC, sub: cc, attrs: A_ENDS_BLOCK | A_CONDITIONAL, cost: "branch", no16: true });
  add({ opcode: 0x0f90 + cc, mnemonic: "set" + CC_SUFFIX(cc), form: "Eb", op: Op.SETCC, sub: cc, attrs: A_WRITES_MEM, cost: "alu" });
}
add({ opcode: 0xe0, mnemonic: "loopne", form: "Jb", op: Op.LOOP, sub: LOOP_NE, attrs: A_ENDS_BLOCK | A_CONDITIONAL, cost: "branch", no16: true });
add({ opcode: 0xe1, mnemonic: "loope", form: "Jb", op: Op.LOOP, sub: LOOP_E, attrs: A_ENDS_BLOCK | A_CONDITIONAL, cost: "branch", no16: true });
add({ opcode: 0xe2, mnemonic: "loop", form: "Jb", op: Op.LOOP, sub: LOOP_PLAIN, attrs: A_ENDS_BLOCK | A_CONDITIONAL, cost: "branch", no16: true });
add({ opcode: 0xe3, mnemonic: "jecxz", form: "Jb", op: Op.JECXZ, attrs: A_ENDS_BLOCK | A_CONDITIONAL, cost: "branch", no16: true });

// --- strings (32-bit addressing: ESI/EDI, ECX as the REP count).
add({ opcode: 0xa4, mnemonic: "movsb", form: "", op: Op.MOVS, attrs: A_REP | A_WRITES_MEM, cost: "string", size: 1, mem: true });
add({ opcode: 0xa5, mnemonic: "movsd", form: "", op: Op.MOVS, attrs: A_REP | A_WRITES_MEM, cost: "string", size: 0, mem: true });
add({ opcode: 0xaa, mnemonic: "stosb", form: "", op: Op.STOS, attrs: A_REP | A_WRITES_MEM, cost: "string", size: 1, mem: true });
add({ opcode: 0xab, mnemonic: "stosd", form: "", op: Op.STOS, attrs: A_REP | A_WRITES_MEM, cost: "string", size: 0, mem: true });
add({ opcode: 0xa6, mnemonic: "cmpsb", form: "", op: Op.CMPS, attrs: A_REP, cost: "string", size: 1, mem: true });
add({ opcode: 0xa7, mnemonic: "cmpsd", form: "", op: Op.CMPS, attrs: A_REP, cost: "string", size: 0, mem: true });
add({ opcode: 0xae, mnemonic: "scasb", form: "", op: Op.SCAS, attrs: A_REP, cost: "string", size: 1, mem: true });
add({ opcode: 0xaf, mnemonic: "scasd", form: "", op: Op.SCAS, attrs: A_REP, cost: "string", size: 0, mem: true });
add({ opcode: 0xac, mnemonic: "lodsb", form: "", op: Op.LODS, attrs: A_REP, cost: "string", size: 1, mem: true });
add({ opcode: 0xad, mnemonic: "lodsd", form: "", op: Op.LODS, attrs: A_REP, cost: "string", size: 0, mem: true });

// --- flags.
add({ opcode: 0xf8, mnemonic: "clc", form: "", op: Op.CLC, cost: "alu" });
add({ opcode: 0xf9, mnemonic: "stc", form: "", op: Op.STC, cost: "alu" });
add({ opcode: 0xf5, mnemonic: "cmc", form: "", op: Op.CMC, cost: "alu" });
add({ opcode: 0xfc, mnemonic: "cld", form: "", op: Op.CLD, cost: "alu" });
add({ opcode: 0xfd, mnemonic: "std", form: "", op: Op.STD, cost: "alu" });
add({ opcode: 0xfa, mnemonic: "cli", form: "", op: Op.CLI, attrs: A_IOPL | A_SYSTEM_STATE, cost: "cliSti" });
add({ opcode: 0xfb, mnemonic: "sti", form: "", op: Op.STI, attrs: A_IOPL | A_SYSTEM_STATE, cost: "cliSti" });
add({ opcode: 0x9e, mnemonic: "sahf", form: "", op: Op.SAHF, cost: "alu" });
add({ opcode: 0x9f, mnemonic: "lahf", form: "", op: Op.LAHF, cost: "alu" });

// --- interrupts and system.
add({ opcode: 0xcd, mnemonic: "int", form: "Ib", op: Op.INT, attrs: A_ENDS_BLOCK | A_REVEALS_PC | A_SYSTEM_STATE | A_COUNTS, cost: "branch" });
add({ opcode: 0xcc, mnemonic: "int3", form: "", op: Op.INT3, attrs: A_ENDS_BLOCK | A_REVEALS_PC | A_SYSTEM_STATE | A_COUNTS, cost: "branch" });
add({ opcode: 0xce, mnemonic: "into", form: "", op: Op.INTO, attrs: A_ENDS_BLOCK | A_REVEALS_PC | A_SYSTEM_STATE | A_COUNTS, cost: "branch" });
add({ opcode: 0xcf, mnemonic: "iretd", form: "", op: Op.IRET, attrs: A_ENDS_BLOCK | A_INDIRECT | A_SYSTEM_STATE, cost: "branch", size: 4, no16: true, mem: true });
add({ opcode: 0xf4, mnemonic: "hlt", form: "", op: Op.HLT, attrs: A_ENDS_BLOCK | A_PRIVILEGED | A_SYSTEM_STATE, cost: "system" });
add({ opcode: 0xe4, mnemonic: "in", form: "AL,Ib", op: Op.IN_I, attrs: A_IOPL | A_COUNTS, cost: "io" });
add({ opcode: 0xe5, mnemonic: "in", form: "eAX,Ib", op: Op.IN_I, attrs: A_IOPL | A_COUNTS, cost: "io" });
add({ opcode: 0xec, mnemonic: "in", form: "AL,DX", op: Op.IN_DX, attrs: A_IOPL | A_COUNTS, cost: "io" });
add({ opcode: 0xed, mnemonic: "in", form: "eAX,DX", op: Op.IN_DX, attrs: A_IOPL | A_COUNTS, cost: "io" });
add({ opcode: 0xe6, mnemonic: "out", form: "Ib,AL", op: Op.OUT_I, attrs: A_IOPL | A_COUNTS | A_SYSTEM_STATE, cost: "io" });
add({ opcode: 0xe7, mnemonic: "out", form: "Ib,eAX", op: Op.OUT_I, attrs: A_IOPL | A_COUNTS | A_SYSTEM_STATE, cost: "io" });
add({ opcode: 0xee, mnemonic: "out", form: "DX,AL", op: Op.OUT_DX, attrs: A_IOPL | A_COUNTS | A_SYSTEM_STATE, cost: "io" });
add({ opcode: 0xef, mnemonic: "out", form: "DX,eAX", op: Op.OUT_DX, attrs: A_IOPL | A_COUNTS | A_SYSTEM_STATE, cost: "io" });
add({ opcode: 0x0f01, ext: 0, mnemonic: "sgdt", form: "M", op: Op.SGDT, attrs: A_TABLE_REG | A_WRITES_MEM, cost: "system", size: 4, mem: true });
add({ opcode: 0x0f01, ext: 1, mnemonic: "sidt", form: "M", op: Op.SIDT, attrs: A_TABLE_REG | A_WRITES_MEM, cost: "system", size: 4, mem: true });
add({ opcode: 0x0f01, ext: 2, mnemonic: "lgdt", form: "M", op: Op.LGDT, attrs: A_PRIVILEGED | A_TABLE_REG | A_SYSTEM_STATE, cost: "system", size: 4, no16: true, mem: true });
add({ opcode: 0x0f01, ext: 3, mnemonic: "lidt", form: "M", op: Op.LIDT, attrs: A_PRIVILEGED | A_TABLE_REG | A_SYSTEM_STATE, cost: "system", size: 4, no16: true, mem: true });
add({ opcode: 0x0f01, ext: 7, mnemonic: "invlpg", form: "M", op: Op.INVLPG, attrs: A_PRIVILEGED | A_SYSTEM_STATE, cost: "system", size: 4, mem: false });
add({ opcode: 0x0f00, ext: 1, mnemonic: "str", form: "Ev", op: Op.STR, attrs: A_WRITES_MEM, cost: "system" });
add({ opcode: 0x0f00, ext: 3, mnemonic: "ltr", form: "Ew", op: Op.LTR, attrs: A_PRIVILEGED | A_SYSTEM_STATE, cost: "system" });
add({ opcode: 0x0f20, mnemonic: "mov", form: "Rd,Cd", op: Op.MOV_RC, attrs: A_PRIVILEGED, cost: "system" });
add({ opcode: 0x0f22, mnemonic: "mov", form: "Cd,Rd", op: Op.MOV_CR, attrs: A_PRIVILEGED | A_SYSTEM_STATE | A_ENDS_BLOCK, cost: "system" });
add({ opcode: 0x0f31, mnemonic: "rdtsc", form: "", op: Op.RDTSC, attrs: A_COUNTS, cost: "rdtsc" });
add({ opcode: 0x0fa2, mnemonic: "cpuid", form: "", op: Op.CPUID, cost: "system" });
add({ opcode: 0x0f0b, mnemonic: "ud2", form: "", op: Op.UD2, attrs: A_ENDS_BLOCK, cost: "system" });

function CC_SUFFIX(cc: number): string {
  return ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"][cc]!;
}

interface ParsedForm {
  hasModrm: boolean;
  memOnly: boolean;
  regOnly: boolean;
  size: 0 | 1 | 2 | 4;
  imm: ImmKind;
  zreg: boolean;
  mem: boolean;
}

/** Parse an SDM-style operand form ("Ev,Gv", "AL,Ib", "Zv,Iz", ...) into what the decoder must fetch. */
function parseForm(form: string): ParsedForm {
  const p: ParsedForm = { hasModrm: false, memOnly: false, regOnly: false, size: 0, imm: ImmKind.None, zreg: false, mem: false };
  let sizeSet = false;
  const setSize = (c: string): void => {
    if (sizeSet) return;
    sizeSet = true;
    p.size = c === "b" ? 1 : c === "w" ? 2 : c === "d" ? 4 : 0;
  };
  for (const tok of form === "" ? [] : form.split(",")) {
    const kind = tok[0]!;
    const sz = tok.slice(1);
    switch (tok) {
      case "AL":
        setSize("b");
        continue;
      case "eAX":
        setSize("v");
        continue;
      case "CL":
      case "DX":
      case "1":
        continue;
      default:
        break;
    }
    switch (kind) {
      case "E":
        p.hasModrm = true;
        p.mem = true;
        setSize(sz);
        break;
      case "G":
        p.hasModrm = true;
        setSize(sz);
        break;
      case "M":
        p.hasModrm = true;
        p.memOnly = true;
        p.mem = true;
        break;
      case "R":
        p.hasModrm = true;
        p.regOnly = true;
        setSize(sz);
        break;
      case "C":
      case "S":
        p.hasModrm = true;
        break;
      case "Z":
        p.zreg = true;
        setSize(sz);
        break;
      case "O":
        p.imm = ImmKind.Moffs;
        p.mem = true;
        setSize(sz);
        break;
      case "I":
        p.imm = sz === "b" ? ImmKind.B : sz === "bs" ? ImmKind.Bs : sz === "w" ? ImmKind.W : sz === "z" ? ImmKind.Z : ImmKind.D;
        if (form === "Iw,Ib") p.imm = ImmKind.WB;
        break;
      case "J":
        p.imm = sz === "b" ? ImmKind.Jb : ImmKind.Jz;
        break;
      case "A":
        p.imm = ImmKind.Ap;
        break;
      default:
        throw new Error(`opcode table: unknown operand token ${tok} in ${form}`);
    }
    if (form === "Iw,Ib") break;
  }
  return p;
}

/** The table, with forms parsed. */
export const OPCODES: readonly OpcodeEntry[] = specs.map((s, id) => {
  const f = parseForm(s.form);
  return {
    id,
    opcode: s.opcode,
    ext: s.ext ?? -1,
    mnemonic: s.mnemonic,
    form: s.form,
    op: s.op,
    sub: s.sub ?? 0,
    attrs: s.attrs ?? 0,
    cost: s.cost,
    hasModrm: f.hasModrm,
    memOnly: f.memOnly,
    regOnly: f.regOnly,
    fixedSize: s.size ?? f.size,
    imm: f.imm,
    zreg: f.zreg,
    allows16: !s.no16,
    implicitMem: s.mem ?? f.mem,
  };
});

/** Lookup: primary map (one byte) and secondary map (0F xx), each 256 x (9 slots: no-ext, /0../7). */
const LOOKUP = new Map<number, OpcodeEntry>();
for (const e of OPCODES) {
  const key = (e.opcode << 4) | (e.ext + 1);
  if (LOOKUP.has(key)) throw new Error(`opcode table: duplicate ${e.opcode.toString(16)}/${e.ext}`);
  LOOKUP.set(key, e);
}
/** Opcodes whose entries are selected by ModRM.reg. */
const GROUPED = new Set(OPCODES.filter((e) => e.ext >= 0).map((e) => e.opcode));

export function isGroupOpcode(opcode: number): boolean {
  return GROUPED.has(opcode);
}

/** Entry for an opcode (and ModRM.reg for group opcodes), or undefined if the CPU lacks it (#UD). */
export function lookupOpcode(opcode: number, modrmReg: number): OpcodeEntry | undefined {
  return GROUPED.has(opcode) ? LOOKUP.get((opcode << 4) | (modrmReg + 1)) : LOOKUP.get(opcode << 4);
}

/** Does this opcode need a ModRM byte before the entry can be chosen? */
export function opcodeNeedsModrm(opcode: number): boolean {
  if (GROUPED.has(opcode)) return true;
  return LOOKUP.get(opcode << 4)?.hasModrm ?? false;
}
