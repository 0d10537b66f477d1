// The interrupt vector facts of idt/vectors.json (Intel SDM 3A Table 6-1), validated and indexed.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const VectorClass = z.enum(["fault", "trap", "abort", "interrupt"]);
const DoubleFaultClass = z.enum(["benign", "contributory", "page-fault", "double-fault"]);

const ArchitecturalVector = z.strictObject({
  vector: z.number().int().min(0).max(31),
  mnemonic: z.string().min(1),
  name: z.string().min(1),
  klass: VectorClass,
  errorCode: z.boolean(),
  savedEip: z.enum(["at", "after"]),
  doubleFaultClass: DoubleFaultClass,
});

const u32 = z.number().int().min(0).max(0xffffffff);

/** The DBT monitor region's layout (brief §0: kept with the vectors so every report reads one file). */
export const ShadowLayoutSchema = z
  .strictObject({
    $comment: z.string().optional(),
    monitorBase: u32,
    monitorBytes: u32,
    shadowIdtOffset: u32,
    spillOffset: u32,
    hostEntriesOffset: u32,
    hostEntriesBytes: u32,
    interruptStubStride: z.number().int().min(1),
    fixedEntriesOffset: u32,
    entryRecordsOffset: u32,
    codeCacheOffset: u32,
    codeCacheBytes: u32,
  })
  .refine((l) => l.monitorBase + l.monitorBytes === 2 ** 32, "the monitor region must end at the top of the address space")
  .refine((l) => l.monitorBase % (4 << 20) === 0, "the monitor region must start on a 4 MiB boundary")
  .refine((l) => l.codeCacheOffset + l.codeCacheBytes <= l.monitorBytes && l.hostEntriesOffset + l.hostEntriesBytes <= l.monitorBytes, "regions must fit the monitor")
  .refine((l) => l.interruptStubStride * 256 <= l.fixedEntriesOffset && l.fixedEntriesOffset < l.entryRecordsOffset && l.entryRecordsOffset < l.hostEntriesBytes, "host entry sub-regions must not overlap");
export type ShadowLayout = z.infer<typeof ShadowLayoutSchema>;

export const VectorTableSchema = z.strictObject({
  $comment: z.string().optional(),
  source: z.string(),
  architectural: z.array(ArchitecturalVector).length(32),
  userDefined: z.strictObject({
    first: z.literal(32),
    last: z.literal(255),
    klass: z.literal("interrupt"),
    errorCode: z.literal(false),
    savedEip: z.literal("after"),
    doubleFaultClass: z.literal("benign"),
  }),
  shadow: ShadowLayoutSchema,
});

export type VectorClassName = z.infer<typeof VectorClass>;
export type DoubleFaultClassName = z.infer<typeof DoubleFaultClass>;

export interface VectorInfo {
  readonly vector: number;
  readonly mnemonic: string;
  readonly name: string;
  readonly klass: VectorClassName;
  readonly errorCode: boolean;
  readonly savedEip: "at" | "after";
  readonly doubleFaultClass: DoubleFaultClassName;
}

const TABLE = VectorTableSchema.parse(JSON.parse(readFileSync(fileURLToPath(new URL("../../idt/vectors.json", import.meta.url)), "utf8")));

/** The monitor region and shadow IDT layout from idt/vectors.json. */
export const SHADOW_LAYOUT: ShadowLayout = TABLE.shadow;

function loadVectorTable(): VectorInfo[] {
  const table = TABLE;
  table.architectural.forEach((v, i) => {
    if (v.vector !== i) throw new Error(`idt/vectors.json: entry ${i} has vector ${v.vector}`);
  });
  const all: VectorInfo[] = [...table.architectural];
  const u = table.userDefined;
  for (let v = u.first; v <= u.last; v++) {
    all.push({ vector: v, mnemonic: `INT${v}`, name: "External or software interrupt", klass: u.klass, errorCode: u.errorCode, savedEip: u.savedEip, doubleFaultClass: u.doubleFaultClass });
  }
  return all;
}

/** All 256 vectors, indexed by vector number. */
export const VECTORS: readonly VectorInfo[] = loadVectorTable();

/** Hot-path lookups as typed arrays: does vector v push an error code, and its #DF class. */
export const PUSHES_ERROR_CODE = Uint8Array.from(VECTORS, (v) => (v.errorCode ? 1 : 0));
export const DF_CLASS = Uint8Array.from(VECTORS, (v) =>
  v.doubleFaultClass === "benign" ? 0 : v.doubleFaultClass === "contributory" ? 1 : v.doubleFaultClass === "page-fault" ? 2 : 3,
);
/**
 * Faults (not traps, aborts or interrupts) push EFLAGS with RF set, so that the restarted
 * instruction does not re-trigger an instruction breakpoint (SDM 3B 17.3.1.1).
 */
export const PUSHES_RF = Uint8Array.from(VECTORS, (v) => (v.klass === "fault" ? 1 : 0));
export const DF_BENIGN = 0, DF_CONTRIBUTORY = 1, DF_PAGE_FAULT = 2, DF_DOUBLE_FAULT = 3;

/** Vector numbers by SDM mnemonic, resolved from the table so code never hard-codes them twice. */
function vectorOf(mnemonic: string): number {
  const v = VECTORS.find((x) => x.mnemonic === mnemonic);
  if (!v) throw new Error(`idt/vectors.json has no ${mnemonic}`);
  return v.vector;
}
export const EXC_DE = vectorOf("#DE");
export const EXC_DB = vectorOf("#DB");
export const EXC_NMI = vectorOf("NMI");
export const EXC_BP = vectorOf("#BP");
export const EXC_OF = vectorOf("#OF");
export const EXC_UD = vectorOf("#UD");
export const EXC_NM = vectorOf("#NM");
export const EXC_DF = vectorOf("#DF");
export const EXC_TS = vectorOf("#TS");
export const EXC_NP = vectorOf("#NP");
export const EXC_SS = vectorOf("#SS");
export const EXC_GP = vectorOf("#GP");
export const EXC_PF = vectorOf("#PF");

export function vectorLabel(v: number): string {
  const info = VECTORS[v];
  return info && v < 32 ? `${info.mnemonic} (${v})` : `vector ${v}`;
}
