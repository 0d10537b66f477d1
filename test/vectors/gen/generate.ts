// Records instruction test vectors from real hardware (or qemu-i386) into test/vectors/data/<family>.json.
//
//   npx tsx test/vectors/gen/generate.ts [--runner native|qemu] [--only FAMILY[,FAMILY]] [--out DIR] [--keep DIR]
//
// Each family is its own static i386 program (linked at the same addresses whatever --only selects), so a
// family's file is byte-identical whether it is generated alone or with the others.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { KdbtError, UsageError } from "../../../src/errors.js";
import { parseVectorFile, type VectorCase, type VectorFile } from "../schema.js";
import { SCRATCH_BASE, SCRATCH_SIZE, type CaseSpec, type Family } from "./case.js";
import { FAMILIES } from "./families.js";
import { probeSegments } from "./segments-probe.js";
import { ALL } from "./flags.js";
import { buildProgram as emitProgram, caseImage } from "./harness.js";
import { Rng, seedFromName } from "./prng.js";
import { GeneratorError, buildProgram, runProgram, type RawRecord, type Runner } from "./run.js";

const GENERATOR = "test/vectors/gen/generate.ts";
const DEFAULT_OUT = fileURLToPath(new URL("../data/", import.meta.url));

/** Bytes of the scratch buffer outside every case window: fixed, so stray writes are visible. */
export function canaryImage(): number[] {
  const rng = new Rng(seedFromName("scratch canary"));
  return Array.from({ length: SCRATCH_SIZE }, () => rng.int(256));
}

function hexOf(buf: Buffer | number[]): string {
  return Buffer.from(buf).toString("hex");
}

function fail(fam: string, i: number, c: CaseSpec, msg: string): never {
  throw new GeneratorError(`${fam} case ${i} "${c.name}" (${c.asm}): ${msg}`);
}

/** Signals Linux/i386 (and qemu-i386) use for each exception vector this generator provokes. */
const SIGFPE = 8, SIGILL = 4, SIGTRAP = 5, SIGSEGV = 11;

/** Count of records whose vector had to be inferred from the signal (qemu-i386 leaves trapno at -1). */
let inferredVectors = 0;

/**
 * The exception vector of a record: uc_mcontext.trapno where the kernel filled it in (native Linux always does);
 * qemu-i386 7.2 leaves it at -1, so then the signal decides (#DE -> SIGFPE, #UD -> SIGILL, #BP -> SIGTRAP, and
 * SIGSEGV is #OF when the case expects #OF).
 */
function vectorOf(r: RawRecord, expected: number | undefined): number {
  if (r.trapno !== 0xffffffff) return r.trapno;
  if (r.signo === SIGFPE) return 0;
  if (r.signo === SIGILL) return 6;
  if (r.signo === SIGTRAP) return 3;
  if (r.signo === SIGSEGV && expected === 4) return 4;
  return 0xffffffff;
}

/** Turn one raw record into a vector, checking everything the harness promised. */
export function toVector(fam: string, i: number, c: CaseSpec, r: RawRecord, canary: readonly number[]): VectorCase {
  c.regs.forEach((v, k) => {
    if (typeof v === "number" && v >>> 0 !== r.initRegs[k]) fail(fam, i, c, `init reg ${k} recorded as ${r.initRegs[k]}`);
  });
  if (r.initEflags !== c.eflags) fail(fam, i, c, "init eflags mismatch");
  const img = caseImage(c, canary);
  const labelBytes = new Set<number>();
  for (const l of c.mem?.labels ?? []) for (let k = 0; k < 4; k++) labelBytes.add((c.mem?.off ?? 0) + l.at + k);
  img.forEach((b, k) => {
    if (!labelBytes.has(k) && r.initMem[k] !== b) fail(fam, i, c, `init memory byte ${k} differs from the image`);
  });
  const len = r.end - r.start;
  if (len < 1 || len > 15) fail(fam, i, c, `instruction length ${len}`);
  const lo = c.mem ? c.mem.off : 0;
  const hi = c.mem ? c.mem.off + c.mem.bytes.length : 0;
  for (let k = 0; k < SCRATCH_SIZE; k++) {
    if ((k < lo || k >= hi) && r.finalMem[k] !== r.initMem[k]) fail(fam, i, c, `wrote scratch byte ${k} outside its window`);
  }
  if (c.fault !== undefined) {
    if (!r.exception) fail(fam, i, c, "expected an exception, none happened");
    if (vectorOf(r, c.fault) !== c.fault) fail(fam, i, c, `expected vector ${c.fault}, got trapno ${r.trapno | 0} (signal ${r.signo})`);
    r.finalRegs.forEach((v, k) => {
      if (v !== r.initRegs[k]) fail(fam, i, c, `exception changed register ${k}`);
    });
    if ((r.finalEflags & ALL) !== (r.initEflags & ALL)) fail(fam, i, c, "exception changed the arithmetic flags");
    if (hexOf(r.finalMem) !== hexOf(r.initMem)) fail(fam, i, c, "exception changed memory");
  } else {
    if (r.exception) fail(fam, i, c, `unexpected signal ${r.signo} trapno ${r.trapno} at 0x${r.eip.toString(16)}`);
    const ok = [r.end];
    if (c.fwd !== undefined) ok.push(r.start + c.fwd);
    if (c.back !== undefined) ok.push(r.start - c.back);
    if (!ok.includes(r.eip)) fail(fam, i, c, `final EIP 0x${r.eip.toString(16)} is no landing`);
  }
  const problem = c.check?.({ regs: r.finalRegs, eflags: r.finalEflags, eip: r.eip, start: r.start, end: r.end, mem: r.finalMem });
  if (problem !== undefined) fail(fam, i, c, `check failed: ${problem}`);
  const v: VectorCase = {
    name: `${c.name} #${i}`,
    asm: c.asm,
    bytes: hexOf(r.code.subarray(0, len)),
    codeAddr: r.start,
    init: { regs: r.initRegs, eflags: r.initEflags },
    ...(c.mem ? { mem: { base: SCRATCH_BASE + lo, init: hexOf(r.initMem.subarray(lo, hi)) } } : {}),
    final: {
      regs: r.finalRegs,
      eflags: r.finalEflags,
      eip: r.eip,
      ...(c.mem ? { mem: hexOf(r.finalMem.subarray(lo, hi)) } : {}),
    },
    flagsMask: c.flagsMask,
    ...(c.regsMask ? { regsMask: c.regsMask } : {}),
    ...(r.exception ? { exception: { vector: vectorOf(r, c.fault), eip: r.eip } } : {}),
  };
  if (r.exception && r.trapno === 0xffffffff) inferredVectors++;
  return v;
}

