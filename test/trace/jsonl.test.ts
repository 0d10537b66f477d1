// The trace writer and readers: round trips, one-line errors for every kind of bad input, and files never half-written or written over an input.
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError, InternalError, KdbtError, MissingInputError, UsageError } from "../../src/errors.js";
import type { TraceLine } from "../../src/trace/format.js";
import { readTrace, readTraceSync, TraceWriter, validateTraceLines } from "../../src/trace/jsonl.js";
import { sampleEnd, sampleHeader, sampleRecord, sampleTrace, toJsonl } from "./fixtures/sample-trace.js";

const dir = mkdtempSync(join(tmpdir(), "kdbt-jsonl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeRaw(name: string, lines: readonly unknown[]): string {
  const p = join(dir, name);
  writeFileSync(p, toJsonl(lines));
  return p;
}

async function readAll(path: string): Promise<TraceLine[]> {
  const out: TraceLine[] = [];
  for await (const l of readTrace(path)) out.push(l);
  return out;
}

/** The message both readers give, with the temp directory taken off the file name. */
async function errorsFor(lines: readonly unknown[] | string): Promise<{ sync: string; async: string }> {
  const p = join(dir, "run.trace.jsonl");
  writeFileSync(p, typeof lines === "string" ? lines : toJsonl(lines));
  const strip = (e: unknown): string => {
    expect(e).toBeInstanceOf(InputError);
    const msg = (e as Error).message;
    expect(msg).not.toContain("\n");
    return msg.replace(`${dir}/`, "");
  };
  let sync = "";
  let async = "";
  try {
    readTraceSync(p);
    sync = "no error";
  } catch (e) {
    sync = strip(e);
  }
  try {
    await readAll(p);
    async = "no error";
  } catch (e) {
    async = strip(e);
  }
  return { sync, async };
}

async function expectError(lines: readonly unknown[] | string, message: string | RegExp): Promise<void> {
  const { sync, async } = await errorsFor(lines);
  if (typeof message === "string") expect(sync).toBe(message);
  else expect(sync).toMatch(message);
  expect(async).toBe(sync);
}

describe("TraceWriter and the readers", () => {
  it("round-trips a trace: what is written is read back, line for line, by both readers", async () => {
    const lines = sampleTrace(5);
    const p = join(dir, "round.trace.jsonl");
    const w = TraceWriter.open(p, sampleHeader());
    for (let i = 0; i < 5; i++) w.append(sampleRecord(i));
    expect(w.records).toBe(5);
    w.close(sampleEnd(5));
    expect(await readAll(p)).toEqual(lines);
    const parsed = readTraceSync(p);
    expect(parsed.header).toEqual(lines[0]);
    expect(parsed.records).toHaveLength(5);
    expect(parsed.end).toEqual(lines[6]);
    // One JSON object per line, fields in schema order, newline-terminated.
    const text = readFileSync(p, "utf8");
    expect(text.split("\n")).toHaveLength(8);
    expect(text.startsWith('{"type":"header","format":"kdbt-trace","version":1,')).toBe(true);
  });

  it("writes fields in schema order whatever order the caller built them in (equal traces are equal bytes)", () => {
    const p1 = join(dir, "order1.jsonl");
    const p2 = join(dir, "order2.jsonl");
    const r = sampleRecord(0);
    const shuffled = Object.fromEntries(Object.entries(r).reverse()) as typeof r;
    for (const [p, rec] of [
      [p1, r],
      [p2, shuffled],
    ] as const) {
      const w = TraceWriter.open(p, sampleHeader());
      w.append(rec);
      w.close(sampleEnd(1));
    }
    expect(readFileSync(p2, "utf8")).toBe(readFileSync(p1, "utf8"));
  });

  it("streams: the header is on disk (in the temp file) before close, and nothing is under the final name until close", () => {
    const p = join(dir, "streamed.trace.jsonl");
    const w = TraceWriter.open(p, sampleHeader());
    for (let i = 0; i < 3000; i++) w.append(sampleRecord(i)); // > 64 KiB, so at least one flush happened
    expect(readdirSync(dir)).not.toContain("streamed.trace.jsonl");
    const temp = readdirSync(dir).find((f) => f.startsWith(".streamed.trace.jsonl."));
    expect(temp).toBeDefined();
    expect(readFileSync(join(dir, temp!), "utf8").startsWith('{"type":"header"')).toBe(true);
    w.close(sampleEnd(3000));
    expect(readdirSync(dir).filter((f) => f.startsWith(".streamed"))).toEqual([]);
    expect(readTraceSync(p).records).toHaveLength(3000);
  });

  it("abort() leaves an existing file at the target untouched and removes the temp file", () => {
    const p = writeRaw("keep.trace.jsonl", sampleTrace(1));
    const before = readFileSync(p, "utf8");
    const w = TraceWriter.open(p, sampleHeader({ cmdline: "other" }));
    w.append(sampleRecord(0));
    w.abort();
    expect(readFileSync(p, "utf8")).toBe(before);
    expect(readdirSync(dir).filter((f) => f.startsWith(".keep"))).toEqual([]);
  });

  it("refuses to write over the replay's input: same path, another spelling of it, or a symlink to it", () => {
    const input = writeRaw("input.trace.jsonl", sampleTrace(2));
    const before = readFileSync(input, "utf8");
    const link = join(dir, "link.trace.jsonl");
    symlinkSync(input, link);
    for (const out of [input, join(dir, ".", "input.trace.jsonl"), link]) {
      expect(() => TraceWriter.open(out, sampleHeader({ source: "replay" }), { refuseIfSameAs: input })).toThrow(UsageError);
    }
    expect(() => TraceWriter.open(input, sampleHeader(), { refuseIfSameAs: [join(dir, "x"), input] })).toThrow(/refusing to write over .*input\.trace\.jsonl, the input of this run/);
    expect(readFileSync(input, "utf8")).toBe(before);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    // A different output path is fine.
    const w = TraceWriter.open(join(dir, "replayed.trace.jsonl"), sampleHeader({ source: "replay" }), { refuseIfSameAs: input });
    w.close(sampleEnd(0));
  });

  it("rejects a line that breaks the format as a kdbt bug (InternalError), before it reaches the file", () => {
    const p = join(dir, "bad-writer.trace.jsonl");
    const w = TraceWriter.open(p, sampleHeader());
    w.append(sampleRecord(0));
    expect(() => w.append(sampleRecord(0))).toThrow(InternalError);
    expect(readdirSync(dir)).not.toContain("bad-writer.trace.jsonl");
    expect(readdirSync(dir).filter((f) => f.startsWith(".bad-writer"))).toEqual([]);
  });

  it("an unwritable output is a one-line I/O error (exit 74)", () => {
    try {
      TraceWriter.open(join(dir, "no-such-dir", "t.jsonl"), sampleHeader());
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KdbtError);
      expect((e as KdbtError).exitCode).toBe(74);
      expect((e as Error).message).toMatch(/t\.jsonl: cannot write \(ENOENT\)$/);
    }
  });

  it("a missing input file is MissingInputError (exit 66) from both readers", async () => {
    const p = join(dir, "absent.trace.jsonl");
    expect(() => readTraceSync(p)).toThrow(MissingInputError);
    await expect(readAll(p)).rejects.toThrow(MissingInputError);
    await expect(readAll(p)).rejects.toThrow(/absent\.trace\.jsonl: cannot read trace \(ENOENT\)/);
  });

  it("validateTraceLines checks lines in memory with the same rules", () => {
    expect(validateTraceLines(sampleTrace(2)).records).toHaveLength(2);
    expect(() => validateTraceLines(sampleTrace(2).slice(0, 3), "mem")).toThrow("mem:3: truncated trace (no end line after 2 records)");
  });
});

