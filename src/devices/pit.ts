// The 8254 programmable interval timer (ports 0x40-0x43): channel 0 drives IRQ0; all counting in exact integers.
//
// Time base. The PIT's CLK input runs at exactly 1,193,182 Hz. Simulated time is CPU cycles at
// Clock.cpuHz; the PIT clock edge count at cycle c is floor(c * 1193182 / cpuHz), computed without
// ever forming a product of 2^53 or more (see pitTicksAt), so a run of 1e12 cycles is still exact. Ticks
// are absolute (the crystal free-runs; programming the chip does not reset its phase).
//
// Counting follows the Intel 8254 datasheet (231164), with QEMU's hw/timer/i8254*.c conventions where
// the two differ in ways a kernel could notice:
// - A count takes effect at the tick in which it is written (QEMU; the datasheet's one-CLK load delay
//   is not modelled), so with count N loaded at tick t0 the counter reads N at t0.
// - Rewriting the count while counting restarts the period at once in every mode (QEMU; the datasheet
//   lets modes 2 and 3 finish the current period/half-period first).
// - After a control word the channel holds its current value and stops (datasheet "null count") until
//   a full count is written; OUT goes to the mode's initial level (low in mode 0, high otherwise).
// - Mode 0 (interrupt on terminal count): reads N, N-1, ... wrapping past 0; OUT rises once at d = N.
//   (Writing the first byte of a two-byte count does not stop counting; QEMU does the same.)
// - Mode 2 (rate generator): reads N .. 1, then N again; OUT is low for the one tick at d = kN-1 and
//   rises at d = kN (k >= 1). QEMU's model inverts mode 2's OUT (high for one tick), but the rising edges
//   the PIC latches fall at the same ticks, d = kN, in both.
// - Mode 3 (square wave): the counter steps by 2 (even N: N, N-2, .., 2, reloading each half period;
//   odd N: N, N-1, N-3, .., 2 while OUT is high for (N+1)/2 ticks, then N, N-3, N-5, .., 2 while OUT is
//   low for (N-1)/2 ticks, as the datasheet describes); OUT rises at d = kN.
// - Mode 4 (software-triggered strobe): reads as mode 0; OUT is low for the tick at d = N, rises at N+1.
// - Modes 1 and 5 need a GATE rising edge; channel 0's GATE is tied high, so they are accepted, read as
//   a free-running down-counter (as QEMU does) and never move OUT.
// - Count 1 in modes 2 and 3 is illegal per the datasheet; OUT stays high and no edges are raised.
// - BCD counting (control word bit 0) is stored and reported in status but the counter counts binary
//   (QEMU likewise). Modes 6 and 7 are modes 2 and 3 (the datasheet's "X" bit).
// - Counter latch command, read-back command (count and/or status, any channel mask) and the status
//   byte (OUT, NULL COUNT, RW, M2-M0, BCD) are implemented. Port 0x43 reads 0 (QEMU).
// - Channels 1 and 2 count exactly like channel 0 but drive nothing; channel 2's GATE (port 0x61) is
//   not modelled, so it counts as if its gate were high.
//
// IRQ0. The PIC is edge-triggered, so the PIT delivers rising edges of channel 0's OUT as pulses on the
// IrqLine (raise() then lower()). nextEventCycle() is the first cycle at which the next rising edge has
// happened; advanceTo(now) delivers the edges that are due. If the machine jumps past several edges in
// one advanceTo call, ONE pulse is delivered for all of them: the PIC latches one request per line and
// nothing can acknowledge it between the edges of a single call, so more pulses would be unobservable.
// edgesCrossed counts every edge (for statistics); pulsesDelivered counts pulses. A port write that
// raises OUT at once (a control word or count that sets OUT high while it was low) also pulses.
// suppressInterrupts stops all pulses (trace replay injects IRQ0 itself) while the counters stay
// readable; turning it off resumes with the next edge after the current cycle, never a stale one.

import type { Clock, IrqLine, PortDevice, PortSize, SavesState, TimedDevice } from "./bus.js";
import { ConfigError } from "../errors.js";

