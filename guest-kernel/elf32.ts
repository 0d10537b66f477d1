// A minimal little-endian ELF32 reader: headers, program headers, sections and symbols, enough
// for build.ts's lint and the guest-kernel tests (the simulator has its own loader in src/).
export interface ElfSegment {
  readonly type: number; // PT_LOAD = 1
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly flags: number; // PF_X = 1, PF_W = 2, PF_R = 4
}

export interface ElfSection {
  readonly name: string;
  readonly type: number;
  readonly flags: number; // SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: number; // STT_NOTYPE 0, STT_OBJECT 1, STT_FUNC 2, STT_SECTION 3, STT_FILE 4
  readonly bind: number; // STB_LOCAL 0, STB_GLOBAL 1, STB_WEAK 2
  readonly sectionIndex: number;
}

export interface Elf32 {
  readonly entry: number;
  readonly machine: number;
  readonly segments: readonly ElfSegment[];
  readonly sections: readonly ElfSection[];
  readonly symbols: readonly ElfSymbol[];
}

export const PT_LOAD = 1;
export const SHT_SYMTAB = 2;
export const SHT_NOBITS = 8;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STB_GLOBAL = 1;
export const EM_386 = 3;

/** Thrown for a file that is not the 32-bit little-endian ELF this reader understands. */
export class ElfFormatError extends Error {
  override readonly name = "ElfFormatError";
}

function cString(buf: Uint8Array, start: number): string {
  let end = start;
  while (end < buf.length && buf[end] !== 0) end++;
  return new TextDecoder("latin1").decode(buf.subarray(start, end));
}

export function readElf32(bytes: Uint8Array): Elf32 {
  if (bytes.length < 52) throw new ElfFormatError(`file is ${bytes.length} bytes, shorter than an ELF header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u8 = (o: number): number => view.getUint8(o);
  const u16 = (o: number): number => view.getUint16(o, true);
  const u32 = (o: number): number => view.getUint32(o, true);

  if (u32(0) !== 0x464c457f) throw new ElfFormatError("no ELF magic number");
  if (u8(4) !== 1) throw new ElfFormatError("not a 32-bit ELF file (EI_CLASS is not ELFCLASS32)");
  if (u8(5) !== 1) throw new ElfFormatError("not a little-endian ELF file (EI_DATA is not ELFDATA2LSB)");

  const entry = u32(24);
  const phoff = u32(28);
  const shoff = u32(32);
  const phentsize = u16(42);
  const phnum = u16(44);
  const shentsize = u16(46);
  const shnum = u16(48);
  const shstrndx = u16(50);
  if (phoff + phnum * phentsize > bytes.length || shoff + shnum * shentsize > bytes.length)
    throw new ElfFormatError("program or section header table runs past the end of the file");

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    segments.push({
      type: u32(o),
      offset: u32(o + 4),
      vaddr: u32(o + 8),
      paddr: u32(o + 12),
      filesz: u32(o + 16),
      memsz: u32(o + 20),
      flags: u32(o + 24),
    });
  }

  const raw: { nameOffset: number; type: number; flags: number; addr: number; offset: number; size: number; link: number; entsize: number }[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    raw.push({
      nameOffset: u32(o),
      type: u32(o + 4),
      flags: u32(o + 8),
      addr: u32(o + 12),
      offset: u32(o + 16),
      size: u32(o + 20),
      link: u32(o + 24),
      entsize: u32(o + 36),
    });
  }
  const shstr = raw[shstrndx];
  const sections: ElfSection[] = raw.map((s) => ({
    name: shstr ? cString(bytes, shstr.offset + s.nameOffset) : "",
    type: s.type,
    flags: s.flags,
    addr: s.addr,
    offset: s.offset,
    size: s.size,
  }));

  const symbols: ElfSymbol[] = [];
  for (const s of raw) {
    if (s.type !== SHT_SYMTAB) continue;
    const strtab = raw[s.link];
    if (!strtab) throw new ElfFormatError("symbol table links to a missing string table");
    const count = s.size / (s.entsize || 16);
    for (let i = 0; i < count; i++) {
      const o = s.offset + i * 16;
      const info = u8(o + 12);
      symbols.push({
        name: cString(bytes, strtab.offset + u32(o)),
        value: u32(o + 4),
        size: u32(o + 8),
        type: info & 0xf,
        bind: info >> 4,
        sectionIndex: u16(o + 14),
      });
    }
  }
  return { entry, machine: u16(18), segments, sections, symbols };
}

/** The unique symbol called `name`, or undefined. */
export function findSymbol(elf: Elf32, name: string): ElfSymbol | undefined {
  return elf.symbols.find((s) => s.name === name);
}

/** The file offset holding the byte at virtual address `addr` (in a section with file bytes), or undefined. */
export function fileOffsetOf(elf: Elf32, addr: number): number | undefined {
  for (const s of elf.sections) {
    if (s.type === SHT_NOBITS || s.addr === 0 || s.size === 0) continue;
    if (addr >= s.addr && addr < s.addr + s.size) return s.offset + (addr - s.addr);
  }
  return undefined;
}
