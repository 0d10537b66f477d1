// Builds the guest kernel (gcc, GNU as, GNU ld) into kernel.elf, reproducibly, and lints the result.
//
//   npx tsx guest-kernel/build.ts [--out-dir DIR]
//
// Writes DIR/kernel.elf and DIR/kernel.build.json (hash, size, toolchain), with intermediate files
// in DIR/build/.  DIR defaults to guest-kernel/ itself, which updates the committed image.
// Reproducible: no timestamps, no build ids, no absolute paths, inputs in sorted order, so two
// builds with the same toolchain are byte-identical wherever they run.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { type ElfImage, parseElf } from "../src/machine/elf.js";

/** The guest-kernel/ directory: sources are found relative to it. */
export const KERNEL_DIR = dirname(fileURLToPath(import.meta.url));

/** The compiler flags, in the order passed.  The first seven are the project's fixed set. */
export const CFLAGS: readonly string[] = [
  "-m32",
  "-march=i386",
  "-O2",
  "-ffreestanding",
  "-fno-pic",
  "-fno-stack-protector",
  "-nostdlib",
  // No x87 or SSE code, even by accident (e.g. for a 64-bit move).
  "-mgeneral-regs-only",
  // No endbr32 (an i686+ hint NOP that the simulator need not decode), whatever the distro default.
  "-fcf-protection=none",
  // Reproducibility and a clean image: no .eh_frame, no compiler version string, and no absolute
  // paths (sources are compiled from KERNEL_DIR by relative path; the map covers anything else).
  "-fno-asynchronous-unwind-tables",
  "-fno-unwind-tables",
  "-fno-ident",
  `-ffile-prefix-map=${KERNEL_DIR}/=`,
  "-std=gnu11",
  "-Wall",
  "-Wextra",
  "-Iinclude",
];

/** GNU as flags for the hand-written .S files (after the C preprocessor). */
export const ASFLAGS: readonly string[] = ["--32"];

export const LDFLAGS: readonly string[] = [
  "-m",
  "elf_i386",
  "-T",
  "kernel.ld",
  "--build-id=none",
  "--orphan-handling=error",
  "-z",
  "max-page-size=4096",
  "-z",
  "noexecstack",
  "--no-warn-rwx-segments",
];

/** Source directories: kernel/ and workloads/ are ring 0, user/ is ring 3 (linked apart). */
const KERNEL_SOURCE_DIRS = ["kernel", "workloads"];
const USER_SOURCE_DIR = "user";

/** Symbols tools look up by name; the build fails if any is missing or not global. */
export const EXPORTED_SYMBOLS: readonly string[] = [
  "_start",
  "idt",
  "gdt",
  "tss",
  "kdbt_extable_ext",
  "kdbt_extable_ext_count",
  "kdbt_extable_ext_capacity",
  "__start___ex_table",
  "__stop___ex_table",
  "kernel_page_directory",
  "kernel_page_table",
  "kmap_page_table",
  "boot_stack_top",
  "trap_common",
  "trap_return",
  "context_switch",
  "raw_copy_from_user",
  "smc_target",
  "workload_compute",
  "workload_syscall",
  "workload_copy",
  "workload_pagefault",
  "workload_divzero",
  "workload_fixup",
  "workload_timer",
  "workload_ctxswitch",
  "workload_callret",
  "workload_ptewrite",
  "workload_io",
  "workload_smc",
  "user_compute",
  "user_syscall",
  "user_copy",
  "user_pagefault",
  "user_divzero",
  "user_fixup",
  "user_ctxswitch",
];

/**
 * Instructions the kernel may contain (objdump AT&T mnemonics): what §2 of the brief says the
 * simulator implements.  Anything else fails the build, so a compiler or source change cannot
 * quietly introduce an instruction the simulator lacks (cmov, bswap, xadd, x87, SSE, lldt, ...).
 */