/** The PIT's input clock in Hz (the PC's 14.31818 MHz crystal divided by 12). */
export const PIT_HZ = 1_193_182;
/** Largest CPU clock for which every intermediate product below stays under 2^53. */
export const MAX_CPU_HZ = 7_000_000_000;

/** floor(a / b) for non-negative integers a, b < 2^53 with exact correction of the float quotient. */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

/**
 * Number of PIT clock edges in cycles [0, cycle]: floor(cycle * PIT_HZ / cpuHz), exact for
 * cycle * PIT_HZ / cpuHz < 2^53 and cpuHz <= MAX_CPU_HZ.
 */
export function pitTicksAt(cycle: number, cpuHz: number): number {
  const whole = Math.floor(cycle / cpuHz);
  const rest = cycle - whole * cpuHz;
  return whole * PIT_HZ + floorDiv(rest * PIT_HZ, cpuHz);
}

/** The first cycle c with pitTicksAt(c) >= tick: ceil(tick * cpuHz / PIT_HZ), exact. */
export function cycleOfPitTick(tick: number, cpuHz: number): number {
  const whole = Math.floor(tick / PIT_HZ);
  const rest = tick - whole * PIT_HZ;
  const product = rest * cpuHz;
  const q = floorDiv(product, PIT_HZ);
  return whole * cpuHz + (q * PIT_HZ === product ? q : q + 1);
}

// Read/write state machine values, as in the control word's RW field (0 = reset, behaves as LSB).
const RW_LSB = 1;
const RW_MSB = 2;
const RW_WORD0 = 3;
const RW_WORD1 = 4;

export interface PitChannelState {
  /** Mode bits M2-M0 as written (0-7). */
  modeBits: number;
  bcd: boolean;
  /** RW field of the last control word (0 only before any control word: acts as LSB-only). */
  rwMode: number;
  readState: number;
  writeState: number;
  writeLatch: number;
  /** Current initial count N, 1-65536. */
  count: number;
  /** false between a control word and the completed count ("null count"). */
  counting: boolean;
  /** Absolute PIT tick at which the current count was loaded. */
  loadTick: number;
  /** Counter value held while not counting. */
  heldValue: number;
  nullCount: boolean;
  /** 0 = no latched count; else the RW state of the latched count read (1 LSB, 2 MSB, 3 LSB then MSB). */
  countLatched: number;
  latchedCount: number;
  statusLatched: boolean;
  status: number;
}

export interface PitState {
  channels: PitChannelState[];
  /** Channel 0 rising edges up to and including this tick have been delivered (or suppressed). */
  deliveredThroughTick: number;
  suppressInterrupts: boolean;
  edgesCrossed: number;
  pulsesDelivered: number;
}

export interface PitOptions {
  clock: Clock;
  /** IRQ0 on the PIC. */
  irq0: IrqLine;
}

/** One counter. Pure functions of the absolute PIT tick; no timers. */
class PitChannel {
  modeBits = 3;
  bcd = false;
  rwMode = 0;
  readState = 0;
  writeState = 0;
  writeLatch = 0;
  count = 0x10000;
  counting = true;
  loadTick = 0;
  heldValue = 0;
  nullCount = false;
  countLatched = 0;
  latchedCount = 0;
  statusLatched = false;
  status = 0;

  /** Effective mode 0-5 (6 and 7 alias 2 and 3). */
  get mode(): number {
    return this.modeBits >= 6 ? this.modeBits - 4 : this.modeBits;
  }

  /** The 16-bit counting element at `tick`. */
  value(tick: number): number {
    if (!this.counting) return this.heldValue;
    const n = this.count;
    const d = tick - this.loadTick;
    switch (this.mode) {
      case 2:
        return (n - (d % n)) & 0xffff;
      case 3: {
        const e = d % n;
        if ((n & 1) === 0) return (n - 2 * (e % (n >> 1))) & 0xffff;
        const high = (n + 1) >> 1;
        if (e < high) return e === 0 ? n : n + 1 - 2 * e;
        const e2 = e - high;
        return e2 === 0 ? n : n - 1 - 2 * e2;
      }
      default: // 0, 1, 4, 5: free-running down-counter, wrapping through 0xffff
        return (n - (d % 0x10000) + 0x10000) & 0xffff;
    }
  }

