// Multiboot v1 loading exactly as `qemu-system-i386 -kernel` does it: image placement, boot info, memory map, CPU state.
//
// Sources: QEMU hw/i386/multiboot.c (load_multiboot), its option ROM pc-bios/optionrom/multiboot.S,
// include/hw/elf_ops.h (load_elf), and observation of qemu-system-i386 7.2 (-machine pc, SeaBIOS)
// with a probe kernel (recorded in test/machine/fixtures/mbdump.qemu.txt). What QEMU does:
// - The header is the first 4-byte-aligned 0x1BADB002 in the first 8192 bytes (offsets 0..8140)
//   whose magic + flags + checksum is 0 mod 2^32.
// - Flags bit 16 clear: the file is loaded as an ELF: every PT_LOAD goes to p_paddr (p_filesz bytes
//   from the file, zero to p_memsz); the "kernel" spans [lowest p_paddr, highest p_paddr + p_memsz)
//   with any gaps zeroed; the entry is e_entry, except that when e_entry lies inside an executable
//   PT_LOAD whose p_vaddr differs from p_paddr it is translated to p_paddr + (e_entry - p_vaddr).
//   Flags bit 16 set (the "a.out kludge"): the header's load_addr/load_end_addr/bss_end_addr/entry_addr
//   say where the file bytes go, even for an ELF file.
// - After the kernel, at load_addr + PAGE_ALIGN(kernel size): the module list (none here), then the
//   command line "<kernel file name> <cmdline>" (the name exactly as given to -kernel; an empty
//   -append leaves a trailing space), then "qemu" (the boot loader name). The whole buffer, padded to
//   a page, is copied to RAM at load_addr.
// - The multiboot info (88 bytes) is at 0x9500 and the memory map at 0x9000 (ADDR_E820_MAP); EBX =
//   0x9500. flags = 0x24F (MEM, BOOTDEV, CMDLINE, MODS, MMAP, LOADER_NAME); boot_device 0x8000FFFF;
//   mods_count 0, mods_addr = the (empty) module list address; mem_lower = 639 (int 0x12: SeaBIOS's
//   EBDA takes the top KiB below 640 KiB); mem_upper = KiB of contiguous RAM from 1 MiB; the
//   memory map is SeaBIOS's e820 table, 20-byte entries each preceded by its size (mmap_length =
//   24 * entries). For RAM size R below 3.5 GiB SeaBIOS reports exactly six entries:
//     0x0-0x9FBFF usable, 0x9FC00-0x9FFFF reserved (EBDA), 0xF0000-0xFFFFF reserved (BIOS),
//     0x100000-(R-0x20001) usable, (R-0x20000)-(R-1) reserved (SeaBIOS high tables), 0xFFFC0000-0xFFFFFFFF reserved (BIOS flash)
//   e.g. R = 128 MiB: mem_upper = 0x1FB80 (129920 KiB), mmap_length = 144.
// - CPU state at the entry (multiboot.S, observed): protected mode, paging off, CR0 = 0x11 (PE|ET),
//   EFLAGS = 0x00000006 (IF=0, DF=0), CS = 0x08 (flat 32-bit code), DS/ES/FS/GS/SS = 0x10 (flat data),
//   EAX = 0x2BADB002, EBX = 0x9500, and the option ROM's leftovers: ECX = entry, EDX = 0x0511 in the
//   low half (the fw_cfg data port) with mem_upper's high half above it, ESI = 0, EDI = 0x1000,
//   EBP = 0, ESP = 0x6F08, GDTR = the option ROM's 5-entry GDT (limit 0x27; base 0xCB2B8 with QEMU's
//   default devices, so it depends on the option ROM layout), IDTR = 0x3FF at 0 (the real-mode IVT).
// - QEMU assembles the image in g_malloc'd host memory and never clears the gaps between PT_LOADs or
//   the padding after the kernel and after the loader name, so those bytes hold host heap leftovers
//   (the recordings show glibc chunk sizes there). kdbt writes zeros; no kernel can rely on them.
// Differences from QEMU, all rejections of images QEMU would load into a broken state or warn about:
// - Header flags bit 2 (video mode) is rejected (QEMU prints "multiboot knows VBE. we don't." and
//   boots), and so are the unknown required bits 3-15 (QEMU ignores them; the spec says refuse).
// - PT_LOADs with p_memsz 0 are ignored (QEMU 7.2 still lets them move the image bounds).
// - The image (kernel and the command line after it) must lie in usable RAM per the map above and
//   must not overlap the boot information at 0x9000-0x9557 (QEMU would let the kernel overwrite it),
//   and the entry must lie inside the loaded kernel.

