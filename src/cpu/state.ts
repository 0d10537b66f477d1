// CPU state as one Int32Array with named indices (so a snapshot is a buffer copy) plus counters.

// General registers in x86 encoding order; index 8 is a permanent zero so an effective address
// is always `s[base] + (s[index] << scale) + disp` with "no base"/"no index" encoded as 8.
export const REG_EAX = 0;
export const REG_ECX = 1;
export const REG_EDX = 2;
export const REG_EBX = 3;
export const REG_ESP = 4;
export const REG_EBP = 5;
export const REG_ESI = 6;
export const REG_EDI = 7;
export const REG_NONE = 8;

export const S_EIP = 9;
/** EFLAGS bits other than the six arithmetic ones while lazy flags are in use (see flags.ts). */
export const S_EFLAGS = 10;
export const S_CC_OP = 11;
export const S_CC_DST = 12;
export const S_CC_SRC = 13;
export const S_CC_SRC2 = 14;
export const S_CPL = 15;

// Segment registers in encoding order (the Sreg field of MOV Sreg and the override prefixes).
export const SEG_ES = 0;
export const SEG_CS = 1;
export const SEG_SS = 2;
export const SEG_DS = 3;
export const SEG_FS = 4;
export const SEG_GS = 5;
export const SEG_NAMES = ["es", "cs", "ss", "ds", "fs", "gs"] as const;

/** Selector of segment register n at S_SEL + n. */
export const S_SEL = 16;
/** Descriptor cache: raw low and high dwords of the descriptor last loaded into segment n. */
export const S_DESC_LO = 22;
export const S_DESC_HI = 28;

export const S_CR0 = 34;
export const S_CR2 = 35;
export const S_CR3 = 36;
export const S_CR4 = 37;
export const S_GDTR_BASE = 38;
export const S_GDTR_LIMIT = 39;
export const S_IDTR_BASE = 40;
export const S_IDTR_LIMIT = 41;
export const S_TR_SEL = 42;
export const S_TR_BASE = 43;
export const S_TR_LIMIT = 44;
/** Bit n set when data segment register n holds a null selector (any access through it is #GP). */
export const S_SEG_NULL_MASK = 45;
export const S_HALTED = 46;
export const STATE_WORDS = 48;

// Counters kept as doubles: they exceed 2^31 on long runs.
export const C_CYCLES = 0;
/** Host instructions executed (in DBT mode this includes code-cache instructions). */
export const C_ICOUNT = 1;
/**
 * Host instructions that retire no guest instruction (DBT glue in the code cache). Guest
 * instructions retired = C_ICOUNT - C_HOST_ONLY (each rep iteration counts as one, as under QEMU's
 * -icount); keeping the difference means native runs update one counter fewer per block.
 */
export const C_HOST_ONLY = 2;
export const COUNTER_WORDS = 4;

// EFLAGS (SDM 3A 2.3).
export const FLAG_CF = 1 << 0;
export const FLAG_RESERVED1 = 1 << 1;
export const FLAG_PF = 1 << 2;
export const FLAG_AF = 1 << 4;
export const FLAG_ZF = 1 << 6;
export const FLAG_SF = 1 << 7;
export const FLAG_TF = 1 << 8;
export const FLAG_IF = 1 << 9;
export const FLAG_DF = 1 << 10;
export const FLAG_OF = 1 << 11;
export const FLAG_IOPL = 3 << 12;
export const FLAG_NT = 1 << 14;
export const FLAG_RF = 1 << 16;
export const FLAG_VM = 1 << 17;
export const FLAG_AC = 1 << 18;
export const FLAG_ID = 1 << 21;
export const ARITH_FLAGS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;
export const IOPL_SHIFT = 12;
/** Bits software can change at all on this CPU model (no VIF/VIP/VM support; AC and ID toggle). */
export const EFLAGS_WRITABLE = ARITH_FLAGS | FLAG_TF | FLAG_IF | FLAG_DF | FLAG_IOPL | FLAG_NT | FLAG_RF | FLAG_AC | FLAG_ID;

// Control registers (SDM 3A 2.5).
export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = 1 << 31;
export const CR4_TSD = 1 << 2;
export const CR4_PSE = 1 << 4;
/** CR4 bits this CPU implements; setting any other raises #GP(0) (SDM 3A 2.5). */
export const CR4_SUPPORTED = CR4_TSD | CR4_PSE;

export const REG_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;

/** Byte offset of 8-bit register n (AL CL DL BL AH CH DH BH) inside the little-endian state buffer. */
export const BYTE_REG_OFFSET = Uint8Array.of(0, 4, 8, 12, 1, 5, 9, 13);
