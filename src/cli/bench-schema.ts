// The `kdbt bench --json` document: its zod schema is the contract for the HTML report and for other tools.
import { z } from "zod";

/** Execution modes a bench can compare. precise-defer is precise mode with the defer async policy. */
export const BENCH_MODE_NAMES = ["native", "precise", "precise-defer", "relaxed"] as const;
export const BenchModeSchema = z.enum(BENCH_MODE_NAMES);
export type BenchModeName = z.infer<typeof BenchModeSchema>;

/**
 * Where a run's cycles went (cost model categories, brief §4). guestCode is every instruction the
 * CPU executed (translated code in DBT modes) plus the hardware's own event costs; the rest is
 * the DBT dispatcher's work, zero natively.
 */
export const BREAKDOWN_CATEGORIES = [
  "guestCode",
  "dispatcherEntryExit",
  "pcMapping",
  "rollback",
  "frameRebuild",
  "indirectLookups",
  "translation",
  "linking",
  "escapes",
  "emulation",
  "shadowIdt",
] as const;
export type BreakdownCategory = (typeof BREAKDOWN_CATEGORIES)[number];

const cycles = z.number().nonnegative();
export const BreakdownSchema = z.strictObject(Object.fromEntries(BREAKDOWN_CATEGORIES.map((c) => [c, cycles])) as Record<BreakdownCategory, typeof cycles>);
export type Breakdown = z.infer<typeof BreakdownSchema>;

export const ModeResultSchema = z.strictObject({
  /** The guest's rdtsc delta around its measured loop, and per operation. */
  cycles: cycles,
  cyclesPerOp: cycles,
  /** cyclesPerOp / native cyclesPerOp (1 for native). */
  slowdown: z.number().positive(),
  /** The whole workload segment's cycles by category (setup, measured loop and result line). */
  breakdown: BreakdownSchema,
  /** Interrupt and exception deliveries in the segment. */
  deliveries: z.number().int().nonnegative(),
  /** Deliveries that left a code-cache PC visible to the guest (relaxed mode; 0 otherwise). */
  leaks: z.number().int().nonnegative(),
  /** The RESULT check value: must be the same in every mode. */
  check: z.string().regex(/^[0-9a-f]{8}$/),
});
export type ModeResultDoc = z.infer<typeof ModeResultSchema>;

export const BenchDocumentSchema = z.strictObject({
  tool: z.literal("kdbt bench"),
  kernel: z.strictObject({ name: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  costModel: z.strictObject({ name: z.string(), hash: z.string(), cpuHz: z.number().int().positive() }),
  modes: z.array(BenchModeSchema).min(1),
  workloads: z.array(
    z.strictObject({
      name: z.string(),
      iters: z.number().int().positive(),
      /** What one operation is, for the report's labels (e.g. "null int 0x80 round trip"). */
      operation: z.string(),
      results: z.partialRecord(BenchModeSchema, ModeResultSchema),
    }),
  ),
  /** Host time is outside the simulation: it varies, everything else is deterministic. */
  host: z.strictObject({ seconds: z.number().nonnegative() }),
});
export type BenchDocument = z.infer<typeof BenchDocumentSchema>;
