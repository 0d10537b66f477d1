// traces/trace.schema.json is generated from the zod schemas: it must be current, and describe the three line types.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DeliveryRecordSchema, TraceEndSchema, TraceHeaderSchema } from "../../src/trace/format.js";
import { renderTraceSchema, TRACE_SCHEMA_PATH, TRACE_SCHEMA_WRITE_COMMAND, traceSchemaIsCurrent } from "../../src/trace/schema-file.js";

describe("traces/trace.schema.json", () => {
  it(`is what the zod schemas generate (if not: ${TRACE_SCHEMA_WRITE_COMMAND})`, () => {
    const committed = readFileSync(TRACE_SCHEMA_PATH, "utf8");
    const fresh = renderTraceSchema();
    if (committed !== fresh) {
      expect.fail(`traces/trace.schema.json is stale: the zod schemas in src/trace/format.ts changed. Rewrite it with: ${TRACE_SCHEMA_WRITE_COMMAND}`);
    }
    expect(traceSchemaIsCurrent()).toBe(true);
  });

  it("is a oneOf of the header, the delivery record and the end line, each closed and with every field required", () => {
    const schema = JSON.parse(readFileSync(TRACE_SCHEMA_PATH, "utf8")) as {
      $schema: string;
      oneOf: { properties: Record<string, { const?: string }>; required: string[]; additionalProperties: boolean }[];
    };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.oneOf.map((s) => s.properties.type!.const)).toEqual(["header", "delivery", "end"]);
    const shapes = [TraceHeaderSchema, DeliveryRecordSchema, TraceEndSchema].map((s) => Object.keys(s.shape));
    schema.oneOf.forEach((s, i) => {
      expect(s.additionalProperties).toBe(false);
      expect(Object.keys(s.properties)).toEqual(shapes[i]);
      expect(s.required).toEqual(shapes[i]);
    });
  });
});
