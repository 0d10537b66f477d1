// Code-cache PC -> native PC (QEMU's cpu_restore_state) and rollback of a half-executed translation.
import type { Cpu } from "../cpu/cpu.js";
import { REG_EAX, REG_ESP } from "../cpu/state.js";
import { CodeCache, REC_EMULATE, REC_EXIT, TEMPLATE_NAMES, Tpl, type TBlock } from "./code-cache.js";
import { ENTRY_INDIRECT, ENTRY_INDIRECT_RET_IMM, ENTRY_RECORDS, HOST_ENTRIES, HOST_ENTRIES_END, SPILL, SPILL_EAX, SPILL_RET_IMM, isCodeCache } from "./layout.js";

/** One rollback step: the register or memory it restores (for explain views and traces). */
export interface RollbackStep {
  undoes: string;
  restores: string;
}

/** Where a code-cache PC lands natively. Filled in place to keep interrupt entry allocation-light. */
export class PcResolution {
  /** The guest instruction boundary the guest must see. */
  nativePc = 0;
  /** Rollback steps applied (0: the PC was already at a guest instruction boundary). */
  steps = 0;
  /** Template of the partly executed translation, when steps > 0. */
  template = "";
  /** The guest instruction that was cut short, when steps > 0. */
  cutPc = 0;
  block: TBlock | null = null;
  /** Index of the host instruction at the PC in block.insns (-1 outside blocks). */
  insnIndex = -1;
  /** Step descriptions, collected only when a caller asks (explain, traces). */
  detail: RollbackStep[] | null = null;
}

export class Restorer {
  constructor(
    private readonly cpu: Cpu,
    private readonly cache: CodeCache,
  ) {}

  private spill(): number {
    return this.cpu.mem.readAs(SPILL, 4, false);
  }

  /**
   * Map a monitor PC the CPU pushed (the next host instruction to run) to the guest instruction
   * boundary, rolling back what already ran of a cut-short translation (registers, ESP, and the
   * stack slot a `pop` took), so the guest state is exactly that boundary's: a precise exception.
   * Returns false if the PC is not one the DBT made (an internal error).
   */
  resolve(pc: number, out: PcResolution, explain: boolean): boolean {
    const la = pc >>> 0;
    out.steps = 0;
    out.template = "";
    out.block = null;
    out.insnIndex = -1;
    out.detail = explain ? [] : null;
    if (la >= HOST_ENTRIES && la < HOST_ENTRIES_END) {
      // At a dispatcher entry: the last guest instruction completed (its final host jmp got here).
      if (la === ENTRY_INDIRECT) {
        out.nativePc = this.spill();
        return true;
      }
      if (la === ENTRY_INDIRECT_RET_IMM) {
        // The ret retired but the dispatcher had not released its imm16 bytes yet: roll forward.
        const imm = this.cpu.mem.readAs(SPILL_RET_IMM, 4, false);
        this.cpu.s[REG_ESP] = (this.cpu.s[REG_ESP]! + imm) | 0;
        out.detail?.push({ undoes: "ret-imm (roll forward)", restores: `esp += ${imm}` });
        out.nativePc = this.spill();
        return true;
      }
      if (la < ENTRY_RECORDS) return false;
      const rec = this.cache.recordAt(la);
      const kind = this.cache.recKind[rec];
      if (kind !== REC_EXIT && kind !== REC_EMULATE) return false;
      out.nativePc = this.cache.recTarget[rec]!;
      return true;
    }
    if (!isCodeCache(la)) return false;
    const b = this.cache.blockAt(la);
    if (!b) return false;
    const off = la - b.cacheStart;
    const insns = b.insns;
    let i = 0;
    while (i < insns.length && insns[i]!.offset !== off) i++;
    if (i === insns.length) return false;
    out.block = b;
    out.insnIndex = i;
    const insn = insns[i]!;
    // Host instructions of this guest instruction that already ran: back to the previous one that ended a guest instruction.
    let first = i;
    while (first > 0 && !insns[first - 1]!.ends && insns[first - 1]!.tpl !== Tpl.GLUE && insns[first - 1]!.nativePc === insn.nativePc) first--;
    out.nativePc = insn.nativePc;
    if (first === i) return true;
    out.cutPc = insn.nativePc;
    out.template = TEMPLATE_NAMES[insns[first]!.tpl];
    for (let k = i - 1; k >= first; k--) this.undo(insns[k]!.tpl, out);
    return true;
  }

  /** Undo one executed host instruction of a rewritten form (the rollback recipes). */
  private undo(tpl: Tpl, out: PcResolution): void {
    const s = this.cpu.s;
    const hex = (v: number): string => "0x" + (v >>> 0).toString(16).padStart(8, "0");
    switch (tpl) {
      case Tpl.CALL_PUSH:
      case Tpl.IND_PUSH_TARGET:
      case Tpl.CALLI_PUSH_RET:
        // A push the guest instruction had not completed: drop it.
        s[REG_ESP] = (s[REG_ESP]! + 4) | 0;
        out.detail?.push({ undoes: TEMPLATE_NAMES[tpl], restores: `esp += 4 -> ${hex(s[REG_ESP]!)}` });
        break;
      case Tpl.IND_POP_SPILL:
      case Tpl.RET_POP: {
        // A pop moved a stack slot to the spill slot; the interrupt frame may since have overwritten
        // that slot, so the value comes back from the spill slot.
        const v = this.spill();
        s[REG_ESP] = (s[REG_ESP]! - 4) | 0;
        this.cpu.mem.writeAs(s[REG_ESP]!, v, 4, false);
        out.detail?.push({ undoes: TEMPLATE_NAMES[tpl], restores: `esp -= 4 -> ${hex(s[REG_ESP]!)}; [esp] = ${hex(v)} (from the spill slot)` });
        break;
      }
      case Tpl.JMPI_LOAD: {
        // The translation borrowed EAX for the target: the guest's value is in spill slot 1.
        const v = this.cpu.mem.readAs(SPILL_EAX, 4, false);
        s[REG_EAX] = v;
        out.detail?.push({ undoes: TEMPLATE_NAMES[tpl], restores: `eax = ${hex(v)} (from spill slot 1)` });
        break;
      }
      case Tpl.JMPI_SAVE_EAX:
      case Tpl.RET_IMM:
      case Tpl.JMPI_STORE:
      case Tpl.JMPI_RESTORE_EAX:
        // Only monitor memory (spill slots) changed, or EAX went back already: nothing guest-visible to undo.
        return;
      default:
        throw new Error(`rollback: ${TEMPLATE_NAMES[tpl]} never runs before the end of its guest instruction`);
    }
    out.steps++;
  }
}