import { InputError, UsageError } from "../errors.js";
import { isElf, parseElf, PF_X, type ElfImage, type ElfSymbol } from "./elf.js";

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** QEMU searches header offsets below 8192 - 48 (the full 48-byte header must fit). */
export const MULTIBOOT_SEARCH_LIMIT = 8192 - 48;
export const MULTIBOOT_FLAG_PAGE_ALIGN = 1 << 0;
export const MULTIBOOT_FLAG_MEMORY_INFO = 1 << 1;
export const MULTIBOOT_FLAG_VIDEO_MODE = 1 << 2;
export const MULTIBOOT_FLAG_AOUT_KLUDGE = 1 << 16;

/** Where QEMU puts the boot information. */
export const MMAP_ADDRESS = 0x9000;
export const MBI_ADDRESS = 0x9500;
export const MBI_SIZE = 88;
/** MEM | BOOTDEV | CMDLINE | MODS | MMAP | LOADER_NAME. */
export const MBI_FLAGS_QEMU = 0x24f;
export const MBI_BOOT_DEVICE_QEMU = 0x8000ffff;
export const BOOT_LOADER_NAME = "qemu";
/** int 0x12 under SeaBIOS: 639 KiB of conventional memory (the EBDA takes 0x9FC00-0x9FFFF). */
export const MEM_LOWER_KIB = 639;
/** SeaBIOS reserves the top 128 KiB of low RAM for its tables. */
export const SEABIOS_HIGH_RESERVED = 0x20000;
export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const MIN_RAM_BYTES = 2 * 1024 * 1024;
export const MAX_RAM_BYTES = 3 * 1024 * 1024 * 1024;

const PAGE_SIZE = 0x1000;
const MMAP_ENTRY_SIZE = 20;

export interface MultibootHeader {
  /** File offset of the header. */
  offset: number;
  flags: number;
  checksum: number;
  /** Present only with the a.out kludge (flags bit 16). */
  headerAddr?: number;
  loadAddr?: number;
  loadEndAddr?: number;
  bssEndAddr?: number;
  entryAddr?: number;
}

export interface MemoryMapEntry {
  base: number;
  length: number;
  /** 1 = usable RAM, 2 = reserved. */
  type: number;
}

export interface DescriptorTableRegister {
  base: number;
  limit: number;
}

/** Registers as QEMU's multiboot option ROM leaves them at the kernel entry (see the file header). */
export interface InitialCpuState {
  eip: number;
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
  esi: number;
  edi: number;
  ebp: number;
  esp: number;
  eflags: number;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  cs: number;
  ds: number;
  es: number;
  fs: number;
  gs: number;
  ss: number;
  gdtr: DescriptorTableRegister;
  idtr: DescriptorTableRegister;
  /** The raw 8-byte descriptors behind CS and the data selectors, as [low dword, high dword]. */
  codeDescriptor: readonly [number, number];
  dataDescriptor: readonly [number, number];
}

export interface MultibootBoot {
  entry: number;
  eax: number;
  ebx: number;
  cpu: InitialCpuState;
  header: MultibootHeader;
  format: "elf" | "aout-kludge";
  /** The parsed ELF (null for a non-ELF a.out-kludge image). */
  elf: ElfImage | null;
  symbols: ElfSymbol[];
  /** Physical start of the kernel (lowest PT_LOAD p_paddr, or the header's load_addr). */
  loadAddress: number;
  /** End of the kernel including bss (exclusive). */
  kernelEnd: number;
  /** End of everything copied at loadAddress: kernel, command line, loader name, page padding (exclusive). */
  imageEnd: number;
  mbiAddress: number;
  /** The command line as the guest sees it: "<fileName> <cmdline>". */
  cmdline: string;
  cmdlineAddress: number;
  bootLoaderNameAddress: number;
  modsAddress: number;
  memLower: number;
  memUpper: number;
  memoryMap: MemoryMapEntry[];
  mmapAddress: number;
  mmapLength: number;
}

