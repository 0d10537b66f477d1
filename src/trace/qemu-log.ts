// Parser for `qemu-system-i386 -d int -D LOG` logs: every interrupt and exception QEMU logged, with its register dump.
//
// The format (QEMU 7.2, target/i386/tcg/seg_helper.c and target/i386/cpu-dump.c), one event:
//
//   Servicing hardware INT=0x20                                  <- only for PIC interrupts
//        0: v=20 e=0000 i=0 cpl=0 IP=0008:00102802 pc=00102802 SP=0010:00109eb8 env->regs[R_EAX]=f5cd81f1
//   EAX=f5cd81f1 EBX=... ECX=... EDX=...                         <- x86_cpu_dump_state, before delivery
//   ESI=... EDI=... EBP=... ESP=...
//   EIP=00102802 EFL=00000212 [----A--] CPL=0 II=0 A20=1 SMM=0 HLT=0
//   ES =0010 00000000 ffffffff 00cf9300 DPL=0 DS   [-WA]          (and CS SS DS FS GS LDT TR)
//   GDT=     0010a088 0000002f
//   IDT=     0010a0b8 000007ff
//   CR0=80010011 CR2=00000000 CR3=00110000 CR4=00000000
//   DR0=... DR6=... CCS=... EFER=...
//
// - The "v=" line comes from do_interrupt_all() and is printed only when CR0.PE is set: real-mode
//   (BIOS) interrupts show at most a "Servicing hardware INT" line with no "v=" line after it.
// - v = vector; e = the error code QEMU passes (printed for every event, meaningful only for
//   exceptions whose vector pushes one); i = 1 for INT n, INT3 and INTO (software), 0 otherwise;
//   cpl = the CPL of the interrupted code; IP = CS:EIP where the event was raised: the faulting
//   instruction for a fault, the next instruction for a trap or an external interrupt, and the INT
//   instruction itself for a software interrupt (the return address pushed is after it); for
//   vector 14 the line ends with CR2= instead of EAX.
// - "check_exception old: 0xOLD new 0xNEW" precedes every exception the CPU raises. OLD is the
//   contributory or page-fault exception still being delivered (0xffffffff when none), so OLD equal
//   to the last event's vector means that delivery faulted: QEMU logs each delivery *attempt*, and
//   the guest only ever saw the event that followed (a #DF, or the second exception).
// - "SMM: enter" / "SMM: after RSM" (SeaBIOS's SMM handler at boot) and "CPU Reset" are followed by
//   a register dump too; they are counted and skipped.
import { readFileSync } from "node:fs";
import { InputError, MissingInputError } from "../errors.js";
import { VECTORS } from "../cpu/vectors.js";

export type QemuEventSource = "hardware" | "exception" | "software";

/** A segment register as dumped: selector and the descriptor cache (base, limit, raw flags). */
export interface QemuSegment {
  selector: number;
  base: number;
  limit: number;
  flags: number;
}

/** The architectural state in a register dump (the state before the event is delivered). */
export interface QemuCpuState {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
  esi: number;
  edi: number;
  ebp: number;
  esp: number;
  eip: number;
  eflags: number;
  cpl: number;
  /** II=1: interrupts inhibited for one instruction (after STI, MOV SS). */
  inhibitIrq: boolean;
  /** HLT=1: the CPU was halted. */
  halted: boolean;
  es: QemuSegment;
  cs: QemuSegment;
  ss: QemuSegment;
  ds: QemuSegment;
  fs: QemuSegment;
  gs: QemuSegment;
  ldt: QemuSegment;
  tr: QemuSegment;
  gdtBase: number;
  gdtLimit: number;
  idtBase: number;
  idtLimit: number;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
}

/** One interrupt or exception QEMU logged in protected mode. */
export interface QemuInterruptEvent {
  /** Line number (1-based) of the "v=" line. */
  line: number;
  /** Line of the "Servicing hardware INT" line before it, for PIC interrupts. */
  hardwareLine: number | null;
  /** QEMU's own event counter (the number before the colon). */
  count: number;
  vector: number;
  source: QemuEventSource;
  /** e= as printed (QEMU prints a value for every event). */
  loggedErrorCode: number;
  /** The error code the CPU pushes: e= for exceptions whose vector pushes one, else null. */
  errorCode: number | null;
  cpl: number;
  cs: number;
  /** IP= offset: see the file header for where it points per kind of event. */
  eip: number;
  /** pc= (linear address: CS base + EIP). */
  pc: number;
  ss: number;
  esp: number;
  /** CR2 for a #PF (from the event line), null otherwise. */
  cr2: number | null;
  state: QemuCpuState;
  /**
   * QEMU logged this delivery attempt but the delivery itself raised another exception (a #DF,
   * the second exception of a benign pair, or a triple fault): the guest never saw this event.
   */
  aborted: boolean;
}

