// Compares two vector directories case by case (e.g. native vs qemu-i386) on everything the masks define.
//
//   npx tsx test/vectors/gen/compare.ts DIR_A DIR_B [--undefined]
//
// Prints one line per disagreement on defined state (registers under regsMask, EFLAGS under flagsMask, EIP,
// memory, exception vector); with --undefined also counts differences in the masked-out (undefined) flags.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { caseRegsMask, loadVectorFiles, type VectorCase } from "../schema.js";
import { flagNames } from "./flags.js";

function hx(v: number): string {
  return "0x" + (v >>> 0).toString(16);
}

/** Human-readable differences between two recordings of the same case on defined state. */
export function definedDifferences(a: VectorCase, b: VectorCase): string[] {
  const out: string[] = [];
  if (a.bytes !== b.bytes || a.asm !== b.asm) out.push(`different instruction (${a.bytes} vs ${b.bytes})`);
  const rm = caseRegsMask(a);
  const names = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
  for (let k = 0; k < 8; k++) {
    const m = rm[k] ?? 0xffffffff;
    const x = (a.final.regs[k] ?? 0) & m;
    const y = (b.final.regs[k] ?? 0) & m;
    if (x !== y) out.push(`${names[k]} ${hx(a.final.regs[k] ?? 0)} vs ${hx(b.final.regs[k] ?? 0)}`);
  }
  const fx = a.final.eflags & a.flagsMask;
  const fy = b.final.eflags & a.flagsMask;
  if (fx !== fy) out.push(`flags [${flagNames(fx ^ fy)}] ${hx(a.final.eflags)} vs ${hx(b.final.eflags)}`);
  if (a.final.eip !== b.final.eip) out.push(`eip ${hx(a.final.eip)} vs ${hx(b.final.eip)}`);
  if ((a.final.mem ?? "") !== (b.final.mem ?? "")) out.push(`memory ${a.final.mem ?? "-"} vs ${b.final.mem ?? "-"}`);
  const ea = a.exception ? `#${a.exception.vector}@${hx(a.exception.eip)}` : "none";
  const eb = b.exception ? `#${b.exception.vector}@${hx(b.exception.eip)}` : "none";
  if (ea !== eb) out.push(`exception ${ea} vs ${eb}`);
  return out;
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { undefined: { type: "boolean", default: false } }, allowPositionals: true });
  if (positionals.length !== 2) {
    process.stderr.write("usage: tsx test/vectors/gen/compare.ts DIR_A DIR_B [--undefined]\n");
    process.exit(64);
  }
  const [da, db] = positionals.map((p) => resolve(p)) as [string, string];
  const fb = new Map(loadVectorFiles(db).map((f) => [f.family, f]));
  let diffs = 0;
  let cases = 0;
  for (const fa of loadVectorFiles(da)) {
    const other = fb.get(fa.family);
    if (!other) {
      process.stdout.write(`${fa.family}: missing in ${db}\n`);
      continue;
    }
    const byName = new Map(other.cases.map((c) => [c.name, c]));
    const undef = new Map<number, number>();
    let undefRegs = 0;
    for (const ca of fa.cases) {
      const cb = byName.get(ca.name);
      cases++;
      if (!cb) {
        process.stdout.write(`${fa.family}: "${ca.name}" missing in ${db}\n`);
        diffs++;
        continue;
      }
      const d = definedDifferences(ca, cb);
      if (d.length > 0) {
        diffs++;
        process.stdout.write(`${fa.family}: "${ca.name}" ${ca.asm} [${ca.init.regs.map(hx).join(" ")} fl=${hx(ca.init.eflags)}]: ${d.join("; ")}\n`);
      }
      const u = (ca.final.eflags ^ cb.final.eflags) & 0xcd5 & ~ca.flagsMask;
      for (let bit = 0; bit < 12; bit++) if (u & (1 << bit)) undef.set(1 << bit, (undef.get(1 << bit) ?? 0) + 1);
      const rm = caseRegsMask(ca);
      if (ca.final.regs.some((v, k) => ((v ^ (cb.final.regs[k] ?? 0)) & ~(rm[k] ?? 0xffffffff)) !== 0)) undefRegs++;
    }
    if (values.undefined && (undef.size > 0 || undefRegs > 0)) {
      const parts = [...undef.entries()].map(([bit, n]) => `${flagNames(bit)}:${n}`);
      if (undefRegs > 0) parts.push(`undefined register bits:${undefRegs}`);
      process.stdout.write(`${fa.family}: undefined-flag differences (not errors): ${parts.join(" ")}\n`);
    }
  }
  process.stdout.write(`${cases} cases compared, ${diffs} with defined-state differences\n`);
  process.exitCode = diffs > 0 ? 1 : 0;
}

main();
