// `kdbt run` as a user meets it: exit statuses, one-line errors for bad input, the summary file.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { kdbt, expectOneLine } from "../helpers/run-cli.js";
import { ExitCode } from "../../src/errors.js";
import { listTestKernels } from "../kernels/kernels.js";

const dir = mkdtempSync(join(tmpdir(), "kdbt-cli-"));

afterEach(() => vi.restoreAllMocks());

describe("kdbt run", () => {
  it("boots the bundled kernel by default and exits with the guest's isa-debug-exit value (0 = success)", async () => {
    const r = await kdbt("run", "--cmdline", "workload=syscall iters=10", "-q");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^RESULT workload=syscall iters=10 cycles=\d+ check=[0-9a-f]{8}$/m);
  });

  it("exits with the guest's value when it is not 0 (a bad command line is 3)", async () => {
    const r = await kdbt("run", "--cmdline", "workload=nosuch", "-q");
    expect(r.code).toBe(3);
  });

  it("prints the summary on stderr: instructions, cycles, vectors, host time, MIPS", async () => {
    const r = await kdbt("run", "--cmdline", "workload=divzero iters=20");
    expect(r.stderr).toMatch(/instructions retired\s+[\d,]+/);
    expect(r.stderr).toMatch(/cycles\s+[\d,]+ \(icount cost model/);
    expect(r.stderr).toMatch(/0\s+#DE Divide Error\s+20\b/);
    expect(r.stderr).toMatch(/guest MIPS/);
  });

  it("writes the summary as JSON with --summary-json", async () => {
    const file = join(dir, "s.json");
    const r = await kdbt("run", "--cmdline", "workload=syscall iters=5", "-q", "--summary-json", file);
    expect(r.code).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8"));
    expect(s.exitValue).toBe(0);
    expect(s.qemuExitStatus).toBe(1);
    expect(s.vectors.find((v: { vector: number }) => v.vector === 0x80).count).toBeGreaterThanOrEqual(5);
  });

  it("a triple fault stops with a named one-line error, a register dump and exit status 112", async () => {
    const k = listTestKernels().find((x) => x.name === "triplefault")!;
    const r = await kdbt("run", "--kernel", k.elfPath, "--no-summary");
    expect(r.code).toBe(ExitCode.tripleFault);
    expect(r.stderr).toMatch(/^kdbt: triple fault: /);
    expect(r.stderr).toMatch(/eip=[0-9a-f]{8} eflags=/);
  });

  it("a run past --max-cycles stops with a named error and exit status 114", async () => {
    const r = await kdbt("run", "--cmdline", "workload=all", "--max-cycles", "10000", "--no-summary");
    expect(r.code).toBe(ExitCode.maxCycles);
    expect(r.stderr).toMatch(/^kdbt: stopped after --max-cycles 10000 cycles/);
  });

  describe("bad input gets one line and a non-zero status", () => {
    it("a missing kernel file", async () => {
      const r = await kdbt("run", "--kernel", join(dir, "nope.elf"));
      expect(r.code).toBe(ExitCode.noInput);
      expectOneLine(r.stderr, /^kdbt: --kernel .*nope\.elf: no such file$/);
    });
    it("a file that is not an ELF", async () => {
      const f = join(dir, "text.elf");
      writeFileSync(f, "hello, this is not an executable\n");
      const r = await kdbt("run", "--kernel", f);
      expect(r.code).toBe(ExitCode.dataErr);
      expectOneLine(r.stderr, /^kdbt: .*text\.elf/);
    });
    it("an ELF without a multiboot header", async () => {
      const r = await kdbt("run", "--kernel", "test/machine/fixtures/no-multiboot.elf");
      expect(r.code).toBe(ExitCode.dataErr);
      expectOneLine(r.stderr, /multiboot/i);
    });
    it("an unknown flag", async () => {
      const r = await kdbt("run", "--frobnicate");
      expect(r.code).toBe(ExitCode.usage);
      expectOneLine(r.stderr, /frobnicate/);
    });
    it("a value outside a flag's choices (yargs spreads its message over lines; kdbt keeps one)", async () => {
      const r = await kdbt("run", "--mode", "turbo");
      expect(r.code).toBe(ExitCode.usage);
      expectOneLine(r.stderr, /mode.*"turbo".*"native", "precise", "relaxed"/);
    });
    it("a bad --max-cycles value", async () => {
      const r = await kdbt("run", "--max-cycles", "lots");
      expect(r.code).toBe(ExitCode.usage);
      expectOneLine(r.stderr, /^kdbt: --max-cycles lots: expected a positive integer$/);
    });
    it("an unknown cost preset or missing cost file", async () => {
      const r = await kdbt("run", "--cost", "turbo");
      expect(r.code).toBe(ExitCode.noInput);
      expectOneLine(r.stderr, /^kdbt: --cost turbo: no such preset \(icount, default\) or file$/);
    });
    it("a cost file that fails validation names the field", async () => {
      const f = join(dir, "cost.json");
      const model = JSON.parse(readFileSync("src/cost/presets/default.json", "utf8"));
      model.instructions.div = -3;
      writeFileSync(f, JSON.stringify(model));
      const r = await kdbt("run", "--cost", f);
      expect(r.code).toBe(ExitCode.config);
      expectOneLine(r.stderr, /cost\.json: cost model field instructions\.div: /);
    });
    it("a cost file that is not JSON", async () => {
      const f = join(dir, "cost.txt");
      writeFileSync(f, "{ not json");
      const r = await kdbt("run", "--cost", f);
      expect(r.code).toBe(ExitCode.config);
      expectOneLine(r.stderr, /cost\.txt: not valid JSON/);
    });
    it("no command at all", async () => {
      const r = await kdbt();
      expect(r.code).toBe(ExitCode.usage);
    });
  });
});
