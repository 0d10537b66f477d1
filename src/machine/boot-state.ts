// Put a CPU into flat 32-bit protected mode with given selectors, as a boot loader leaves it.
import type { Cpu } from "../cpu/cpu.js";
import { commitSegment } from "../cpu/segments.js";
import { syncPaging } from "../cpu/system.js";
import { CC_EFLAGS } from "../cpu/flags.js";
import { CR0_ET, CR0_PE, FLAG_RESERVED1, REG_ESP, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, S_CC_OP, S_CR0, S_EFLAGS, S_EIP, S_GDTR_LIMIT, S_IDTR_LIMIT, S_TR_LIMIT } from "../cpu/state.js";

/** Raw descriptor dwords of a flat 4 GiB 32-bit segment (SDM 3A 3.4.5), accessed bit set. */
export function flatDescriptor(code: boolean, dpl: number): { lo: number; hi: number } {
  const type = code ? 0xb : 0x3; // execute/read + accessed, or read/write + accessed
  return { lo: 0x0000ffff, hi: (0x00cf9000 | (type << 8) | (dpl << 13)) | 0 };
}

export interface FlatState {
  entry: number;
  cpl: 0 | 3;
  codeSelector: number;
  dataSelector: number;
  esp: number;
  eflags: number;
  cr0?: number;
}

export function enterFlatProtectedMode(cpu: Cpu, st: FlatState): void {
  const s = cpu.s;
  const code = flatDescriptor(true, st.cpl);
  const data = flatDescriptor(false, st.cpl);
  commitSegment(cpu, SEG_CS, st.codeSelector, code.lo, code.hi);
  for (const seg of [SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS]) commitSegment(cpu, seg, st.dataSelector, data.lo, data.hi);
  s[S_CR0] = st.cr0 ?? CR0_PE | CR0_ET;
  s[S_EFLAGS] = st.eflags | FLAG_RESERVED1;
  s[S_CC_OP] = CC_EFLAGS;
  s[S_EIP] = st.entry;
  s[REG_ESP] = st.esp;
  // Until the guest loads its own tables, the GDTR/IDTR/TR limits are those of a reset CPU.
  s[S_GDTR_LIMIT] = 0xffff;
  s[S_IDTR_LIMIT] = 0xffff;
  s[S_TR_LIMIT] = 0xffff;
  cpu.setCpl(st.cpl);
  syncPaging(cpu);
  cpu.recomputeAttention();
}
