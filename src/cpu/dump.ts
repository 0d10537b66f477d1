// Human-readable register dumps (stop messages, divergence reports, the stepper).
import type { Cpu } from "./cpu.js";
import { materializeFlags } from "./flags.js";
import { C_CYCLES, REG_NAMES, SEG_NAMES, S_CPL, S_CR0, S_CR2, S_CR3, S_CR4, S_EFLAGS, S_EIP, S_GDTR_BASE, S_GDTR_LIMIT, S_IDTR_BASE, S_IDTR_LIMIT, S_SEL, S_TR_SEL } from "./state.js";

const h = (v: number, w = 8): string => (v >>> 0).toString(16).padStart(w, "0");

const FLAG_LETTERS: [number, string][] = [
  [0x800, "OF"],
  [0x400, "DF"],
  [0x200, "IF"],
  [0x100, "TF"],
  [0x80, "SF"],
  [0x40, "ZF"],
  [0x10, "AF"],
  [0x4, "PF"],
  [0x1, "CF"],
];

export function flagNames(eflags: number): string {
  const set = FLAG_LETTERS.filter(([b]) => (eflags & b) !== 0).map(([, n]) => n);
  return `${set.join(" ") || "-"} IOPL=${(eflags >>> 12) & 3}`;
}

/** A compact multi-line dump of the architectural state. */
export function dumpRegisters(cpu: Cpu): string {
  const s = cpu.s;
  materializeFlags(s);
  const gp = REG_NAMES.map((n, i) => `${n}=${h(s[i]!)}`);
  const segs = SEG_NAMES.map((n, i) => `${n}=${h(s[S_SEL + i]!, 4)}`);
  return [
    `  ${gp.slice(0, 4).join(" ")}`,
    `  ${gp.slice(4).join(" ")}`,
    `  eip=${h(s[S_EIP]!)} eflags=${h(s[S_EFLAGS]!)} [${flagNames(s[S_EFLAGS]!)}] cpl=${s[S_CPL]}`,
    `  ${segs.join(" ")} tr=${h(s[S_TR_SEL]!, 4)}`,
    `  cr0=${h(s[S_CR0]!)} cr2=${h(s[S_CR2]!)} cr3=${h(s[S_CR3]!)} cr4=${h(s[S_CR4]!)}`,
    `  gdtr=${h(s[S_GDTR_BASE]!)}/${h(s[S_GDTR_LIMIT]!, 4)} idtr=${h(s[S_IDTR_BASE]!)}/${h(s[S_IDTR_LIMIT]!, 4)}`,
    `  retired=${cpu.retired} cycles=${cpu.ctr[C_CYCLES]}`,
  ].join("\n");
}
