// Trace files as JSON Lines: a streaming writer (temp file + rename) and readers that validate every line and the cross-line rules.
//
// A trace file is the header on line 1, one delivery record per line, and the end line last
// (src/trace/format.ts). The reader rejects anything else with ONE line naming the file, the line
// number and the field: `run.trace.jsonl:7: field retired: must not decrease (was 1203, now 1190)`.
// Rules beyond each line's own schema, checked in order:
//   - line 1 is the header, and its version is TRACE_VERSION (checked before the rest of the header,
//     so a newer file says "expected 1, got 2" rather than listing fields this version does not know);
//   - no second header; nothing after the end line; no blank lines;
//   - records count seq 0, 1, 2, ...; retired and cycle never decrease (the end line's retired and
//     cycles included); the end line's deliveries equals the number of records;
//   - a file without an end line is a truncated trace (a run that crashed or is still being written).
//
// The writer never holds the trace in memory and never leaves a half-written file under the final
// name: it writes to a temporary file beside the target and renames it over the target on close.
import { closeSync, createReadStream, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import { ExitCode, InputError, InternalError, KdbtError, MissingInputError, UsageError } from "../errors.js";
import {
  TRACE_VERSION,
  TraceLineSchema,
  type DeliveryRecord,
  type TraceEnd,
  type TraceHeader,
  type TraceLine,
} from "./format.js";

// ---------------------------------------------------------------- validation

/** A whole trace, read into memory (readTraceSync, for small files and tests). */
export interface ParsedTrace {
  header: TraceHeader;
  records: DeliveryRecord[];
  end: TraceEnd;
}

const MAX_SHOWN = 40;

/** A value as it appears in a message: JSON, cut short, never more than one line. */
function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(/[\r\n]+/g, " ");
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * The first problem zod found, as "field <path>: <reason>" (or just the reason for the line as a
 * whole). The reason is zod's prettified message; the offending value is appended when zod's own
 * message does not already say what it received.
 */
function describeIssue(error: z.ZodError, input: unknown): string {
  // z.prettifyError lists whole-object problems first, then fields in order: report the same first one.
  const issues = [...error.issues].sort((a, b) => a.path.length - b.path.length);
  const issue = issues[0]!;
  if (issue.code === "unrecognized_keys") {
    return `field ${issue.keys[0] ?? "?"}: unknown field (not in trace format version ${TRACE_VERSION})`;
  }
  const pretty = z.prettifyError(new z.ZodError([issue]));
  const reason = oneLine(/✖\s*([^\n]*)/.exec(pretty)?.[1] ?? issue.message);
  const at = /→ at (.*)/.exec(pretty)?.[1]?.trim();
  const got = issue.path.length > 0 ? valueAt(input, issue.path) : input;
  const withGot = /received/.test(reason) ? reason : `${reason} (got ${shown(got)})`;
  return at ? `field ${at}: ${withGot}` : withGot;
}

/**
 * Checks a trace line by line: each line against its zod schema and the rules between lines. Feed
 * it every line in order with check(), then call finish() with the number of the last line.
 * Errors are InputError with one line: "<file>:<line>: [field <path>: ]<reason>".
 */
export class TraceChecker {
  private header: TraceHeader | null = null;
  private records = 0;
  private lastRetired = 0;
  private lastCycle = 0;
  private endLine = 0;
  private lines = 0;

  constructor(readonly fileName: string) {}

  private fail(line: number, message: string): never {
    throw new InputError(`${this.fileName}:${line}: ${message}`);
  }

  /** Check one line of text (without its newline). */
  checkText(text: string, line: number): TraceLine {
    if (text.trim() === "") this.fail(line, "empty line (every line must be one JSON object)");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      if (this.endLine !== 0) this.fail(line, `a line after the end line (line ${this.endLine}); nothing may follow it`);
      this.fail(line, `not valid JSON (${oneLine((e as Error).message)})`);
    }
    return this.checkValue(value, line);
  }

  /** Check one already-parsed line. */
  checkValue(value: unknown, line: number): TraceLine {
    this.lines = line;
    const type = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as { type?: unknown }).type : undefined;
    if (this.endLine !== 0) this.fail(line, `field type: ${shown(type)} after the end line (line ${this.endLine}); nothing may follow it`);
    if (this.header === null) {
      if (type !== "header") this.fail(line, `field type: line 1 must be the header, got ${shown(type)}`);
      const version = (value as { version?: unknown }).version;
      if (version !== TRACE_VERSION) this.fail(line, `field version: expected ${TRACE_VERSION}, got ${shown(version)}`);
    } else if (type === "header") {
      this.fail(line, `field type: a second header (the header is line 1)`);
    }
    const r = TraceLineSchema.safeParse(value);
    if (!r.success) this.fail(line, describeIssue(r.error, value));
    const parsed = r.data;
    switch (parsed.type) {
      case "header":
        this.header = parsed;
        break;
      case "delivery":
        if (parsed.seq !== this.records) this.fail(line, `field seq: expected ${this.records}, got ${parsed.seq}`);
        this.checkMonotonic(line, "retired", parsed.retired, "cycle", parsed.cycle);
        this.records++;
        break;
      case "end":
        if (parsed.deliveries !== this.records) {
          this.fail(line, `field deliveries: expected ${this.records} (the number of records), got ${parsed.deliveries}`);
        }
        this.checkMonotonic(line, "retired", parsed.retired, "cycles", parsed.cycles);
        this.endLine = line;
        break;
    }
    return parsed;
  }

  private checkMonotonic(line: number, retiredName: string, retired: number, cycleName: string, cycle: number): void {
    if (retired < this.lastRetired) this.fail(line, `field ${retiredName}: must not decrease (was ${this.lastRetired}, now ${retired})`);
    if (cycle < this.lastCycle) this.fail(line, `field ${cycleName}: must not decrease (was ${this.lastCycle}, now ${cycle})`);
    this.lastRetired = retired;
    this.lastCycle = cycle;
  }

  /** The whole file has been seen: it must have had a header and an end line. */
  finish(): void {
    if (this.lines === 0) this.fail(1, "empty file (expected the header on line 1)");
    if (this.endLine === 0) this.fail(this.lines, `truncated trace (no end line after ${this.records} records)`);
  }

  get recordCount(): number {
    return this.records;
  }
}

