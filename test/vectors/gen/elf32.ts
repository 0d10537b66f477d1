// Minimal ELF32 little-endian object reader: one section's bytes and the symbols defined in it.

export interface Elf32Section {
  bytes: Buffer;
  /** Symbol name -> offset within the section. */
  symbols: Map<string, number>;
}

function cstr(buf: Buffer, off: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString("latin1", off, end < 0 ? buf.length : end);
}

/** Read section `name` of an ELF32 LE relocatable object, with the symbols that point into it. */
export function readElf32Section(buf: Buffer, name: string): Elf32Section {
  if (buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 1 || buf[5] !== 1) throw new Error("not an ELF32 little-endian file");
  const shoff = buf.readUInt32LE(0x20);
  const shentsize = buf.readUInt16LE(0x2e);
  const shnum = buf.readUInt16LE(0x30);
  const shstrndx = buf.readUInt16LE(0x32);
  const sh = (i: number): { name: number; type: number; offset: number; size: number; link: number; entsize: number } => {
    const o = shoff + i * shentsize;
    return { name: buf.readUInt32LE(o), type: buf.readUInt32LE(o + 4), offset: buf.readUInt32LE(o + 16), size: buf.readUInt32LE(o + 20), link: buf.readUInt32LE(o + 24), entsize: buf.readUInt32LE(o + 36) };
  };
  const strtab = sh(shstrndx);
  let index = -1;
  let symtab = -1;
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    if (cstr(buf, strtab.offset + s.name) === name) index = i;
    if (s.type === 2) symtab = i; // SHT_SYMTAB
  }
  if (index < 0) throw new Error(`no section ${name}`);
  const sec = sh(index);
  const symbols = new Map<string, number>();
  if (symtab >= 0) {
    const st = sh(symtab);
    const names = sh(st.link);
    for (let o = st.offset; o + 16 <= st.offset + st.size; o += st.entsize || 16) {
      if (buf.readUInt16LE(o + 14) !== index) continue;
      const n = cstr(buf, names.offset + buf.readUInt32LE(o));
      if (n.length > 0) symbols.set(n, buf.readUInt32LE(o + 4));
    }
  }
  return { bytes: buf.subarray(sec.offset, sec.offset + sec.size), symbols };
}
