// The `qemu-system-i386 -d int` log parser, against real QEMU 7.2 logs committed under fixtures/ (see fixtures/README.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError, MissingInputError } from "../../src/errors.js";
import { kernelEvents, parseQemuLog, readQemuLog, type QemuInterruptEvent } from "../../src/trace/qemu-log.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const fixture = (name: string): string => join(FIXTURES, name);
const text = (name: string): string => readFileSync(fixture(name), "latin1");
const short = (e: QemuInterruptEvent): string =>
  `${e.line}:${e.source[0]}${e.vector.toString(16)}${e.errorCode !== null ? `/e${e.errorCode.toString(16)}` : ""}${e.cr2 !== null ? `/cr2=${e.cr2.toString(16)}` : ""}@${e.cpl}${e.aborted ? "!" : ""}`;

function parseError(body: string): string {
  try {
    parseQemuLog(body, "q.log");
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message;
  }
  return "no error";
}

describe("parseQemuLog on real logs", () => {
  it("software interrupts from ring 3 with the full register dump (guest kernel, syscall workload)", () => {
    const log = readQemuLog(fixture("guest-syscall.log"));
    expect(log.events.map(short)).toEqual(["39:s80@3", "58:s80@3", "77:s80@3", "96:s80@3"]);
    expect(log.otherDumps).toBe(2); // SMM enter / after RSM at firmware time
    expect(log.realModeInterrupts).toEqual([]);
    expect(log.tripleFault).toBe(false);
    const e = log.events[0]!;
    expect(e).toMatchObject({ count: 0, vector: 0x80, source: "software", loggedErrorCode: 0, errorCode: null, cpl: 3, cs: 0x1b, eip: 0x40000222, pc: 0x40000222, ss: 0x23, esp: 0x403fffe4, cr2: null, hardwareLine: null });
    expect(e.state).toMatchObject({
      eax: 1, ebx: 0, ecx: 0, edx: 0, esi: 0, edi: 3, ebp: 1, esp: 0x403fffe4, eip: 0x40000222, eflags: 0x246, cpl: 3, inhibitIrq: false, halted: false,
      gdtBase: 0x10a088, gdtLimit: 0x2f, idtBase: 0x10a0b8, idtLimit: 0x7ff, cr0: 0x80010011, cr2: 0, cr3: 0x110000, cr4: 0,
    });
    expect(e.state.cs).toEqual({ selector: 0x1b, base: 0, limit: 0xffffffff, flags: 0x00cffa00 });
    expect(e.state.tr).toEqual({ selector: 0x28, base: 0x10a020, limit: 0x67, flags: 0x8900 });
    expect(log.events[3]!.eip).toBe(0x40000236);
  });

  it("hardware interrupts: the 'Servicing hardware INT' line ties the event to the PIC (guest kernel, timer workload)", () => {
    const log = readQemuLog(fixture("guest-timer.log"));
    expect(log.events.map(short)).toEqual(["40:h20@0", "60:h20@0"]);
    expect(log.events[0]).toMatchObject({ hardwareLine: 39, source: "hardware", eip: 0x102802, errorCode: null });
  });

  it("page faults with CR2 and the error code, from ring 3 and ring 0 (pf test kernel)", () => {
    const log = readQemuLog(fixture("pf.log"));
    const pfs = log.events.filter((e) => e.vector === 14).map(short);
    expect(pfs).toEqual([
      "40:ee/e0/cr2=400000@0", "60:ee/e2/cr2=400004@0", "80:ee/e0/cr2=400ff0@0", "100:ee/e4/cr2=400000@3", "139:ee/e6/cr2=400008@3", "178:ee/e5/cr2=401000@3",
      "217:ee/e7/cr2=401010@3", "256:ee/e7/cr2=402020@3", "295:ee/e5/cr2=800000@3", "334:ee/e7/cr2=c00004@3", "411:ee/e3/cr2=403004@0", "431:ee/e3/cr2=402008@0",
    ]);
    expect(log.events[0]!.state.cr2).toBe(0x400000);
  });

  it("ring-3 #GP with selector error codes, and INT n whose gate check failed marked as aborted attempts (intdpl)", () => {
    const log = readQemuLog(fixture("intdpl.log"));
    expect(log.events.slice(0, 10).map(short)).toEqual(["39:s41@0", "58:s41@3!", "78:ed/e20a@3", "97:s80@3", "116:s42@3", "135:s80@3", "154:s3@3!", "174:ed/e1a@3", "193:s80@3", "212:s4@3!"]);
  });

  it("#DF: each contributory pair and #PF pair is an aborted attempt then v=08; a benign #UD's faulting delivery too (doublefault)", () => {
    const log = readQemuLog(fixture("doublefault.log"));
    expect(log.events.map(short)).toEqual([
      "40:ed/e1000@0!", "60:e8/e0@0", "80:e0@0!", "100:e8/e0@0", "120:ee/e0/cr2=402000@0!", "140:e8/e0@0", "160:ee/e0/cr2=402000@0!", "180:e8/e0@0", "200:e6@0!", "220:eb/e32@0",
    ]);
  });

  it("a fault while delivering #DF ends the log: triple fault (triplefault)", () => {
    const log = readQemuLog(fixture("triplefault.log"));
    expect(log.events.map(short)).toEqual(["40:ed/e1000@0!", "60:e8/e0@0!"]);
    expect(log.tripleFault).toBe(true);
  });

  it("single-step traps (#DB, no error code) in ring 0 and ring 3 (singlestep)", () => {
    const log = readQemuLog(fixture("singlestep.log"));
    expect(log.events.filter((e) => e.vector === 1).every((e) => e.source === "exception" && e.errorCode === null)).toBe(true);
    expect(log.events.map((e) => e.cpl)).toEqual([0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3]);
  });

  it("kernelEvents drops firmware events: before the first event whose pc or IDT base lies in the kernel", () => {
    const body = text("guest-syscall.log").split("\n");
    // A SeaBIOS-time protected-mode event: the syscall block moved to BIOS code with BIOS tables.
    const first = body.slice(38, 57).map((l) =>
      l.replace("IP=001b:40000222 pc=40000222", "IP=0008:000f1234 pc=000f1234").replace("EIP=40000222", "EIP=000f1234").replace("IDT=     0010a0b8 000007ff", "IDT=     000f61be 00000000"),
    );
    const withFirmware = [...body.slice(0, 38), ...first, ...body.slice(38)].join("\n");
    const log = parseQemuLog(withFirmware, "fw.log");
    const k = kernelEvents(log, { start: 0x100000, end: 0x110000 });
    expect(k.firmware.map((e) => e.pc)).toEqual([0xf1234]);
    expect(k.events.map((e) => e.line)).toEqual([58, 77, 96, 115]);
    expect(kernelEvents(log, { start: 0x200000, end: 0x300000 }).events).toEqual([]);
  });

  it("a 'Servicing hardware INT' with no event after it was taken in real mode (firmware): counted, not an event", () => {
    const log = parseQemuLog(`Servicing hardware INT=0x08\nServicing hardware INT=0x08\n${text("guest-timer.log")}`, "rm.log");
    expect(log.realModeInterrupts).toEqual([1, 2]);
    expect(log.events.map((e) => e.line)).toEqual([42, 62]);
    expect(log.events[0]!.hardwareLine).toBe(41);
  });
});

