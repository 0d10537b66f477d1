import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { parseElf, symbolAt, PT_LOAD } from "../../src/machine/elf.js";
import { fixture } from "./fixtures/qemu-recording.js";

// mbdump.elf layout (readelf -h -l -S): 2 program headers at 52, 7 section headers at 0x22ec;
// PT_LOAD 0: off 0x1000 paddr 0x100000 filesz=memsz 0x3e8 R E; PT_LOAD 1: off 0x2000 paddr 0x102000
// filesz 0x14 memsz 0x1248 RW; .symtab is section 4 at 0x2014 (30 entries), .strtab 5 at 0x21f4.
const good = fixture("mbdump.elf");
const PH0 = 52;
const PH1 = 52 + 32;
const SH = 0x22ec;

function patched(edits: Array<[offset: number, value: number, size?: 1 | 2 | 4]>, base: Buffer = good): Buffer {
  const b = Buffer.from(base);
  for (const [offset, value, size = 4] of edits) {
    if (size === 1) b.writeUInt8(value, offset);
    else if (size === 2) b.writeUInt16LE(value, offset);
    else b.writeUInt32LE(value >>> 0, offset);
  }
  return b;
}

function messageOf(image: Buffer): string {
  try {
    parseElf(image, "kernel.elf");
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error("expected parseElf to reject the image");
}

describe("parseElf on a real ld output", () => {
  const elf = parseElf(good, "mbdump.elf");

  it("reads the header", () => {
    expect(elf.header).toMatchObject({ type: 2, machine: 3, version: 1, entry: 0x10000c, phoff: 52, phnum: 2, shoff: SH, shnum: 7, shstrndx: 6 });
  });

  it("reads the program headers", () => {
    expect(elf.loadSegments).toEqual([
      { index: 0, type: PT_LOAD, offset: 0x1000, vaddr: 0x100000, paddr: 0x100000, filesz: 0x3e8, memsz: 0x3e8, flags: 5, align: 0x1000 },
      { index: 1, type: PT_LOAD, offset: 0x2000, vaddr: 0x102000, paddr: 0x102000, filesz: 0x14, memsz: 0x1248, flags: 6, align: 0x1000 },
    ]);
  });

  it("reads the sections by name", () => {
    expect(elf.sections.map((s) => s.name)).toEqual(["", ".text", ".data", ".bss", ".symtab", ".strtab", ".shstrtab"]);
    expect(elf.sections[3]).toMatchObject({ type: 8, addr: 0x102014, size: 0x1234 });
  });

  it("reads the symbol table (readelf -s)", () => {
    expect(elf.symbols).toHaveLength(29);
    expect(elf.symbols.find((s) => s.name === "_start")).toEqual({
      name: "_start",
      value: 0x10000c,
      size: 0,
      type: "func",
      binding: "global",
      sectionIndex: 1,
    });
    expect(elf.symbols.find((s) => s.name === "table")).toMatchObject({ value: 0x102004, size: 16, type: "object", binding: "local" });
    expect(elf.symbols.find((s) => s.name === "mbdump.o")).toMatchObject({ type: "file", sectionIndex: 0xfff1 });
    expect(elf.symbols.find((s) => s.name === "SAVE")).toMatchObject({ value: 0x70000, type: "notype" });
  });

  it("finds the symbol containing an address", () => {
    expect(symbolAt(elf.symbols, 0x102008)?.name).toBe("table");
    expect(symbolAt(elf.symbols, 0x102014 + 0x1000)?.name).toBe("scratch");
    expect(symbolAt(elf.symbols, 0x10000c)?.name).toBe("_start");
    expect(symbolAt(elf.symbols, 0x10000d)).toBeUndefined();
  });

  it("accepts an image without section headers (stripped)", () => {
    const stripped = parseElf(patched([[0x20, 0], [0x30, 0, 2], [0x32, 0, 2]]), "k.elf");
    expect(stripped.sections).toEqual([]);
    expect(stripped.symbols).toEqual([]);
  });
});

describe("parseElf rejects malformed files with one line naming the file, field and offset", () => {
  const cases: Array<[string, Buffer, string]> = [
    ["truncated", good.subarray(0, 40), "kernel.elf: ELF header: file is 40 bytes, shorter than the 52-byte ELF32 header"],
    [
      "bad magic",
      patched([[0, 0x464c457f + 1]]),
      'kernel.elf: ELF header: e_ident magic at offset 0x0 is 80 45 4c 46, expected 7f 45 4c 46 ("\\x7fELF")',
    ],
    ["ELFCLASS64", patched([[4, 2, 1]]), "kernel.elf: ELF header: e_ident[EI_CLASS] at offset 0x4 is 2 (ELFCLASS64), expected 1 (ELFCLASS32)"],
    ["big-endian", patched([[5, 2, 1]]), "kernel.elf: ELF header: e_ident[EI_DATA] at offset 0x5 is 2 (ELFDATA2MSB), expected 1 (ELFDATA2LSB)"],
    ["EI_VERSION", patched([[6, 0, 1]]), "kernel.elf: ELF header: e_ident[EI_VERSION] at offset 0x6 is 0, expected 1 (EV_CURRENT)"],
    ["ET_DYN", patched([[0x10, 3, 2]]), "kernel.elf: ELF header: e_type at offset 0x10 is 3 (ET_DYN), expected 2 (ET_EXEC)"],
    ["x86-64", patched([[0x12, 62, 2]]), "kernel.elf: ELF header: e_machine at offset 0x12 is 62 (EM_X86_64), expected 3 (EM_386)"],
    ["e_version", patched([[0x14, 0]]), "kernel.elf: ELF header: e_version at offset 0x14 is 0, expected 1"],
    ["e_ehsize", patched([[0x28, 64, 2]]), "kernel.elf: ELF header: e_ehsize at offset 0x28 is 64, expected 52"],
    ["e_phentsize", patched([[0x2a, 56, 2]]), "kernel.elf: ELF header: e_phentsize at offset 0x2a is 56, expected 32"],
    ["no program headers", patched([[0x2c, 0, 2]]), "kernel.elf: ELF header: e_phnum at offset 0x2c is 0: the file has no program headers"],
    [
      "program headers past the end",
      patched([[0x1c, 0x2400]]),
      "kernel.elf: ELF header: e_phoff 0x2400 + e_phnum 2 * 32 is past the end of the file (0x2404 bytes)",
    ],
    ["e_shentsize", patched([[0x2e, 64, 2]]), "kernel.elf: ELF header: e_shentsize at offset 0x2e is 64, expected 40"],
    [
      "section headers past the end",
      patched([[0x30, 8, 2]]),
      "kernel.elf: ELF header: e_shoff 0x22ec + e_shnum 8 * 40 is past the end of the file (0x2404 bytes)",
    ],
    ["e_shstrndx", patched([[0x32, 7, 2]]), "kernel.elf: ELF header: e_shstrndx at offset 0x32 is 7, but there are only 7 sections"],
    [
      "extended numbering",
      patched([[0x30, 0, 2]]),
      "kernel.elf: ELF header: e_shnum is 0 but e_shoff is 0x22ec: extended section numbering is not supported",
    ],
    ["filesz > memsz", patched([[PH1 + 16, 0x2000]]), "kernel.elf: program header 1: p_filesz 0x2000 is larger than p_memsz 0x1248"],
    [
      "segment past the end of the file",
      patched([[PH1 + 4, 0x2400]]),
      "kernel.elf: program header 1: p_offset 0x2400 + p_filesz 0x14 is past the end of the file (0x2404 bytes)",
    ],
    [
      "physical wrap",
      patched([[PH1 + 12, 0xfffff000]]),
      "kernel.elf: program header 1: p_paddr 0xfffff000 + p_memsz 0x1248 wraps past the 4 GiB physical address space",
    ],
    [
      "virtual wrap",
      patched([[PH1 + 8, 0xfffff000]]),
      "kernel.elf: program header 1: p_vaddr 0xfffff000 + p_memsz 0x1248 wraps past the 4 GiB address space",
    ],
    [
      "overlapping PT_LOADs",
      patched([[PH1 + 12, 0x100200]]),
      "kernel.elf: program header 1: physical range 0x100200-0x101447 overlaps program header 0 (0x100000-0x1003e7)",
    ],
    [
      "no PT_LOAD",
      patched([[PH0, 0], [PH1, 0]]),
      "kernel.elf: program headers: no PT_LOAD segment with p_memsz > 0: nothing to load",
    ],
    [
      "section past the end",
      patched([[SH + 2 * 40 + 20, 0x1000]]),
      "kernel.elf: section header 2: sh_offset 0x2000 + sh_size 0x1000 is past the end of the file (0x2404 bytes)",
    ],
    [
      "shstrndx not a string table",
      patched([[0x32, 1, 2]]),
      "kernel.elf: ELF header: e_shstrndx 1 names section type 1, not SHT_STRTAB (3)",
    ],
    [
      "section name outside .shstrtab",
      patched([[SH + 1 * 40, 0x100]]),
      "kernel.elf: section header 1: sh_name 0x100 is outside string table section 6 (0x2c bytes)",
    ],
    ["symtab entsize", patched([[SH + 4 * 40 + 36, 20]]), "kernel.elf: section header 4 (.symtab): sh_entsize is 20, expected 16"],
    ["symtab size", patched([[SH + 4 * 40 + 20, 0x1e1]]), "kernel.elf: section header 4 (.symtab): sh_size 0x1e1 is not a multiple of 16"],
    ["symtab link", patched([[SH + 4 * 40 + 24, 1]]), "kernel.elf: section header 4 (.symtab): sh_link 1 does not name a SHT_STRTAB section"],
    [
      "symbol name outside .strtab",
      patched([[0x2014 + 3 * 16, 0x1000]]),
      "kernel.elf: section header 4 (.symtab) symbol 3: st_name 0x1000 is outside string table section 5 (0xcc bytes)",
    ],
    [
      "symbol section index",
      patched([[0x2014 + 3 * 16 + 14, 9, 2]]),
      "kernel.elf: section header 4 (.symtab) symbol 3: st_shndx 9 is past the last section (6)",
    ],
    [
      "unterminated string table",
      patched([[SH + 5 * 40 + 20, 0x2]]),
      "kernel.elf: section header 4 (.symtab) symbol 1: st_name 0x1: string is not NUL-terminated inside section 5",
    ],
  ];

  it.each(cases)("%s", (_name, image, message) => {
    expect(messageOf(image)).toBe(message);
  });

  it("checks the file really is 0x2404 bytes, as the messages above assume", () => {
    expect(good.length).toBe(0x2404);
  });
});
