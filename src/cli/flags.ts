// Flag parsers shared by the subcommands (yargs coerce functions with one-line usage errors).
import { UsageError } from "../errors.js";

/** Positive integer parser for yargs coerce: rejects NaN, fractions and negatives with the flag's name. */
export function positiveInt(flag: string) {
  return (v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    const n = typeof v === "number" ? v : Number(String(v).replace(/_/g, ""));
    if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${flag} ${String(v)}: expected a positive integer`);
    return n;
  };
}
