// The cost model (brief §4): cycles per instruction class and per event, loaded from JSON and validated with zod.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError, MissingInputError } from "../errors.js";
import type { CpuCosts } from "../cpu/interfaces.js";

const cycles = z.number().int().nonnegative();

export const CostModelSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  /** CPU clock in Hz: the PIT's 1.193182 MHz is converted against it and MIPS figures use it. */
  cpuHz: z.number().int().positive(),
  instructions: z.strictObject({
    alu: cycles,
    mul: cycles,
    div: cycles,
    branch: cycles,
    callRet: cycles,
    string: cycles,
    io: cycles,
    rdtsc: cycles,
    cliSti: cycles,
    system: cycles,
    nop: cycles,
    segmentLoad: cycles,
  }),
  memoryOperand: cycles,
  /**
   * Charge host instructions that retire no guest instruction (DBT glue in the code cache)? false:
   * simulated time counts guest instructions only, as QEMU's -icount does, so a DBT run keeps the
   * native run's timing exactly (the transparency tests rely on it).
   */
  chargeHostOnlyInstructions: z.boolean(),
  pageWalk: cycles,
  tlbEntries: z.number().int().min(1).max(1 << 20),
  delivery: z.strictObject({ samePrivilege: cycles, privilegeChange: cycles }),
  iret: z.strictObject({ samePrivilege: cycles, privilegeChange: cycles }),
  dispatcher: z.strictObject({
    entry: cycles,
    exit: cycles,
    pcLookup: cycles,
    rollbackStep: cycles,
    frameRebuild: cycles,
    indirectHit: cycles,
    indirectMiss: cycles,
    translatePerInstruction: cycles,
    link: cycles,
    escapeTrap: cycles,
    /** Carrying out one guest instruction in the dispatcher (iret, lidt, sidt, far jmp) after entering it. */
    emulate: cycles,
    /** Relaxed mode: mirroring one guest gate into the shadow IDT, or one exception-table entry into the guest's table. */
    shadowGateWrite: cycles,
  }),
  /** Where each number comes from (field path -> citation); documented in docs/cost-model.md. */
  sources: z.record(z.string(), z.string()).optional(),
});

export type CostModel = z.infer<typeof CostModelSchema>;

export const PRESET_NAMES = ["icount", "default"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

function presetPath(name: PresetName): string {
  return fileURLToPath(new URL(`../../src/cost/presets/${name}.json`, import.meta.url));
}

/** Resolve `--cost`: a preset name or a JSON file path. Errors name the file and the field. */
export function loadCostModel(spec: string): CostModel {
  const isPreset = (PRESET_NAMES as readonly string[]).includes(spec);
  const path = isPreset ? presetPath(spec as PresetName) : spec;
  if (!isPreset && !existsSync(path)) {
    throw new MissingInputError(`--cost ${spec}: no such preset (${PRESET_NAMES.join(", ")}) or file`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseCostModel(raw, path);
}

export function parseCostModel(raw: unknown, origin: string): CostModel {
  const r = CostModelSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    throw new ConfigError(`${origin}: cost model field ${where}: ${issue.message}`);
  }
  return r.data;
}

/** A stable hash of the model's numbers (traces record it so replays can tell models apart). */
export function costModelHash(model: CostModel): string {
  const { sources: _s, description: _d, ...numbers } = model;
  return createHash("sha256").update(JSON.stringify(numbers)).digest("hex").slice(0, 16);
}

/** The subset the CPU charges itself. */
export function cpuCosts(model: CostModel): CpuCosts {
  return {
    instr: { ...model.instructions },
    memOperand: model.memoryOperand,
    chargeHostOnly: model.chargeHostOnlyInstructions,
    pageWalk: model.pageWalk,
    tlbEntries: model.tlbEntries,
    deliverSamePl: model.delivery.samePrivilege,
    deliverPrivChange: model.delivery.privilegeChange,
    iretSamePl: model.iret.samePrivilege,
    iretPrivChange: model.iret.privilegeChange,
  };
}