  /** OUT pin level at `tick`. */
  out(tick: number): number {
    const mode = this.mode;
    if (!this.counting) return mode === 0 ? 0 : 1;
    const n = this.count;
    const d = tick - this.loadTick;
    switch (mode) {
      case 0:
        return d >= n ? 1 : 0;
      case 2:
        return n >= 2 && d % n === n - 1 ? 0 : 1;
      case 3:
        return n >= 2 && d % n >= (n + 1) >> 1 ? 0 : 1;
      case 4:
        return d === n ? 0 : 1;
      default:
        return 1;
    }
  }

  /** The first tick > `tick` at which OUT rises, or Infinity. */
  nextRiseAfter(tick: number): number {
    if (!this.counting) return Infinity;
    const n = this.count;
    const d = tick - this.loadTick;
    switch (this.mode) {
      case 0:
        return d < n ? this.loadTick + n : Infinity;
      case 4:
        return d < n + 1 ? this.loadTick + n + 1 : Infinity;
      case 2:
      case 3: {
        if (n < 2) return Infinity;
        const k = d < 0 ? 1 : Math.floor(d / n) + 1;
        return this.loadTick + k * n;
      }
      default:
        return Infinity;
    }
  }

  /** Number of rising edges of OUT in ticks (from, to]. */
  risesBetween(from: number, to: number): number {
    const first = this.nextRiseAfter(from);
    if (first > to) return 0;
    const mode = this.mode;
    return mode === 2 || mode === 3 ? Math.floor((to - first) / this.count) + 1 : 1;
  }

  loadCount(raw: number, tick: number): void {
    this.count = raw === 0 ? 0x10000 : raw;
    this.counting = true;
    this.loadTick = tick;
    this.nullCount = false;
  }

  writeControl(value: number, tick: number): void {
    this.heldValue = this.value(tick);
    this.counting = false;
    this.nullCount = true;
    const access = (value >> 4) & 3;
    this.rwMode = access;
    this.readState = access;
    this.writeState = access;
    this.modeBits = (value >> 1) & 7;
    this.bcd = (value & 1) !== 0;
  }

  writeCount(value: number, tick: number): void {
    switch (this.writeState) {
      case RW_MSB:
        this.loadCount(value << 8, tick);
        break;
      case RW_WORD0:
        this.writeLatch = value;
        this.writeState = RW_WORD1;
        this.nullCount = true;
        break;
      case RW_WORD1:
        this.loadCount(this.writeLatch | (value << 8), tick);
        this.writeState = RW_WORD0;
        break;
      default: // RW_LSB, or 0 before any control word
        this.loadCount(value, tick);
        break;
    }
  }

  latchCount(tick: number): void {
    // Datasheet: a second latch before the first is fully read is ignored.
    if (this.countLatched !== 0) return;
    this.latchedCount = this.value(tick);
    this.countLatched = this.rwMode === 0 ? RW_LSB : this.rwMode;
  }

  latchStatus(tick: number): void {
    if (this.statusLatched) return;
    this.status =
      (this.out(tick) << 7) |
      ((this.nullCount ? 1 : 0) << 6) |
      (this.rwMode << 4) |
      (this.modeBits << 1) |
      (this.bcd ? 1 : 0);
    this.statusLatched = true;
  }

