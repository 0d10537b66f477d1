// Small helpers the families share: raw encodings via .byte, operand-size names, value pairs.
import { hex, type Size } from "./case.js";
import type { Rng } from "./prng.js";

export function modrm(mod: number, reg: number, rm: number): number {
  return ((mod & 3) << 6) | ((reg & 7) << 3) | (rm & 7);
}

export function le(v: number, size: Size): number[] {
  const out: number[] = [];
  for (let i = 0; i < size / 8; i++) out.push((v >>> (8 * i)) & 0xff);
  return out;
}

/**
 * An encoding GNU as will not pick from a mnemonic (82 /r, 81 with a small immediate, C6 with a register, ...),
 * written as .byte with the AT&T meaning in a comment. Re-assembling it gives the same bytes.
 */
export function rawAsm(bytes: number[], meaning: string): string {
  return `.byte ${bytes.map((b) => "0x" + (b & 0xff).toString(16).padStart(2, "0")).join(",")} # ${meaning}`;
}

/** Immediate operand text. */
export function imm(v: number): string {
  return "$" + hex(v);
}

/** Edge operand pairs (a, b) for binary operations, plus `extra` random pairs. */
export function valuePairs(size: Size, rng: Rng, extra: number): [number, number][] {
  const m = size === 32 ? 0xffffffff : size === 16 ? 0xffff : 0xff;
  const top = size === 32 ? 0x80000000 : size === 16 ? 0x8000 : 0x80;
  const max = (top - 1) >>> 0;
  const pairs: [number, number][] = [
    [0, 0], [0, 1], [1, m], [m, 1], [m, m], [max, 1], [top, 1], [top, m], [top, top], [max, top], [max, max], [1, top],
    [0x0f, 0x01], [0x10, 0x01], [0x08, 0x08],
  ];
  for (let i = 0; i < extra; i++) pairs.push([rng.value(size), rng.value(size)]);
  return pairs.map(([a, b]) => [(a & m) >>> 0, (b & m) >>> 0]);
}

export function signed(v: number, size: Size): number {
  const s = 32 - size;
  return (v << s) >> s;
}

export function sizeMask(size: Size): number {
  return size === 32 ? 0xffffffff : size === 16 ? 0xffff : 0xff;
}
