// String instructions: MOVS STOS LODS CMPS SCAS in byte/word/dword, with and without REP/REPE/REPNE, DF=0 and DF=1.
import { Cases, EAX, ECX, EDI, ESI, Mem, setReg, suffix, type Family, type RegVal, type Size } from "./case.js";
import { ALL, DF, eflags } from "./flags.js";

/** Source strings live at window offsets [8, 72), destinations at [88, 152); the window is scratch [32, 192). */
const SRC = 8, DST = 88, AREA = 64;

interface Layout {
  regs: RegVal[];
  mem: Mem;
  fl: number;
}

export const stringFamily: Family = {
  name: "string",
  build(rng) {
    const cs = new Cases(rng);
    /** ESI/EDI at the first element to process: the area's start for DF=0, its last element for DF=1. */
    const layout = (size: Size, df: boolean, count: number): Layout => {
      const regs: RegVal[] = cs.regs();
      const mem = new Mem(rng, 32, 160);
      const unit = size / 8;
      const span = Math.max(count, 1) * unit;
      const s0 = df ? SRC + AREA - 4 - unit : SRC + 4;
      const d0 = df ? DST + AREA - 4 - unit : DST + 4;
      if (span > AREA - 8) throw new Error("string case too long");
      regs[ESI] = mem.addr(s0);
      regs[EDI] = mem.addr(d0);
      const fl = eflags((cs.flags() & ALL & ~DF) | (df ? DF : 0));
      return { regs, mem, fl };
    };
    /** Window offset of element i (0 = first processed) starting at `start`. */
    const elem = (start: number, i: number, size: Size, df: boolean): number => start + (df ? -i : i) * (size / 8);
    const add = (name: string, asm: string, l: Layout): void => {
      cs.add({ name, asm, regs: l.regs, eflags: l.fl, mem: l.mem.spec(), flagsMask: ALL });
    };
    for (const size of [8, 16, 32] as const) {
      const s = suffix(size);
      const opc = (b: number): string => (size === 16 ? "66 " : "") + (size === 8 ? b : b + 1).toString(16).toUpperCase();
      for (const df of [false, true]) {
        const d = `DF=${df ? 1 : 0}`;
        // MOVS (A4/A5), STOS (AA/AB), LODS (AC/AD): single, and REP with ECX 0, 1, several.
        for (const [mn, b] of [["movs", 0xa4], ["stos", 0xaa], ["lods", 0xac]] as const) {
          add(`${mn}${s} [${opc(b)}] ${d}`, `${mn}${s}`, layout(size, df, 1));
          for (const count of mn === "lods" ? [0, 3] : [0, 1, 3, 7]) {
            const l = layout(size, df, count);
            l.regs[ECX] = count;
            add(`rep ${mn}${s} [F3 ${opc(b)}] ${d} ecx=${count}`, `rep ${mn}${s}`, l);
          }
        }
        // CMPS (A6/A7) and SCAS (AE/AF): single compares (equal and not), then REPE/REPNE running out,
        // stopping on the first mismatch / match, with ECX = 1, and with ECX = 0 (no iteration, flags untouched).
        for (const [mn, b] of [["cmps", 0xa6], ["scas", 0xae]] as const) {
          const m = size === 32 ? 0xffffffff : size === 16 ? 0xffff : 0xff;
          for (const equal of [true, false]) {
            const l = layout(size, df, 1);
            const si = (l.regs[ESI] as number) - l.mem.addr(0);
            const di = (l.regs[EDI] as number) - l.mem.addr(0);
            const v = rng.value(size);
            const w = equal ? v : (v + 1 + rng.int(m)) & m;
            if (mn === "cmps") l.mem.put(si, v, size);
            else setReg(l.regs, size, EAX, v);
            l.mem.put(di, w, size);
            add(`${mn}${s} [${opc(b)}] ${d} ${equal ? "equal" : "unequal"}`, `${mn}${s}`, l);
          }
          for (const [prefix, pb] of [["repe", "F3"], ["repne", "F2"]] as const) {
            for (const scenario of ["zero", "one", "run-out", "stop"] as const) {
              const count = scenario === "zero" ? 0 : scenario === "one" ? 1 : 5;
              const l = layout(size, df, count);
              l.regs[ECX] = count;
              const si = (l.regs[ESI] as number) - l.mem.addr(0);
              const di = (l.regs[EDI] as number) - l.mem.addr(0);
              const acc = rng.value(size);
              if (mn === "scas") setReg(l.regs, size, EAX, acc);
              for (let i = 0; i < Math.max(count, 1) + 1; i++) {
                const a = mn === "cmps" ? rng.value(size) : acc;
                if (mn === "cmps") l.mem.put(elem(si, i, size, df), a, size);
                // REPE continues while equal; REPNE while unequal. "stop" flips element 2.
                let eq = prefix === "repe";
                if (scenario === "stop" && i === 2) eq = !eq;
                const other = (a + 1 + rng.int(m)) & m;
                l.mem.put(elem(di, i, size, df), eq ? a : other, size);
              }
              add(`${prefix} ${mn}${s} [${pb} ${opc(b)}] ${d} ecx=${count} ${scenario}`, `${prefix} ${mn}${s}`, l);
            }
          }
        }
      }
    }
    // Overlapping REP MOVSB (destination one byte above the source) and REP STOSD over a source.
    for (const df of [false, true]) {
      const l = layout(8, df, 8);
      l.regs[ECX] = 8;
      l.regs[EDI] = (l.regs[ESI] as number) + (df ? -1 : 1);
      add(`rep movsb [F3 A4] overlapping +${df ? -1 : 1} DF=${df ? 1 : 0}`, "rep movsb", l);
    }
    return cs.list;
  },
};
