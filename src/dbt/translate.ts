// The translator: one guest basic block of ring-0 code -> x86 in the code cache, with a record per host instruction.
import type { Cpu } from "../cpu/cpu.js";
import { DecodeCache, decodeInto, DECODE_NEED_MORE, entryOf, MAX_INSN_LENGTH } from "../cpu/decode.js";
import { Op, A_ENDS_BLOCK } from "../cpu/opcodes.js";
import { SEG_SS } from "../cpu/state.js";
import { PAGE_MASK, PAGE_SHIFT } from "../mem/physical.js";
import { CodeCache, REC_EMULATE, REC_EXIT, TBlock, Tpl, type HostInsn } from "./code-cache.js";
import { MONITOR_BASE, ENTRY_INDIRECT, ENTRY_INDIRECT_CALL_STACK, ENTRY_INDIRECT_JMP_STACK, ENTRY_INDIRECT_RET_IMM, SPILL, SPILL_EAX, SPILL_RET_IMM } from "./layout.js";
import type { DbtDesign } from "./dbt.js";

/** Longest block in guest instructions (a real translator bounds blocks so linking and flushing stay cheap). */
export const MAX_BLOCK_GUEST_INSNS = 32;

export type TranslateResult = { block: TBlock } | { fault: true } | { full: true };

/** Builds one block's host code; every exit jump records where its rel32 sits so it can be linked later. */
class Assembler {
  readonly bytes: number[] = [];
  readonly insns: HostInsn[] = [];
  /** Exits to create once the block id is known: [kind, target, patch offset or -1, host insn index]. */
  readonly pendingExits: [kind: number, target: number, patchOffset: number][] = [];

  constructor(readonly base: number) {}

  get here(): number {
    return this.base + this.bytes.length;
  }

  begin(nativePc: number, ends: boolean, tpl: Tpl, param = 0): HostInsn {
    const i: HostInsn = { offset: this.bytes.length, len: 0, nativePc: nativePc | 0, ends, tpl, param };
    this.insns.push(i);
    return i;
  }

  end(i: HostInsn): void {
    i.len = this.bytes.length - i.offset;
  }

  u8(...b: number[]): void {
    for (const x of b) this.bytes.push(x & 0xff);
  }

  u32(v: number): void {
    this.u8(v, v >>> 8, v >>> 16, v >>> 24);
  }

  /** A jump/branch rel32 whose target is an exit (patched to the target block when linked). */
  exitRel32(kind: number, target: number): void {
    this.pendingExits.push([kind, target, this.bytes.length]);
    this.u32(0); // filled in by Translator once the record's address is known
  }

  /** A rel32 to a fixed monitor address (the indirect-branch lookup entry). */
  rel32To(address: number): void {
    this.u32((address - (this.here + 4)) | 0);
  }
}

export class Translator {
  private readonly dc = new DecodeCache(1);
  private readonly buf = new Uint8Array(MAX_INSN_LENGTH);

  constructor(
    private readonly cpu: Cpu,
    private readonly cache: CodeCache,
    readonly design: DbtDesign = "precise",
  ) {}

