import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError, UsageError } from "../../src/errors.js";
import {
  BOOT_GDT,
  findMultibootHeader,
  loadMultiboot,
  MBI_ADDRESS,
  qemuMemoryMap,
  type MultibootBoot,
} from "../../src/machine/multiboot.js";
import { fixture, readRecording, type QemuRecording } from "./fixtures/qemu-recording.js";

const MiB = 1024 * 1024;

/** Sparse physical memory; unwritten bytes read as `fill` so tests can see what the loader zeroed. */
class PhysMem {
  private readonly pages = new Map<number, Uint8Array>();
  readonly writes: Array<{ addr: number; length: number }> = [];
  constructor(
    private readonly ramBytes: number,
    private readonly fill = 0,
  ) {}
  write = (addr: number, bytes: Uint8Array): void => {
    if (addr < 0 || addr + bytes.length > this.ramBytes) throw new Error(`write outside RAM at 0x${addr.toString(16)}`);
    this.writes.push({ addr, length: bytes.length });
    for (let i = 0; i < bytes.length; i++) this.setByte(addr + i, bytes[i]!);
  };
  private page(addr: number): Uint8Array {
    const n = Math.floor(addr / 4096);
    let p = this.pages.get(n);
    if (p === undefined) {
      p = new Uint8Array(4096).fill(this.fill);
      this.pages.set(n, p);
    }
    return p;
  }
  setByte(addr: number, v: number): void {
    this.page(addr)[addr % 4096] = v;
  }
  byte(addr: number): number {
    return this.page(addr)[addr % 4096]!;
  }
  u32(addr: number): number {
    return (this.byte(addr) | (this.byte(addr + 1) << 8) | (this.byte(addr + 2) << 16) | (this.byte(addr + 3) << 24)) >>> 0;
  }
  cString(addr: number): string {
    let s = "";
    for (let a = addr; this.byte(a) !== 0; a++) s += String.fromCharCode(this.byte(a));
    return s;
  }
}

