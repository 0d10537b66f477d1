// Disassembly for the teaching views: iced-x86 (loaded on first use), 32-bit Intel syntax, ELF symbols.
//
// iced-x86 is a maintained disassembler compiled to WebAssembly (about 2.3 MB on disk). It is loaded
// lazily, with a synchronous require() the first time a disassembly function runs, so `kdbt run`
// and `kdbt bench` never load it. (A dynamic import() would force every caller, down to the
// table formatters, to be async for a module that is CommonJS and instantiates its WebAssembly
// synchronously anyway.)
//
// iced-x86's JavaScript API has no symbol resolver, so symbols are substituted here, operand by
// operand: direct branch targets become `name` / `name+0x12`; memory displacements that are
// absolute addresses (no base register, or a large one a sized symbol covers) likewise; immediates
// that point into a symbol are left as numbers and named in `comment` (objdump's `<sym>` style).
import { createRequire } from "node:module";
import type * as Iced from "iced-x86";
import type { ElfSymbol } from "../machine/elf.js";
import type { DisasmLine, Flow } from "./schemas.js";

export type { DisasmLine } from "./schemas.js";

type IcedModule = typeof Iced;

let iced: IcedModule | null = null;
let formatter: Iced.Formatter | null = null;

/** Has iced-x86 been loaded in this process? (Tests check that merely importing this file does not.) */
export function disassemblerLoaded(): boolean {
  return iced !== null;
}

function load(): { m: IcedModule; f: Iced.Formatter } {
  if (iced === null || formatter === null) {
    const m = createRequire(import.meta.url)("iced-x86") as IcedModule;
    const f = new m.Formatter(m.FormatterSyntax.Intel);
    f.hexPrefix = "0x";
    f.hexSuffix = "";
    f.uppercaseHex = false;
    f.uppercaseAll = false;
    f.smallHexNumbersInDecimal = false;
    f.leadingZeros = false;
    f.branchLeadingZeros = false;
    f.displacementLeadingZeros = false;
    f.spaceAfterOperandSeparator = true;
    f.showBranchSize = false;
    // "dword ptr" only where no register operand gives the size away: `lidt [0x12345678]`.
    f.memorySizeOptions = m.MemorySizeOptions.Minimal;
    iced = m;
    formatter = f;
  }
  return { m: iced, f: formatter };
}

// ---- symbols

/** ELF symbols indexed for address lookups (function, object and untyped labels with a name). */
export class SymbolTable {
  /** Usable symbols sorted by address. */
  readonly sorted: readonly ElfSymbol[];
  private readonly starts = new Map<number, ElfSymbol>();
  private readonly maxSize: number;

  constructor(symbols: readonly ElfSymbol[]) {
    const usable = symbols.filter(
      (s) => s.name !== "" && s.sectionIndex !== 0 && (s.type === "func" || s.type === "object" || s.type === "notype"),
    );
    this.sorted = [...usable].sort((a, b) => a.value - b.value || rank(b) - rank(a));
    this.maxSize = usable.reduce((m, s) => Math.max(m, s.size), 1);
    for (const s of this.sorted) {
      const cur = this.starts.get(s.value);
      if (cur === undefined || rank(s) > rank(cur)) this.starts.set(s.value, s);
    }
  }

  /** The symbol that starts exactly at `address` (a label to print above an instruction). */
  startingAt(address: number): ElfSymbol | undefined {
    return this.starts.get(address >>> 0);
  }

  /**
   * The symbol to name `address` by: one starting exactly there, else the closest sized symbol
   * covering it (value <= address < value + size). Undefined if none covers it.
   */
  covering(address: number): ElfSymbol | undefined {
    address >>>= 0;
    const exact = this.starts.get(address);
    if (exact !== undefined) return exact;
    // Binary search for the last symbol with value <= address, then walk back to one that covers it.
    const a = this.sorted;
    let lo = 0;
    let hi = a.length - 1;
    let idx = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]!.value <= address) {
        idx = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let best: ElfSymbol | undefined;
    for (let i = idx; i >= 0; i--) {
      const s = a[i]!;
      // Nothing further back can reach `address` once the gap exceeds the largest symbol.
      if (address - s.value >= this.maxSize) break;
      if (s.size === 0 || address - s.value >= s.size) continue;
      if (best === undefined || s.value > best.value || (s.value === best.value && rank(s) > rank(best))) best = s;
    }
    return best;
  }
}

