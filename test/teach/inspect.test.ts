// kdbt inspect: every view's --json validated by InspectJsonSchema and checked against the guest kernel's sources and ELF, plus the text views and bad input.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import { parseElf } from "../../src/machine/elf.js";
import { disassemblerLoaded } from "../../src/teach/disasm.js";
import { InspectJsonSchema, type InspectJson } from "../../src/teach/schemas.js";
import { expectOneLine, kdbt as kdbtCli, type CliRun } from "../helpers/run-cli.js";

/** Bad input as the README promises: exit status 64 and one line on stderr. */
function expectUsageError(r: CliRun, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(64);
  expectOneLine(r.stderr, pattern);
}

const elf = parseElf(readFileSync(DEFAULT_KERNEL), "kernel.elf");
const addr = (name: string): number => elf.symbols.find((x) => x.name === name)!.value;
const layout = JSON.parse(readFileSync(join(import.meta.dirname, "../../idt/vectors.json"), "utf8")).shadow as Record<string, number>;
const MONITOR = layout.monitorBase!;
const CACHE_START = MONITOR + layout.codeCacheOffset!;
const CACHE_END = CACHE_START + layout.codeCacheBytes!;
const STUB = (v: number): number => MONITOR + layout.hostEntriesOffset! + v * layout.interruptStubStride!;
// include/layout.h
const KERNEL_CS = 0x08;
const USER_CS = 0x1b;
const TSS_SEL = 0x28;

type View<V extends InspectJson["view"]> = Extract<InspectJson, { view: V }>;

describe("kdbt inspect --json", () => {
  let docs: InspectJson[];
  const view = <V extends InspectJson["view"]>(v: V): View<V> => docs.find((d): d is View<V> => d.view === v)!;
  beforeAll(async () => {
    const r = await kdbtCli("inspect", "--at", "30000", "--json");
    expect(r.code, r.stderr).toBe(0);
    docs = (JSON.parse(r.stdout) as unknown[]).map((d) => InspectJsonSchema.parse(d));
  });

  it("prints every view, each valid against InspectJsonSchema, and loads no disassembler", () => {
    expect(docs.map((d) => d.view)).toEqual(["idt", "gdt", "tss", "page-tables", "code-cache", "registers"]);
    expect(disassemblerLoaded()).toBe(false);
  });

  it("stops exactly at the retired-instruction count asked for", () => {
    expect(view("registers").registers.retired).toBe(30_000);
  });

  it("the guest's IDT as idt.c builds it, beside the precise shadow IDT: DPL-3 interrupt gates to dispatcher stubs", () => {
    const { guest, shadow } = view("idt");
    const g = (v: number) => guest.gates.find((x) => x.vector === v)!;
    for (const v of [0, 14, 32, 47]) expect(g(v)).toMatchObject({ present: true, type: "interrupt", dpl: 0, selector: KERNEL_CS, offset: addr(`isr_stub_${v}`) });
    expect(g(0x80)).toMatchObject({ present: true, type: "trap", dpl: 3, offset: addr("isr_stub_128") });
    expect(g(48)!.present).toBe(false);
    expect(shadow!.base).toBe(MONITOR + layout.shadowIdtOffset!);
    expect(shadow!.gates).toHaveLength(256);
    for (const s of shadow!.gates) expect(s).toMatchObject({ present: true, type: "interrupt", dpl: 3, offset: STUB(s.vector) });
    // The registers show the real IDTR: the shadow table.
    expect(view("registers").registers.idtr.base).toBe(shadow!.base);
  });

  it("the GDT of gdt.c: flat ring-0 and ring-3 code and data, and the TSS loaded in TR", () => {
    const e = view("gdt").gdt.entries;
    expect(e[KERNEL_CS >> 3]).toMatchObject({ kind: "code", dpl: 0, flat: true, inUse: ["cs"] });
    expect(e[USER_CS >> 3]).toMatchObject({ kind: "code", dpl: 3, flat: true });
    expect(e[TSS_SEL >> 3]).toMatchObject({ kind: "tss32-busy", inUse: ["tr"] });
    expect(view("tss").tss).toMatchObject({ selector: TSS_SEL });
  });

  it("page tables of the current CR3, with the monitor region mapped outside them", () => {
    const p = view("page-tables").pageTables;
    expect(p.cr3).toBe(view("registers").registers.cr3);
    expect(p.paging).toBe(true);
    expect(p.monitor).toMatchObject({ linear: MONITOR, bytes: layout.monitorBytes });
    // The kernel's code is mapped (it runs): the range holding call_tree is present, supervisor.
    const r = p.ranges.find((x) => addr("call_tree") >= x.linear && addr("call_tree") < x.linear + x.bytes)!;
    expect(r.user).toBe(false);
  });

  it("code-cache blocks in cache order, each linked exit pointing at the block that translates its target", () => {
    const blocks = view("code-cache").blocks;
    expect(blocks.length).toBeGreaterThan(20);
    expect(blocks[0]!.cacheStart).toBe(CACHE_START);
    expect(blocks[0]!.guestStart).toBe(elf.header.entry); // the first translation is the kernel's entry
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i]!;
      expect(b.cacheStart >= CACHE_START && b.cacheEnd <= CACHE_END && b.cacheStart < b.cacheEnd).toBe(true);
      if (i > 0) expect(b.cacheStart).toBeGreaterThanOrEqual(blocks[i - 1]!.cacheEnd);
      expect(b.hostInstructions).toBeGreaterThanOrEqual(b.guestInstructions);
    }
    const linked = blocks.flatMap((b) => b.links.filter((l) => l.linked));
    expect(linked.length).toBeGreaterThan(0);
    for (const l of linked) expect(blocks.find((b) => b.cacheStart === l.toCache)?.guestStart).toBe(l.guestTarget);
    expect(blocks.some((b) => b.guestStart === addr("call_tree"))).toBe(true);
  });
});

