// EFLAGS bit names and the flag-mask vocabulary the families use (Intel SDM vol. 1 §3.4.3).

export const CF = 0x0001;
export const PF = 0x0004;
export const AF = 0x0010;
export const ZF = 0x0040;
export const SF = 0x0080;
export const TF = 0x0100;
export const IF = 0x0200;
export const DF = 0x0400;
export const OF = 0x0800;
/** Bit 1 of EFLAGS always reads as 1 (SDM vol. 1 §3.4.3). */
export const RESERVED1 = 0x0002;

/** The six status flags. */
export const STATUS = CF | PF | AF | ZF | SF | OF;
/** Every flag a vector's mask may cover: the status flags and DF. */
export const ALL = STATUS | DF;

/** Flags `init.eflags` may set: status flags, DF and the reserved bit 1. */
export const INIT_ALLOWED = ALL | RESERVED1;

/** An EFLAGS value with bit 1 set and only the given arithmetic flags. */
export function eflags(bits: number): number {
  if ((bits & ~ALL) !== 0) throw new Error(`eflags: bits outside status flags and DF: 0x${bits.toString(16)}`);
  return (bits | RESERVED1) >>> 0;
}

/** Random status flags (never DF). */
export function randomStatus(u32: number): number {
  return eflags(u32 & STATUS);
}

export function flagNames(mask: number): string {
  const names: [number, string][] = [
    [CF, "CF"], [PF, "PF"], [AF, "AF"], [ZF, "ZF"], [SF, "SF"], [DF, "DF"], [OF, "OF"],
  ];
  return names.filter(([b]) => (mask & b) !== 0).map(([, n]) => n).join(" ");
}
