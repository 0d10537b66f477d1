// Tiny multiboot kernels built in memory (no toolchain): the loops `kdbt speed` times on kdbt and on QEMU.

const LOAD = 0x100000;
const FILE_OFFSET = 0x1000;

export interface MicroKernel {
  name: string;
  description: string;
  /** Guest instructions per loop iteration. */
  perIteration: number;
  iterations: number;
  image: Buffer;
}

/** Little-endian bytes of a 32-bit value. */
function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/**
 * Wrap code (linked at LOAD + 12, after the multiboot header) in an ELF32 executable with one
 * PT_LOAD segment, as `ld -m elf_i386` would produce for a flat kernel.
 */
export function multibootElf(code: number[], bssBytes = 0): Buffer {
  const header = [...le32(0x1badb002), ...le32(0), ...le32((-0x1badb002) >>> 0)];
  const body = [...header, ...code];
  const file = Buffer.alloc(FILE_OFFSET + body.length);
  // ELF header (System V ABI, Intel386 supplement).
  file.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  file.writeUInt16LE(2, 16); // ET_EXEC
  file.writeUInt16LE(3, 18); // EM_386
  file.writeUInt32LE(1, 20);
  file.writeUInt32LE(LOAD + header.length, 24); // e_entry
  file.writeUInt32LE(52, 28); // e_phoff
  file.writeUInt32LE(0, 32); // e_shoff
  file.writeUInt16LE(52, 40); // e_ehsize
  file.writeUInt16LE(32, 42); // e_phentsize
  file.writeUInt16LE(1, 44); // e_phnum
  file.writeUInt16LE(40, 46); // e_shentsize
  // PT_LOAD, RWX.
  file.writeUInt32LE(1, 52);
  file.writeUInt32LE(FILE_OFFSET, 56);
  file.writeUInt32LE(LOAD, 60);
  file.writeUInt32LE(LOAD, 64);
  file.writeUInt32LE(body.length, 68);
  file.writeUInt32LE(body.length + bssBytes, 72);
  file.writeUInt32LE(7, 76);
  file.writeUInt32LE(0x1000, 80);
  file.set(body, FILE_OFFSET);
  return file;
}

/** `out dx, eax` of 0 to isa-debug-exit: the guest reports success. */
const EXIT = [0x66, 0xba, 0xf4, 0x00, 0x31, 0xc0, 0xef];

/** add eax,ebx / xor edx,eax / dec ecx / jnz: four register instructions per iteration. */
export function aluLoop(iterations: number): MicroKernel {
  const code = [0xb9, ...le32(iterations), 0x01, 0xd8, 0x31, 0xc2, 0x49, 0x75, 0xf9, ...EXIT];
  return { name: "alu", description: "add/xor/dec/jnz register loop", perIteration: 4, iterations, image: multibootElf(code) };
}

/** mov eax,[esi] / add eax,ecx / mov [esi+4],eax / dec ecx / jnz: a load and a store per iteration. */
export function loadStoreLoop(iterations: number): MicroKernel {
  const code = [
    0xbe, ...le32(0x200000), // mov esi, 0x200000
    0xb9, ...le32(iterations), // mov ecx, n
    0x8b, 0x06, // mov eax, [esi]
    0x01, 0xc8, // add eax, ecx
    0x89, 0x46, 0x04, // mov [esi+4], eax
    0x49, // dec ecx
    0x75, 0xf6, // jnz -10 (back to the load)
    ...EXIT,
  ];
  return { name: "load-store", description: "load/add/store/dec/jnz loop", perIteration: 5, iterations, image: multibootElf(code) };
}

/**
 * int 0x80 / dec ecx / jnz, with an IDT whose gate 0x80 points at an iret: a same-privilege
 * interrupt and return per iteration (4 instructions, 2 of them events).
 */
export function intLoop(iterations: number): MicroKernel {
  const start = LOAD + 12;
  // Code: lidt [idtr]; mov ecx, n; L: int 0x80; dec ecx; jnz L; exit; handler: iret; idtr; idt
  const prologueLen = 7 + 5; // lidt m32 (0F 01 1D imm32), mov ecx imm32
  const loopLen = 2 + 1 + 2;
  const handler = start + prologueLen + loopLen + EXIT.length;
  const idtr = handler + 1;
  const idt = (idtr + 6 + 7) & ~7;
  const gate = [...le32((0x08 << 16) | (handler & 0xffff)), ...le32((handler & 0xffff0000) | 0x8e00)];
  const code = [0x0f, 0x01, 0x1d, ...le32(idtr), 0xb9, ...le32(iterations), 0xcd, 0x80, 0x49, 0x75, 0xfb, ...EXIT, 0xcf];
  const limit = 0x81 * 8 - 1;
  code.push(limit & 0xff, limit >>> 8, ...le32(idt));
  while (start + code.length < idt) code.push(0);
  for (let v = 0; v < 0x80; v++) code.push(0, 0, 0, 0, 0, 0, 0, 0);
  code.push(...gate);
  return { name: "int-0x80", description: "int 0x80 / iret / dec / jnz loop", perIteration: 4, iterations, image: multibootElf(code) };
}
