// `kdbt step`: an interactive stepper over a run, one guest or host instruction at a time, in a terminal or from a script on stdin.
//
// Commands come one per line from node:readline: with line editing and a prompt in a terminal, and
// echoed ("> s") when stdin is a file or pipe, so a scripted session reads as a transcript. Every
// stepping command also stops right after an interrupt or exception delivery, and says what the DBT
// did with it; changed registers are listed after each stop and highlighted in `regs`.
import { createInterface } from "node:readline";
import { HOST_ENTRIES, HOST_ENTRIES_END, isCodeCache, isMonitor } from "../dbt/layout.js";
import { S_CPL, S_EIP, S_HALTED } from "../cpu/state.js";
import { blockPairs, guestName, hostInsnAt, markHost, monitorSymbols, namedPc, pairsAround, translationOf } from "./dbt-views.js";
import { eventName } from "./explain.js";
import { hex, hex8 } from "./format.js";
import type { RegistersView } from "./schemas.js";
import type { TeachSession } from "./session.js";
import { disassembleLinear, registers } from "./snapshot.js";
import { changedRegisters, disasmListing, registerTable, sideBySide } from "./tables.js";

export interface StepperIo {
  input: NodeJS.ReadableStream;
  /** Where the prompt and line editing go when interactive. */
  terminal: NodeJS.WritableStream | null;
  write(text: string): void;
  /** A terminal: prompt, line editing, ANSI highlights. */
  interactive: boolean;
  color: boolean;
}

export const STEPPER_HELP = `commands (one per line; a number after s, si or c repeats it):
  s [n]      step n guest instructions (default 1): a whole translation, glue included
  si [n]     step n host instructions: one code-cache instruction at a time (same as s natively)
  c [n]      continue to the next (n-th) interrupt or exception delivery, or the end of the run
  r          registers, those changed by the last command highlighted (marked * without a terminal)
  v          toggle the side-by-side view: guest code beside its translation, or the guest code alone
  l          show where the CPU is again
  h          this help
  q          quit (end of input quits too)
every stepping command stops right after a delivery and says what the DBT did with it.`;

const MAX_REPEAT = 1_000_000;

/** Read commands until quit or end of input; prints to io.write. */
export async function runStepper(s: TeachSession, io: StepperIo): Promise<void> {
  const st = new Stepper(s, io);
  st.banner();
  const rl = createInterface({ input: io.input, ...(io.interactive && io.terminal !== null ? { output: io.terminal, terminal: true } : { terminal: false }) });
  rl.on("SIGINT", () => rl.close());
  if (io.interactive) {
    rl.setPrompt("kdbt> ");
    rl.prompt();
  }
  let last = "";
  try {
    for await (const raw of rl) {
      let line = raw.trim();
      if (!io.interactive) io.write(`> ${line}\n`);
      // In a terminal an empty line repeats the last command, as in gdb.
      if (line === "" && io.interactive) line = last;
      if (line !== "" && !st.command(line)) break;
      if (line !== "") last = line;
      if (io.interactive) rl.prompt();
    }
  } finally {
    rl.close();
  }
  io.write("bye\n");
}

class Stepper {
  private sideBySide: boolean;
  /** Registers before the last stepping command: `regs` highlights what it changed. */
  private before: RegistersView | null = null;
  private consoleShown = 0;
  /** Cache flushes seen so far: a flush invalidates everything, which is not self-modifying code. */
  private flushes = 0;

  constructor(
    private readonly s: TeachSession,
    private readonly io: StepperIo,
  ) {
    this.sideBySide = s.dispatcher !== null;
  }

  banner(): void {
    const s = this.s;
    this.io.write(`kdbt step: ${s.mode} mode, at guest instruction ${s.retired.toLocaleString("en-US")}; h for help\n`);
    this.where();
  }