  /**
   * Translate the guest block at `eip`. Fetching its first instruction may fault exactly as the
   * native fetch would (the fault record and CR2 are filled): the caller delivers it.
   */
  translate(eip: number, key: number, cpl: number, paging: boolean): TranslateResult {
    const cpu = this.cpu;
    const mem = cpu.mem;
    const phys = cpu.phys;
    const la0 = eip >>> 0;
    // The first instruction is fetched as the CPU would (setting A bits, faulting); later ones only
    // from the same page, so translating never touches a page the guest has not reached yet.
    const pa0 = mem.translate(la0, false, cpl === 3);
    if (pa0 < 0) return { fault: true };
    const pageBase = pa0 - (la0 & PAGE_MASK);
    const guestPages = [pa0 >>> PAGE_SHIFT];
    const asm = new Assembler(this.cache.nextAddress);
    let la = la0;
    let n = 0;
    for (;;) {
      const off = la & PAGE_MASK;
      const avail = Math.min(MAX_INSN_LENGTH, PAGE_MASK + 1 - off);
      for (let i = 0; i < avail; i++) this.buf[i] = phys.bytes[pageBase + off + i]!;
      let len = decodeInto(this.dc, 0, this.buf, avail, false);
      if (len === DECODE_NEED_MORE) {
        // Straddles into the next page: only as a block's first instruction (fetched as the CPU would),
        // so end this block with a jump to it.
        if (n > 0) {
          this.glue(asm, la);
          break;
        }
        const pa2 = mem.translate((la - off + PAGE_MASK + 1) >>> 0, false, cpl === 3);
        if (pa2 < 0) return { fault: true };
        for (let i = avail; i < MAX_INSN_LENGTH; i++) this.buf[i] = mem.lastWasBus ? 0xff : phys.bytes[pa2 + i - avail]!;
        len = decodeInto(this.dc, 0, this.buf, MAX_INSN_LENGTH, false);
        guestPages.push(pa2 >>> PAGE_SHIFT);
        phys.markCode(pa2, len - avail);
        phys.markCode(pageBase + off, avail);
      } else {
        phys.markCode(pageBase + off, len);
      }
      const next = (la + len) | 0;
      const ended = this.emit(asm, la, next, len);
      n++;
      la = next >>> 0;
      if (ended) break;
      const shadowing = this.opensInterruptShadow();
      if ((n >= MAX_BLOCK_GUEST_INSNS && !shadowing) || (la & PAGE_MASK) === 0 || la >>> PAGE_SHIFT !== la0 >>> PAGE_SHIFT) {
        this.glue(asm, la);
        break;
      }
    }
    if (!this.cache.fits(asm.bytes.length, asm.pendingExits.length)) return { full: true };
    const id = this.cache.blocks.length;
    const exits: number[] = [];
    for (const [kind, target, patchOffset] of asm.pendingExits) {
      const patch = kind === REC_EXIT ? (asm.base + patchOffset) >>> 0 : 0;
      const rec = this.cache.newRecord(kind, target, id, patch);
      exits.push(rec);
      const rel = (this.cache.recordAddress(rec) - (asm.base + patchOffset + 4)) | 0;
      asm.bytes[patchOffset] = rel & 0xff;
      asm.bytes[patchOffset + 1] = (rel >>> 8) & 0xff;
      asm.bytes[patchOffset + 2] = (rel >>> 16) & 0xff;
      asm.bytes[patchOffset + 3] = (rel >>> 24) & 0xff;
    }
    const block = new TBlock(id, key, la0, la, cpl, paging, asm.base, (asm.base + asm.bytes.length) >>> 0, asm.insns, n, guestPages);
    block.exits.push(...exits);
    this.cache.install(block, Uint8Array.from(asm.bytes));
    return { block };
  }

  /** STI, MOV SS and POP SS inhibit interrupts for one more instruction: keep it in the same block. */
  private opensInterruptShadow(): boolean {
    const op = this.dc.op[0]!;
    return op === Op.STI || ((op === Op.MOV_SE || op === Op.POP_SEG) && (op === Op.MOV_SE ? this.dc.reg[0] : this.dc.sub[0]) === SEG_SS);
  }

