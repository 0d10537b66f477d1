// Assembles and links a family's program with GNU binutils, runs it natively or under qemu-i386, parses its records.
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, KdbtError } from "../../../src/errors.js";
import { SCRATCH_BASE, SCRATCH_SIZE, TEXT_BASE } from "./case.js";
import { CODE_BYTES, HEADER_MAGIC, RECORD_MAGIC, RECORD_SIZE } from "./harness.js";

export type Runner = "native" | "qemu";

export interface RawRecord {
  index: number;
  exception: boolean;
  signo: number;
  trapno: number;
  err: number;
  initRegs: number[];
  initEflags: number;
  finalRegs: number[];
  finalEflags: number;
  eip: number;
  start: number;
  end: number;
  code: Buffer;
  initMem: Buffer;
  finalMem: Buffer;
}

/** Host-side failure of the generator: the program crashed, a record is malformed, a check failed. */
export class GeneratorError extends KdbtError {
  constructor(message: string) {
    super(message, ExitCode.software);
  }
}

/** A tool the generator needs (as, ld, qemu-i386) is missing or failed to start. */
export class ToolError extends KdbtError {
  constructor(message: string) {
    super(message, ExitCode.unavailable);
  }
}

function tool(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string; code?: string };
    if (err.code === "ENOENT") throw new ToolError(`${cmd} not found: install GNU binutils with i386 support`);
    const text = err.stderr?.toString() ?? err.message;
    throw new GeneratorError(`${cmd} ${args.join(" ")} failed:\n${text.split("\n").slice(0, 20).join("\n")}`);
  }
}

/** Assemble and link `source` into `dir/<name>`; returns the executable's path. */
export function buildProgram(dir: string, name: string, source: string): string {
  const s = join(dir, `${name}.s`);
  const o = join(dir, `${name}.o`);
  const exe = join(dir, name);
  writeFileSync(s, source);
  tool("as", ["--32", "-o", o, s]);
  tool("ld", ["-m", "elf_i386", "-static", "-nostdlib", "-e", "_start", `-Ttext=${"0x" + TEXT_BASE.toString(16)}`, `-Tdata=${"0x" + SCRATCH_BASE.toString(16)}`, "-o", exe, o]);
  return exe;
}

function words(buf: Buffer, off: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(buf.readUInt32LE(off + 4 * i));
  return out;
}

/** Run the program and parse its header and `expected` case records. */
export function runProgram(exe: string, runner: Runner, expected: number): RawRecord[] {
  const [cmd, args] = runner === "native" ? [exe, []] : ["qemu-i386", [exe]];
  const res = spawnSync(cmd, args, { maxBuffer: 256 << 20, timeout: 300_000 });
  if (res.error) throw new ToolError(`running ${cmd}: ${res.error.message}`);
  const out = res.stdout;
  const records: RawRecord[] = [];
  if (out.length >= 12) {
    if (out.readUInt32LE(0) !== HEADER_MAGIC) throw new GeneratorError(`${exe}: bad header`);
    if (out.readUInt32LE(4) !== SCRATCH_BASE) throw new GeneratorError(`${exe}: scratch at 0x${out.readUInt32LE(4).toString(16)}, expected 0x${SCRATCH_BASE.toString(16)}`);
    if (out.readUInt32LE(8) !== expected) throw new GeneratorError(`${exe}: header says ${out.readUInt32LE(8)} cases, expected ${expected}`);
  }
  for (let off = 12; off + RECORD_SIZE <= out.length; off += RECORD_SIZE) {
    if (out.readUInt32LE(off) !== RECORD_MAGIC) throw new GeneratorError(`${exe}: bad record magic at byte ${off}`);
    records.push({
      index: out.readUInt32LE(off + 4),
      exception: out.readUInt32LE(off + 8) !== 0,
      signo: out.readUInt32LE(off + 12),
      trapno: out.readUInt32LE(off + 16),
      err: out.readUInt32LE(off + 20),
      initRegs: words(out, off + 24, 8),
      initEflags: out.readUInt32LE(off + 56),
      finalRegs: words(out, off + 60, 8),
      finalEflags: out.readUInt32LE(off + 92),
      eip: out.readUInt32LE(off + 96),
      start: out.readUInt32LE(off + 100),
      end: out.readUInt32LE(off + 104),
      code: Buffer.from(out.subarray(off + 108, off + 108 + CODE_BYTES)),
      initMem: Buffer.from(out.subarray(off + 124, off + 124 + SCRATCH_SIZE)),
      finalMem: Buffer.from(out.subarray(off + 380, off + 380 + SCRATCH_SIZE)),
    });
  }
  const status = res.status ?? -1;
  if (status !== 0 || res.signal !== null || records.length !== expected) {
    const stderr = res.stderr.toString().trim();
    throw new GeneratorError(
      `${cmd} ${args.join(" ")}: exit ${status}${res.signal ? ` signal ${res.signal}` : ""}, ${records.length}/${expected} records` +
        (records.length < expected ? ` (stopped in case ${records.length})` : "") + (stderr ? `\n${stderr}` : ""),
    );
  }
  records.forEach((r, i) => {
    if (r.index !== i) throw new GeneratorError(`${exe}: record ${i} is for case ${r.index}`);
  });
  return records;
}
