// Reads the segment selectors a 32-bit Linux process runs with, so replays can load the same ones.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { buildProgram, GeneratorError, type Runner } from "./run.js";

const PROBE = `
.globl _start
.text
_start:
  mov %es, %eax ; mov %eax, sel+0
  mov %cs, %eax ; mov %eax, sel+4
  mov %ss, %eax ; mov %eax, sel+8
  mov %ds, %eax ; mov %eax, sel+12
  mov %fs, %eax ; mov %eax, sel+16
  mov %gs, %eax ; mov %eax, sel+20
  mov $4, %eax ; mov $1, %ebx ; mov $sel, %ecx ; mov $24, %edx ; int $0x80
  mov $1, %eax ; xor %ebx, %ebx ; int $0x80
.data
sel: .space 24
`;

/** ES CS SS DS FS GS of a process started by `runner` (they differ between native and qemu-i386). */
export function probeSegments(work: string, runner: Runner): number[] {
  const exe = buildProgram(work, "segments-probe", PROBE);
  const [cmd, args] = runner === "native" ? [exe, []] : ["qemu-i386", [exe]];
  const r = spawnSync(cmd, args as string[], { cwd: join(work) });
  if (r.status !== 0 || r.stdout.length !== 24) throw new GeneratorError(`segment probe failed under ${runner} (status ${r.status})`);
  return [0, 1, 2, 3, 4, 5].map((i) => r.stdout.readUInt32LE(i * 4) & 0xffff);
}