  read(tick: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.status;
    }
    if (this.countLatched !== 0) {
      switch (this.countLatched) {
        case RW_MSB:
          this.countLatched = 0;
          return (this.latchedCount >> 8) & 0xff;
        case RW_WORD0:
          this.countLatched = RW_MSB;
          return this.latchedCount & 0xff;
        default:
          this.countLatched = 0;
          return this.latchedCount & 0xff;
      }
    }
    const v = this.value(tick);
    switch (this.readState) {
      case RW_MSB:
        return (v >> 8) & 0xff;
      case RW_WORD0:
        this.readState = RW_WORD1;
        return v & 0xff;
      case RW_WORD1:
        this.readState = RW_WORD0;
        return (v >> 8) & 0xff;
      default:
        return v & 0xff;
    }
  }

  save(): PitChannelState {
    return {
      modeBits: this.modeBits,
      bcd: this.bcd,
      rwMode: this.rwMode,
      readState: this.readState,
      writeState: this.writeState,
      writeLatch: this.writeLatch,
      count: this.count,
      counting: this.counting,
      loadTick: this.loadTick,
      heldValue: this.heldValue,
      nullCount: this.nullCount,
      countLatched: this.countLatched,
      latchedCount: this.latchedCount,
      statusLatched: this.statusLatched,
      status: this.status,
    };
  }

  load(s: PitChannelState): void {
    this.modeBits = s.modeBits & 7;
    this.bcd = s.bcd;
    this.rwMode = s.rwMode & 3;
    this.readState = s.readState;
    this.writeState = s.writeState;
    this.writeLatch = s.writeLatch & 0xff;
    this.count = s.count >= 1 && s.count <= 0x10000 ? s.count : 0x10000;
    this.counting = s.counting;
    this.loadTick = s.loadTick;
    this.heldValue = s.heldValue & 0xffff;
    this.nullCount = s.nullCount;
    this.countLatched = s.countLatched;
    this.latchedCount = s.latchedCount & 0xffff;
    this.statusLatched = s.statusLatched;
    this.status = s.status & 0xff;
  }
}

/** Inspection snapshot of one channel. */
export interface PitChannelInfo {
  mode: number;
  count: number;
  counting: boolean;
  value: number;
  out: number;
}

export class Pit implements PortDevice, TimedDevice, SavesState<PitState> {
  readonly name = "pit";
  readonly ports = [[0x40, 0x43]] as const;

  private readonly clock: Clock;
  private readonly cpuHz: number;
  private readonly irq0: IrqLine;
  private readonly channels: readonly [PitChannel, PitChannel, PitChannel];
  private deliveredThroughTick = 0;
  /** Cycle of channel 0's next rising edge after deliveredThroughTick (Infinity if none). */
  private dueCycle = Infinity;
  private suppressed = false;
  /** Channel 0 rising edges that have happened (including collapsed and suppressed ones). */
  edgesCrossed = 0;
  /** Pulses actually driven onto IRQ0. */
  pulsesDelivered = 0;

  constructor(options: PitOptions) {
    const hz = options.clock.cpuHz;
    if (!Number.isInteger(hz) || hz < 1 || hz > MAX_CPU_HZ) {
      throw new ConfigError(`pit: CPU clock ${hz} Hz must be an integer between 1 and ${MAX_CPU_HZ} Hz`);
    }
    this.clock = options.clock;
    this.cpuHz = hz;
    this.irq0 = options.irq0;
    // Power-on state as QEMU's reset leaves it: mode 3, count 65536, loaded at tick 0, RW field 0.
    this.channels = [new PitChannel(), new PitChannel(), new PitChannel()];
    this.recomputeDue();
  }

  /** When set, channel 0 raises no IRQ0 pulses; counters stay readable. */
  get suppressInterrupts(): boolean {
    return this.suppressed;
  }

  set suppressInterrupts(on: boolean) {
    if (on === this.suppressed) return;
    if (!on) {
      // Resume with the first edge after now: edges that fell due while suppressed are dropped.
      const t = this.tickNow();
      this.edgesCrossed += this.channels[0].risesBetween(this.deliveredThroughTick, t);
      this.deliveredThroughTick = t;
      this.recomputeDue();
    }
    this.suppressed = on;
  }

  nextEventCycle(): number {
    return this.suppressed ? Infinity : this.dueCycle;
  }

  advanceTo(now: number): void {
    if (now < this.dueCycle) return;
    const t = pitTicksAt(now, this.cpuHz);
    const rises = this.channels[0].risesBetween(this.deliveredThroughTick, t);
    this.deliveredThroughTick = t;
    if (rises > 0) {
      this.edgesCrossed += rises;
      if (!this.suppressed) this.pulse();
    }
    this.recomputeDue();
  }

