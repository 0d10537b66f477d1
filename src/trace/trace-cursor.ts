// A synchronous, streaming trace reader: one validated line at a time, for replays that read as the simulation runs.
//
// readTrace (jsonl.ts) is an async generator; a replay's probes run synchronously inside the
// simulator's run loop and must fetch the next expected record there. TraceCursor reads the file in
// 64 KiB chunks with readSync and checks every line with the same TraceChecker, so its errors are
// the same one-line messages, and memory does not grow with the file.
import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { InternalError, MissingInputError } from "../errors.js";
import { TraceChecker } from "./jsonl.js";
import type { DeliveryRecord, TraceEnd, TraceHeader, TraceLine } from "./format.js";

const CHUNK = 64 * 1024;

function readError(path: string, e: unknown): MissingInputError {
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new MissingInputError(`${path}: cannot read trace (${code})`);
}

export class TraceCursor {
  private fd: number | null;
  private readonly checker: TraceChecker;
  private readonly decoder = new StringDecoder("utf8");
  private readonly buffer = Buffer.alloc(CHUNK);
  private pending = "";
  private lines: string[] = [];
  private next = 0;
  private lineNo = 0;
  private eof = false;
  private finished = false;

  constructor(readonly path: string) {
    this.checker = new TraceChecker(path);
    try {
      this.fd = openSync(path, "r");
    } catch (e) {
      throw readError(path, e);
    }
  }

  /** The next validated line, or null after the last one (a truncated file throws InputError there). */
  read(): TraceLine | null {
    for (;;) {
      if (this.next < this.lines.length) {
        const text = this.lines[this.next++]!;
        this.lineNo++;
        return this.checker.checkText(text, this.lineNo);
      }
      if (this.eof) {
        if (!this.finished) {
          this.finished = true;
          this.close();
          this.checker.finish();
        }
        return null;
      }
      this.fill();
    }
  }

  /** The header (line 1). Call first. */
  readHeader(): TraceHeader {
    const l = this.read();
    // The checker rejects a first line that is not a header, and an empty file at finish().
    if (l === null || l.type !== "header") throw new InternalError(`${this.path}: trace checker passed a file without a header`);
    return l;
  }

  /** The next delivery record, or the end line once the records are done. */
  readRecordOrEnd(): DeliveryRecord | TraceEnd {
    const l = this.read();
    if (l === null || l.type === "header") throw new InternalError(`${this.path}: read past the end line`);
    return l;
  }

  /** Line number of the line read last. */
  get line(): number {
    return this.lineNo;
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  private fill(): void {
    let n: number;
    try {
      n = readSync(this.fd!, this.buffer, 0, CHUNK, null);
    } catch (e) {
      this.close();
      throw readError(this.path, e);
    }
    let text: string;
    if (n === 0) {
      this.eof = true;
      text = this.pending + this.decoder.end();
      this.pending = "";
      this.lines = text === "" ? [] : [text.replace(/\r$/, "")];
    } else {
      text = this.pending + this.decoder.write(this.buffer.subarray(0, n));
      const parts = text.split("\n");
      this.pending = parts.pop()!;
      this.lines = parts.map((p) => p.replace(/\r$/, ""));
    }
    this.next = 0;
  }
}

/** What a full validation pass over a trace found (nothing kept but counts). */
export interface TraceScan {
  header: TraceHeader;
  end: TraceEnd;
  records: number;
  byKind: Record<DeliveryRecord["kind"], number>;
}

/** Read and validate a whole trace file without keeping it: header, end line, counts. */
export function scanTrace(path: string): TraceScan {
  const c = new TraceCursor(path);
  try {
    const header = c.readHeader();
    const byKind: TraceScan["byKind"] = { fault: 0, trap: 0, abort: 0, external: 0, software: 0 };
    let records = 0;
    for (;;) {
      const l = c.readRecordOrEnd();
      if (l.type === "end") {
        // Let the checker see the end of the file: it rejects anything after the end line.
        if (c.read() !== null) throw new InternalError(`${path}: trace checker passed a line after the end line`);
        return { header, end: l, records, byKind };
      }
      records++;
      byKind[l.kind]++;
    }
  } finally {
    c.close();
  }
}