describe("parseQemuLog rejects what is not a -d int log, with the line", () => {
  const syscall = text("guest-syscall.log").split("\n");
  it("an unrelated line", () => {
    expect(parseError([...syscall.slice(0, 40), "hello world", ...syscall.slice(40)].join("\n"))).toBe('q.log:41: not a qemu-system-i386 -d int log line: "hello world"');
    expect(parseError('{"type":"header"}\n')).toBe('q.log:1: not a qemu-system-i386 -d int log line: "{"type":"header"}"');
  });
  it("an event whose register dump is cut short", () => {
    expect(parseError(syscall.slice(0, 41).join("\n"))).toBe("q.log:39: the register dump after this event has no EIP (log cut short?)");
  });
  it("a dump line on its own", () => {
    expect(parseError(["EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000000"].join("\n"))).toBe('q.log:1: register dump line outside an event: "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000000"');
  });
  it("a hardware line whose event has another vector", () => {
    const t = text("guest-timer.log").replace("Servicing hardware INT=0x20", "Servicing hardware INT=0x21");
    expect(parseError(t)).toBe('q.log:40: event vector 0x20 does not match "Servicing hardware INT=0x21" on line 39');
  });
  it("a missing file", () => {
    expect(() => readQemuLog(fixture("absent.log"))).toThrow(MissingInputError);
  });
});