/** Prefer functions, then objects, then sized symbols, then global ones; linker markers (`__x`) last. */
function rank(s: ElfSymbol): number {
  return (
    (s.type === "func" ? 8 : s.type === "object" ? 4 : 0) +
    (s.size > 0 ? 2 : 0) +
    (s.binding === "global" ? 1 : 0) -
    (s.name.startsWith("__") ? 16 : 0)
  );
}

export type Symbols = SymbolTable | readonly ElfSymbol[];

/**
 * A symbol for something the ELF file does not name (a dispatcher entry, a code-cache block), to
 * add to the kernel's: `new SymbolTable([...elf.symbols, syntheticSymbol("dispatch_iret", pc, 16)])`.
 */
export function syntheticSymbol(name: string, value: number, size = 0): ElfSymbol {
  return { name, value: value >>> 0, size, type: "func", binding: "global", sectionIndex: 0xfff1 };
}

function table(symbols: Symbols | undefined): SymbolTable | undefined {
  if (symbols === undefined) return undefined;
  return symbols instanceof SymbolTable ? symbols : cachedTable(symbols);
}

const tableCache = new WeakMap<readonly ElfSymbol[], SymbolTable>();
function cachedTable(symbols: readonly ElfSymbol[]): SymbolTable {
  let t = tableCache.get(symbols);
  if (t === undefined) {
    t = new SymbolTable(symbols);
    tableCache.set(symbols, t);
  }
  return t;
}

/** `name` or `name+0x12` for the symbol covering `address`, or null if none does. */
export function symbolize(address: number, symbols: Symbols): string | null {
  const t = table(symbols)!;
  const s = t.covering(address);
  if (s === undefined) return null;
  const off = ((address >>> 0) - s.value) >>> 0;
  return off === 0 ? s.name : `${s.name}+0x${off.toString(16)}`;
}

// ---- disassembly

export interface DisasmOptions {
  /** The kernel's ELF symbols (`parseElf(image).symbols`) or a prebuilt SymbolTable. */
  symbols?: Symbols;
  /** Stop after this many instructions (default: all the bytes hold). */
  maxInstructions?: number;
}

const hex = (n: number): string => "0x" + (n >>> 0).toString(16);

/**
 * Disassemble `bytes` as 32-bit code starting at linear `address`. An instruction cut off by the end
 * of `bytes` is not returned (the caller can read more and try again from that address); bytes
 * that do not decode become a one-byte "(bad)" line (objdump sometimes skips two).
 */
export function disassemble(bytes: Uint8Array, address: number, opts: DisasmOptions = {}): DisasmLine[] {
  const { m, f } = load();
  const syms = table(opts.symbols);
  const max = opts.maxInstructions ?? Infinity;
  const out: DisasmLine[] = [];
  if (bytes.length === 0 || max <= 0) return out;
  const decoder = new m.Decoder(32, bytes, m.DecoderOptions.None);
  try {
    decoder.ip = BigInt(address >>> 0);
    let offset = 0;
    while (decoder.canDecode && out.length < max) {
      const ins = decoder.decode();
      try {
        if (ins.isInvalid && decoder.lastError === m.DecoderError.NoMoreBytes) break;
        // After bytes that do not decode, try again one byte later (never swallows a valid instruction).
        const length = ins.isInvalid ? 1 : ins.length;
        const line = formatInstruction(m, f, ins, (address + offset) >>> 0, bytes.subarray(offset, offset + length), syms);
        out.push(line);
        offset += length;
        if (ins.isInvalid) {
          decoder.position = offset;
          decoder.ip = BigInt((address + offset) >>> 0);
        }
      } finally {
        ins.free();
      }
    }
  } finally {
    decoder.free();
  }
  return out;
}

/** The first instruction of `bytes` at `address`, or null if the bytes end inside it. */
export function disassembleOne(bytes: Uint8Array, address: number, opts: { symbols?: Symbols } = {}): DisasmLine | null {
  return disassemble(bytes, address, { ...opts, maxInstructions: 1 })[0] ?? null;
}

