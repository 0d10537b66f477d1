// ELF32 little-endian i386 executable parsing: header, program headers, sections and symbols, all validated.
//
// Every structural fact is checked before it is used, and a violation throws InputError with one line
// naming the file, the header or entry at fault, the field, and the offending offsets/values, e.g.
//   kernel.elf: program header 2: p_offset 0x5000 + p_filesz 0x1000 is past the end of the file (0x5800 bytes)
// Accepted: ELFCLASS32, ELFDATA2LSB, EV_CURRENT, ET_EXEC, EM_386, 52-byte header, 32-byte program
// headers, 40-byte section headers, 16-byte symbols. PT_LOAD segments must have p_filesz <= p_memsz,
// lie inside the file and the 32-bit address space, and not overlap one another physically (p_paddr);
// segments with p_memsz 0 are ignored for overlap checks. Section headers are optional (a stripped
// image simply has no symbols); when present they are validated too.

import { InputError } from "../errors.js";

export const ELF_HEADER_SIZE = 52;
export const ELF_PHDR_SIZE = 32;
export const ELF_SHDR_SIZE = 40;
export const ELF_SYM_SIZE = 16;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const SHT_NULL = 0;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const ET_EXEC = 2;
export const EM_386 = 3;

export interface ElfHeader {
  type: number;
  machine: number;
  version: number;
  entry: number;
  phoff: number;
  shoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ElfProgramHeader {
  index: number;
  type: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  flags: number;
  align: number;
}

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export type ElfSymbolType = "notype" | "object" | "func" | "section" | "file" | "common" | "tls" | "other";
export type ElfSymbolBinding = "local" | "global" | "weak" | "other";

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  type: ElfSymbolType;
  binding: ElfSymbolBinding;
  /** st_shndx: the section the symbol is defined in (0 = undefined, >= 0xff00 special). */
  sectionIndex: number;
}

export interface ElfImage {
  fileName: string;
  header: ElfHeader;
  programHeaders: ElfProgramHeader[];
  /** PT_LOAD entries with p_memsz > 0, in program header order. */
  loadSegments: ElfProgramHeader[];
  sections: ElfSection[];
  /** Every symbol-table entry except the reserved null entry 0, in table order. */
  symbols: ElfSymbol[];
}

const SYMBOL_TYPES: readonly ElfSymbolType[] = ["notype", "object", "func", "section", "file", "common", "tls"];
const SYMBOL_BINDINGS: readonly ElfSymbolBinding[] = ["local", "global", "weak"];

function hex(n: number): string {
  return "0x" + n.toString(16);
}

/** Does the buffer start with the ELF magic? */
export function isElf(image: Uint8Array): boolean {
  return image.length >= 4 && image[0] === 0x7f && image[1] === 0x45 && image[2] === 0x4c && image[3] === 0x46;
}