describe("kdbt inspect text views", () => {
  it("at 0 the CPU is at the translation of the kernel's entry, the first block in the cache", async () => {
    const r = await kdbtCli("inspect", "registers", "--at", "0");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/at guest instruction 0,/);
    expect(r.stdout).toMatch(new RegExp(`^eip +${CACHE_START.toString(16)} `, "m"));
    expect(r.stdout).toContain(`is in the code cache: the guest is at _start (0x${elf.header.entry.toString(16)})`);
  });

  it("the IDT beside the shadow IDT, one row per guest vector; natively, no shadow and no code cache", async () => {
    const r = await kdbtCli("inspect", "idt", "--at", "30000");
    expect(r.stdout).toMatch(/^ 32 0x20 +IRQ 0 \(PIT timer\) +int32 dpl0 0x8:isr_stub_32 +int32 dpl3 0x8:dispatcher stub 32 +DIFFER$/m);
    expect(r.stdout).toMatch(/^128 0x80 .*trap32 dpl3 0x8:isr_stub_128 +int32 dpl3 0x8:dispatcher stub 128/m);
    expect(r.stdout).not.toMatch(/^ 48 0x30/m);
    const relaxed = await kdbtCli("inspect", "idt", "--at", "30000", "--mode", "relaxed");
    expect(relaxed.stdout).toMatch(/^ 32 0x20 .*int32 dpl0 0x8:isr_stub_32 +int32 dpl0 0x8:(cache\{isr_stub_32\}|dispatcher stub 32) +same$/m);
    const native = await kdbtCli("inspect", "cache", "--mode", "native", "--at", "1000");
    expect(native.stdout).toMatch(/code cache: none \(native mode/);
  });

  it("bad input: an unknown view, --at past the end of the run: one line, exit 64", async () => {
    expectUsageError(await kdbtCli("inspect", "ldt"), /^kdbt: inspect: unknown view "ldt"/);
    expectUsageError(await kdbtCli("inspect", "--cmdline", "workload=compute iters=5", "--at", "10000000"), /^kdbt: --at 10000000: the run ended after [\d,]+ guest instructions$/);
    expectUsageError(await kdbtCli("inspect", "--at", "-3"), /^kdbt: --at -3: expected a whole number/);
  });
});