const ALLOWED_MNEMONICS: readonly RegExp[] = [
  /^mov[bwl]?$/,
  /^mov[sz][bw][wl]$/, // movzx / movsx
  /^(add|or|adc|sbb|and|sub|xor|cmp|test|inc|dec|neg|not)[bwl]?$/,
  /^(imul|mul|div|idiv)[bwl]?$/,
  /^(shl|sal|shr|sar|rol|ror|rcl|rcr|shld|shrd)[bwl]?$/,
  /^(cltd|cwtl|cbtw|cwtd)$/, // cdq, cwde, cbw, cwd: sign extension for idiv
  /^set(n?(o|b|c|ae|e|z|be|a|s|p|pe|po|l|ge|le|g|nb|nc|nae|na|nbe|nl|nge|nle|ng))$/,
  /^lea[wl]?$/,
  /^xchg[bwl]?$/,
  /^cmpxchg[bwl]?$/,
  /^(push|pop)[wl]?$/,
  /^(pusha|popa|pushf|popf)[wl]?$/,
  /^(call|ret)[wl]?$/,
  /^(enter|leave)[wl]?$/,
  /^jmp[wl]?$/,
  /^j(n?(o|b|c|ae|e|z|be|a|s|p|pe|po|l|ge|le|g|nb|nc|nae|na|nbe|nl|nge|nle|ng)|ecxz)$/,
  /^loop(e|ne|z|nz)?$/,
  /^(rep|repz|repnz|repe|repne) (movs|stos|cmps|scas)[bwl]?$/,
  /^(movs|stos|cmps|scas)[bwl]?$/,
  /^(cld|std|clc|stc|cmc)$/,
  /^(int|int3|into|iret)[wl]?$/,
  /^(cli|sti|hlt)$/,
  /^(in|out)[bwl]?$/,
  /^(lgdt|lidt|sgdt|sidt)[wl]?$/,
  /^(ltr|str)[wl]?$/,
  /^invlpg$/,
  /^rdtsc$/,
  /^cpuid$/,
  /^ud2$/,
  /^ljmp[wl]?$/,
  /^nop$/,
];

const PREFIXES = new Set(["rep", "repz", "repnz", "repe", "repne"]);

export interface BuildResult {
  readonly elfPath: string;
  readonly sha256: string;
  readonly bytes: number;
  /** How often each instruction mnemonic occurs in the executable sections. */
  readonly mnemonics: ReadonlyMap<string, number>;
}

/** A build failure: one line saying which step failed and why. */
export class GuestBuildError extends Error {
  override readonly name = "GuestBuildError";
}

function run(tool: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(tool, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { status?: number };
    if (e.code === "ENOENT") throw new GuestBuildError(`${tool} not found: install gcc (with 32-bit support) and binutils`);
    throw new GuestBuildError(`${tool} ${args.join(" ")} failed (exit status ${e.status ?? "?"})`);
  }
}