/** Validate lines already in memory (an import's output, a test's input); `name` stands for the file. */
export function validateTraceLines(lines: readonly unknown[], name = "<trace>"): ParsedTrace {
  const checker = new TraceChecker(name);
  return collect(lines.map((value, i) => checker.checkValue(value, i + 1)), checker);
}

/** Sort checked lines into header, records and end once the checker has seen them all. */
function collect(lines: readonly TraceLine[], checker: TraceChecker): ParsedTrace {
  checker.finish();
  const records: DeliveryRecord[] = [];
  let header: TraceHeader | null = null;
  let end: TraceEnd | null = null;
  for (const l of lines) {
    if (l.type === "header") header = l;
    else if (l.type === "delivery") records.push(l);
    else end = l;
  }
  if (header === null || end === null) throw new InternalError("trace checker passed a trace without header or end");
  return { header, records, end };
}

function readError(path: string, e: unknown): KdbtError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "EACCES" || code === "EISDIR" || code === "ENOTDIR") {
    return new MissingInputError(`${path}: cannot read trace (${code})`);
  }
  return new MissingInputError(`${path}: cannot read trace (${oneLine((e as Error).message)})`);
}

/**
 * Read a trace file line by line (node:readline), yielding each validated line: the header first,
 * then the records, then the end line. Memory use does not grow with the file. Throws InputError
 * on the first bad line (and at the end for a truncated file), MissingInputError if unreadable.
 */
export async function* readTrace(path: string): AsyncGenerator<TraceLine, void, undefined> {
  const checker = new TraceChecker(path);
  const input = createReadStream(path, { encoding: "utf8" });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      yield checker.checkText(text, line);
    }
  } catch (e) {
    if (e instanceof KdbtError) throw e;
    throw readError(path, e);
  } finally {
    rl.close();
    input.destroy();
  }
  checker.finish();
}

/** Read and validate a whole trace at once (small files, tests). Same errors as readTrace. */
export function readTraceSync(path: string): ParsedTrace {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw readError(path, e);
  }
  const texts = text.split(/\r?\n/);
  if (texts.length > 0 && texts[texts.length - 1] === "") texts.pop();
  const checker = new TraceChecker(path);
  return collect(texts.map((t, i) => checker.checkText(t, i + 1)), checker);
}

/** One line of a trace file, fields in schema order (so equal traces are equal bytes). */
export function formatTraceLine(line: TraceLine): string {
  return JSON.stringify(TraceLineSchema.parse(line));
}

// ---------------------------------------------------------------- writing

/** Are a and b the same file (same path, or the same inode through a link)? */
export function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** Throw UsageError if `out` is (or links to) any of `inputs`. */
export function refuseSameFile(out: string, inputs: string | readonly string[] | undefined, what = "input"): void {
  const list = inputs === undefined ? [] : typeof inputs === "string" ? [inputs] : inputs;
  for (const input of list) {
    if (sameFile(out, input)) {
      throw new UsageError(`${out}: refusing to write over ${input}, the ${what} of this run; choose another output file`);
    }
  }
}

