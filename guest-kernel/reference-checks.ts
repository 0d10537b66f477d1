// The RESULT check value each workload must print, computed here from each workload's definition
// (docs/guest-kernel.md), independently of the kernel's C code: tests compare QEMU (and later kdbt)
// against these.  Every value is a u32; the kernel prints it as 8 lowercase hex digits.
//
// The timer and ctxswitch checks take no PIT rate: by design they do not depend on it.

/** The workloads in the order `workload=all` runs them, with their default iteration counts. */
export const WORKLOADS = [
  { name: "compute", defaultIters: 50000 },
  { name: "syscall", defaultIters: 4000 },
  { name: "copy", defaultIters: 500 },
  { name: "pagefault", defaultIters: 250 },
  { name: "divzero", defaultIters: 2000 },
  { name: "fixup", defaultIters: 1500 },
  { name: "timer", defaultIters: 200 },
  { name: "ctxswitch", defaultIters: 1000 },
  { name: "callret", defaultIters: 20000 },
  { name: "ptewrite", defaultIters: 12000 },
  { name: "io", defaultIters: 50000 },
  { name: "smc", defaultIters: 3000 },
] as const;

export type WorkloadName = (typeof WORKLOADS)[number]["name"];

const u32 = (x: number): number => x >>> 0;
const mul = (a: number, b: number): number => Math.imul(a, b) >>> 0;
const rotl = (x: number, n: number): number => (n % 32 === 0 ? x >>> 0 : ((x << n) | (x >>> (32 - n))) >>> 0);
const mod32 = (x: bigint): number => Number(BigInt.asUintN(32, x));

const USER_DEMAND = 0x40200000;
const PAGE_SIZE = 4096;
const EFAULT = 14;

/** compute: sum of i*i for i = 1..n, i.e. n(n+1)(2n+1)/6, mod 2^32. */
function compute(n: number): number {
  const N = BigInt(n);
  return mod32((N * (N + 1n) * (2n * N + 1n)) / 6n);
}

/** syscall: SYS_NULL(i) returns i + 1, summed for i = 0..n-1: n(n+1)/2 mod 2^32. */
function syscall(n: number): number {
  const N = BigInt(n);
  return mod32((N * (N + 1n)) / 2n);
}

/** copy: the sum of SYS_COPY's checksums (Horner, times 31) over a changing 64-byte buffer. */
function copy(n: number): number {
  const buffer = Uint8Array.from({ length: 64 }, (_, j) => j);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const at = (i * 5) % 64;
    buffer[at] = (buffer[at] ?? 0) ^ (i & 0xff);
    const len = 29 + (i & 3);
    let sum = 0;
    for (let j = 0; j < len; j++) sum = u32(mul(sum, 31) + (buffer[j] ?? 0));
    total = u32(total + sum);
  }
  return total;
}

/** pagefault: per iteration the page's address (first word) plus address ^ i (returned by
 * SYS_UNMAP), plus one demand fault per iteration. */
function pagefault(n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const page = USER_DEMAND + (i % 8) * PAGE_SIZE;
    sum = u32(sum + page + u32(page ^ i));
  }
  return u32(sum + n);
}

/** divzero: EAX + EDX survive the skipped DIV unchanged: i + (i ^ 0x5555aaaa), plus one #DE skip
 * per iteration. */
function divzero(n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum = u32(sum + i + u32(i ^ 0x5555aaaa));
  return u32(sum + n);
}

/** fixup: every SYS_COPY returns -EFAULT, plus one fixup per iteration: n * (1 - 14) mod 2^32. */
function fixup(n: number): number {
  return mod32(BigInt(n) * BigInt(1 - EFAULT));
}

/** timer: the call tree of depth 5, folded with an FNV-style multiply. */
function callTree(depth: number, seed: number): number {
  if (depth === 0) return u32(mul(seed, 0x9e3779b1) ^ (seed >>> 15));
  const left = callTree(depth - 1, u32(mul(seed, 3) + 1));
  const right = callTree(depth - 1, u32(seed ^ left));
  return u32((left << 1) ^ right ^ depth);
}

function timer(n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc = u32(mul(acc, 0x01000193) ^ callTree(5, i));
  return acc;
}

/** ctxswitch: each task hashes its markers (id << 28) ^ i; check = hash1 ^ rotl(hash2, 16). */
function ctxswitch(n: number): number {
  const hash = (id: number): number => {
    let h = id;
    for (let i = 0; i < n; i++) h = u32(mul(h, 33) + u32((id << 28) ^ i));
    return h;
  };
  return u32(hash(1) ^ rotl(hash(2), 16));
}

/** callret: x = ((x << 5) + (x >> 3) + i) ^ 0x9e3779b9, from x = 1. */
function callret(n: number): number {
  let x = 1;
  for (let i = 0; i < n; i++) x = u32(u32((x << 5) + (x >>> 3) + i) ^ 0x9e3779b9);
  return x;
}

/** ptewrite: frame k = i % 3 has tag 0x7a600000 + k; hash the tags, count i into each frame. */
function ptewrite(n: number): number {
  let sum = 0;
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    sum = u32(mul(sum, 31) + 0x7a600000 + k);
    counts[k] = u32((counts[k] ?? 0) + i);
  }
  return u32(sum ^ (counts[0] ?? 0) ^ rotl(counts[1] ?? 0, 8) ^ rotl(counts[2] ?? 0, 16));
}

/** io: port 0x80 reads as 0xff (QEMU's ioport80, and kdbt's unclaimed-port value). */
function io(n: number): number {
  return mod32(BigInt(n) * 0xffn);
}

/** smc: patch i % 5 (add, xor, imul, rol, add-if-odd) with imm = (i * 0x9e3779b1) ^ 0x5a5a5a5a
 * applied to arg = i ^ 0xa5a5a5a5; results hashed with sum * 31 + result. */
function smc(n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const imm = u32(mul(i, 0x9e3779b1) ^ 0x5a5a5a5a);
    const arg = u32(i ^ 0xa5a5a5a5);
    let result: number;
    switch (i % 5) {
      case 0:
        result = u32(arg + imm);
        break;
      case 1:
        result = u32(arg ^ imm);
        break;
      case 2:
        result = mul(arg, imm);
        break;
      case 3:
        result = rotl(arg, imm & 31);
        break;
      default:
        result = arg & 1 ? u32(arg + imm) : arg;
    }
    sum = u32(mul(sum, 31) + result);
  }
  return sum;
}

const MODELS: Record<WorkloadName, (iters: number) => number> = {
  compute,
  syscall,
  copy,
  pagefault,
  divzero,
  fixup,
  timer,
  ctxswitch,
  callret,
  ptewrite,
  io,
  smc,
};

/** The check value `workload` must report after `iters` iterations. */
export function expectedCheck(workload: WorkloadName, iters: number): number {
  if (!Number.isInteger(iters) || iters < 1 || iters > 1_000_000_000) throw new RangeError(`iters ${iters} out of range`);
  return MODELS[workload](iters);
}

/** The same, formatted as the kernel prints it. */
export function expectedCheckHex(workload: WorkloadName, iters: number): string {
  return expectedCheck(workload, iters).toString(16).padStart(8, "0");
}
