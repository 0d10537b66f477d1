// Deterministic PRNG (mulberry32) seeded per family, so one family's vectors never depend on another's.

/** FNV-1a hash of a string, used to derive a family's seed from its name. */
export function seedFromName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  bool(): boolean {
    return (this.u32() & 1) === 1;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick: empty list");
    return items[this.int(items.length)] as T;
  }

  /** A value of the given operand size in bits, biased towards edge values a quarter of the time. */
  value(size: 8 | 16 | 32): number {
    if (this.int(4) === 0) return this.pick(edgeValues(size));
    return size === 32 ? this.u32() : this.u32() & (size === 16 ? 0xffff : 0xff);
  }
}

/** Edge operand values for each operand size: 0, 1, -1, largest positive, most negative. */
export function edgeValues(size: 8 | 16 | 32): readonly number[] {
  switch (size) {
    case 8:
      return [0, 1, 0xff, 0x7f, 0x80];
    case 16:
      return [0, 1, 0xffff, 0x7fff, 0x8000];
    case 32:
      return [0, 1, 0xffffffff, 0x7fffffff, 0x80000000];
  }
}
