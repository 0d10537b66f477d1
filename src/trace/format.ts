// The exception trace format (brief §6): JSON Lines, a header then one record per delivery, zod schemas.
import { z } from "zod";

export const TRACE_FORMAT = "kdbt-trace";
export const TRACE_VERSION = 1;

const u32 = z.number().int().min(0).max(0xffffffff);
const count = z.number().int().nonnegative();
const hex64 = z.string().regex(/^[0-9a-f]{16}$/, "16 lowercase hex digits");

export const ModeSchema = z.enum(["native", "precise", "relaxed"]);
export const AsyncPolicySchema = z.enum(["rollback", "defer"]);
export type Mode = z.infer<typeof ModeSchema>;
export type AsyncPolicy = z.infer<typeof AsyncPolicySchema>;

/** What kind of event a delivery was, from the guest's point of view. */
export const EventKindSchema = z.enum(["fault", "trap", "abort", "external", "software"]);
export type EventKind = z.infer<typeof EventKindSchema>;

export const TraceHeaderSchema = z.strictObject({
  type: z.literal("header"),
  format: z.literal(TRACE_FORMAT),
  version: z.literal(TRACE_VERSION),
  /** SHA-256 of the kernel image file, lowercase hex. */
  kernelSha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits"),
  kernelName: z.string().min(1),
  cmdline: z.string(),
  mode: ModeSchema,
  asyncPolicy: AsyncPolicySchema,
  costModel: z.string().min(1),
  /** costModelHash() of the model's numbers. */
  costModelHash: hex64,
  /** The cost model's clock (cycles per second), so tools can turn cycles into time. */
  cpuHz: z.number().int().positive(),
  ramMiB: z.number().int().min(2).max(3072),
  /** Where the external interrupts came from: the PIT during a run, or a replayed or imported trace. */
  source: z.enum(["run", "replay", "qemu-import"]),
});
export type TraceHeader = z.infer<typeof TraceHeaderSchema>;

export const DeliveryRecordSchema = z.strictObject({
  type: z.literal("delivery"),
  /** 0, 1, 2, ... in delivery order. */
  seq: count,
  /**
   * Guest instructions retired before the event was taken (the replay's injection point). A
   * faulting instruction, and an INT n / INT3 / INTO raising the event, are not included.
   */
  retired: count,
  /** Simulated cycle once the hardware delivery completed (its cost included). */
  cycle: count,
  vector: z.number().int().min(0).max(255),
  kind: EventKindSchema,
  /** The error code pushed, or null for vectors and kinds that push none. */
  errorCode: u32.nullable(),
  /** CR2 at delivery for #PF, null otherwise. */
  cr2: u32.nullable(),
  /** CPL of the code the event interrupted. */
  cpl: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
  /**
   * The native EIP of the frame the guest's handler sees. In relaxed mode, where the frame may hold
   * a code-cache PC (a leak), the native PC that code-cache PC stands for; cachePc then holds it.
   */
  nativePc: u32,
  /** The code-cache PC the hardware pushed, when the event interrupted translated code (DBT modes). */
  cachePc: u32.nullable(),
  /** Rollback steps the dispatcher applied to reach the guest instruction boundary. */
  rollbackSteps: count,
  /** Cycles the DBT dispatcher spent on this delivery (0 natively). */
  dispatcherCycles: count,
  /** Hash of the guest-visible state at delivery (registers, EFLAGS, the frame, CR2, guest memory). */
  stateHash: hex64,
});
export type DeliveryRecord = z.infer<typeof DeliveryRecordSchema>;

export const TraceEndSchema = z.strictObject({
  type: z.literal("end"),
  deliveries: count,
  retired: count,
  cycles: count,
  /** isa-debug-exit value, or null if the run stopped another way. */
  exitValue: z.number().int().nullable(),
  stop: z.string(),
});
export type TraceEnd = z.infer<typeof TraceEndSchema>;

export const TraceLineSchema = z.discriminatedUnion("type", [TraceHeaderSchema, DeliveryRecordSchema, TraceEndSchema]);
export type TraceLine = z.infer<typeof TraceLineSchema>;
