// Memory operand forms: every ModRM mod (00/01/10) and SIB shape, aimed at an address in the scratch buffer.
import { EBP, ESP, R32, hex, u32, type RegVal } from "./case.js";
import type { Rng } from "./prng.js";

/**
 * The addressing shapes (SDM vol. 2A §2.1.5, Tables 2-2 and 2-3):
 * base    mod=00 [reg]                 abs     mod=00 r/m=101 disp32
 * d8      mod=01 [reg+disp8]           d32     mod=10 [reg+disp32]
 * sib     mod=00 [base+index*s]        sib8    mod=01 [base+index*s+disp8]
 * sib32   mod=10 [base+index*s+disp32] nobase  mod=00 SIB base=101 [index*s+disp32]
 * esp     mod=00 SIB [esp]             esp8    mod=01 SIB [esp+disp8]
 * espsib  mod=00 SIB [esp+index*s]     ebp0    mod=01 [ebp+0] (mod=00 r/m=101 means disp32)
 * ebp8    mod=01 [ebp+disp8]           ebp32   mod=10 [ebp+disp32]
 * ebpsib  mod=01 SIB [ebp+index*s+0]   eiz     mod=00 SIB index=100 (no index) [base]
 * wrap    mod=10 [reg+disp32] where base+disp32 wraps past 2^32
 */
export type MemKind =
  | "base" | "abs" | "d8" | "d32" | "sib" | "sib8" | "sib32" | "nobase"
  | "esp" | "esp8" | "espsib" | "ebp0" | "ebp8" | "ebp32" | "ebpsib" | "eiz" | "wrap";

export const MEM_KINDS: readonly MemKind[] = [
  "base", "d8", "sib", "abs", "d32", "sib8", "nobase", "esp", "sib32", "ebp0", "esp8",
  "ebp8", "espsib", "eiz", "ebp32", "ebpsib", "wrap",
];

/** Kinds that need no ESP (for instructions that also use the stack, or when ESP is an operand). */
export const MEM_KINDS_NO_ESP: readonly MemKind[] = MEM_KINDS.filter((k) => !k.startsWith("esp"));

export interface MemOperand {
  asm: string;
  kind: MemKind;
  /** Register assignments making the operand address the target. */
  set: [number, number][];
}

function disp(v: number): string {
  return v < 0 ? "-" + hex(-v) : hex(v);
}

function pool(cands: number[], avoid: readonly number[]): number[] {
  return cands.filter((r) => !avoid.includes(r));
}