function formatInstruction(
  m: IcedModule,
  f: Iced.Formatter,
  ins: Iced.Instruction,
  address: number,
  raw: Uint8Array,
  syms: SymbolTable | undefined,
): DisasmLine {
  const bytes = Array.from(raw, (b) => b.toString(16).padStart(2, "0")).join(" ");
  const symbolHere = syms?.startingAt(address);
  const location = syms !== undefined ? symbolize(address, syms) : null;
  const base = { address, bytes, length: raw.length, symbol: symbolHere?.name ?? null, location };
  if (ins.isInvalid) {
    return { ...base, text: "(bad)", mnemonic: "(bad)", operands: "", target: null, comment: null, flow: "exception", invalid: true };
  }
  const K = m.OpKind;
  const mnemonic = f.formatMnemonic(ins);
  const parts: string[] = [];
  let target: number | null = null;
  let comment: string | null = null;
  const noSegmentOverride = ins.segmentPrefix === m.Register.None;
  const n = f.operandCount(ins);
  for (let i = 0; i < n; i++) {
    const text = f.formatOperand(ins, i);
    const opIndex = f.getInstructionOperand(ins, i);
    if (opIndex === undefined) {
      parts.push(text);
      continue;
    }
    const kind = ins.opKind(opIndex);
    switch (kind) {
      case K.NearBranch16:
      case K.NearBranch32: {
        target = kind === K.NearBranch32 ? ins.nearBranch32 >>> 0 : ins.nearBranch16;
        parts.push((syms !== undefined ? symbolize(target, syms) : null) ?? hex(target));
        break;
      }
      case K.FarBranch16:
      case K.FarBranch32: {
        // SDM notation selector:offset (`jmp 0x8:0x100a0e`), as objdump prints it.
        target = kind === K.FarBranch32 ? ins.farBranch32 >>> 0 : ins.farBranch16;
        const name = syms !== undefined ? symbolize(target, syms) : null;
        parts.push(`${hex(ins.farBranchSelector)}:${name ?? hex(target)}`);
        break;
      }
      case K.Memory: {
        const disp = Number(ins.memoryDisplacementU64 & 0xffffffffn) >>> 0;
        const noBase = ins.memoryBase === m.Register.None;
        const name = syms !== undefined && disp >= 0x1000 ? symbolizeData(disp, syms, noBase) : null;
        parts.push(name !== null ? replaceNumber(text, hex(disp), name) : text);
        break;
      }
      case K.MemorySegSI:
      case K.MemorySegESI:
      case K.MemorySegDI:
      case K.MemorySegEDI:
      case K.MemoryESDI:
      case K.MemoryESEDI:
        // String instructions: `rep stosd`, not `rep stosd [edi]`, unless a segment override matters.
        if (!noSegmentOverride) parts.push(text);
        break;
      case K.Immediate32:
      case K.Immediate8to32: {
        const v = Number(ins.immediate(opIndex) & 0xffffffffn) >>> 0;
        if (syms !== undefined && v >= 0x1000 && comment === null) comment = symbolizeData(v, syms, true);
        parts.push(text);
        break;
      }
      default:
        parts.push(text);
    }
  }
  const operands = parts.join(", ");
  return {
    ...base,
    text: operands === "" ? mnemonic : `${mnemonic} ${operands}`,
    mnemonic,
    operands,
    target,
    comment,
    flow: flowName(m, ins.flowControl),
    invalid: false,
  };
}

/** A data address is named only if a symbol really covers it (an exact label, or inside a sized symbol). */
function symbolizeData(address: number, syms: SymbolTable, absolute: boolean): string | null {
  const s = syms.covering(address);
  if (s === undefined) return null;
  // With a base register a displacement is usually a struct offset; only name large ones a sized symbol covers.
  if (!absolute && (s.size === 0 || address < 0x10000)) return null;
  return symbolize(address, syms);
}

function replaceNumber(text: string, number: string, name: string): string {
  const re = new RegExp(`${number}(?![0-9a-f])`);
  return re.test(text) ? text.replace(re, name) : text;
}

function flowName(m: IcedModule, fc: Iced.FlowControl): Flow {
  const F = m.FlowControl;
  switch (fc) {
    case F.Next:
      return "next";
    case F.UnconditionalBranch:
      return "branch";
    case F.ConditionalBranch:
      return "conditional-branch";
    case F.IndirectBranch:
      return "indirect-branch";
    case F.Call:
      return "call";
    case F.IndirectCall:
      return "indirect-call";
    case F.Return:
      return "return";
    case F.Interrupt:
      return "interrupt";
    case F.Exception:
      return "exception";
    default:
      return "other";
  }
}
