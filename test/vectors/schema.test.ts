// The committed hardware vectors: schema-valid, enough of them, and every case's bytes re-assemble from its asm.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readElf32Section } from "./gen/elf32.js";
import { ASM_PROLOGUE } from "./gen/harness.js";
import { VECTOR_DATA_DIR, loadVectorFiles, type VectorFile } from "./schema.js";

const SCRATCH = { base: 0x00600000, size: 256 };

/** GNU as able to assemble i386 code (`as --32`), or why it is unavailable. */
function i386AssemblerMissing(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "kdbt-as-probe-"));
  try {
    writeFileSync(join(dir, "p.s"), "nop\n");
    const r = spawnSync("as", ["--32", "-o", join(dir, "p.o"), join(dir, "p.s")]);
    if (r.error) return "GNU as (binutils) not found on PATH";
    if (r.status !== 0) return "as does not accept --32 (no i386 support in this binutils)";
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const asMissing = i386AssemblerMissing();
const files: VectorFile[] = loadVectorFiles();

describe("test/vectors/data", () => {
  it("loads every file through the schema", () => {
    expect(files.length).toBeGreaterThanOrEqual(18);
    for (const f of files) expect(f.cases.length).toBeGreaterThan(0);
  });

  it("holds at least 3000 cases", () => {
    const total = files.reduce((n, f) => n + f.cases.length, 0);
    expect(total).toBeGreaterThanOrEqual(3000);
  });

  it("names each file after its family, recorded on hardware, each under 2 MiB", () => {
    for (const name of readdirSync(VECTOR_DATA_DIR).filter((n) => n.endsWith(".json"))) {
      expect(statSync(join(VECTOR_DATA_DIR, name)).size).toBeLessThan(2 << 20);
    }
    for (const f of files) {
      expect(JSON.parse(readFileSync(join(VECTOR_DATA_DIR, `${f.family}.json`), "utf8")).family).toBe(f.family);
      expect(f.recordedOn).toBe("native");
    }
  });

  it("keeps memory windows inside the scratch buffer", () => {
    for (const f of files) {
      for (const c of f.cases) {
        if (!c.mem) continue;
        const len = c.mem.init.length / 2;
        expect(c.mem.base, `${f.family}: ${c.name}`).toBeGreaterThanOrEqual(SCRATCH.base);
        expect(c.mem.base + len, `${f.family}: ${c.name}`).toBeLessThanOrEqual(SCRATCH.base + SCRATCH.size);
      }
    }
  });

  it("places code and scratch apart, and exceptions at or just after the instruction", () => {
    for (const f of files) {
      for (const c of f.cases) {
        const end = c.codeAddr + c.bytes.length / 2;
        expect(end <= SCRATCH.base || c.codeAddr >= SCRATCH.base + SCRATCH.size, c.name).toBe(true);
        if (c.exception) expect([c.codeAddr, end], `${f.family}: ${c.name}`).toContain(c.exception.eip);
      }
    }
  });

  it.skipIf(asMissing !== undefined)(`re-assembles every asm to its recorded bytes with as --32${asMissing ? ` (skipped: ${asMissing})` : ""}`, () => {
    const cases = files.flatMap((f) => f.cases.map((c) => ({ family: f.family, name: c.name, asm: c.asm, bytes: c.bytes })));
    const lines = [ASM_PROLOGUE, ".text"];
    cases.forEach((c, i) => lines.push(`v_${i}:`, `  ${c.asm}`));
    lines.push(`v_${cases.length}:`, "");
    const dir = mkdtempSync(join(tmpdir(), "kdbt-vectors-asm-"));
    try {
      writeFileSync(join(dir, "all.s"), lines.join("\n"));
      const r = spawnSync("as", ["--32", "-o", join(dir, "all.o"), join(dir, "all.s")], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const text = readElf32Section(readFileSync(join(dir, "all.o")), ".text");
      const mismatches: string[] = [];
      cases.forEach((c, i) => {
        const from = text.symbols.get(`v_${i}`);
        const to = text.symbols.get(`v_${i + 1}`);
        if (from === undefined || to === undefined) throw new Error(`label v_${i} missing`);
        const got = text.bytes.subarray(from, to).toString("hex");
        if (got !== c.bytes) mismatches.push(`${c.family}: "${c.name}" ${c.asm}: recorded ${c.bytes}, as gives ${got}`);
      });
      expect(mismatches.slice(0, 10)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
