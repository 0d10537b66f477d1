// The trace format's JSON Schema (traces/trace.schema.json), generated from the zod schemas; `npx tsx src/trace/schema-file.ts --write` rewrites it.
//
// The committed file lets tools outside kdbt (jq pipelines, editors, other languages) check a trace
// line by line. It is derived, never edited: test/trace/schema-file.test.ts regenerates it and fails
// if the committed copy differs. The zod schemas in format.ts stay the one source of truth.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import { TRACE_FORMAT, TRACE_VERSION, TraceLineSchema } from "./format.js";

/** Where the committed schema lives. */
export const TRACE_SCHEMA_PATH = fileURLToPath(new URL("../../traces/trace.schema.json", import.meta.url));

/** The command that rewrites the committed file (quoted in the staleness test's failure). */
export const TRACE_SCHEMA_WRITE_COMMAND = "npx tsx src/trace/schema-file.ts --write";

/** JSON Schema (draft 2020-12) of one trace line: a oneOf of the header, a delivery record and the end line. */
export function traceJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(TraceLineSchema, { target: "draft-2020-12" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: `kdbt trace line (${TRACE_FORMAT} version ${TRACE_VERSION})`,
    description:
      "One line of a kdbt trace (JSON Lines): line 1 is the header, then one delivery record per interrupt or exception, then the end line. " +
      "Rules between lines (seq counts 0,1,2,...; retired and cycle never decrease; end.deliveries equals the number of records; nothing after the end line) " +
      `are checked by kdbt's reader, not by this schema. Generated from src/trace/format.ts by \`${TRACE_SCHEMA_WRITE_COMMAND}\`; do not edit.`,
    ...rest,
  };
}

/** The file's exact text: two-space JSON and a final newline. */
export function renderTraceSchema(): string {
  return `${JSON.stringify(traceJsonSchema(), null, 2)}\n`;
}

export function writeTraceSchema(path: string = TRACE_SCHEMA_PATH): void {
  writeFileSync(path, renderTraceSchema());
}

/** Is the committed file what the zod schemas generate now? */
export function traceSchemaIsCurrent(path: string = TRACE_SCHEMA_PATH): boolean {
  try {
    return readFileSync(path, "utf8") === renderTraceSchema();
  } catch {
    return false;
  }
}

// Run as a script: `--write` rewrites the file, `--check` (default) exits 1 if it is stale.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes("--write")) {
    writeTraceSchema();
    process.stdout.write(`wrote ${TRACE_SCHEMA_PATH}\n`);
  } else if (!traceSchemaIsCurrent()) {
    process.stderr.write(`${TRACE_SCHEMA_PATH} is stale: run ${TRACE_SCHEMA_WRITE_COMMAND}\n`);
    process.exitCode = 1;
  }
}