/** Relative paths (from KERNEL_DIR) of the sources under `dir`, sorted, recursively. */
function listSources(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(KERNEL_DIR, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (/\.(c|S)$/.test(entry.name)) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** Compile or assemble one source (path relative to KERNEL_DIR) into objDir; returns the object path. */
function compile(source: string, objDir: string): string {
  // foo.c -> foo.c.o and foo.S -> foo.S.o: a C file and an assembly file may share a name.
  const object = join(objDir, `${source}.o`);
  mkdirSync(dirname(object), { recursive: true });
  if (source.endsWith(".c")) {
    run("gcc", [...CFLAGS, "-c", source, "-o", object], KERNEL_DIR);
  } else {
    // Preprocess (for #include and #define), then assemble with GNU as.
    const preprocessed = join(objDir, `${source}.s`);
    run("gcc", ["-m32", "-E", "-Iinclude", "-x", "assembler-with-cpp", source, "-o", preprocessed], KERNEL_DIR);
    run("as", [...ASFLAGS, "-o", object, preprocessed], KERNEL_DIR);
  }
  return object;
}

function firstLine(tool: string): string {
  return run(tool, ["--version"], KERNEL_DIR).split("\n")[0] ?? "";
}

export function toolchainVersions(): { gcc: string; as: string; ld: string } {
  return { gcc: firstLine("gcc"), as: firstLine("as"), ld: firstLine("ld") };
}

/** Every instruction in the executable sections, as [address, mnemonic] pairs. */
function disassemble(elfPath: string, elf: ElfImage): Array<[number, string]> {
  const multiboot = elf.symbols.find((s) => s.name === "multiboot_header");
  const skip = (addr: number): boolean => multiboot !== undefined && addr >= multiboot.value && addr < multiboot.value + 12;
  const full = run("objdump", ["-d", "--no-show-raw-insn", "-w", elfPath], KERNEL_DIR);
  const out: Array<[number, string]> = [];
  for (const line of full.split("\n")) {
    const m = /^\s*([0-9a-f]+):\t(\S.*)$/.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    const addr = parseInt(m[1], 16);
    if (skip(addr)) continue;
    const words = m[2].trim().split(/\s+/);
    let mnemonic = words[0] ?? "";
    if (PREFIXES.has(mnemonic) && words[1] !== undefined) mnemonic = `${mnemonic} ${words[1]}`;
    out.push([addr, mnemonic]);
  }
  return out;
}

function lint(elfPath: string, elf: ElfImage): Map<string, number> {
  const counts = new Map<string, number>();
  const bad: string[] = [];
  for (const [addr, mnemonic] of disassemble(elfPath, elf)) {
    counts.set(mnemonic, (counts.get(mnemonic) ?? 0) + 1);
    if (!ALLOWED_MNEMONICS.some((re) => re.test(mnemonic))) bad.push(`${addr.toString(16).padStart(8, "0")}: ${mnemonic}`);
  }
  if (bad.length > 0)
    throw new GuestBuildError(`kernel.elf uses instructions outside the simulator's set: ${bad.slice(0, 10).join(", ")}`);

  for (const name of EXPORTED_SYMBOLS) {
    const sym = elf.symbols.find((s) => s.name === name);
    if (!sym || sym.binding !== "global") throw new GuestBuildError(`symbol ${name} is missing or not global`);
  }
  for (const seg of elf.programHeaders) {
    if (seg.type !== 1) continue;
    if (seg.vaddr % 4096 !== 0 || seg.paddr % 4096 !== 0)
      throw new GuestBuildError(`a PT_LOAD segment at ${seg.vaddr.toString(16)} is not page-aligned`);
  }
  return counts;
}

export function buildKernel(outDir: string): BuildResult {
  const out = resolve(outDir);
  const buildDir = join(out, "build");
  const objDir = join(buildDir, "obj");
  rmSync(objDir, { recursive: true, force: true });
  mkdirSync(objDir, { recursive: true });

  const kernelObjects = KERNEL_SOURCE_DIRS.flatMap(listSources).map((s) => compile(s, objDir));
  const userObjects = listSources(USER_SOURCE_DIR).map((s) => compile(s, objDir));

  // Ring-3 code is linked on its own first: it must be self-contained (it cannot call into the
  // kernel, whose pages are supervisor-only), and one object lets kernel.ld place it apart.
  const userImage = join(buildDir, "user-image.o");
  run("ld", ["-m", "elf_i386", "-r", "-o", userImage, ...userObjects], KERNEL_DIR);
  const undefinedSymbols = run("nm", ["-u", userImage], KERNEL_DIR).trim();
  if (undefinedSymbols !== "")
    throw new GuestBuildError(`ring-3 code refers to symbols outside user/: ${undefinedSymbols.replace(/\s+/g, " ")}`);

  const linked = join(buildDir, "kernel.elf");
  run("ld", [...LDFLAGS, "-o", linked, ...kernelObjects, userImage], KERNEL_DIR);

  const bytes = readFileSync(linked);
  const elf = parseElf(bytes, linked);
  const mnemonics = lint(linked, elf);

  const elfPath = join(out, "kernel.elf");
  copyFileSync(linked, elfPath);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const metadata = {
    $comment: "Written by guest-kernel/build.ts. The test rebuilds kernel.elf and expects these bytes when the toolchain matches.",
    file: "kernel.elf",
    sha256,
    bytes: bytes.length,
    toolchain: toolchainVersions(),
  };
  writeFileSync(join(out, "kernel.build.json"), `${JSON.stringify(metadata, null, 2)}\n`);
  return { elfPath, sha256, bytes: bytes.length, mnemonics };
}

function main(argv: readonly string[]): number {
  let outDir = KERNEL_DIR;
  let stats = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--out-dir" && argv[i + 1] !== undefined) outDir = argv[++i] ?? outDir;
    else if (arg?.startsWith("--out-dir=")) outDir = arg.slice("--out-dir=".length);
    else if (arg === "--stats") stats = true;
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write("usage: npx tsx guest-kernel/build.ts [--out-dir DIR] [--stats]\n");
      return 0;
    } else {
      process.stderr.write(`build.ts: unknown argument ${arg ?? ""} (try --help)\n`);
      return 64;
    }
  }
  try {
    const result = buildKernel(outDir);
    process.stdout.write(`${relative(process.cwd(), result.elfPath) || result.elfPath}: ${result.bytes} bytes, sha256 ${result.sha256}\n`);
    if (stats) {
      const sorted = [...result.mnemonics].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      for (const [mnemonic, count] of sorted) process.stdout.write(`${String(count).padStart(6)} ${mnemonic}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof GuestBuildError) {
      process.stderr.write(`build.ts: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