/** The option ROM's GDT (pc-bios/optionrom/multiboot.S): null, flat code 0x08, flat data 0x10, 16-bit code/data. */
export const BOOT_GDT: readonly number[] = [
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x9e, 0x00, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0x00, 0x00,
];
/** GDTR base QEMU 7.2 shows with its default option ROMs (the GDT lives in the option ROM). */
export const BOOT_GDTR_BASE_QEMU = 0xcb2b8;

function hex(n: number): string {
  return "0x" + n.toString(16);
}

function pageAlign(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

/** SeaBIOS's e820 map for a QEMU pc machine with `ramBytes` of RAM (all below 3.5 GiB). */
export function qemuMemoryMap(ramBytes: number): MemoryMapEntry[] {
  checkRam(ramBytes);
  const top = ramBytes - SEABIOS_HIGH_RESERVED;
  return [
    { base: 0x0, length: 0x9fc00, type: E820_RAM },
    { base: 0x9fc00, length: 0x400, type: E820_RESERVED },
    { base: 0xf0000, length: 0x10000, type: E820_RESERVED },
    { base: 0x100000, length: top - 0x100000, type: E820_RAM },
    { base: top, length: SEABIOS_HIGH_RESERVED, type: E820_RESERVED },
    { base: 0xfffc0000, length: 0x40000, type: E820_RESERVED },
  ];
}

function checkRam(ramBytes: number): void {
  if (
    !Number.isInteger(ramBytes) ||
    ramBytes % 0x100000 !== 0 ||
    ramBytes < MIN_RAM_BYTES ||
    ramBytes > MAX_RAM_BYTES
  ) {
    throw new UsageError(`RAM size ${ramBytes} bytes is not supported: use a whole number of MiB from 2 MiB to 3 GiB`);
  }
}

/** Locate and validate the multiboot header as QEMU does; throws InputError naming the problem. */
export function findMultibootHeader(image: Uint8Array, fileName: string): MultibootHeader {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let badChecksumAt = -1;
  let found = -1;
  for (let i = 0; i < MULTIBOOT_SEARCH_LIMIT && i + 12 <= image.length; i += 4) {
    if (view.getUint32(i, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = view.getUint32(i + 4, true);
    const checksum = view.getUint32(i + 8, true);
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) === 0) {
      found = i;
      break;
    }
    if (badChecksumAt < 0) badChecksumAt = i;
  }
  if (found < 0) {
    if (badChecksumAt >= 0) {
      const flags = view.getUint32(badChecksumAt + 4, true);
      const checksum = view.getUint32(badChecksumAt + 8, true);
      throw new InputError(
        `${fileName}: multiboot header at offset ${hex(badChecksumAt)}: checksum ${hex(checksum)} does not make magic + flags ${hex(flags)} + checksum zero (expected ${hex((-(MULTIBOOT_HEADER_MAGIC + flags)) >>> 0)})`,
      );
    }
    throw new InputError(
      `${fileName}: no multiboot header (magic 0x1badb002 with a valid checksum, 4-byte aligned) in the first 8192 bytes`,
    );
  }
  const flags = view.getUint32(found + 4, true);
  const where = `${fileName}: multiboot header at offset ${hex(found)}`;
  if (flags & MULTIBOOT_FLAG_VIDEO_MODE) {
    throw new InputError(`${where}: flags ${hex(flags)} request a video mode (bit 2), which kdbt does not provide`);
  }
  const unknownRequired = flags & 0xfff8;
  if (unknownRequired !== 0) {
    throw new InputError(
      `${where}: flags ${hex(flags)} set required feature bits ${hex(unknownRequired)} that kdbt does not support`,
    );
  }
  const header: MultibootHeader = { offset: found, flags, checksum: view.getUint32(found + 8, true) };
  if (flags & MULTIBOOT_FLAG_AOUT_KLUDGE) {
    if (found + 32 > image.length) {
      throw new InputError(`${where}: flags set bit 16 (a.out kludge) but the file ends before the address fields`);
    }
    header.headerAddr = view.getUint32(found + 12, true);
    header.loadAddr = view.getUint32(found + 16, true);
    header.loadEndAddr = view.getUint32(found + 20, true);
    header.bssEndAddr = view.getUint32(found + 24, true);
    header.entryAddr = view.getUint32(found + 28, true);
  }
  return header;
}

interface KernelImage {
  loadAddress: number;
  /** Bytes from loadAddress to the end of bss. */
  size: number;
  entry: number;
  /** Copy the file data into `buffer` (which starts at loadAddress and is zero-filled). */
  copyInto: (buffer: Uint8Array) => void;
}

function loadElfKernel(elf: ElfImage, image: Uint8Array, fileName: string): KernelImage {
  let low = Infinity;
  let high = 0;
  let entry = elf.header.entry;
  for (const ph of elf.loadSegments) {
    low = Math.min(low, ph.paddr);
    high = Math.max(high, ph.paddr + ph.memsz);
    // elf_ops.h: e_entry is virtual; translate it when it falls in an executable segment with vaddr != paddr.
    if (
      ph.vaddr !== ph.paddr &&
      (ph.flags & PF_X) !== 0 &&
      elf.header.entry >= ph.vaddr &&
      elf.header.entry < ph.vaddr + ph.filesz
    ) {
      entry = elf.header.entry - ph.vaddr + ph.paddr;
    }
  }
  if (entry < low || entry >= high) {
    const translated = entry !== elf.header.entry ? ` (translated to ${hex(entry)})` : "";
    throw new InputError(
      `${fileName}: ELF header: e_entry ${hex(elf.header.entry)}${translated} is outside the loaded kernel ${hex(low)}-${hex(high - 1)}`,
    );
  }
  const copyInto = (buffer: Uint8Array): void => {
    for (const ph of elf.loadSegments) buffer.set(image.subarray(ph.offset, ph.offset + ph.filesz), ph.paddr - low);
  };
  return { loadAddress: low, size: high - low, entry, copyInto };
}

function loadAoutKernel(header: MultibootHeader, image: Uint8Array, fileName: string): KernelImage {
  const where = `${fileName}: multiboot header at offset ${hex(header.offset)}`;
  const headerAddr = header.headerAddr!;
  const loadAddr = header.loadAddr!;
  const loadEndAddr = header.loadEndAddr!;
  const bssEndAddr = header.bssEndAddr!;
  if (headerAddr < loadAddr) {
    throw new InputError(`${where}: header_addr ${hex(headerAddr)} is below load_addr ${hex(loadAddr)}`);
  }
  if (headerAddr - loadAddr > header.offset) {
    throw new InputError(
      `${where}: header_addr ${hex(headerAddr)} - load_addr ${hex(loadAddr)} is more than the header's file offset`,
    );
  }
  const textOffset = header.offset - (headerAddr - loadAddr);
  let loadSize: number;
  if (loadEndAddr !== 0) {
    if (loadEndAddr < loadAddr) {
      throw new InputError(`${where}: load_end_addr ${hex(loadEndAddr)} is below load_addr ${hex(loadAddr)}`);
    }
    loadSize = loadEndAddr - loadAddr;
  } else {
    loadSize = image.length - textOffset;
  }
  if (textOffset + loadSize > image.length) {
    throw new InputError(
      `${where}: load_end_addr ${hex(loadEndAddr)} asks for ${hex(loadSize)} bytes from file offset ${hex(textOffset)}, past the end of the file (${hex(image.length)} bytes)`,
    );
  }
  if (loadAddr + loadSize > 0xffffffff) {
    throw new InputError(`${where}: load_addr ${hex(loadAddr)} + ${hex(loadSize)} bytes does not fit in the address space`);
  }
  let kernelSize = loadSize;
  if (bssEndAddr !== 0) {
    if (bssEndAddr < loadAddr + loadSize) {
      throw new InputError(`${where}: bss_end_addr ${hex(bssEndAddr)} is below the end of the loaded data ${hex(loadAddr + loadSize)}`);
    }
    kernelSize = bssEndAddr - loadAddr;
  }
  const entry = header.entryAddr!;
  if (entry < loadAddr || entry >= loadAddr + kernelSize) {
    throw new InputError(
      `${where}: entry_addr ${hex(entry)} is outside the loaded kernel ${hex(loadAddr)}-${hex(loadAddr + kernelSize - 1)}`,
    );
  }
  const copyInto = (buffer: Uint8Array): void => buffer.set(image.subarray(textOffset, textOffset + loadSize), 0);
  return { loadAddress: loadAddr, size: kernelSize, entry, copyInto };
}

function writeU32(b: Uint8Array, offset: number, value: number): void {
  b[offset] = value & 0xff;
  b[offset + 1] = (value >>> 8) & 0xff;
  b[offset + 2] = (value >>> 16) & 0xff;
  b[offset + 3] = (value >>> 24) & 0xff;
}

/**
 * Load a multiboot v1 kernel the way `qemu-system-i386 -m <ram> -kernel <fileName> -append <cmdline>`
 * does, writing the kernel, command line, boot loader name, multiboot info and memory map through
 * writePhys (physical addresses; every call lies in usable RAM), and return the entry state.
 */
export function loadMultiboot(
  image: Buffer,
  fileName: string,
  cmdline: string,
  ramBytes: number,
  writePhys: (addr: number, bytes: Uint8Array) => void,
): MultibootBoot {
  checkRam(ramBytes);
  if (cmdline.includes("\0")) throw new UsageError("kernel command line contains a NUL character");
  const header = findMultibootHeader(image, fileName);
  const aout = (header.flags & MULTIBOOT_FLAG_AOUT_KLUDGE) !== 0;
  let elf: ElfImage | null = null;
  let kernel: KernelImage;
  if (aout) {
    // QEMU ignores the ELF headers here; kdbt still parses an ELF file for its symbols (and so
    // rejects a malformed one, which QEMU would load as raw bytes).
    if (isElf(image)) elf = parseElf(image, fileName);
    kernel = loadAoutKernel(header, image, fileName);
  } else {
    if (!isElf(image)) {
      throw new InputError(
        `${fileName}: not an ELF file, and the multiboot header at offset ${hex(header.offset)} does not set flags bit 16 (a.out kludge) to give load addresses`,
      );
    }
    elf = parseElf(image, fileName);
    kernel = loadElfKernel(elf, image, fileName);
  }

  // The buffer QEMU copies to load_addr: kernel, page padding, module list (empty), command line, loader name.
  const kernelSize = kernel.size;
  const fullCmdline = `${fileName} ${cmdline}`;
  const cmdlineBytes = Buffer.from(fullCmdline, "utf8");
  const nameBytes = Buffer.from(BOOT_LOADER_NAME, "latin1");
  const cmdlineLen = Buffer.byteLength(fileName, "utf8") + 1 + Buffer.byteLength(cmdline, "utf8") + 1;
  const modsOffset = pageAlign(kernelSize);
  const cmdlineOffset = modsOffset; // zero modules
  const nameOffset = cmdlineOffset + cmdlineLen;
  const bufferSize = pageAlign(modsOffset + cmdlineLen + nameBytes.length + 1);
  const loadAddress = kernel.loadAddress;
  const imageEnd = loadAddress + bufferSize;

  // Placement checks against the memory map QEMU's guest would see.
  const memoryMap = qemuMemoryMap(ramBytes);
  const fitsIn = memoryMap.find(
    (e) => e.type === E820_RAM && loadAddress >= e.base && imageEnd <= e.base + e.length,
  );
  if (fitsIn === undefined) {
    const ranges = memoryMap
      .filter((e) => e.type === E820_RAM)
      .map((e) => `${hex(e.base)}-${hex(e.base + e.length - 1)}`)
      .join(", ");
    throw new InputError(
      `${fileName}: kernel image ${hex(loadAddress)}-${hex(imageEnd - 1)} (with the command line after it) is not inside usable RAM (${ranges} with ${ramBytes / 0x100000} MiB)`,
    );
  }
  const infoEnd = MBI_ADDRESS + MBI_SIZE;
  if (loadAddress < infoEnd && MMAP_ADDRESS < imageEnd) {
    throw new InputError(
      `${fileName}: kernel image ${hex(loadAddress)}-${hex(imageEnd - 1)} overlaps the multiboot information QEMU places at ${hex(MMAP_ADDRESS)}-${hex(infoEnd - 1)}`,
    );
  }

  const buffer = new Uint8Array(bufferSize);
  kernel.copyInto(buffer);
  buffer.set(cmdlineBytes, cmdlineOffset);
  buffer.set(nameBytes, nameOffset);

  // Memory map: each 20-byte e820 entry preceded by its size, as multiboot.S stores it.
  const mmap = new Uint8Array(memoryMap.length * (MMAP_ENTRY_SIZE + 4));
  memoryMap.forEach((e, i) => {
    const o = i * (MMAP_ENTRY_SIZE + 4);
    writeU32(mmap, o, MMAP_ENTRY_SIZE);
    writeU32(mmap, o + 4, e.base);
    writeU32(mmap, o + 8, Math.floor(e.base / 0x1_0000_0000));
    writeU32(mmap, o + 12, e.length);
    writeU32(mmap, o + 16, Math.floor(e.length / 0x1_0000_0000));
    writeU32(mmap, o + 20, e.type);
  });

  const memUpper = (memoryMap[3]!.base + memoryMap[3]!.length - 0x100000) / 1024;
  const cmdlineAddress = loadAddress + cmdlineOffset;
  const bootLoaderNameAddress = loadAddress + nameOffset;
  const modsAddress = loadAddress + modsOffset;
  const mbi = new Uint8Array(MBI_SIZE);
  writeU32(mbi, 0, MBI_FLAGS_QEMU);
  writeU32(mbi, 4, MEM_LOWER_KIB);
  writeU32(mbi, 8, memUpper);
  writeU32(mbi, 12, MBI_BOOT_DEVICE_QEMU);
  writeU32(mbi, 16, cmdlineAddress);
  writeU32(mbi, 20, 0); // mods_count
  writeU32(mbi, 24, modsAddress);
  writeU32(mbi, 44, mmap.length);
  writeU32(mbi, 48, MMAP_ADDRESS);
  writeU32(mbi, 64, bootLoaderNameAddress);

  // QEMU's order: boot info first (fw_cfg "initrd" blob, then the option ROM's e820 walk), then the kernel.
  writePhys(MBI_ADDRESS, mbi);
  writePhys(MMAP_ADDRESS, mmap);
  writePhys(loadAddress, buffer);

  const cpu: InitialCpuState = {
    eip: kernel.entry,
    eax: MULTIBOOT_BOOTLOADER_MAGIC,
    ebx: MBI_ADDRESS,
    ecx: kernel.entry,
    edx: ((memUpper & 0xffff0000) | 0x0511) >>> 0,
    esi: 0,
    edi: 0x1000,
    ebp: 0,
    esp: 0x6f08,
    eflags: 0x00000006,
    cr0: 0x00000011,
    cr2: 0,
    cr3: 0,
    cr4: 0,
    cs: 0x08,
    ds: 0x10,
    es: 0x10,
    fs: 0x10,
    gs: 0x10,
    ss: 0x10,
    gdtr: { base: BOOT_GDTR_BASE_QEMU, limit: BOOT_GDT.length - 1 },
    idtr: { base: 0, limit: 0x3ff },
    codeDescriptor: [0x0000ffff, 0x00cf9a00],
    dataDescriptor: [0x0000ffff, 0x00cf9200],
  };

  return {
    entry: kernel.entry,
    eax: MULTIBOOT_BOOTLOADER_MAGIC,
    ebx: MBI_ADDRESS,
    cpu,
    header,
    format: aout ? "aout-kludge" : "elf",
    elf,
    symbols: elf?.symbols ?? [],
    loadAddress,
    kernelEnd: loadAddress + kernelSize,
    imageEnd,
    mbiAddress: MBI_ADDRESS,
    cmdline: fullCmdline,
    cmdlineAddress,
    bootLoaderNameAddress,
    modsAddress,
    memLower: MEM_LOWER_KIB,
    memUpper,
    memoryMap,
    mmapAddress: MMAP_ADDRESS,
    mmapLength: mmap.length,
  };
}