function boot(file: string, cmdline: string, ramMiB: number, image = fixture(file)): { boot: MultibootBoot; mem: PhysMem } {
  const mem = new PhysMem(ramMiB * MiB);
  return { boot: loadMultiboot(image, file, cmdline, ramMiB * MiB, mem.write), mem };
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

/** Compare kdbt's loader with what mbdump printed under qemu-system-i386. */
function checkAgainstQemu(rec: QemuRecording, b: MultibootBoot, mem: PhysMem): void {
  const cpu = b.cpu;
  const regs: Record<string, number> = {
    eax: cpu.eax,
    ebx: cpu.ebx,
    ecx: cpu.ecx,
    edx: cpu.edx,
    esi: cpu.esi,
    edi: cpu.edi,
    ebp: cpu.ebp,
    esp: cpu.esp,
    eflags: cpu.eflags,
    cr0: cpu.cr0,
    cr3: cpu.cr3,
    cr4: cpu.cr4,
    cs: cpu.cs,
    ds: cpu.ds,
    es: cpu.es,
    fs: cpu.fs,
    gs: cpu.gs,
    ss: cpu.ss,
  };
  expect(rec.registers.size).toBe(18);
  for (const [name, value] of rec.registers) expect([name, regs[name]]).toEqual([name, value]);
  expect(cpu.gdtr).toEqual(rec.gdtr);
  expect(cpu.idtr).toEqual(rec.idtr);
  expect(rec.words.size).toBe(36 + 22);
  for (const [addr, value] of rec.words) expect([addr.toString(16), mem.u32(addr)]).toEqual([addr.toString(16), value]);
  expect({ start: b.loadAddress, end: b.imageEnd }).toEqual(rec.range);
  // QEMU builds the image in g_malloc'd/g_realloc'd host memory and never clears the gaps between
  // PT_LOADs or the padding after the kernel and after the loader name, so those bytes are host heap
  // leftovers (glibc chunk headers such as 0x1cae1 right after bss in the recordings). kdbt zeroes
  // them; only the bytes QEMU defines are compared: segments (with bss), command line, loader name.
  const defined = (a: number): boolean =>
    (b.elf === null
      ? a >= b.loadAddress && a < b.kernelEnd
      : b.elf.loadSegments.some((ph) => a >= ph.paddr && a < ph.paddr + ph.memsz)) ||
    (a >= b.cmdlineAddress && a < b.bootLoaderNameAddress + 5);
  let compared = 0;
  for (let a = b.loadAddress; a < b.imageEnd; a += 4) {
    const qemuWord = rec.nonZero.get(a) ?? 0;
    for (let i = 0; i < 4; i++) {
      if (!defined(a + i)) {
        expect([(a + i).toString(16), mem.byte(a + i)]).toEqual([(a + i).toString(16), 0]);
        continue;
      }
      compared++;
      const qemuByte = (qemuWord >>> (8 * i)) & 0xff;
      if (mem.byte(a + i) !== qemuByte) {
        throw new Error(`byte 0x${(a + i).toString(16)}: kdbt 0x${mem.byte(a + i).toString(16)}, QEMU 0x${qemuByte.toString(16)}`);
      }
    }
  }
  expect(compared).toBeGreaterThan(5000);
}

describe("multiboot loading matches qemu-system-i386 (recorded by fixtures/build.sh --record)", () => {
  it("mbdump.elf with -m 128 and a command line", () => {
    const rec = readRecording("mbdump.m128.qemu.txt");
    expect(rec.command).toContain('-m 128 -kernel mbdump.elf -append "workload=syscall  extra"');
    const { boot: b, mem } = boot("mbdump.elf", "workload=syscall  extra", 128);
    checkAgainstQemu(rec, b, mem);
  });

  it("mbdump.elf with -m 32 and an empty command line (trailing space after the file name)", () => {
    const rec = readRecording("mbdump.m32.qemu.txt");
    const { boot: b, mem } = boot("mbdump.elf", "", 32);
    checkAgainstQemu(rec, b, mem);
    expect(mem.cString(b.cmdlineAddress)).toBe("mbdump.elf ");
    expect(b.cpu.edx).toBe(0x0511); // mem_upper 0x7b80 has no high half
  });

  it("the a.out-kludge build of mbdump (flat binary, header flags bit 16)", () => {
    const rec = readRecording("mbdump-aout.m128.qemu.txt");
    const { boot: b, mem } = boot("mbdump-aout.bin", "aout kludge", 128);
    expect(b.format).toBe("aout-kludge");
    expect(b.elf).toBeNull();
    checkAgainstQemu(rec, b, mem);
  });

  it("the higher-half kernel ran under QEMU (it exits through 0xf4 only if e_entry was translated)", () => {
    expect(fixture("higher-half.qemu.txt").toString()).toContain("-kernel higher-half.elf");
    const { boot: b } = boot("higher-half.elf", "", 64);
    expect(b.entry).toBe(0x10000c); // e_entry 0xc010000c in the PF_X segment vaddr 0xc0100000 -> paddr 0x100000
    expect(b.cpu.eip).toBe(0x10000c);
    expect(b.loadAddress).toBe(0x100000);
    expect(b.symbols.find((s) => s.name === "hh_data")?.value).toBe(0xc0101000);
  });
});

describe("multiboot info layout (hand-worked from QEMU's multiboot.c and the SeaBIOS e820 map)", () => {
  const { boot: b, mem } = boot("mbdump.elf", "workload=syscall  extra", 128);

  it("places the info at 0x9500 with flags 0x24f and EBX pointing at it", () => {
    expect(b.ebx).toBe(0x9500);
    expect(b.eax).toBe(0x2badb002);
    expect(mem.u32(MBI_ADDRESS + 0)).toBe(0x24f); // MEM | BOOTDEV | CMDLINE | MODS | MMAP | LOADER
    expect(mem.u32(MBI_ADDRESS + 4)).toBe(639); // mem_lower: int 0x12
    expect(mem.u32(MBI_ADDRESS + 8)).toBe((128 * MiB - 0x20000 - 0x100000) / 1024); // 0x1fb80
    expect(mem.u32(MBI_ADDRESS + 8)).toBe(0x1fb80);
    expect(mem.u32(MBI_ADDRESS + 12)).toBe(0x8000ffff); // boot_device
    expect(mem.u32(MBI_ADDRESS + 20)).toBe(0); // mods_count
    expect(mem.u32(MBI_ADDRESS + 44)).toBe(6 * 24); // mmap_length
    expect(mem.u32(MBI_ADDRESS + 48)).toBe(0x9000); // mmap_addr
    for (const off of [28, 32, 36, 40, 52, 56, 60, 68, 72, 76, 80, 84]) expect(mem.u32(MBI_ADDRESS + off)).toBe(0);
  });

  it("puts the command line and loader name after the page-aligned kernel", () => {
    // Kernel 0x100000-0x103247 (bss end) -> PAGE_ALIGN -> 0x104000; cmdline_len = 11 + 24 = 35 bytes.
    expect(b.kernelEnd).toBe(0x103248);
    expect(b.cmdlineAddress).toBe(0x104000);
    expect(b.modsAddress).toBe(0x104000);
    expect(b.bootLoaderNameAddress).toBe(0x104000 + 35);
    expect(mem.u32(MBI_ADDRESS + 16)).toBe(0x104000);
    expect(mem.u32(MBI_ADDRESS + 24)).toBe(0x104000);
    expect(mem.u32(MBI_ADDRESS + 64)).toBe(0x104023);
    expect(mem.cString(0x104000)).toBe("mbdump.elf workload=syscall  extra");
    expect(b.cmdline).toBe("mbdump.elf workload=syscall  extra");
    expect(mem.cString(0x104023)).toBe("qemu");
    expect(b.imageEnd).toBe(0x105000);
  });

  it("writes the six-entry e820 map with a 20-byte size field before each entry", () => {
    const expected = [
      [0x0, 0x9fc00, 1],
      [0x9fc00, 0x400, 2],
      [0xf0000, 0x10000, 2],
      [0x100000, 0x7ee0000, 1],
      [0x7fe0000, 0x20000, 2],
      [0xfffc0000, 0x40000, 2],
    ];
    expected.forEach(([base, length, type], i) => {
      const o = 0x9000 + i * 24;
      expect([mem.u32(o), mem.u32(o + 4), mem.u32(o + 8), mem.u32(o + 12), mem.u32(o + 16), mem.u32(o + 20)]).toEqual([
        20,
        base,
        0,
        length,
        0,
        type,
      ]);
    });
    expect(b.memoryMap).toEqual(expected.map(([base, length, type]) => ({ base, length, type })));
  });

  it("scales mem_upper and the map with RAM size like SeaBIOS (checked on QEMU for 2 MiB to 3000 MiB)", () => {
    expect(qemuMemoryMap(2 * MiB)[3]).toEqual({ base: 0x100000, length: 0xe0000, type: 1 });
    expect(qemuMemoryMap(3000 * MiB)[4]).toEqual({ base: 0xbb7e0000, length: 0x20000, type: 2 });
    const { boot: b512 } = boot("mbdump.elf", "", 512);
    expect(b512.memUpper).toBe(0x7fb80);
    expect(b512.cpu.edx).toBe(0x00070511);
  });

  it("gives the protected-mode entry state QEMU's option ROM leaves", () => {
    expect(b.cpu).toMatchObject({
      eip: 0x10000c,
      eflags: 0x6,
      cr0: 0x11,
      cs: 0x08,
      ds: 0x10,
      ss: 0x10,
      esp: 0x6f08,
      codeDescriptor: [0x0000ffff, 0x00cf9a00],
      dataDescriptor: [0x0000ffff, 0x00cf9200],
    });
    expect(BOOT_GDT.length).toBe(40);
    expect(BOOT_GDT.slice(8, 16)).toEqual([0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0]);
  });

  it("zeroes bss and the hole between segments even over dirty memory", () => {
    const dirty = new PhysMem(128 * MiB, 0xaa);
    loadMultiboot(fixture("mbdump.elf"), "mbdump.elf", "", 128 * MiB, dirty.write);
    expect(dirty.u32(0x102000)).toBe(0x12345678); // boot_counter (.data)
    expect(dirty.u32(0x10200c)).toBe(3); // table[2]
    for (let a = 0x102014; a < 0x103248; a++) if (dirty.byte(a) !== 0) throw new Error(`bss byte at 0x${a.toString(16)}`);
    for (let a = 0x1003e8; a < 0x102000; a++) if (dirty.byte(a) !== 0) throw new Error(`gap byte at 0x${a.toString(16)}`);
    expect(dirty.byte(0x9500 + 88)).toBe(0xaa); // nothing past the 88-byte info
  });

  it("returns the ELF symbols", () => {
    expect(b.symbols.find((s) => s.name === "_start")).toMatchObject({ value: 0x10000c, type: "func", binding: "global" });
    expect(b.symbols.find((s) => s.name === "scratch")).toMatchObject({ value: 0x102014, size: 0x1234, type: "object" });
  });
});

describe("multiboot header search and rejection", () => {
  const elf = fixture("mbdump.elf");

  it("finds the header at file offset 0x1000 in the ELF and 0 in the flat image", () => {
    expect(findMultibootHeader(elf, "mbdump.elf")).toEqual({ offset: 0x1000, flags: 3, checksum: (-(0x1badb002 + 3)) >>> 0 });
    const aout = findMultibootHeader(fixture("mbdump-aout.bin"), "mbdump-aout.bin");
    expect(aout).toMatchObject({ offset: 0, flags: 0x10003, headerAddr: 0x100000, loadAddr: 0x100000, entryAddr: 0x100020 });
  });

  it("rejects a kernel without a header", () => {
    expect(errorOf(() => boot("no-multiboot.elf", "", 128)).message).toBe(
      "no-multiboot.elf: no multiboot header (magic 0x1badb002 with a valid checksum, 4-byte aligned) in the first 8192 bytes",
    );
  });

  it("rejects a header whose checksum is wrong, naming the offset", () => {
    const bad = Buffer.from(elf);
    bad.writeUInt32LE(0x12345678, 0x1008);
    const e = errorOf(() => loadMultiboot(bad, "k.elf", "", 128 * MiB, () => undefined));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(
      "k.elf: multiboot header at offset 0x1000: checksum 0x12345678 does not make magic + flags 0x3 + checksum zero (expected 0xe4524ffb)",
    );
  });

  it("does not look at or past offset 8144 (QEMU's search limit)", () => {
    const img = Buffer.alloc(8192 + 64);
    img.writeUInt32LE(0x1badb002, 8144);
    img.writeUInt32LE(0, 8148);
    img.writeUInt32LE((-0x1badb002) >>> 0, 8152);
    expect(() => findMultibootHeader(img, "late.bin")).toThrow("no multiboot header");
    img.copy(img, 8140, 8144, 8156);
    expect(findMultibootHeader(img, "late.bin").offset).toBe(8140);
  });

  it("rejects the video-mode flag", () => {
    expect(errorOf(() => boot("video.elf", "", 128)).message).toBe(
      "video.elf: multiboot header at offset 0x1000: flags 0x7 request a video mode (bit 2), which kdbt does not provide",
    );
  });

  it("rejects unknown required flags", () => {
    const bad = Buffer.from(elf);
    bad.writeUInt32LE(0x103, 0x1004);
    bad.writeUInt32LE((-(0x1badb002 + 0x103)) >>> 0, 0x1008);
    expect(errorOf(() => loadMultiboot(bad, "k.elf", "", 128 * MiB, () => undefined)).message).toBe(
      "k.elf: multiboot header at offset 0x1000: flags 0x103 set required feature bits 0x100 that kdbt does not support",
    );
  });

  it("rejects a non-ELF image that does not use the a.out kludge", () => {
    const img = Buffer.alloc(64);
    img.writeUInt32LE(0x1badb002, 16);
    img.writeUInt32LE(0, 20);
    img.writeUInt32LE((-0x1badb002) >>> 0, 24);
    expect(errorOf(() => loadMultiboot(img, "flat.bin", "", 128 * MiB, () => undefined)).message).toBe(
      "flat.bin: not an ELF file, and the multiboot header at offset 0x10 does not set flags bit 16 (a.out kludge) to give load addresses",
    );
  });

  it("validates a.out-kludge addresses like QEMU", () => {
    const aout = fixture("mbdump-aout.bin");
    const withField = (offset: number, value: number): Buffer => {
      const b = Buffer.from(aout);
      b.writeUInt32LE(value, offset);
      return b;
    };
    const load = (img: Buffer): Error => errorOf(() => loadMultiboot(img, "a.bin", "", 128 * MiB, () => undefined));
    expect(load(withField(12, 0xfffff)).message).toBe(
      "a.bin: multiboot header at offset 0x0: header_addr 0xfffff is below load_addr 0x100000",
    );
    expect(load(withField(20, 0xff000)).message).toBe(
      "a.bin: multiboot header at offset 0x0: load_end_addr 0xff000 is below load_addr 0x100000",
    );
    expect(load(withField(20, 0x200000)).message).toBe(
      "a.bin: multiboot header at offset 0x0: load_end_addr 0x200000 asks for 0x100000 bytes from file offset 0x0, past the end of the file (0x2014 bytes)",
    );
    expect(load(withField(24, 0x101000)).message).toBe(
      "a.bin: multiboot header at offset 0x0: bss_end_addr 0x101000 is below the end of the loaded data 0x102014",
    );
    expect(load(withField(28, 0x200000)).message).toBe(
      "a.bin: multiboot header at offset 0x0: entry_addr 0x200000 is outside the loaded kernel 0x100000-0x103247",
    );
  });

  it("rejects an ELF entry point outside the loaded kernel", () => {
    const bad = Buffer.from(elf);
    bad.writeUInt32LE(0x200000, 0x18);
    expect(errorOf(() => loadMultiboot(bad, "k.elf", "", 128 * MiB, () => undefined)).message).toBe(
      "k.elf: ELF header: e_entry 0x200000 is outside the loaded kernel 0x100000-0x103247",
    );
  });

  it("rejects images outside usable RAM or over the boot information", () => {
    const moved = (paddr: number): Buffer => {
      const b = Buffer.from(elf);
      b.writeUInt32LE(paddr, 52 + 32 + 12); // program header 1 p_paddr
      return b;
    };
    expect(errorOf(() => loadMultiboot(moved(0x7fff000), "k.elf", "", 128 * MiB, () => undefined)).message).toBe(
      "k.elf: kernel image 0x100000-0x8001fff (with the command line after it) is not inside usable RAM (0x0-0x9fbff, 0x100000-0x7fdffff with 128 MiB)",
    );
    // A kernel loaded low, across the info QEMU writes at 0x9000-0x9557.
    const low = Buffer.from(elf);
    low.writeUInt32LE(0x8000, 52 + 12); // text p_paddr
    low.writeUInt32LE(0xa000, 52 + 32 + 12); // data p_paddr
    low.writeUInt32LE(0x800c, 0x18); // e_entry, inside text (vaddr == paddr no longer, but the segment is PF_X)
    expect(errorOf(() => loadMultiboot(low, "k.elf", "", 128 * MiB, () => undefined)).message).toBe(
      "k.elf: kernel image 0x8000-0xcfff overlaps the multiboot information QEMU places at 0x9000-0x9557",
    );
  });

  it("rejects unsupported RAM sizes as a usage error", () => {
    for (const ram of [MiB, 3 * MiB + 1, 4 * 1024 * MiB]) {
      const e = errorOf(() => loadMultiboot(elf, "k.elf", "", ram, () => undefined));
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toBe(`RAM size ${ram} bytes is not supported: use a whole number of MiB from 2 MiB to 3 GiB`);
    }
  });

  it("writes nothing when it rejects the image", () => {
    const mem = new PhysMem(128 * MiB);
    expect(() => loadMultiboot(fixture("video.elf"), "video.elf", "", 128 * MiB, mem.write)).toThrow(InputError);
    expect(mem.writes).toEqual([]);
  });
});

describe("cross-check with the test-kernel suite's QEMU recording (test/kernels/expected/mbentry.txt)", () => {
  const root = new URL("../kernels/", import.meta.url);
  const paths = ["bin/mbentry.elf", "expected/mbentry.txt", "mbentry.S"].map((p) => new URL(p, root));
  const present = paths.every((p) => existsSync(p));

  it.skipIf(!present)("kdbt's boot info and entry state print the same lines mbentry printed under QEMU", () => {
    const [elfUrl, expectedUrl, sourceUrl] = paths as [URL, URL, URL];
    const cmdline = /^#\s*cmdline:\s?(.*)$/m.exec(readFileSync(sourceUrl, "utf8"))?.[1] ?? "";
    const mem = new PhysMem(128 * MiB);
    const b = loadMultiboot(readFileSync(elfUrl), "mbentry.elf", cmdline, 128 * MiB, mem.write);
    const h = (n: number): string => "0x" + n.toString(16).padStart(8, "0");
    const mbi = b.mbiAddress;
    const lines = [
      `eax=${h(b.eax)}`,
      `flags=${h(mem.u32(mbi))}`,
      `mem_lower=${mem.u32(mbi + 4)} mem_upper=${mem.u32(mbi + 8)}`,
      `boot_device=${h(mem.u32(mbi + 12))}`,
      `cmdline="${mem.cString(mem.u32(mbi + 16))}"`,
      `mods_count=${mem.u32(mbi + 20)}`,
      `mmap_length=${mem.u32(mbi + 44)}`,
    ];
    for (let i = 0, a = mem.u32(mbi + 48); a < mem.u32(mbi + 48) + mem.u32(mbi + 44); i++, a += 4 + mem.u32(a)) {
      lines.push(
        `mmap[${i}] size=${mem.u32(a)} base=${h(mem.u32(a + 8))}:${h(mem.u32(a + 4))} length=${h(mem.u32(a + 16))}:${h(mem.u32(a + 12))} type=${mem.u32(a + 20)}`,
      );
    }
    lines.push(`boot_loader_name="${mem.cString(mem.u32(mbi + 64))}"`);
    lines.push(`cr0=${h(b.cpu.cr0)} cr3=${h(b.cpu.cr3)} cr4=${h(b.cpu.cr4)}`);
    lines.push(`eflags=${h(b.cpu.eflags)}`);
    lines.push(`cs=${h(b.cpu.cs)} ds=${h(b.cpu.ds)} es=${h(b.cpu.es)} fs=${h(b.cpu.fs)} gs=${h(b.cpu.gs)} ss=${h(b.cpu.ss)}`);
    const expected = readFileSync(expectedUrl, "utf8").split("\n");
    expect(expected.slice(0, lines.length)).toEqual(lines);
  });
});
