// kdbt step driven through stdin: scripted commands, exact instruction counts, deliveries, highlighting, and a clean end.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import { TEACH_CMDLINE } from "../../src/cli/teach-commands.js";
import { loadCostModel } from "../../src/cost/model.js";
import type { ExecMode } from "../../src/machine/machine.js";
import { parseElf } from "../../src/machine/elf.js";
import { TeachSession } from "../../src/teach/session.js";
import { runStepper } from "../../src/teach/stepper.js";

const ROOT = join(import.meta.dirname, "../..");
const image = readFileSync(DEFAULT_KERNEL);
const elf = parseElf(image, "kernel.elf");
const addr = (name: string): number => elf.symbols.find((x) => x.name === name)!.value;

/** Feed `script` to the stepper as a non-terminal stdin; the transcript it prints. */
async function transcript(script: string, opts: { cmdline?: string; mode?: ExecMode; at?: number } = {}): Promise<string> {
  const s = new TeachSession({ kernelImage: image, kernelName: "kernel.elf", cmdline: opts.cmdline ?? TEACH_CMDLINE, mode: opts.mode ?? "precise", cost: loadCostModel("default") });
  if (opts.at !== undefined) s.run({ retired: opts.at });
  let out = "";
  await runStepper(s, { input: Readable.from([script]), terminal: null, write: (t) => void (out += t), interactive: false, color: false });
  return out;
}

/** The counters of every location line, in order: [guest, host]. */
const counters = (t: string): [number, number][] =>
  [...t.matchAll(/^\[guest ([\d,]+) \| host ([\d,]+) \|/gm)].map((m) => [Number(m[1]!.replace(/,/g, "")), Number(m[2]!.replace(/,/g, ""))]);

describe("kdbt step from a script", () => {
  it("s retires exactly one guest instruction, si runs exactly one host instruction, s 5 five", async () => {
    const t = await transcript("si\nsi\ns\ns 5\nq\n", { at: 30_000 });
    const c = counters(t);
    expect(c).toHaveLength(5);
    expect(c[0]![0]).toBe(30_000);
    expect(c[1]![1] - c[0]![1]).toBe(1);
    expect(c[2]![1] - c[1]![1]).toBe(1);
    expect(c[3]![0] - c[2]![0]).toBe(1);
    expect(c[4]![0] - c[3]![0]).toBe(5);
    expect(t).toMatch(/^> si$/m);
    expect(t.trimEnd().split("\n").at(-1)).toBe("bye");
  });

  it("walks a rewritten call one host instruction at a time: push of the native return address, then the jump", async () => {
    // Step host instructions until the CPU sits between the two host instructions of a call (a ret's
    // translation also has two: the guest line marked "=>" must be a call).
    const t = await transcript("si 1\n".repeat(200) + "q\n", { at: 30_000 });
    const lines = t.split("\n");
    const mid = lines.findIndex(
      (l, i) => /host instruction 2 of 2 of its translation, mid-instruction/.test(l) && /^=> +[0-9a-f]{8} +e8( [0-9a-f]{2}){4} +call /.test(lines.slice(i + 1).find((x) => x.startsWith("=>")) ?? ""),
    );
    expect(mid).toBeGreaterThan(0);
    // The guest instruction there is a call (E8 rel32) and the host instruction just run pushed the native return address.
    const at = t.split("\n")[mid]!.match(/= guest \S+ \(0x([0-9a-f]+)\)/)!;
    const pc = parseInt(at[1]!, 16);
    expect(t.split("\n").slice(mid).join("\n")).toMatch(new RegExp(`push 0x${(pc + 5).toString(16)}`));
    const changed = t.split("\n").slice(mid).find((l) => l.startsWith("changed:"))!;
    const esp = changed.match(/esp ([0-9a-f]{8})->([0-9a-f]{8})/)!;
    expect(parseInt(esp[1]!, 16) - parseInt(esp[2]!, 16)).toBe(4);
  });

  it("c stops right after the next delivery, in the handler's translation, and says what the DBT did", async () => {
    const t = await transcript("c\nr\nv\nq\n", { at: 30_000 });
    expect(t).toMatch(/^-- delivery \d+: vector 32 IRQ 0 \(PIT timer\) from ring 0, frame eip 0x[0-9a-f]+$/m);
    expect(t).toMatch(/the hardware pushed code-cache PC 0xffe[0-9a-f]+; the dispatcher mapped it to /);
    expect(t).toContain(`= guest isr_stub_32 (0x${addr("isr_stub_32").toString(16)}), host instruction 1 of 1`);
    // regs marks what the delivery changed (ESP: the frame) with * when not on a terminal.
    expect(t).toMatch(/^esp +[0-9a-f]{8}\*/m);
    // The guest's gate 32 is an interrupt gate: the delivery cleared IF (SDM 3A 6.12.1.3).
    const flags = t.match(/^changed: .*eflags ([0-9a-f]{8})->([0-9a-f]{8})/m)!;
    expect(parseInt(flags[1]!, 16) & 0x200).toBe(0x200);
    expect(parseInt(flags[2]!, 16) & 0x200).toBe(0);
    expect(t).toMatch(/eflags +[0-9a-f]{8} \[[A-Z ]*\] iopl=0\*/);
    expect(t).toContain("side-by-side view off");
  });

  it("says what it does not understand, keeps going, and ends cleanly at the end of input or of the run", async () => {
    const t = await transcript("frobnicate\ns 0\nh\nc 100\ns\n", { cmdline: "workload=syscall iters=2", mode: "native" });
    expect(t).toContain('unknown command "frobnicate"');
    expect(t).toContain("s 0: the count must be a whole number from 1 to 1,000,000");
    expect(t).toContain("c [n]      continue to the next (n-th) interrupt");
    expect(t).toMatch(/^-- the guest exited \(isa-debug-exit value 0\)$/m);
    expect(t).toMatch(/^console: RESULT workload=syscall iters=2 /m);
    expect(t).toContain("the run has ended");
    expect(t.trimEnd().split("\n").at(-1)).toBe("bye");
  });

  it("reads a real stdin that is not a terminal (the kdbt process itself)", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "step", "--mode", "native", "--cmdline", "workload=syscall iters=1", "--at", "20000"], {
      input: "s\nc\nq\n",
      encoding: "utf8",
      cwd: ROOT,
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^kdbt step: native mode, at guest instruction 20,000/m);
    expect(r.stdout).toMatch(/^> c\n-- delivery 0: vector 128 int 0x80 from ring 3/m);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("bye");
  });
});