  portIn(port: number, _size: PortSize): number {
    const index = port & 3;
    if (index === 3) return 0; // the control register is write-only; QEMU returns 0
    return this.channels[index]!.read(this.tickNow());
  }

  portOut(port: number, value: number, _size: PortSize): void {
    value &= 0xff;
    const index = port & 3;
    const now = this.clock.now();
    // Deliver edges due under the old programming before changing it.
    this.advanceTo(now);
    const t = pitTicksAt(now, this.cpuHz);
    const ch0 = this.channels[0];
    const outBefore = ch0.out(t);
    if (index === 3) {
      const select = value >> 6;
      if (select === 3) {
        // Read-back: bit 5 = 0 latches counts, bit 4 = 0 latches status, bits 1-3 select channels.
        for (let c = 0; c < 3; c++) {
          if ((value & (2 << c)) === 0) continue;
          const ch = this.channels[c]!;
          if ((value & 0x20) === 0) ch.latchCount(t);
          if ((value & 0x10) === 0) ch.latchStatus(t);
        }
        return;
      }
      const ch = this.channels[select]!;
      if (((value >> 4) & 3) === 0) {
        ch.latchCount(t);
        return;
      }
      ch.writeControl(value, t);
    } else {
      this.channels[index]!.writeCount(value, t);
    }
    if (index === 0 || (index === 3 && value >> 6 === 0)) {
      if (outBefore === 0 && ch0.out(t) === 1) {
        this.edgesCrossed++;
        if (!this.suppressed) this.pulse();
      }
      this.deliveredThroughTick = t;
      this.recomputeDue();
    }
  }

  /** Channel state for `inspect` and tests. */
  channelInfo(channel: 0 | 1 | 2): PitChannelInfo {
    const ch = this.channels[channel];
    const t = this.tickNow();
    return { mode: ch.mode, count: ch.count, counting: ch.counting, value: ch.value(t), out: ch.out(t) };
  }

  saveState(): PitState {
    return {
      channels: this.channels.map((c) => c.save()),
      deliveredThroughTick: this.deliveredThroughTick,
      suppressInterrupts: this.suppressed,
      edgesCrossed: this.edgesCrossed,
      pulsesDelivered: this.pulsesDelivered,
    };
  }

  loadState(state: PitState): void {
    for (let c = 0; c < 3; c++) {
      const s = state.channels[c];
      if (s !== undefined) this.channels[c]!.load(s);
    }
    this.deliveredThroughTick = state.deliveredThroughTick;
    this.suppressed = state.suppressInterrupts;
    this.edgesCrossed = state.edgesCrossed;
    this.pulsesDelivered = state.pulsesDelivered;
    this.recomputeDue();
  }

  private tickNow(): number {
    return pitTicksAt(this.clock.now(), this.cpuHz);
  }

  private pulse(): void {
    this.pulsesDelivered++;
    this.irq0.raise();
    this.irq0.lower();
  }

  private recomputeDue(): void {
    const next = this.channels[0].nextRiseAfter(this.deliveredThroughTick);
    this.dueCycle = next === Infinity ? Infinity : cycleOfPitTick(next, this.cpuHz);
  }
}

/**
 * Program channel 0 the way SeaBIOS leaves it at a QEMU multiboot entry: mode 2 (rate generator),
 * lobyte/hibyte, count 0 = 65536 (18.2 Hz), as `out 0x43, 0x34; out 0x40, 0; out 0x40, 0` at the
 * current cycle. (QEMU's read-back status then shows 0x34: its inverted mode 2 OUT is low; this model
 * shows 0xB4 because OUT is high between pulses, as on an 8254.) Channels 1 and 2 keep the power-on
 * state (mode 3, RW 0, count 65536), which is what QEMU shows too (status 0x06 / 0x86).
 */
export function applySeaBiosPitState(pit: Pit): void {
  pit.portOut(0x43, 0x34, 1);
  pit.portOut(0x40, 0x00, 1);
  pit.portOut(0x40, 0x00, 1);
}