export interface QemuLog {
  fileName: string;
  /** Every protected-mode event, in log order. */
  events: QemuInterruptEvent[];
  /** Lines of "Servicing hardware INT" taken in real mode (no "v=" line follows: firmware time). */
  realModeInterrupts: number[];
  /** Register dumps that belong to no event (SMM entry/exit, CPU reset), skipped. */
  otherDumps: number;
  /** The log ends in a fault while delivering #DF (QEMU's triple fault / shutdown). */
  tripleFault: boolean;
  lineCount: number;
}

const EVENT_RE =
  /^\s*(\d+): v=([0-9a-f]+) e=([0-9a-f]+) i=(\d) cpl=(\d) IP=([0-9a-f]+):([0-9a-f]+) pc=([0-9a-f]+) SP=([0-9a-f]+):([0-9a-f]+)(?: CR2=([0-9a-f]+)| env->regs\[R_EAX\]=([0-9a-f]+))?\s*$/;
const HW_RE = /^Servicing (?:virtual )?hardware INT=0x([0-9a-f]+)\s*$/;
const CHECK_RE = /^check_exception old: 0x([0-9a-f]+) new 0x([0-9a-f]+)\s*$/;
const DUMP_HEAD_RE = /^(?:SMM: enter|SMM: after RSM|CPU Reset \(CPU \d+\))\s*$/;
const TRIPLE_RE = /^Triple fault\s*$/;
/** A register dump line: an upper-case name, optional spaces, "=". */
const DUMP_LINE_RE = /^[A-Z][A-Z0-9]{0,5} *=/;
const SEG_RE = /^(ES|CS|SS|DS|FS|GS|LDT|TR) *=([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)/;
const TABLE_RE = /^(GDT|IDT)= +([0-9a-f]+) ([0-9a-f]+)/;
const TOKEN_RE = /\b([A-Z][A-Z0-9]*)=([0-9a-f]+)\b/g;

/** The low 32 bits of a hex field (64-bit builds print 16 digits). */
function hex32(text: string): number {
  return parseInt(text.length > 8 ? text.slice(-8) : text, 16) >>> 0;
}

const REQUIRED = ["EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP", "EIP", "EFL", "CPL", "II", "HLT", "CR0", "CR2", "CR3", "CR4"] as const;
const SEGMENTS = ["ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR"] as const;

class DumpReader {
  readonly values = new Map<string, number>();
  readonly segments = new Map<string, QemuSegment>();
  readonly tables = new Map<string, [number, number]>();

  add(text: string): void {
    const seg = SEG_RE.exec(text);
    if (seg) {
      this.segments.set(seg[1]!, { selector: hex32(seg[2]!), base: hex32(seg[3]!), limit: hex32(seg[4]!), flags: hex32(seg[5]!) });
      return;
    }
    const table = TABLE_RE.exec(text);
    if (table) {
      this.tables.set(table[1]!, [hex32(table[2]!), hex32(table[3]!)]);
      return;
    }
    for (const m of text.matchAll(TOKEN_RE)) this.values.set(m[1]!, hex32(m[2]!));
  }

  /** The first field an event's dump needs but lacks, or null. */
  missing(): string | null {
    if (this.values.has("RAX")) return "RAX (a 64-bit register dump; only 32-bit guests are supported)";
    for (const k of REQUIRED) if (!this.values.has(k)) return k;
    for (const k of SEGMENTS) if (!this.segments.has(k)) return k;
    for (const k of ["GDT", "IDT"]) if (!this.tables.has(k)) return k;
    return null;
  }

  state(): QemuCpuState {
    const v = (k: string): number => this.values.get(k)!;
    const seg = (k: string): QemuSegment => this.segments.get(k)!;
    const [gdtBase, gdtLimit] = this.tables.get("GDT")!;
    const [idtBase, idtLimit] = this.tables.get("IDT")!;
    return {
      eax: v("EAX"),
      ebx: v("EBX"),
      ecx: v("ECX"),
      edx: v("EDX"),
      esi: v("ESI"),
      edi: v("EDI"),
      ebp: v("EBP"),
      esp: v("ESP"),
      eip: v("EIP"),
      eflags: v("EFL"),
      cpl: v("CPL"),
      inhibitIrq: v("II") !== 0,
      halted: v("HLT") !== 0,
      es: seg("ES"),
      cs: seg("CS"),
      ss: seg("SS"),
      ds: seg("DS"),
      fs: seg("FS"),
      gs: seg("GS"),
      ldt: seg("LDT"),
      tr: seg("TR"),
      gdtBase,
      gdtLimit,
      idtBase,
      idtLimit,
      cr0: v("CR0"),
      cr2: v("CR2"),
      cr3: v("CR3"),
      cr4: v("CR4"),
    };
  }
}

/** A line that can start something in a -d int log (not a dump line). */
function isKnownLine(text: string): boolean {
  return EVENT_RE.test(text) || HW_RE.test(text) || CHECK_RE.test(text) || DUMP_HEAD_RE.test(text) || TRIPLE_RE.test(text) || text.trim() === "";
}

function shorten(text: string): string {
  const t = text.trim();
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

/** Same architectural state in two dumps (what a delivery that faulted before changing anything leaves). */
function sameState(a: QemuCpuState, b: QemuCpuState): boolean {
  return (
    a.eax === b.eax &&
    a.ebx === b.ebx &&
    a.ecx === b.ecx &&
    a.edx === b.edx &&
    a.esi === b.esi &&
    a.edi === b.edi &&
    a.ebp === b.ebp &&
    a.esp === b.esp &&
    a.eip === b.eip &&
    a.eflags === b.eflags &&
    a.cpl === b.cpl &&
    a.cs.selector === b.cs.selector &&
    a.ss.selector === b.ss.selector
  );
}

/**
 * Parse the text of a `-d int` log. Throws InputError naming the first line that is not part of
 * the format (one line: "<file>:<line>: <what>").
 */
export function parseQemuLog(text: string, fileName: string): QemuLog {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const fail = (n: number, why: string): never => {
    throw new InputError(`${fileName}:${n}: ${why}`);
  };
  const events: QemuInterruptEvent[] = [];
  const realModeInterrupts: number[] = [];
  /** check_exception "old" values seen after each event (index = events.length at the time). */
  const checksAfter = new Map<number, number[]>();
  let otherDumps = 0;
  let tripleFault = false;
  let pendingHw: { vector: number; line: number } | null = null;

  // Consume the dump lines after line i (0-based); returns the reader and the next index.
  const readDump = (i: number): [DumpReader, number] => {
    const d = new DumpReader();
    let j = i + 1;
    while (j < lines.length && DUMP_LINE_RE.test(lines[j]!)) d.add(lines[j++]!);
    return [d, j];
  };

  let i = 0;
  while (i < lines.length) {
    const text = lines[i]!;
    const n = i + 1;
    const hw = HW_RE.exec(text);
    const ev = hw ? null : EVENT_RE.exec(text);
    if (pendingHw && !ev) {
      // No protected-mode event followed: the CPU was in real mode (firmware), QEMU logs no "v=".
      realModeInterrupts.push(pendingHw.line);
      pendingHw = null;
    }
    if (hw) {
      pendingHw = { vector: parseInt(hw[1]!, 16), line: n };
      i++;
      continue;
    }
    if (ev) {
      const vector = parseInt(ev[2]!, 16);
      if (vector > 255) fail(n, `vector ${ev[2]} out of range 0-ff`);
      let hardwareLine: number | null = null;
      if (pendingHw) {
        if (pendingHw.vector !== vector) fail(n, `event vector 0x${ev[2]} does not match "Servicing hardware INT=0x${pendingHw.vector.toString(16)}" on line ${pendingHw.line}`);
        hardwareLine = pendingHw.line;
        pendingHw = null;
      }
      const isInt = ev[4] === "1";
      const source: QemuEventSource = hardwareLine !== null ? "hardware" : isInt ? "software" : "exception";
      const [dump, next] = readDump(i);
      const missing = dump.missing();
      if (missing !== null) {
        // A stray line inside the dump is the better thing to point at than the gap it leaves.
        const stray = lines[next];
        if (stray !== undefined && !isKnownLine(stray)) fail(next + 1, `not a qemu-system-i386 -d int log line: "${shorten(stray)}"`);
        fail(n, `the register dump after this event has no ${missing}${next >= lines.length ? " (log cut short?)" : ""}`);
      }
      const logged = hex32(ev[3]!);
      const pushes = source === "exception" && VECTORS[vector]!.errorCode;
      events.push({
        line: n,
        hardwareLine,
        count: parseInt(ev[1]!, 10),
        vector,
        source,
        loggedErrorCode: logged,
        errorCode: pushes ? logged : null,
        cpl: parseInt(ev[5]!, 10),
        cs: hex32(ev[6]!),
        eip: hex32(ev[7]!),
        pc: hex32(ev[8]!),
        ss: hex32(ev[9]!),
        esp: hex32(ev[10]!),
        cr2: ev[11] !== undefined ? hex32(ev[11]) : null,
        state: dump.state(),
        aborted: false,
      });
      i = next;
      continue;
    }
    const check = CHECK_RE.exec(text);
    if (check) {
      const list = checksAfter.get(events.length) ?? [];
      list.push(hex32(check[1]!));
      checksAfter.set(events.length, list);
      i++;
      continue;
    }
    if (DUMP_HEAD_RE.test(text)) {
      otherDumps++;
      i = readDump(i)[1];
      continue;
    }
    if (TRIPLE_RE.test(text)) {
      tripleFault = true;
      i++;
      continue;
    }
    if (text.trim() === "") {
      i++;
      continue;
    }
    if (DUMP_LINE_RE.test(text)) fail(n, `register dump line outside an event: "${shorten(text)}"`);
    fail(n, `not a qemu-system-i386 -d int log line: "${shorten(text)}"`);
  }
  if (pendingHw) realModeInterrupts.push(pendingHw.line);

  // Which delivery attempts faulted (see the file header).
  events.forEach((e, k) => {
    const olds = checksAfter.get(k + 1) ?? [];
    if (e.source === "exception" && olds.includes(e.vector)) e.aborted = true;
    const nextEvent = events[k + 1];
    if (nextEvent && nextEvent.source === "exception" && nextEvent.vector !== e.vector && sameState(e.state, nextEvent.state)) e.aborted = true;
    // A fault while delivering #DF: QEMU shuts down (triple fault); nothing follows.
    if (e.vector === 8 && e.source === "exception" && nextEvent === undefined && olds.includes(8)) {
      e.aborted = true;
      tripleFault = true;
    }
  });
  return { fileName, events, realModeInterrupts, otherDumps, tripleFault, lineCount: lines.length };
}

/** Read and parse a log file. */
export function readQemuLog(path: string): QemuLog {
  let text: string;
  try {
    text = readFileSync(path, "latin1");
  } catch (e) {
    throw new MissingInputError(`${path}: cannot read QEMU log (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseQemuLog(text, path);
}

/** The physical range the multiboot kernel occupies, [start, end) (load address to end of bss). */
export interface KernelRange {
  start: number;
  end: number;
}

export interface KernelEvents {
  /** The events from the kernel's first one on. */
  events: QemuInterruptEvent[];
  /** Protected-mode events before it (firmware: SeaBIOS and the multiboot option ROM). */
  firmware: QemuInterruptEvent[];
}

/**
 * Split off the firmware's events. The kernel's part of the log starts at the first event whose
 * interrupted code (pc=) or IDT base lies inside the kernel image: firmware code and its IDT live
 * below 1 MiB (SeaBIOS in 0xe0000-0xfffff, the option ROM's real-mode IVT at 0) while a multiboot
 * kernel is loaded at or above its load address, and no kernel can take an event before its own
 * code runs or after loading its own IDT. Everything from that event on belongs to the kernel,
 * including events in user code (CPL 3, outside the image).
 */
export function kernelEvents(log: QemuLog, range: KernelRange): KernelEvents {
  const inside = (a: number): boolean => a >= range.start && a < range.end;
  const first = log.events.findIndex((e) => inside(e.pc) || inside(e.state.idtBase));
  if (first < 0) return { events: [], firmware: log.events.slice() };
  return { events: log.events.slice(first), firmware: log.events.slice(0, first) };
}