/** Build a memory operand of the given kind that addresses `addr`, using no register in `avoid`. */
export function memOperand(rng: Rng, kind: MemKind, addr: number, avoid: readonly number[]): MemOperand {
  const plain = pool([0, 1, 2, 3, 6, 7], avoid);
  const withEbp = pool([0, 1, 2, 3, 5, 6, 7], avoid);
  const scale = rng.pick([1, 2, 4, 8]);
  const d8 = (): number => {
    const v = rng.range(-128, 127);
    return v === 0 ? 4 : v;
  };
  const d32 = (): number => {
    for (;;) {
      const v = rng.u32() | 0;
      if (v < -128 || v > 127) return v;
    }
  };
  const need = (p: number[], what: string): number => {
    if (p.length === 0) throw new Error(`memOperand ${kind}: no free register for ${what}`);
    return rng.pick(p);
  };
  const idxVal = (): number => rng.range(-16, 16);
  const r = (n: number): string => "%" + (R32[n] as string);

  switch (kind) {
    case "base": {
      const b = need(plain, "base");
      return { kind, asm: `(${r(b)})`, set: [[b, addr]] };
    }
    case "abs":
      return { kind, asm: hex(addr), set: [] };
    case "d8": {
      const b = need(withEbp, "base");
      const d = d8();
      return { kind, asm: `${disp(d)}(${r(b)})`, set: [[b, u32(addr - d)]] };
    }
    case "d32":
    case "wrap": {
      const b = need(withEbp, "base");
      const d = kind === "wrap" ? (0x80000000 | rng.u32()) | 0 : d32();
      // For "wrap" the base is chosen so base + disp exceeds 2^32 and wraps to addr.
      const base = u32(addr - d);
      return { kind, asm: `${hex(u32(d))}(${r(b)})`, set: [[b, base]] };
    }
    case "sib":
    case "sib8":
    case "sib32": {
      const bases = pool([0, 1, 2, 3, 4, 6, 7], avoid);
      const b = need(bases, "base");
      const i = need(pool(withEbp, [b]), "index");
      const iv = idxVal();
      const d = kind === "sib" ? 0 : kind === "sib8" ? d8() : d32();
      const base = u32(addr - d - iv * scale);
      const dtext = kind === "sib" ? "" : kind === "sib8" ? disp(d) : hex(u32(d));
      return { kind, asm: `${dtext}(${r(b)},${r(i)},${scale})`, set: [[b, base], [i, u32(iv)]] };
    }
    case "nobase": {
      const i = need(withEbp, "index");
      const iv = idxVal();
      return { kind, asm: `${hex(u32(addr - iv * scale))}(,${r(i)},${scale})`, set: [[i, u32(iv)]] };
    }
    case "esp":
    case "esp8":
    case "espsib": {
      if (avoid.includes(ESP)) throw new Error("memOperand: ESP form with ESP in use");
      if (kind === "esp") return { kind, asm: "(%esp)", set: [[ESP, addr]] };
      if (kind === "esp8") {
        const d = d8();
        return { kind, asm: `${disp(d)}(%esp)`, set: [[ESP, u32(addr - d)]] };
      }
      const i = need(withEbp, "index");
      const iv = idxVal();
      return { kind, asm: `(%esp,${r(i)},${scale})`, set: [[ESP, u32(addr - iv * scale)], [i, u32(iv)]] };
    }
    case "ebp0":
    case "ebp8":
    case "ebp32":
    case "ebpsib": {
      if (avoid.includes(EBP)) throw new Error("memOperand: EBP form with EBP in use");
      if (kind === "ebp0") return { kind, asm: "(%ebp)", set: [[EBP, addr]] };
      if (kind === "ebp8") {
        const d = d8();
        return { kind, asm: `${disp(d)}(%ebp)`, set: [[EBP, u32(addr - d)]] };
      }
      if (kind === "ebp32") {
        const d = d32();
        return { kind, asm: `${hex(u32(d))}(%ebp)`, set: [[EBP, u32(addr - d)]] };
      }
      const i = need(pool(withEbp, [EBP]), "index");
      const iv = idxVal();
      return { kind, asm: `(%ebp,${r(i)},${scale})`, set: [[EBP, u32(addr - iv * scale)], [i, u32(iv)]] };
    }
    case "eiz": {
      const b = need(pool([0, 1, 2, 3, 4, 6, 7], avoid), "base");
      return { kind, asm: `(${r(b)},%eiz,${scale})`, set: [[b, addr]] };
    }
  }
}

/** Apply a memory operand's register assignments. */
export function applyMem(regs: RegVal[], op: MemOperand): void {
  for (const [reg, v] of op.set) regs[reg] = v;
}

/** Registers a memory operand reads. */
export function memRegs(op: MemOperand): number[] {
  return op.set.map(([reg]) => reg);
}

/** Cycles through the kinds so consecutive memory cases of a family cover every shape. */
export class KindCycle {
  private i = 0;

  constructor(private readonly kinds: readonly MemKind[] = MEM_KINDS) {}

  next(avoid: readonly number[] = []): MemKind {
    for (let n = 0; n < this.kinds.length; n++) {
      const k = this.kinds[this.i++ % this.kinds.length] as MemKind;
      if ((k.startsWith("esp") && avoid.includes(ESP)) || (k.startsWith("ebp") && avoid.includes(EBP))) continue;
      return k;
    }
    throw new Error("KindCycle: no usable kind");
  }
}