describe("bad input: one line naming the file, the line and the field", () => {
  it("truncated file (no end line)", async () => {
    const lines = sampleTrace(11).slice(0, -1);
    await expectError(lines, "run.trace.jsonl:12: truncated trace (no end line after 11 records)");
  });

  it("wrong format version", async () => {
    await expectError([sampleHeader({ version: 2 as 1 }), sampleEnd(0)], "run.trace.jsonl:1: field version: expected 1, got 2");
  });

  it("out-of-range vector", async () => {
    const lines: unknown[] = sampleTrace(3);
    lines[2] = sampleRecord(1, { vector: 256 });
    await expectError(lines, "run.trace.jsonl:3: field vector: Too big: expected number to be <=255 (got 256)");
    lines[2] = sampleRecord(1, { vector: -1 });
    await expectError(lines, "run.trace.jsonl:3: field vector: Too small: expected number to be >=0 (got -1)");
  });

  it("retired decreasing", async () => {
    const lines: unknown[] = sampleTrace(8);
    lines[4] = sampleRecord(3, { retired: 1200 });
    lines[5] = sampleRecord(4, { retired: 1203 });
    lines[6] = sampleRecord(5, { retired: 1190 });
    await expectError(lines, "run.trace.jsonl:7: field retired: must not decrease (was 1203, now 1190)");
  });

  it("cycle decreasing, and the end line's cycles below the last record's", async () => {
    const lines: unknown[] = sampleTrace(4);
    lines[3] = sampleRecord(2, { cycle: 10 });
    await expectError(lines, "run.trace.jsonl:4: field cycle: must not decrease (was 2150, now 10)");
    const lines2: unknown[] = sampleTrace(2);
    lines2[3] = sampleEnd(2, { cycles: 5 });
    await expectError(lines2, "run.trace.jsonl:4: field cycles: must not decrease (was 2150, now 5)");
  });

  it("bad seq (a gap, a repeat, not starting at 0)", async () => {
    const gap: unknown[] = sampleTrace(4);
    gap[3] = sampleRecord(3);
    await expectError(gap, "run.trace.jsonl:4: field seq: expected 2, got 3");
    const first: unknown[] = sampleTrace(2);
    first[1] = sampleRecord(1);
    await expectError(first, "run.trace.jsonl:2: field seq: expected 0, got 1");
  });

  it("missing header", async () => {
    await expectError(sampleTrace(2).slice(1), 'run.trace.jsonl:1: field type: line 1 must be the header, got "delivery"');
  });

  it("garbage line", async () => {
    const lines: unknown[] = sampleTrace(3);
    lines[3] = "{not json";
    await expectError(lines, /^run\.trace\.jsonl:4: not valid JSON \(.+\)$/);
    lines[3] = "[1, 2]";
    await expectError(lines, "run.trace.jsonl:4: Invalid input: expected object, received array");
  });

  it("record after the end line", async () => {
    await expectError([...sampleTrace(2), sampleRecord(2)], 'run.trace.jsonl:5: field type: "delivery" after the end line (line 4); nothing may follow it');
    await expectError([...sampleTrace(2), "garbage"], "run.trace.jsonl:5: a line after the end line (line 4); nothing may follow it");
  });

  it("end line whose deliveries is not the number of records", async () => {
    const lines: unknown[] = sampleTrace(3);
    lines[4] = sampleEnd(4);
    await expectError(lines, "run.trace.jsonl:5: field deliveries: expected 3 (the number of records), got 4");
  });

  it("a second header", async () => {
    const lines: unknown[] = sampleTrace(2);
    lines.splice(2, 0, sampleHeader());
    await expectError(lines, "run.trace.jsonl:3: field type: a second header (the header is line 1)");
  });

  it("empty file, blank line", async () => {
    await expectError("", "run.trace.jsonl:1: empty file (expected the header on line 1)");
    await expectError(toJsonl(sampleTrace(1)).replace("\n", "\n\n"), "run.trace.jsonl:2: empty line (every line must be one JSON object)");
  });

  it("unknown, missing and mistyped fields", async () => {
    const lines: unknown[] = sampleTrace(2);
    lines[1] = { ...sampleRecord(0), extra: 1 };
    await expectError(lines, "run.trace.jsonl:2: field extra: unknown field (not in trace format version 1)");
    const { stateHash: _, ...noHash } = sampleRecord(0);
    lines[1] = noHash;
    await expectError(lines, "run.trace.jsonl:2: field stateHash: Invalid input: expected string, received undefined");
    lines[1] = sampleRecord(0, { kind: "bogus" as "fault" });
    await expectError(lines, 'run.trace.jsonl:2: field kind: Invalid option: expected one of "fault"|"trap"|"abort"|"external"|"software" (got "bogus")');
    lines[1] = sampleRecord(0, { stateHash: "XYZ" });
    await expectError(lines, 'run.trace.jsonl:2: field stateHash: 16 lowercase hex digits (got "XYZ")');
    lines[1] = { ...sampleRecord(0), type: "deliveries" };
    await expectError(lines, `run.trace.jsonl:2: field type: Invalid discriminator value. Expected 'header' | 'delivery' | 'end' (got "deliveries")`);
  });

  it("a CRLF file reads like an LF one", async () => {
    const p = join(dir, "crlf.trace.jsonl");
    writeFileSync(p, toJsonl(sampleTrace(2)).replace(/\n/g, "\r\n"));
    expect(readTraceSync(p).records).toHaveLength(2);
    expect(await readAll(p)).toHaveLength(4);
  });
});