/** Parse and validate an ELF32 i386 executable. `fileName` only names the file in error messages. */
export function parseElf(image: Uint8Array, fileName: string): ElfImage {
  const size = image.length;
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const fail = (where: string, what: string): never => {
    throw new InputError(`${fileName}: ${where}: ${what}`);
  };
  const u8 = (o: number): number => view.getUint8(o);
  const u16 = (o: number): number => view.getUint16(o, true);
  const u32 = (o: number): number => view.getUint32(o, true);

  if (size < ELF_HEADER_SIZE) {
    fail("ELF header", `file is ${size} bytes, shorter than the ${ELF_HEADER_SIZE}-byte ELF32 header`);
  }
  if (!isElf(image)) {
    const found = Array.from(image.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    fail("ELF header", `e_ident magic at offset 0x0 is ${found}, expected 7f 45 4c 46 ("\\x7fELF")`);
  }
  const elfClass = u8(4);
  if (elfClass !== 1) {
    const name = elfClass === 2 ? " (ELFCLASS64)" : "";
    fail("ELF header", `e_ident[EI_CLASS] at offset 0x4 is ${elfClass}${name}, expected 1 (ELFCLASS32)`);
  }
  const data = u8(5);
  if (data !== 1) {
    const name = data === 2 ? " (ELFDATA2MSB)" : "";
    fail("ELF header", `e_ident[EI_DATA] at offset 0x5 is ${data}${name}, expected 1 (ELFDATA2LSB)`);
  }
  if (u8(6) !== 1) fail("ELF header", `e_ident[EI_VERSION] at offset 0x6 is ${u8(6)}, expected 1 (EV_CURRENT)`);

  const header: ElfHeader = {
    type: u16(0x10),
    machine: u16(0x12),
    version: u32(0x14),
    entry: u32(0x18),
    phoff: u32(0x1c),
    shoff: u32(0x20),
    flags: u32(0x24),
    ehsize: u16(0x28),
    phentsize: u16(0x2a),
    phnum: u16(0x2c),
    shentsize: u16(0x2e),
    shnum: u16(0x30),
    shstrndx: u16(0x32),
  };
  if (header.type !== ET_EXEC) {
    const names: Record<number, string> = { 0: "ET_NONE", 1: "ET_REL", 3: "ET_DYN", 4: "ET_CORE" };
    const name = names[header.type] !== undefined ? ` (${names[header.type]})` : "";
    fail("ELF header", `e_type at offset 0x10 is ${header.type}${name}, expected 2 (ET_EXEC)`);
  }
  if (header.machine !== EM_386) {
    const name = header.machine === 62 ? " (EM_X86_64)" : "";
    fail("ELF header", `e_machine at offset 0x12 is ${header.machine}${name}, expected 3 (EM_386)`);
  }
  if (header.version !== 1) fail("ELF header", `e_version at offset 0x14 is ${header.version}, expected 1`);
  if (header.ehsize !== ELF_HEADER_SIZE) {
    fail("ELF header", `e_ehsize at offset 0x28 is ${header.ehsize}, expected ${ELF_HEADER_SIZE}`);
  }
  if (header.phnum === 0) fail("ELF header", "e_phnum at offset 0x2c is 0: the file has no program headers");
  if (header.phentsize !== ELF_PHDR_SIZE) {
    fail("ELF header", `e_phentsize at offset 0x2a is ${header.phentsize}, expected ${ELF_PHDR_SIZE}`);
  }
  if (header.phoff + header.phnum * ELF_PHDR_SIZE > size) {
    fail(
      "ELF header",
      `e_phoff ${hex(header.phoff)} + e_phnum ${header.phnum} * ${ELF_PHDR_SIZE} is past the end of the file (${hex(size)} bytes)`,
    );
  }
  if (header.shnum > 0) {
    if (header.shentsize !== ELF_SHDR_SIZE) {
      fail("ELF header", `e_shentsize at offset 0x2e is ${header.shentsize}, expected ${ELF_SHDR_SIZE}`);
    }
    if (header.shoff + header.shnum * ELF_SHDR_SIZE > size) {
      fail(
        "ELF header",
        `e_shoff ${hex(header.shoff)} + e_shnum ${header.shnum} * ${ELF_SHDR_SIZE} is past the end of the file (${hex(size)} bytes)`,
      );
    }
    if (header.shstrndx >= header.shnum) {
      fail("ELF header", `e_shstrndx at offset 0x32 is ${header.shstrndx}, but there are only ${header.shnum} sections`);
    }
  } else if (header.shoff !== 0) {
    // e_shnum 0 with a section header table means extended numbering (SHN_LORESERVE or more sections).
    fail("ELF header", `e_shnum is 0 but e_shoff is ${hex(header.shoff)}: extended section numbering is not supported`);
  }

  // Program headers.
  const programHeaders: ElfProgramHeader[] = [];
  for (let i = 0; i < header.phnum; i++) {
    const o = header.phoff + i * ELF_PHDR_SIZE;
    programHeaders.push({
      index: i,
      type: u32(o),
      offset: u32(o + 4),
      vaddr: u32(o + 8),
      paddr: u32(o + 12),
      filesz: u32(o + 16),
      memsz: u32(o + 20),
      flags: u32(o + 24),
      align: u32(o + 28),
    });
  }
  const loadSegments: ElfProgramHeader[] = [];
  for (const ph of programHeaders) {
    if (ph.type !== PT_LOAD) continue;
    const where = `program header ${ph.index}`;
    if (ph.filesz > ph.memsz) {
      fail(where, `p_filesz ${hex(ph.filesz)} is larger than p_memsz ${hex(ph.memsz)}`);
    }
    if (ph.offset + ph.filesz > size) {
      fail(
        where,
        `p_offset ${hex(ph.offset)} + p_filesz ${hex(ph.filesz)} is past the end of the file (${hex(size)} bytes)`,
      );
    }
    if (ph.paddr + ph.memsz > 0x1_0000_0000) {
      fail(where, `p_paddr ${hex(ph.paddr)} + p_memsz ${hex(ph.memsz)} wraps past the 4 GiB physical address space`);
    }
    if (ph.vaddr + ph.memsz > 0x1_0000_0000) {
      fail(where, `p_vaddr ${hex(ph.vaddr)} + p_memsz ${hex(ph.memsz)} wraps past the 4 GiB address space`);
    }
    if (ph.memsz === 0) continue;
    for (const other of loadSegments) {
      if (ph.paddr < other.paddr + other.memsz && other.paddr < ph.paddr + ph.memsz) {
        fail(
          where,
          `physical range ${hex(ph.paddr)}-${hex(ph.paddr + ph.memsz - 1)} overlaps program header ${other.index} (${hex(other.paddr)}-${hex(other.paddr + other.memsz - 1)})`,
        );
      }
    }
    loadSegments.push(ph);
  }
  if (loadSegments.length === 0) fail("program headers", "no PT_LOAD segment with p_memsz > 0: nothing to load");

  // Section headers (optional).
  const raw: Omit<ElfSection, "name">[] = [];
  const nameOffsets: number[] = [];
  for (let i = 0; i < header.shnum; i++) {
    const o = header.shoff + i * ELF_SHDR_SIZE;
    nameOffsets.push(u32(o));
    const s = {
      index: i,
      type: u32(o + 4),
      flags: u32(o + 8),
      addr: u32(o + 12),
      offset: u32(o + 16),
      size: u32(o + 20),
      link: u32(o + 24),
      info: u32(o + 28),
      addralign: u32(o + 32),
      entsize: u32(o + 36),
    };
    if (s.type !== SHT_NOBITS && s.type !== SHT_NULL && s.offset + s.size > size) {
      fail(
        `section header ${i}`,
        `sh_offset ${hex(s.offset)} + sh_size ${hex(s.size)} is past the end of the file (${hex(size)} bytes)`,
      );
    }
    raw.push(s);
  }
  const readString = (table: Omit<ElfSection, "name">, offset: number, where: string, field: string): string => {
    if (offset >= table.size) {
      fail(where, `${field} ${hex(offset)} is outside string table section ${table.index} (${hex(table.size)} bytes)`);
    }
    const start = table.offset + offset;
    const end = table.offset + table.size;
    let p = start;
    while (p < end && image[p] !== 0) p++;
    if (p === end) fail(where, `${field} ${hex(offset)}: string is not NUL-terminated inside section ${table.index}`);
    return Buffer.from(image.buffer, image.byteOffset + start, p - start).toString("latin1");
  };
  const sections: ElfSection[] = [];
  if (header.shnum > 0) {
    const shstrtab = raw[header.shstrndx]!;
    if (shstrtab.type !== SHT_STRTAB) {
      fail("ELF header", `e_shstrndx ${header.shstrndx} names section type ${shstrtab.type}, not SHT_STRTAB (3)`);
    }
    for (const s of raw) {
      const name = s.type === SHT_NULL ? "" : readString(shstrtab, nameOffsets[s.index]!, `section header ${s.index}`, "sh_name");
      sections.push({ ...s, name });
    }
  }

  // Symbols from every SHT_SYMTAB (a static executable has at most one).
  const symbols: ElfSymbol[] = [];
  for (const symtab of sections) {
    if (symtab.type !== SHT_SYMTAB) continue;
    const where = `section header ${symtab.index} (${symtab.name || "symtab"})`;
    if (symtab.entsize !== ELF_SYM_SIZE) fail(where, `sh_entsize is ${symtab.entsize}, expected ${ELF_SYM_SIZE}`);
    if (symtab.size % ELF_SYM_SIZE !== 0) fail(where, `sh_size ${hex(symtab.size)} is not a multiple of ${ELF_SYM_SIZE}`);
    const strtab = sections[symtab.link];
    if (strtab === undefined || strtab.type !== SHT_STRTAB) {
      fail(where, `sh_link ${symtab.link} does not name a SHT_STRTAB section`);
    }
    const count = symtab.size / ELF_SYM_SIZE;
    for (let i = 1; i < count; i++) {
      const o = symtab.offset + i * ELF_SYM_SIZE;
      const info = u8(o + 12);
      const sectionIndex = u16(o + 14);
      if (sectionIndex !== SHN_UNDEF && sectionIndex < SHN_LORESERVE && sectionIndex >= header.shnum) {
        fail(`${where} symbol ${i}`, `st_shndx ${sectionIndex} is past the last section (${header.shnum - 1})`);
      }
      symbols.push({
        name: readString(strtab!, u32(o), `${where} symbol ${i}`, "st_name"),
        value: u32(o + 4),
        size: u32(o + 8),
        type: SYMBOL_TYPES[info & 0xf] ?? "other",
        binding: SYMBOL_BINDINGS[info >> 4] ?? "other",
        sectionIndex,
      });
    }
  }

  return { fileName, header, programHeaders, loadSegments, sections, symbols };
}

/**
 * The function or object symbol containing `address` (value <= address < value + size; a zero-size
 * symbol matches only its own address), preferring global over local and func over object. For
 * disassembly views: "kernel_main+0x1c".
 */
export function symbolAt(symbols: readonly ElfSymbol[], address: number): ElfSymbol | undefined {
  let best: ElfSymbol | undefined;
  const rank = (s: ElfSymbol): number => (s.binding === "global" ? 2 : 0) + (s.type === "func" ? 1 : 0);
  for (const s of symbols) {
    if (s.type !== "func" && s.type !== "object" && s.type !== "notype") continue;
    if (s.name === "" || s.sectionIndex === SHN_UNDEF) continue;
    const inside = s.size === 0 ? address === s.value : address >= s.value && address - s.value < s.size;
    if (!inside) continue;
    if (best === undefined || rank(s) > rank(best)) best = s;
  }
  return best;
}

/** The symbol called `name` (the first, if several), or undefined. */
export function findSymbol(elf: ElfImage, name: string): ElfSymbol | undefined {
  return elf.symbols.find((s) => s.name === name);
}

/** The file offset holding the byte at virtual address `addr` (in a section with file bytes), or undefined. */
export function fileOffsetOf(elf: ElfImage, addr: number): number | undefined {
  for (const s of elf.sections) {
    if (s.type === SHT_NOBITS || s.addr === 0 || s.size === 0) continue;
    if (addr >= s.addr && addr < s.addr + s.size) return s.offset + (addr - s.addr);
  }
  return undefined;
}