  /** Emit the translation of the decoded guest instruction at `pc`; true if it ends the block. */
  private emit(asm: Assembler, pc: number, next: number, len: number): boolean {
    const dc = this.dc;
    const entry = entryOf(dc, 0);
    const copy = (tpl = Tpl.COPY): void => {
      const h = asm.begin(pc, true, tpl);
      for (let i = 0; i < len; i++) asm.u8(this.buf[i]!);
      asm.end(h);
    };
    if (!entry) {
      copy(); // an undefined opcode: executing the copy raises #UD at this address
      return true;
    }
    const imm = dc.imm[0]!;
    if (this.design === "relaxed") {
      const done = this.emitRelaxed(asm, entry.op, pc, next, len, imm);
      if (done !== null) return done;
    }
    switch (entry.op) {
      case Op.JMP_J: {
        const h = asm.begin(pc, true, Tpl.JMP);
        asm.u8(0xe9);
        asm.exitRel32(REC_EXIT, (next + imm) | 0);
        asm.end(h);
        return true;
      }
      case Op.JCC: {
        const h = asm.begin(pc, true, Tpl.JCC);
        asm.u8(0x0f, 0x80 | dc.sub[0]!);
        asm.exitRel32(REC_EXIT, (next + imm) | 0);
        asm.end(h);
        this.glue(asm, next);
        return true;
      }
      case Op.CALL_J: {
        // call pushes the native return address (brief §3), so guest stacks never hold code-cache PCs.
        const p = asm.begin(pc, false, Tpl.CALL_PUSH);
        asm.u8(0x68);
        asm.u32(next);
        asm.end(p);
        const j = asm.begin(pc, true, Tpl.CALL_JMP);
        asm.u8(0xe9);
        asm.exitRel32(REC_EXIT, (next + imm) | 0);
        asm.end(j);
        return true;
      }
      case Op.CALL_E: {
        // push r/m32 reads the target with the guest's own addressing (ESP-based operands included,
        // since PUSH computes its address before moving ESP); it moves to the spill slot and the
        // native return address takes its stack slot, as the guest's own call would leave it.
        const t = asm.begin(pc, false, Tpl.IND_PUSH_TARGET);
        this.copyWithOpcode(asm, len, 0xff, 6);
        asm.end(t);
        const s = asm.begin(pc, false, Tpl.IND_POP_SPILL);
        asm.u8(0x8f, 0x05);
        asm.u32(SPILL);
        asm.end(s);
        const r = asm.begin(pc, false, Tpl.CALLI_PUSH_RET);
        asm.u8(0x68);
        asm.u32(next);
        asm.end(r);
        const j = asm.begin(pc, true, Tpl.IND_JMP);
        asm.u8(0xe9);
        asm.rel32To(ENTRY_INDIRECT);
        asm.end(j);
        return true;
      }
      case Op.JMP_E: {
        // An indirect jmp writes no stack slot natively, so neither may its translation: the target
        // goes through EAX, saved in and restored from a spill slot (DynamoRIO's register spill).
        const save = asm.begin(pc, false, Tpl.JMPI_SAVE_EAX);
        asm.u8(0xa3);
        asm.u32(SPILL_EAX);
        asm.end(save);
        const load = asm.begin(pc, false, Tpl.JMPI_LOAD);
        this.copyWithOpcode(asm, len, 0x8b, 0);
        asm.end(load);
        const store = asm.begin(pc, false, Tpl.JMPI_STORE);
        asm.u8(0xa3);
        asm.u32(SPILL);
        asm.end(store);
        const restore = asm.begin(pc, false, Tpl.JMPI_RESTORE_EAX);
        asm.u8(0xa1);
        asm.u32(SPILL_EAX);
        asm.end(restore);
        const j = asm.begin(pc, true, Tpl.IND_JMP);
        asm.u8(0xe9);
        asm.rel32To(ENTRY_INDIRECT);
        asm.end(j);
        return true;
      }
      case Op.RET:
      case Op.RET_I: {
        // ret imm16 must not move ESP above the bytes it releases before the final jump: an interrupt
        // there would push its frame over them while they are still live natively. The dispatcher
        // releases them as it jumps (ENTRY_INDIRECT_RET_IMM), so no interrupt can come in between.
        const withImm = entry.op === Op.RET_I;
        if (withImm) {
          const h = asm.begin(pc, false, Tpl.RET_IMM, imm);
          asm.u8(0xc7, 0x05);
          asm.u32(SPILL_RET_IMM);
          asm.u32(imm);
          asm.end(h);
        }
        const p = asm.begin(pc, false, Tpl.RET_POP);
        asm.u8(0x8f, 0x05);
        asm.u32(SPILL);
        asm.end(p);
        const j = asm.begin(pc, true, Tpl.IND_JMP);
        asm.u8(0xe9);
        asm.rel32To(withImm ? ENTRY_INDIRECT_RET_IMM : ENTRY_INDIRECT);
        asm.end(j);
        return true;
      }
      case Op.LOOP:
      case Op.JECXZ: {
        // loop/jecxz only reach rel8: branch over a local jmp to a second one, both exits.
        const h = asm.begin(pc, true, Tpl.LOOP);
        asm.u8(this.buf[len - 2]!, 5);
        asm.end(h);
        this.glue(asm, next);
        this.glue(asm, (next + imm) | 0);
        return true;
      }
      case Op.IRET:
      case Op.LIDT:
      case Op.SIDT:
      case Op.JMP_FAR:
      case Op.JMP_FAR_E: {
        // Carried out by the dispatcher, which interprets the guest instruction at its native PC.
        const h = asm.begin(pc, false, Tpl.EMULATE);
        asm.u8(0xe9);
        asm.exitRel32(REC_EMULATE, pc);
        asm.end(h);
        return true;
      }
      default:
        copy();
        if ((entry.attrs & A_ENDS_BLOCK) !== 0) {
          this.glue(asm, next);
          return true;
        }
        return false;
    }
  }