/** A vector file as committed: one case per line, so diffs between regenerations stay readable. */
export function formatVectorFile(f: VectorFile): string {
  const head = [
    "{",
    `  "family": ${JSON.stringify(f.family)},`,
    `  "recordedOn": ${JSON.stringify(f.recordedOn)},`,
    `  "generator": ${JSON.stringify(f.generator)},`,
    `  "cases": [`,
  ];
  return head.join("\n") + "\n" + f.cases.map((c) => "    " + JSON.stringify(c)).join(",\n") + "\n  ]\n}\n";
}

/** Build, run and record one family; returns the file's text. */
export function generateFamily(fam: Family, runner: Runner, work: string): { text: string; count: number } {
  const specs = fam.build(new Rng(seedFromName(fam.name)));
  const names = new Set<string>();
  for (const s of specs) {
    if (s.asm.includes("\n")) throw new GeneratorError(`${fam.name}: "${s.name}" has a multi-line asm`);
    names.add(s.name);
  }
  const canary = canaryImage();
  const exe = buildProgram(work, fam.name, emitProgram(specs, canary));
  const records = runProgram(exe, runner, specs.length);
  const file: VectorFile = {
    family: fam.name,
    recordedOn: runner === "native" ? "native" : "qemu-i386",
    generator: GENERATOR,
    cases: specs.map((s, i) => toVector(fam.name, i, s, records[i] as RawRecord, canary)),
  };
  if (fam.recordsSegments) {
    const segs = probeSegments(work, runner);
    for (const c of file.cases) c.init.segs = segs;
  }
  const text = formatVectorFile(file);
  parseVectorFile(text, `${fam.name}.json`);
  return { text, count: specs.length };
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      runner: { type: "string", default: "native" },
      only: { type: "string", multiple: true },
      out: { type: "string" },
      keep: { type: "string" },
      list: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write("usage: tsx test/vectors/gen/generate.ts [--runner native|qemu] [--only FAMILY[,FAMILY]] [--out DIR] [--keep DIR] [--list]\n");
    return;
  }
  if (values.list) {
    for (const f of FAMILIES) process.stdout.write(f.name + "\n");
    return;
  }
  const runner = values.runner;
  if (runner !== "native" && runner !== "qemu") throw new UsageError(`--runner must be native or qemu, not "${runner}"`);
  const wanted = (values.only ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s.length > 0);
  for (const w of wanted) {
    if (!FAMILIES.some((f) => f.name === w)) throw new UsageError(`--only: unknown family "${w}" (see --list)`);
  }
  const selected = wanted.length > 0 ? FAMILIES.filter((f) => wanted.includes(f.name)) : FAMILIES;
  const out = resolve(values.out ?? DEFAULT_OUT);
  mkdirSync(out, { recursive: true });
  const work = values.keep ? resolve(values.keep) : mkdtempSync(join(tmpdir(), "kdbt-vectors-"));
  mkdirSync(work, { recursive: true });
  let total = 0;
  try {
    for (const fam of selected) {
      const { text, count } = generateFamily(fam, runner, work);
      const path = join(out, `${fam.name}.json`);
      writeFileSync(path, text);
      total += count;
      process.stderr.write(`${fam.name}: ${count} cases -> ${relative(process.cwd(), path)} (${(text.length / 1024).toFixed(0)} KiB)\n`);
    }
  } finally {
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  }
  process.stderr.write(`${total} cases in ${selected.length} families (${runner})\n`);
  if (inferredVectors > 0) process.stderr.write(`note: trapno was unset in ${inferredVectors} signal contexts; their vectors were inferred from the signal number\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof KdbtError) {
      process.stderr.write(`${e.name}: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    if (e instanceof Error && "code" in e && typeof e.code === "string" && e.code.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`UsageError: ${e.message}\n`);
      process.exit(64);
    }
    throw e;
  }
}
