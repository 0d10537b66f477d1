// Zod schema, types and loader for the hardware-recorded instruction vectors in test/vectors/data/.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { InputError } from "../../src/errors.js";

/** Directory holding the committed vector files. */
export const VECTOR_DATA_DIR = fileURLToPath(new URL("./data/", import.meta.url));

/** CF PF AF ZF SF DF OF: the only EFLAGS bits a flagsMask may cover (SDM vol. 1 §3.4.3). */
export const VECTOR_FLAGS = 0x0cd5;
/** Bits init.eflags may set: the arithmetic flags, DF and the always-one bit 1. */
export const VECTOR_INIT_EFLAGS_ALLOWED = VECTOR_FLAGS | 0x2;
/**
 * The vectors ran in a Linux process: CPL 3, IOPL 0, IF = 1 at all times. EFLAGS images the instruction itself
 * stores (pushf, and the final.eflags recorded by the harness) therefore carry IF (0x200) and bit 1; a replay
 * should run each case with `init.eflags | VECTOR_HOST_EFLAGS` so pushf writes the same bytes.
 */
export const VECTOR_HOST_EFLAGS = 0x0202;

const U32 = z.number().int().min(0).max(0xffffffff);
const Hex = z.string().regex(/^(?:[0-9a-f]{2})*$/, "lowercase hex bytes");
const Regs = z.array(U32).length(8);

export const VectorCaseSchema = z
  .strictObject({
    name: z.string().min(1),
    asm: z.string().min(1).regex(/^[^\n]*$/, "one line"),
    bytes: Hex.min(2).max(30),
    codeAddr: U32,
    init: z.strictObject({
      regs: Regs,
      /** ES CS SS DS FS GS selectors of the recording process, for cases that read segment registers. */
      segs: z.array(z.number().int().min(0).max(0xffff)).length(6).optional(),
      eflags: U32.refine((f) => (f & ~VECTOR_INIT_EFLAGS_ALLOWED) === 0 && (f & 0x2) !== 0, "only CF PF AF ZF SF DF OF plus bit 1"),
    }),
    mem: z.strictObject({ base: U32, init: Hex.min(2) }).optional(),
    final: z.strictObject({ regs: Regs, eflags: U32, eip: U32, mem: Hex.min(2).optional() }),
    flagsMask: U32.refine((m) => (m & ~VECTOR_FLAGS) === 0, "only CF PF AF ZF SF DF OF"),
    regsMask: Regs.optional(),
    exception: z.strictObject({ vector: z.number().int().min(0).max(31), eip: U32 }).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.mem === undefined) !== (c.final.mem === undefined)) {
      ctx.addIssue({ code: "custom", path: ["final", "mem"], message: "final.mem is present exactly when mem is" });
    } else if (c.mem && c.final.mem && c.mem.init.length !== c.final.mem.length) {
      ctx.addIssue({ code: "custom", path: ["final", "mem"], message: "final.mem must cover the same window as mem.init" });
    }
    if (c.exception) {
      if (c.exception.eip !== c.final.eip) ctx.addIssue({ code: "custom", path: ["exception", "eip"], message: "must equal final.eip" });
      c.final.regs.forEach((v, i) => {
        if (v !== c.init.regs[i]) ctx.addIssue({ code: "custom", path: ["final", "regs", i], message: "a faulting case must leave registers as init" });
      });
    }
  });

export const VectorFileSchema = z
  .strictObject({
    family: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
    recordedOn: z.enum(["native", "qemu-i386"]),
    generator: z.literal("test/vectors/gen/generate.ts"),
    cases: z.array(VectorCaseSchema).min(1),
  })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.cases.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: "custom", path: ["cases", i, "name"], message: `duplicate case name "${c.name}"` });
      seen.add(c.name);
    });
  });

export type VectorCase = z.infer<typeof VectorCaseSchema>;
export type VectorFile = z.infer<typeof VectorFileSchema>;

/** The case's register mask, all ones where the vector gives none. */
export function caseRegsMask(c: VectorCase): number[] {
  return c.regsMask ?? [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];
}

/** Parse and validate one vector file's text; errors name the file and the field at fault. */
export function parseVectorFile(text: string, file: string): VectorFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not JSON: ${(e as Error).message}`);
  }
  const res = VectorFileSchema.safeParse(json);
  if (!res.success) {
    const issue = res.error.issues[0];
    const path = issue ? issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("") : "";
    throw new InputError(`${file}: ${path.replace(/^\./, "") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return res.data;
}

/** Read and validate every `*.json` file in `dir` (default test/vectors/data/), in file-name order. */
export function loadVectorFiles(dir: string = VECTOR_DATA_DIR): VectorFile[] {
  const names = readdirSync(dir).filter((n) => n.endsWith(".json")).sort();
  return names.map((n) => parseVectorFile(readFileSync(join(dir, n), "utf8"), join(dir, n)));
}