  /**
   * The relaxed (BTKernel) forms: call, ret and iret stay what they are, so return addresses and
   * interrupted PCs on kernel stacks are code-cache PCs. Returns null where the precise form is
   * used unchanged (jmp, jcc, loop, the emulated system instructions).
   */
  private emitRelaxed(asm: Assembler, op: Op, pc: number, next: number, len: number, imm: number): boolean | null {
    switch (op) {
      case Op.CALL_J: {
        // The call pushes the address of the glue that follows: a ret comes back into the cache.
        const h = asm.begin(pc, true, Tpl.CALL);
        asm.u8(0xe8);
        asm.exitRel32(REC_EXIT, (next + imm) | 0);
        asm.end(h);
        this.glue(asm, next);
        return true;
      }
      case Op.CALL_E: {
        // The target stays on the guest's stack (not in a spill slot an interrupt handler's own
        // indirect calls would overwrite); the lookup entry drops it as it jumps.
        const t = asm.begin(pc, false, Tpl.IND_PUSH_TARGET);
        this.copyWithOpcode(asm, len, 0xff, 6);
        asm.end(t);
        const c = asm.begin(pc, true, Tpl.CALLI_LOOKUP);
        asm.u8(0xe8);
        asm.rel32To(ENTRY_INDIRECT_CALL_STACK);
        asm.end(c);
        this.glue(asm, next);
        return true;
      }
      case Op.JMP_E: {
        const t = asm.begin(pc, false, Tpl.IND_PUSH_TARGET);
        this.copyWithOpcode(asm, len, 0xff, 6);
        asm.end(t);
        const j = asm.begin(pc, true, Tpl.JMPI_LOOKUP);
        asm.u8(0xe9);
        asm.rel32To(ENTRY_INDIRECT_JMP_STACK);
        asm.end(j);
        return true;
      }
      case Op.RET:
      case Op.RET_I: {
        // Copied: it returns to whatever the stack holds. A native kernel address there (a stack
        // the guest built itself) is caught when the CPU fetches from it (the native-target check).
        const h = asm.begin(pc, true, Tpl.COPY);
        for (let i = 0; i < len; i++) asm.u8(this.buf[i]!);
        asm.end(h);
        return true;
      }
      case Op.IRET: {
        this.emitIretCheck(asm, pc, len);
        return true;
      }
      default:
        return null;
    }
  }

  /**
   * BTKernel's iret check: an iret to ring 3, or to a monitor PC (the frame an interrupt of
   * translated code left: a code-cache PC, or a dispatcher entry the CPU was about to enter), runs
   * as the copied iret; an iret to a native ring-0 PC (a frame the
   * guest built itself) goes to the dispatcher, which carries it out and enters the translation.
   * The flags are saved around the test, so even an iret that faults pushes the guest's EFLAGS.
   *
   *     pushfd                          ; the frame is now at [esp+4]
   *     test byte [esp+8], 3            ; RPL of the frame's CS
   *     jnz  .direct                    ; to ring 3: always a native PC
   *     cmp  dword [esp+4], MONITOR_BASE
   *     jae  .direct                    ; a monitor PC (the monitor runs to the top of memory)
   *     popfd
   *     jmp  <emulate: the guest's iret>
   *   .direct:
   *     popfd
   *     iret                            ; the guest's own bytes (with any prefix)
   */
  private emitIretCheck(asm: Assembler, pc: number, len: number): void {
    const step = (bytes: number[], n: number): void => {
      const h = asm.begin(pc, false, Tpl.IRET_CHECK, n);
      asm.u8(...bytes);
      asm.end(h);
    };
    step([0x9c], 0);
    step([0xf6, 0x44, 0x24, 0x08, 0x03], 1);
    step([0x75, 16], 2); // over cmp (8), jae (2), popfd (1) and jmp rel32 (5)
    step([0x81, 0x7c, 0x24, 0x04, MONITOR_BASE & 0xff, (MONITOR_BASE >>> 8) & 0xff, (MONITOR_BASE >>> 16) & 0xff, MONITOR_BASE >>> 24], 3);
    step([0x73, 6], 4); // over popfd (1) and jmp rel32 (5)
    step([0x9d], 5);
    const e = asm.begin(pc, false, Tpl.EMULATE);
    asm.u8(0xe9);
    asm.exitRel32(REC_EMULATE, pc);
    asm.end(e);
    step([0x9d], 6);
    const h = asm.begin(pc, true, Tpl.COPY);
    for (let i = 0; i < len; i++) asm.u8(this.buf[i]!);
    asm.end(h);
  }

  private glue(asm: Assembler, target: number): void {
    const g = asm.begin(target, false, Tpl.GLUE);
    asm.u8(0xe9);
    asm.exitRel32(REC_EXIT, target);
    asm.end(g);
  }

  /**
   * Copy the decoded FF /2 or FF /4 instruction with its opcode byte and ModRM.reg replaced, keeping
   * prefixes, mod, rm, SIB and displacement: the same operand under another operation.
   */
  private copyWithOpcode(asm: Assembler, len: number, opcode: number, reg: number): void {
    const modrmAt = this.modrmIndex();
    for (let i = 0; i < len; i++) {
      const b = this.buf[i]!;
      asm.u8(i === modrmAt - 1 ? opcode : i === modrmAt ? (b & ~0x38) | (reg << 3) : b);
    }
  }

  /** Index of the ModRM byte in the decoded instruction's bytes (after prefixes and the opcode). */
  private modrmIndex(): number {
    let i = 0;
    for (;;) {
      const b = this.buf[i]!;
      if (b === 0x66 || b === 0xf2 || b === 0xf3 || b === 0xf0 || b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65) i++;
      else break;
    }
    return i + 1; // FF /2 and FF /4 are one-byte opcodes
  }
}

