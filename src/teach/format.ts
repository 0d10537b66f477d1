// Text primitives for the teaching views: hex, plain-text tables with computed widths, optional ANSI highlights.
//
// Output is plain text unless a caller asks for color (`wantColor(process.stdout)` says whether it
// should: a TTY and no NO_COLOR). Widths are computed on the visible text, so highlighted cells line
// up with plain ones.

/** Lowercase hex with 0x, unsigned: hex(-1) = "0xffffffff". */
export function hex(n: number, digits = 0): string {
  return "0x" + (n >>> 0).toString(16).padStart(digits, "0");
}

/** Lowercase hex without prefix, zero-padded: hex8(0x100) = "00000100". */
export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

export function hex4(n: number): string {
  return (n & 0xffff).toString(16).padStart(4, "0");
}

/** A byte count in the largest unit that keeps it exact: "4 KiB", "4092 KiB", "4 MiB", "100 bytes". */
export function byteSize(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && v % 1024 === 0 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v} ${units[u]}`;
}

// ---- ANSI

const ESC = "\u001b[";
const ANSI_RE = /\u001b\[[0-9;]*m/g;

export const ansi = {
  bold: (s: string): string => `${ESC}1m${s}${ESC}22m`,
  dim: (s: string): string => `${ESC}2m${s}${ESC}22m`,
  inverse: (s: string): string => `${ESC}7m${s}${ESC}27m`,
  yellow: (s: string): string => `${ESC}33m${s}${ESC}39m`,
  cyan: (s: string): string => `${ESC}36m${s}${ESC}39m`,
};

/** Text without ANSI escapes. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI_RE, "");
}

/** Columns the text occupies on a terminal (ANSI escapes take none). */
export function visibleWidth(s: string): number {
  return stripAnsi(s).length;
}

/** Should output to `stream` be colored? Only a TTY, and never with NO_COLOR set (no-color.org). */
export function wantColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "") && env.TERM !== "dumb";
}

// ---- tables

export interface Column {
  header: string;
  /** Right-align (numbers); default left. */
  align?: "left" | "right";
}

export interface TableOptions {
  /** Separator between columns (default two spaces). */
  gap?: string;
  /** Underline the header with dashes (default true when there is a header). */
  rule?: boolean;
  /** Indent every line by this string. */
  indent?: string;
}

/** A cell may be a plain string or already contain ANSI escapes; widths ignore them. */
export type Row = readonly string[];

/**
 * Render rows under headers, each column as wide as its widest cell. Trailing spaces are trimmed so
 * output compares cleanly in tests and diffs.
 */
export function renderTable(columns: readonly Column[], rows: readonly Row[], opts: TableOptions = {}): string {
  const gap = opts.gap ?? "  ";
  const indent = opts.indent ?? "";
  const hasHeader = columns.some((c) => c.header !== "");
  const widths = columns.map((c, i) => Math.max(hasHeader ? c.header.length : 0, ...rows.map((r) => visibleWidth(r[i] ?? ""))));
  const line = (cells: readonly string[]): string =>
    (
      indent +
      columns
        .map((c, i) => {
          const cell = cells[i] ?? "";
          const pad = " ".repeat(Math.max(0, widths[i]! - visibleWidth(cell)));
          return c.align === "right" ? pad + cell : cell + pad;
        })
        .join(gap)
    ).trimEnd();
  const out: string[] = [];
  if (hasHeader) {
    out.push(line(columns.map((c) => c.header)));
    if (opts.rule ?? true) out.push(line(widths.map((w) => "-".repeat(w))));
  }
  for (const r of rows) out.push(line(r));
  return out.join("\n");
}
