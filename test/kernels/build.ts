// Builds the assembly test kernels (GNU as + ld) into bin/<name>.elf and records their QEMU results in expected/.
//
//   npx tsx test/kernels/build.ts [--check] [--no-qemu] [name...]
//
// Default: assemble and link every kernel (or the named ones), run each image twice on QEMU, insist
// that both runs agree and that the kernel ended as it should (DONE + exit 0, or a triple fault for
// a kernel whose source says "# end: triple-fault"), then write bin/<name>.elf,
// expected/<name>.txt and expected/<name>.json.
// --check: build into a temporary directory and compare with the committed images (and, unless
// --no-qemu, the recorded results); writes nothing, exits 1 on any difference.
// --no-qemu: build the images only.
// Reproducible: relative paths, no build id, fixed link script, so the same binutils give
// byte-identical images; bin/build.json records which binutils built the committed ones.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import {
  BIN_DIR,
  EXPECTED_DIR,
  type ExpectedResult,
  KERNELS_DIR,
  type QemuRun,
  listKernelNames,
  parseCmdline,
  qemuAvailable,
  runOnQemu,
} from "./kernels.js";

export const ASFLAGS: readonly string[] = ["--32"];
export const LDFLAGS: readonly string[] = [
  "-m",
  "elf_i386",
  "-T",
  "link.ld",
  "-N", // one RWX segment, no page padding: the simplest image to load
  "--build-id=none",
  "--orphan-handling=error",
  "--no-warn-rwx-segments",
];

/** Assemble and link one kernel; writes outDir/<name>.elf. */
export function buildKernel(name: string, outDir: string, objDir: string): string {
  const obj = join(objDir, `${name}.o`);
  const elf = join(outDir, `${name}.elf`);
  // Relative source name: it is what ends up in the symbol table's STT_FILE entry.
  const opts = { cwd: KERNELS_DIR, stdio: ["ignore", "inherit", "inherit"] as ("ignore" | "inherit")[] };
  execFileSync("as", [...ASFLAGS, "-o", obj, `${name}.S`], opts);
  execFileSync("ld", [...LDFLAGS, "-o", elf, obj], opts);
  return elf;
}

/** The first line of `as --version` and `ld --version`: images are byte-identical only for the same binutils. */
export function toolchainVersions(): { as: string; ld: string } {
  const first = (cmd: string): string =>
    execFileSync(cmd, ["--version"], { encoding: "utf8" }).split("\n")[0]?.trim() ?? "";
  return { as: first("as"), ld: first("ld") };
}

/** bin/build.json: the toolchain that built the committed images. */
export const BUILD_INFO_PATH = join(BIN_DIR, "build.json");

/** How a kernel must end: "# end: triple-fault" in its first lines, else DONE and exit value 0. */
function expectsTripleFault(source: string): boolean {
  return source
    .split("\n")
    .slice(0, 5)
    .some((l) => /^#\s*end:\s*triple-fault\s*$/.test(l));
}

function resultOf(run: QemuRun): ExpectedResult {
  return { exitStatus: run.exitStatus, debugExitValue: run.debugExitValue, tripleFault: run.tripleFault };
}

/** Run twice, require identical results and the intended ending. Returns the first run. */
async function recordKernel(name: string, elf: string, cmdline: string, source: string): Promise<QemuRun> {
  const a = await runOnQemu(elf, cmdline);
  const b = await runOnQemu(elf, cmdline);
  if (a.stdout !== b.stdout || JSON.stringify(resultOf(a)) !== JSON.stringify(resultOf(b))) {
    throw new Error(`${name}: two QEMU runs differ; a kernel must print only deterministic values`);
  }
  if (a.timedOut) throw new Error(`${name}: QEMU timed out\n${a.stdout}`);
  if (expectsTripleFault(source)) {
    if (!a.tripleFault) throw new Error(`${name}: expected a triple fault, got status ${a.exitStatus}\n${a.stdout}`);
  } else if (a.debugExitValue !== 0 || !a.stdout.endsWith("DONE\n")) {
    throw new Error(`${name}: did not pass (status ${a.exitStatus})\n${a.stdout}`);
  }
  return a;
}

function sameFile(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes("--check");
  const noQemu = argv.includes("--no-qemu");
  const unknown = argv.filter((a) => a.startsWith("--") && a !== "--check" && a !== "--no-qemu");
  if (unknown.length > 0) {
    console.error(`build.ts: unknown option ${unknown[0]}`);
    return 64;
  }
  const all = listKernelNames();
  const names = argv.filter((a) => !a.startsWith("--"));
  for (const n of names) {
    if (!all.includes(n)) {
      console.error(`build.ts: no kernel ${n} (have: ${all.join(", ")})`);
      return 64;
    }
  }
  const selected = names.length > 0 ? names : all;
  if (!noQemu && !qemuAvailable()) {
    console.error("build.ts: qemu-system-i386 not installed (use --no-qemu to build images only)");
    return 69;
  }

  const tmp = mkdtempSync(join(tmpdir(), "kdbt-test-kernels-"));
  const outDir = check ? tmp : BIN_DIR;
  mkdirSync(BIN_DIR, { recursive: true });
  mkdirSync(EXPECTED_DIR, { recursive: true });
  let differences = 0;
  try {
    for (const name of selected) {
      const source = readFileSync(join(KERNELS_DIR, `${name}.S`), "utf8");
      const cmdline = parseCmdline(source);
      const elf = buildKernel(name, outDir, tmp);
      if (check && !sameFile(elf, join(BIN_DIR, `${name}.elf`))) {
        console.error(`${name}: bin/${name}.elf is not current`);
        differences++;
      }
      if (noQemu) {
        console.log(`${name}: built ${relative(process.cwd(), elf)}`);
        continue;
      }
      const run = await recordKernel(name, elf, cmdline, source);
      const txt = run.stdout;
      const json = `${JSON.stringify(resultOf(run), null, 2)}\n`;
      const txtPath = join(EXPECTED_DIR, `${name}.txt`);
      const jsonPath = join(EXPECTED_DIR, `${name}.json`);
      if (check) {
        const oldTxt = existsSync(txtPath) ? readFileSync(txtPath, "latin1") : "";
        const oldJson = existsSync(jsonPath) ? readFileSync(jsonPath, "utf8") : "";
        if (oldTxt !== txt || oldJson !== json) {
          console.error(`${name}: expected/${name}.txt or .json is not current`);
          differences++;
        }
      } else {
        writeFileSync(txtPath, txt, "latin1");
        writeFileSync(jsonPath, json);
      }
      const ending = run.tripleFault ? " (triple fault)" : "";
      console.log(`${name}: ${txt.split("\n").length - 1} lines, status ${run.exitStatus}${ending}`);
    }
    if (!check) writeFileSync(BUILD_INFO_PATH, `${JSON.stringify(toolchainVersions(), null, 2)}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (check) console.log(differences === 0 ? "all test kernels current" : `${differences} difference(s)`);
  return differences === 0 ? 0 : 1;
}

// Run only when invoked as a script, so the helpers above can be imported.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`build.ts: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
