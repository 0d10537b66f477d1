// The disassembler wrapper: hand-checked encodings, symbolization, lazy loading, and GNU objdump on the whole guest kernel.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseElf, type ElfSymbol } from "../../src/machine/elf.js";
import { DEFAULT_KERNEL } from "../../src/cli/paths.js";
import { DisasmLineSchema } from "../../src/teach/schemas.js";
import { haveTool } from "../helpers/tools.js";

const ROOT = join(import.meta.dirname, "../..");
const image = readFileSync(DEFAULT_KERNEL);
const elf = parseElf(image, "kernel.elf");
const sym = (name: string): ElfSymbol => {
  const s = elf.symbols.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no symbol ${name} in the guest kernel`);
  return s;
};

const SHF_EXECINSTR = 0x4;
/** Bytes of the kernel image at a linear address inside an executable section. */
function codeAt(address: number, length: number): Uint8Array {
  const s = elf.sections.find((x) => (x.flags & SHF_EXECINSTR) !== 0 && address >= x.addr && address + length <= x.addr + x.size);
  if (s === undefined) throw new Error(`0x${address.toString(16)} is not in an executable section`);
  return image.subarray(s.offset + (address - s.addr), s.offset + (address - s.addr) + length);
}

// Imported lazily so the first test can check that importing the module does not load iced-x86.
const mod = await import("../../src/teach/disasm.js");
const loadedAtImport = mod.disassemblerLoaded();
const { disassemble, disassembleOne, symbolize, SymbolTable } = mod;

const one = (bytes: number[], address = 0x100000, symbols?: readonly ElfSymbol[]): string =>
  disassembleOne(Uint8Array.from(bytes), address, symbols === undefined ? {} : { symbols })!.text;

describe("loading", () => {
  it("importing the module does not load iced-x86; the first disassembly does", () => {
    expect(loadedAtImport).toBe(false);
    one([0x90]);
    expect(mod.disassemblerLoaded()).toBe(true);
  });

  it("only src/teach/disasm.ts refers to iced-x86, and never with a static value import", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith(".ts") ? [join(dir, n)] : []));
    const users = files(join(ROOT, "src")).filter((f) => readFileSync(f, "utf8").includes('"iced-x86"'));
    expect(users.map((f) => relative(ROOT, f))).toEqual(["src/teach/disasm.ts"]);
    const text = readFileSync(join(ROOT, "src/teach/disasm.ts"), "utf8");
    const staticImports = text.split("\n").filter((l) => /^import\s/.test(l) && l.includes('"iced-x86"'));
    expect(staticImports).toEqual(['import type * as Iced from "iced-x86";']);
  });
});

describe("known encodings (Intel syntax, lowercase, hex immediates)", () => {
  it.each([
    [[0x0f, 0x01, 0x1d, 0x78, 0x56, 0x34, 0x12], "lidt [0x12345678]"],
    [[0x0f, 0x01, 0x0d, 0x78, 0x56, 0x34, 0x12], "sidt [0x12345678]"],
    [[0x0f, 0x01, 0x15, 0x00, 0x10, 0x00, 0x00], "lgdt [0x1000]"],
    [[0xcd, 0x80], "int 0x80"],
    [[0xcc], "int3"],
    [[0xcf], "iretd"],
    [[0x60], "pushad"],
    [[0x0f, 0x22, 0xd8], "mov cr3, eax"],
    [[0x0f, 0x20, 0xd2], "mov edx, cr2"],
    [[0x0f, 0x01, 0x38], "invlpg [eax]"],
    [[0x0f, 0x00, 0xd8], "ltr ax"],
    [[0xf3, 0xab], "rep stosd"],
    [[0xf3, 0xa4], "rep movsb"],
    [[0x8b, 0x44, 0x24, 0x04], "mov eax, [esp+0x4]"],
    [[0x8b, 0x45, 0xf8], "mov eax, [ebp-0x8]"],
    [[0xc7, 0x00, 0x05, 0x00, 0x00, 0x00], "mov dword ptr [eax], 0x5"],
    [[0x66, 0x90], "xchg ax, ax"],
    [[0xe4, 0x80], "in al, 0x80"],
    [[0xef], "out dx, eax"],
    [[0x0f, 0x31], "rdtsc"],
    [[0xea, 0x10, 0x00, 0x10, 0x00, 0x08, 0x00], "jmp far 0x8:0x100010"],
  ])("%j = %s", (bytes, text) => {
    expect(one(bytes)).toBe(text);
  });

  it("relative branches show their absolute target", () => {
    // e8 rel32 at 0x100000: target = 0x100005 + 0x10 = 0x100015; eb fe jumps to itself.
    expect(one([0xe8, 0x10, 0x00, 0x00, 0x00])).toBe("call 0x100015");
    expect(one([0xeb, 0xfe], 0x1234)).toBe("jmp 0x1234");
    expect(one([0x75, 0x02], 0x2000)).toBe("jne 0x2004");
  });

  it("returns address, bytes, length, flow and target", () => {
    const l = disassembleOne(Uint8Array.from([0xe8, 0x10, 0x00, 0x00, 0x00]), 0x100000)!;
    expect(DisasmLineSchema.parse(l)).toEqual({
      address: 0x100000,
      bytes: "e8 10 00 00 00",
      length: 5,
      text: "call 0x100015",
      mnemonic: "call",
      operands: "0x100015",
      symbol: null,
      location: null,
      target: 0x100015,
      comment: null,
      flow: "call",
      invalid: false,
    });
  });

  it("stops before an instruction cut off by the end of the bytes, and marks undecodable bytes (bad)", () => {
    expect(disassemble(Uint8Array.from([0x90, 0xe8, 0x10, 0x00]), 0x1000).map((l) => l.text)).toEqual(["nop"]);
    expect(disassembleOne(Uint8Array.from([0x0f, 0x01]), 0)).toBeNull();
    // 0f 04 is no instruction: one byte of "(bad)", then decoding resumes at the next byte (04 90).
    const bad = disassemble(Uint8Array.from([0x0f, 0x04, 0x90]), 0x10);
    expect(bad.map((l) => [l.address, l.bytes, l.text, l.invalid, l.flow])).toEqual([
      [0x10, "0f", "(bad)", true, "exception"],
      [0x11, "04 90", "add al, 0x90", false, "next"],
    ]);
  });

  it("honours maxInstructions", () => {
    expect(disassemble(Uint8Array.from([0x90, 0x90, 0x90]), 0, { maxInstructions: 2 })).toHaveLength(2);
  });
});

describe("symbols from the kernel's ELF symbol table", () => {
  it("a call to a function shows its name (e8 rel32)", () => {
    const caller = 0x100000;
    const target = sym("trap_dispatch").value;
    const rel = (target - (caller + 5)) >>> 0;
    const bytes = [0xe8, rel & 0xff, (rel >>> 8) & 0xff, (rel >>> 16) & 0xff, rel >>> 24];
    expect(one(bytes, caller, elf.symbols)).toBe("call trap_dispatch");
    const inside = (target + 0x12 - (caller + 5)) >>> 0;
    expect(one([0xe9, inside & 0xff, (inside >>> 8) & 0xff, (inside >>> 16) & 0xff, inside >>> 24], caller, elf.symbols)).toBe("jmp trap_dispatch+0x12");
  });

  it("absolute memory operands show the data symbol covering them", () => {
    const tss = sym("tss").value;
    const le = [tss + 4, (tss + 4) >>> 8, (tss + 4) >>> 16, (tss + 4) >>> 24].map((b) => b & 0xff);
    expect(one([0xa1, ...le], 0, elf.symbols)).toBe("mov eax, [tss+0x4]");
    expect(one([0x0f, 0x01, 0x1d, ...le], 0, elf.symbols)).toBe("lidt [tss+0x4]");
  });

  it("symbolize names exact symbols, offsets into sized ones, and nothing outside", () => {
    const tc = sym("trap_common");
    const tr = sym("trap_return"); // a label inside trap_common
    expect(symbolize(tc.value, elf.symbols)).toBe("trap_common");
    expect(symbolize(tr.value, elf.symbols)).toBe("trap_return");
    expect(symbolize(tc.value + 2, elf.symbols)).toBe("trap_common+0x2");
    expect(symbolize(0xdeadbeef, elf.symbols)).toBeNull();
    const t = new SymbolTable(elf.symbols);
    expect(t.startingAt(sym("isr_stub_128").value)?.name).toBe("isr_stub_128");
  });

  it("the syscall entry stub disassembles to the instructions of entry.S", () => {
    // entry.S: STUB_NO_ERROR 128 = pushl $0; pushl $128; jmp trap_common; then trap_common and trap_return.
    const start = sym("isr_stub_128").value;
    const end = sym("trap_common").value + sym("trap_common").size;
    const lines = disassemble(codeAt(start, end - start), start, { symbols: elf.symbols });
    expect(lines[0]!.symbol).toBe("isr_stub_128");
    const texts = lines.map((l) => l.text).filter((t) => t !== "int3" && t !== "nop" && t !== "xchg ax, ax");
    expect(texts).toEqual([
      "push 0x0",
      "push 0x80",
      "jmp trap_common",
      "pushad",
      "push ds",
      "push es",
      "push fs",
      "push gs",
      "mov eax, 0x10", // movl $KERNEL_DS, %eax
      "mov ds, ax",
      "mov es, ax",
      "cld",
      "push esp",
      "call trap_dispatch",
      "add esp, 0x4",
      "pop gs", // trap_return
      "pop fs",
      "pop es",
      "pop ds",
      "popad",
      "add esp, 0x8",
      "iretd",
    ]);
    expect(lines.find((l) => l.text === "pop gs")!.symbol).toBe("trap_return");
  });
});

// ---- against GNU objdump

/** Bring objdump's and our Intel syntax to one form: the differences are spelling, not meaning. */
function normalize(text: string): string {
  let t = text.toLowerCase().replace(/\s+<[^>]*>/g, "").replace(/\s+/g, " ").trim();
  t = t.replace(/, /g, ",");
  // String instructions: objdump spells out the operands, iced-x86 uses the sized mnemonic.
  t = t.replace(/^((?:rep[a-z]* )?)(movs|stos|lods|scas|cmps) (byte|word|dword) ptr .*$/, (_m, rep: string, op: string, size: string) => `${rep}${op}${size[0] === "d" ? "d" : size[0]}`);
  t = t.replace(/^((?:rep[a-z]* )?)(movs|stos|lods|scas|cmps)([bwd]) .*$/, "$1$2$3");
  t = t.replace(/\b(byte|word|dword|fword|qword|tbyte) ptr /g, "");
  t = t.replace(/\b[cdefgs]s:(0x[0-9a-f]+)/g, "[$1]"); // objdump's ds:0x10a00c
  t = t.replace(/\b(?:es|ds):\[/g, "[");
  t = t.replace(/\+eiz\*1/g, "").replace(/\+0x0\]/g, "]").replace(/\*1\b/g, ""); // iced-x86 omits a scale of 1
  t = t.replace(/,1$/, ",0x1"); // shifts by one (d1 /n): objdump prints 1
  t = t.replace(/^([ls][gi]dt)d /, "$1 "); // lgdtd / lidtd / sidtd: objdump's 32-bit operand-size suffix
  t = t.replace(/^(call|jmp|j[a-z]+|loop[a-z]*) ([0-9a-f]+)$/, "$1 0x$2"); // objdump prints branch targets without 0x
  t = t.replace(/^jmp far /, "jmp ");
  t = t.replace(/^(mov [cdefgs]s),e([a-d]x|[sd]i|[sb]p)$/, "$1,$2"); // 8e /r moves 16 bits: objdump says eax, iced-x86 ax
  const aliases: Record<string, string> = { pusha: "pushad", popa: "popad", pushf: "pushfd", popf: "popfd", iret: "iretd" };
  t = aliases[t] ?? t;
  return t;
}

describe.skipIf(!haveTool("objdump", "disassembly compared with GNU objdump"))("agrees with GNU objdump -d -M intel", () => {
  it("on every instruction of the guest kernel's executable sections (kernel and ring-3 image)", () => {
    const r = spawnSync("objdump", ["-d", "-w", "-M", "intel", "--no-show-raw-insn", DEFAULT_KERNEL], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const reference = new Map<number, string>();
    for (const line of r.stdout.split("\n")) {
      const m = /^\s*([0-9a-f]+):\t(.+)$/.exec(line);
      if (m !== null) reference.set(parseInt(m[1]!, 16), m[2]!);
    }
    let compared = 0;
    const diffs: string[] = [];
    for (const s of elf.sections) {
      if ((s.flags & SHF_EXECINSTR) === 0 || s.size === 0) continue;
      // .text opens with the 12-byte multiboot header (data): objdump prints it as .byte, start at _start.
      const start = s.addr <= sym("_start").value && sym("_start").value < s.addr + s.size ? sym("_start").value - s.addr : 0;
      for (const l of disassemble(image.subarray(s.offset + start, s.offset + s.size), s.addr + start)) {
        const ref = reference.get(l.address);
        if (ref === undefined) {
          diffs.push(`${l.address.toString(16)}: objdump has no instruction here; kdbt: ${l.text}`);
          continue;
        }
        compared++;
        if (normalize(ref) !== normalize(l.text)) diffs.push(`${l.address.toString(16)}: objdump "${ref}" kdbt "${l.text}"`);
      }
    }
    expect(diffs.slice(0, 20)).toEqual([]);
    // The kernel has thousands of instructions; make sure this compared them rather than nothing.
    expect(compared).toBeGreaterThan(2000);
  });
});