const FLUSH_BYTES = 64 * 1024;
let tempCounter = 0;

/**
 * A file written through a temporary name in the same directory and renamed over the target on
 * close, so a crash or an error never leaves a partial file under the final name. Writes are
 * buffered (64 KiB) and synchronous, so probes inside the simulator's run loop can append.
 */
export class AtomicFile {
  private fd: number;
  private readonly tempPath: string;
  private buffer: string[] = [];
  private buffered = 0;
  private done = false;

  constructor(
    readonly path: string,
    private readonly refuse?: string | readonly string[],
  ) {
    refuseSameFile(path, refuse);
    try {
      if (statSync(path).isDirectory()) throw new KdbtError(`${path}: is a directory, cannot write a file there`, ExitCode.ioErr);
    } catch (e) {
      if (e instanceof KdbtError) throw e;
    }
    this.tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter++}.tmp`);
    try {
      this.fd = openSync(this.tempPath, "wx");
    } catch (e) {
      throw this.ioError(e);
    }
  }

  private ioError(e: unknown): KdbtError {
    const code = (e as NodeJS.ErrnoException).code ?? oneLine((e as Error).message);
    return new KdbtError(`${this.path}: cannot write (${code})`, ExitCode.ioErr);
  }

  write(text: string): void {
    if (this.done) throw new InternalError(`${this.path}: write after close`);
    this.buffer.push(text);
    this.buffered += text.length;
    if (this.buffered >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const data = this.buffer.join("");
    this.buffer = [];
    this.buffered = 0;
    try {
      writeSync(this.fd, data);
    } catch (e) {
      this.abort();
      throw this.ioError(e);
    }
  }

  /** Flush, sync and rename the temporary file over the target. */
  commit(): void {
    if (this.done) throw new InternalError(`${this.path}: closed twice`);
    this.flush();
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.done = true;
      // Checked again at the last moment: the target may have been replaced by a link since open.
      refuseSameFile(this.path, this.refuse);
      renameSync(this.tempPath, this.path);
    } catch (e) {
      this.abort();
      if (e instanceof KdbtError) throw e;
      throw this.ioError(e);
    }
  }

  /** Drop the temporary file; the target is left as it was. Safe to call more than once. */
  abort(): void {
    if (!this.done) {
      this.done = true;
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    try {
      unlinkSync(this.tempPath);
    } catch {
      // already renamed or removed
    }
  }
}

export interface TraceWriterOptions {
  /**
   * Paths the trace must never be written over, compared as files (symlinks and hard links
   * included): a replay passes its input trace. Violations throw UsageError before anything is written.
   */
  refuseIfSameAs?: string | readonly string[];
  /** Check each line against the format and the cross-line rules as it is written (default true). */
  validate?: boolean;
}

/**
 * Streams a trace to disk: open() writes the header, append() one record per delivery, close()
 * the end line, then renames the finished file into place. Until close() the target path is
 * untouched; abort() discards everything. A line that breaks the format is a kdbt bug
 * (InternalError), caught before it reaches the file.
 */
export class TraceWriter {
  private readonly checker: TraceChecker | null;
  private line = 0;
  private count = 0;

  private constructor(
    private readonly file: AtomicFile,
    validate: boolean,
  ) {
    this.checker = validate ? new TraceChecker(file.path) : null;
  }

  static open(path: string, header: TraceHeader, options: TraceWriterOptions = {}): TraceWriter {
    const w = new TraceWriter(new AtomicFile(path, options.refuseIfSameAs), options.validate ?? true);
    w.put(header);
    return w;
  }

  private put(line: TraceLine): void {
    this.line++;
    let out = line;
    if (this.checker) {
      try {
        out = this.checker.checkValue(line, this.line);
      } catch (e) {
        this.file.abort();
        throw e instanceof InputError ? new InternalError(`writing trace: ${e.message}`) : e;
      }
    }
    // The checked value has its fields in schema order, so equal traces are equal bytes.
    this.file.write(`${JSON.stringify(out)}\n`);
  }

  append(record: DeliveryRecord): void {
    this.put(record);
    this.count++;
  }

  /** Records appended so far (the end line's `deliveries`). */
  get records(): number {
    return this.count;
  }

  /** Write the end line and move the finished trace into place. */
  close(end: TraceEnd): void {
    this.put(end);
    this.file.commit();
  }

  /** Discard the trace: the temporary file is removed and the target left untouched. */
  abort(): void {
    this.file.abort();
  }
}