  /** Carry out one command line; false to quit. */
  command(line: string): boolean {
    const [cmd = "", arg] = line.split(/\s+/);
    const n = arg === undefined ? 1 : Number(arg);
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_REPEAT) {
      this.io.write(`${cmd} ${arg}: the count must be a whole number from 1 to ${MAX_REPEAT.toLocaleString("en-US")}\n`);
      return true;
    }
    switch (cmd) {
      case "s":
      case "step":
        this.go(() => ({ retired: this.s.retired + n }), 1);
        return true;
      case "si":
      case "stepi":
        this.go(() => ({ icount: this.s.hostInstructions + n }), 1);
        return true;
      case "c":
      case "continue":
        this.go(() => ({}), n);
        return true;
      case "r":
      case "regs":
        this.io.write(registerTable(registers(this.s.machine), this.before, { color: this.io.color, symbols: this.s.symbols }) + "\n");
        return true;
      case "v":
      case "view":
        this.sideBySide = !this.sideBySide;
        this.io.write(`side-by-side view ${this.sideBySide ? "on" : "off"}\n`);
        this.where();
        return true;
      case "l":
      case "list":
        this.where();
        return true;
      case "h":
      case "help":
      case "?":
        this.io.write(STEPPER_HELP + "\n");
        return true;
      case "q":
      case "quit":
      case "exit":
        return false;
      default:
        this.io.write(`unknown command "${cmd}" (h lists the commands)\n`);
        return true;
    }
  }

  /** Run to a stop point `times` times, stopping at every delivery; report each stop. */
  private go(stop: () => { icount?: number; retired?: number }, times: number): void {
    const s = this.s;
    if (s.exited) {
      this.io.write(`the run has ended (the guest exited with value ${s.exitValue}); q quits\n`);
      return;
    }
    const before = registers(s.machine);
    const live = s.dispatcher?.cache.liveBlocks() ?? [];
    s.watch = { delivery: () => true };
    try {
      for (let i = 0; i < times; i++) {
        const why = s.run(stop());
        if (why === "delivery") this.reportDelivery();
        if (why === "exit") {
          this.flushConsole();
          this.io.write(`-- the guest exited (isa-debug-exit value ${s.exitValue})\n`);
          return;
        }
      }
    } finally {
      s.watch = {};
    }
    this.flushConsole();
    const dropped = live.filter((b) => !b.valid);
    if (dropped.length > 0 && s.dispatcher!.cache.stats.flushes === this.flushes) {
      const names = dropped.slice(0, 4).map((b) => `the translation of ${guestName(b.guestEip, s.symbols)} (guest ${hex(b.guestEip)}-${hex(b.guestEnd)})`);
      this.io.write(`-- code cache: a store hit translated guest code (self-modifying code): dropped ${names.join(", ")}${dropped.length > 4 ? ` and ${dropped.length - 4} more` : ""}\n`);
    }
    this.flushes = s.dispatcher?.cache.stats.flushes ?? 0;
    this.before = before;
    this.where();
    const now = registers(s.machine);
    const changed = changedRegisters(now, before).filter((r) => r !== "eip");
    const show = (r: (typeof changed)[number]): string => {
      const a = now[r];
      const b = before[r];
      return typeof a === "number" && typeof b === "number" ? `${r} ${hex8(b)}->${hex8(a)}` : r;
    };
    this.io.write(`changed: ${changed.length === 0 ? "nothing but eip" : changed.map(show).join(", ")}\n`);
  }

  private flushConsole(): void {
    const bytes = this.s.console;
    if (bytes.length === this.consoleShown) return;
    const text = Buffer.from(bytes.slice(this.consoleShown)).toString("latin1");
    this.consoleShown = bytes.length;
    for (const l of text.replace(/\n$/, "").split("\n")) this.io.write(`console: ${l}\n`);
  }

  private reportDelivery(): void {
    const s = this.s;
    const d = s.lastDelivery!;
    const note = s.dispatcher?.lastEvent ?? null;
    const parts = [`-- delivery ${s.deliveries - 1}: vector ${d.vector} ${eventName(s, d.vector, d.kind)} from ring ${d.fromCpl}, frame eip ${hex(d.pushedEip)}`];
    if (note !== null && note.vector === d.vector && note.cachePc !== null) {
      if (s.mode === "precise") {
        parts.push(
          `   the hardware pushed code-cache PC ${hex(note.cachePc)}; the dispatcher mapped it to ${namedPc(note.nativePc, s.symbols)}` +
            (note.rollbackSteps > 0 ? ` and rolled back ${note.rollbackSteps} step${note.rollbackSteps === 1 ? "" : "s"} of ${note.template}` : "") +
            " (kdbt explain shows each step)",
        );
      } else if (note.leak) {
        parts.push(`   a code-cache PC in the guest's frame (natively ${namedPc(note.nativePc, s.symbols)}): a transparency leak`);
      }
    }
    this.io.write(parts.join("\n") + "\n");
  }

  /** Where the CPU is: counters, the current instruction, and its translation when side by side. */
  private where(): void {
    const s = this.s;
    const m = s.machine;
    const d = s.dispatcher;
    const eip = m.cpu.s[S_EIP]! >>> 0;
    const cpl = m.cpu.s[S_CPL]!;
    const head = `[guest ${s.retired.toLocaleString("en-US")} | host ${s.hostInstructions.toLocaleString("en-US")} | cycle ${m.cycles.toLocaleString("en-US")}] ring ${cpl}`;
    if (m.cpu.s[S_HALTED] !== 0) {
      this.io.write(`${head}  halted at ${namedPc(eip, s.symbols)}: waiting for an interrupt\n`);
      return;
    }
    if (d !== null && cpl === 0 && isMonitor(eip)) {
      const native = d.nativePcOf(eip);
      if (eip >= HOST_ENTRIES && eip < HOST_ENTRIES_END) {
        const syms = monitorSymbols(d, m.boot.symbols, s.symbols);
        this.io.write(`${head}  eip ${hex(eip)} = ${guestName(eip, syms)}: a dispatcher entry (the dispatcher runs next; the guest is at ${namedPc(native, s.symbols)})\n`);
        return;
      }
      const b = isCodeCache(eip) ? d.cache.blockAt(eip) : undefined;
      if (b !== undefined) {
        const at = hostInsnAt(b, eip);
        const own = translationOf(b, native);
        const k = own.findIndex((t) => t.index === at?.index);
        const pos = at?.insn.nativePc === native && k >= 0 ? `host instruction ${k + 1} of ${own.length} of its translation` : "glue after it";
        this.io.write(`${head}  eip ${hex(eip)} (code cache) = guest ${namedPc(native, s.symbols)}, ${pos}${d.atBoundary(eip) ? "" : ", mid-instruction"}\n`);
        if (this.sideBySide) {
          const pairs = markHost(pairsAround(blockPairs(m, b, s.symbols, monitorSymbols(d, m.boot.symbols, s.symbols)), native, 2, 2), eip, "<= next");
          this.io.write(sideBySide(pairs, { current: native, color: this.io.color }) + "\n");
          return;
        }
        this.io.write(disasmListing(disassembleLinear(m, native, 4, { symbols: s.symbols }), { current: native, color: this.io.color }) + "\n");
        return;
      }
    }
    this.io.write(`${head}  eip ${namedPc(eip, s.symbols)}${d !== null && cpl === 3 ? " (ring 3 runs natively)" : ""}\n`);
    this.io.write(disasmListing(disassembleLinear(m, eip, 4, { symbols: s.symbols, user: cpl === 3 }), { current: eip, color: this.io.color }) + "\n");
  }
}
