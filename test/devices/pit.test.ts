import { describe, expect, it } from "vitest";
import type { Clock, IrqLine } from "../../src/devices/bus.js";
import { ConfigError } from "../../src/errors.js";
import { applySeaBiosPitState, cycleOfPitTick, Pit, PIT_HZ, pitTicksAt } from "../../src/devices/pit.js";

class TestClock implements Clock {
  cycle = 0;
  constructor(readonly cpuHz: number) {}
  now(): number {
    return this.cycle;
  }
}

class CountingLine implements IrqLine {
  raises = 0;
  lowers = 0;
  high = false;
  raise(): void {
    if (this.high) throw new Error("raise while high");
    this.high = true;
    this.raises++;
  }
  lower(): void {
    this.high = false;
    this.lowers++;
  }
}

function setup(cpuHz: number): { clock: TestClock; line: CountingLine; pit: Pit } {
  const clock = new TestClock(cpuHz);
  const line = new CountingLine();
  return { clock, line, pit: new Pit({ clock, irq0: line }) };
}

/** Program channel 0: control word, then the count in the access mode the word selects. */
function program(pit: Pit, control: number, count: number): void {
  pit.portOut(0x43, control, 1);
  const access = (control >> 4) & 3;
  if (access === 1) pit.portOut(0x40, count & 0xff, 1);
  else if (access === 2) pit.portOut(0x40, (count >> 8) & 0xff, 1);
  else {
    pit.portOut(0x40, count & 0xff, 1);
    pit.portOut(0x40, (count >> 8) & 0xff, 1);
  }
}

function latchRead(pit: Pit): number {
  pit.portOut(0x43, 0x00, 1); // counter latch, channel 0
  const lo = pit.portIn(0x40, 1);
  return lo | (pit.portIn(0x40, 1) << 8);
}

const bigTicks = (c: bigint, hz: bigint): bigint => (c * BigInt(PIT_HZ)) / hz;
const bigCycle = (t: bigint, hz: bigint): bigint => (t * hz + BigInt(PIT_HZ) - 1n) / BigInt(PIT_HZ);

describe("exact PIT time arithmetic", () => {
  it("matches a BigInt oracle up to 1e12 cycles for several CPU clocks", () => {
    const clocks = [1_000_000_000, 3_000_000_000, 1_234_567_891, PIT_HZ, 1000, 7_000_000_000];
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (const hz of clocks) {
      const samples = [0, 1, hz - 1, hz, hz + 1, 1e12, 1e12 - 1, 999_999_999_999];
      for (let i = 0; i < 200; i++) samples.push(Math.floor(rand() * 1e12));
      for (const c of samples) {
        const t = pitTicksAt(c, hz);
        expect(BigInt(t)).toBe(bigTicks(BigInt(c), BigInt(hz)));
        expect(BigInt(cycleOfPitTick(t, hz))).toBe(bigCycle(BigInt(t), BigInt(hz)));
        // The inverse really is the first cycle of that tick.
        expect(pitTicksAt(cycleOfPitTick(t, hz), hz)).toBeGreaterThanOrEqual(t);
        if (cycleOfPitTick(t, hz) > 0) expect(pitTicksAt(cycleOfPitTick(t, hz) - 1, hz)).toBeLessThan(t);
      }
    }
  });

  it("rejects CPU clocks it cannot convert exactly", () => {
    for (const hz of [0, 1.5, 8_000_000_000]) {
      expect(() => setup(hz)).toThrow(ConfigError);
    }
  });
});

describe("channel 0 rate generator (mode 2) at 1 GHz", () => {
  it("raises IRQ0 at the exact cycle of every 1193-tick boundary (999,847.47 ns period)", () => {
    const { clock, line, pit } = setup(1_000_000_000);
    program(pit, 0x34, 1193); // channel 0, lobyte/hibyte, mode 2, binary; loaded at cycle 0 (tick 0)
    // Edge k at tick 1193k, first cycle ceil(1193k * 1e9 / 1193182): k=1 -> 999,848; k=2 -> 1,999,695.
    expect(pit.nextEventCycle()).toBe(999_848);
    pit.advanceTo(999_847);
    expect(line.raises).toBe(0);
    pit.advanceTo(999_848);
    expect(line.raises).toBe(1);
    expect(line.lowers).toBe(1);
    expect(pit.nextEventCycle()).toBe(1_999_695);
    // k = 1000: ceil(1,193,000e9 / 1193182) = 999,847,467.
    clock.cycle = 999_847_466;
    pit.advanceTo(clock.cycle);
    expect(pit.edgesCrossed).toBe(999);
    expect(pit.nextEventCycle()).toBe(999_847_467);
  });

  it("delivers one pulse when the machine jumps over many edges, and counts them all", () => {
    const { line, pit } = setup(1_000_000_000);
    program(pit, 0x34, 1193);
    pit.advanceTo(10 * 999_848);
    expect(line.raises).toBe(1);
    // Cycle 9,998,480 is tick 11,930 = 10 * 1193: edges 1..10 have happened (edge 10 at cycle 9,998,475).
    expect(pit.edgesCrossed).toBe(10);
    pit.advanceTo(1e12);
    expect(line.raises).toBe(2);
    expect(pit.edgesCrossed).toBe(Math.floor(Number(bigTicks(10n ** 12n, 10n ** 9n)) / 1193));
    const nextTick = (Math.floor(Number(bigTicks(10n ** 12n, 10n ** 9n)) / 1193) + 1) * 1193;
    expect(BigInt(pit.nextEventCycle())).toBe(bigCycle(BigInt(nextTick), 10n ** 9n));
  });

  it("reads back N .. 1 and reloads (latched and live reads)", () => {
    const { clock, pit } = setup(1_000_000_000);
    program(pit, 0x34, 1193);
    // Cycle 500,000 is tick floor(500000 * 1193182 / 1e9) = 596: counter = 1193 - 596 = 597 = 0x255.
    clock.cycle = 500_000;
    expect(latchRead(pit)).toBe(597);
    clock.cycle = 999_848; // tick 1193: reloaded
    expect(latchRead(pit)).toBe(1193);
    clock.cycle = 999_847; // tick 1192: the last count before reload is 1
    expect(latchRead(pit)).toBe(1);
  });

  it("a latched count does not move until read; a second latch is ignored", () => {
    const { clock, pit } = setup(PIT_HZ); // one cycle per tick
    program(pit, 0x34, 1000);
    clock.cycle = 10;
    pit.portOut(0x43, 0x00, 1);
    clock.cycle = 20;
    pit.portOut(0x43, 0x00, 1); // ignored: the first latch is still unread
    expect(pit.portIn(0x40, 1)).toBe(990 & 0xff);
    clock.cycle = 30;
    expect(pit.portIn(0x40, 1)).toBe(990 >> 8);
    // Live lo/hi reads after the latch is consumed.
    expect(pit.portIn(0x40, 1)).toBe(970 & 0xff);
    expect(pit.portIn(0x40, 1)).toBe(970 >> 8);
  });

  it("count 0 means 65536", () => {
    const { clock, pit } = setup(PIT_HZ);
    program(pit, 0x34, 0);
    expect(pit.nextEventCycle()).toBe(65536);
    clock.cycle = 1;
    expect(latchRead(pit)).toBe(65535);
    clock.cycle = 0;
    expect(latchRead(pit)).toBe(0); // 65536 shows as 0 in the 16-bit counter
  });

  it("lobyte-only and hibyte-only access modes", () => {
    const { pit } = setup(PIT_HZ);
    program(pit, 0x14, 0x10); // LSB only: count 0x10
    expect(pit.channelInfo(0)).toMatchObject({ mode: 2, count: 0x10, value: 0x10 });
    program(pit, 0x24, 0x0100); // MSB only: count 0x100
    expect(pit.channelInfo(0)).toMatchObject({ mode: 2, count: 0x100 });
    expect(pit.portIn(0x40, 1)).toBe(0x01); // reads MSB only
  });
});

describe("channel 0 square wave (mode 3)", () => {
  it("counts down by two with an even count, edge every N ticks", () => {
    const { clock, line, pit } = setup(PIT_HZ);
    program(pit, 0x36, 1000);
    const reads: number[] = [];
    for (const t of [0, 1, 499, 500, 501, 999]) {
      clock.cycle = t;
      reads.push(latchRead(pit));
    }
    expect(reads).toEqual([1000, 998, 2, 1000, 998, 2]);
    expect(pit.nextEventCycle()).toBe(1000);
    pit.advanceTo(1000);
    expect(line.raises).toBe(1);
    expect(pit.nextEventCycle()).toBe(2000);
  });

  it("follows the datasheet for an odd count: high (N+1)/2 ticks, low (N-1)/2", () => {
    const { clock, pit } = setup(PIT_HZ);
    program(pit, 0x36, 5);
    const values: number[] = [];
    const outs: number[] = [];
    for (let t = 0; t < 10; t++) {
      clock.cycle = t;
      values.push(latchRead(pit));
      outs.push(pit.channelInfo(0).out);
    }
    expect(values).toEqual([5, 4, 2, 5, 2, 5, 4, 2, 5, 2]);
    expect(outs).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 0, 0]);
  });

  it("the power-on state is mode 3 with count 65536 from cycle 0 (QEMU reset)", () => {
    const { clock, pit } = setup(PIT_HZ);
    expect(pit.nextEventCycle()).toBe(65536);
    clock.cycle = 3;
    expect(pit.channelInfo(0)).toMatchObject({ mode: 3, count: 65536, value: 65530 });
  });
});

describe("mode 0 and the status byte", () => {
  it("mode 0 raises one edge at terminal count and keeps counting through 0xffff", () => {
    const { clock, line, pit } = setup(PIT_HZ);
    program(pit, 0x30, 100);
    expect(pit.channelInfo(0).out).toBe(0);
    expect(pit.nextEventCycle()).toBe(100);
    pit.advanceTo(100);
    expect(line.raises).toBe(1);
    expect(pit.nextEventCycle()).toBe(Infinity);
    clock.cycle = 101;
    expect(latchRead(pit)).toBe(0xffff);
    expect(pit.channelInfo(0).out).toBe(1);
  });

  it("read-back reports OUT, null count, RW, mode and BCD", () => {
    const { pit } = setup(PIT_HZ);
    pit.portOut(0x43, 0x34, 1); // mode 2, lo/hi, count not yet written
    pit.portOut(0x43, 0xe2, 1); // read-back: status only, channel 0
    expect(pit.portIn(0x40, 1)).toBe(0xf4); // OUT=1, NULL=1, RW=3, M=2
    pit.portOut(0x40, 0x00, 1);
    pit.portOut(0x43, 0xe2, 1);
    expect(pit.portIn(0x40, 1)).toBe(0xf4); // still null after the first byte
    pit.portOut(0x40, 0x10, 1);
    pit.portOut(0x43, 0xe2, 1);
    expect(pit.portIn(0x40, 1)).toBe(0xb4);
    // Read-back of count and status together: status first, then the count.
    pit.portOut(0x43, 0xc2, 1);
    expect(pit.portIn(0x40, 1)).toBe(0xb4);
    expect(pit.portIn(0x40, 1)).toBe(0x00);
    expect(pit.portIn(0x40, 1)).toBe(0x10);
    // Modes 6 and 7 are 2 and 3 with the M2 bit reported as written.
    pit.portOut(0x43, 0x3e, 1);
    pit.portOut(0x43, 0xe2, 1);
    expect(pit.portIn(0x40, 1)).toBe(0xfe); // OUT=1 (mode 3 starts high), NULL=1, RW=3, M=7
    expect(pit.channelInfo(0).mode).toBe(3);
  });

  it("the control port reads 0 (QEMU) and channels 1 and 2 count too", () => {
    const { clock, pit } = setup(PIT_HZ);
    expect(pit.portIn(0x43, 1)).toBe(0);
    pit.portOut(0x43, 0xb0, 1); // channel 2, lo/hi, mode 0
    pit.portOut(0x42, 0x34, 1);
    pit.portOut(0x42, 0x12, 1);
    clock.cycle = 0x34;
    pit.portOut(0x43, 0x80, 1); // latch channel 2
    expect(pit.portIn(0x42, 1)).toBe(0x00);
    expect(pit.portIn(0x42, 1)).toBe(0x12);
    expect(pit.channelInfo(2).count).toBe(0x1234);
  });

  it("a control word that raises OUT (leaving mode 0 before terminal count) is an edge", () => {
    const { clock, line, pit } = setup(PIT_HZ);
    program(pit, 0x30, 1000);
    clock.cycle = 10;
    pit.portOut(0x43, 0x34, 1); // mode 2: OUT goes high at once
    expect(line.raises).toBe(1);
    expect(pit.nextEventCycle()).toBe(Infinity); // no count yet
    pit.portOut(0x40, 100, 1);
    pit.portOut(0x40, 0, 1);
    expect(pit.nextEventCycle()).toBe(110);
  });
});

describe("suppressInterrupts and state", () => {
  it("stops pulses but keeps the counter readable; resumes without stale edges", () => {
    const { clock, line, pit } = setup(PIT_HZ);
    program(pit, 0x34, 100);
    pit.suppressInterrupts = true;
    expect(pit.nextEventCycle()).toBe(Infinity);
    clock.cycle = 250;
    pit.advanceTo(250);
    expect(line.raises).toBe(0);
    expect(latchRead(pit)).toBe(50);
    clock.cycle = 420;
    pit.suppressInterrupts = false;
    expect(pit.edgesCrossed).toBe(4);
    expect(pit.nextEventCycle()).toBe(500);
    pit.advanceTo(420);
    expect(line.raises).toBe(0);
    pit.advanceTo(500);
    expect(line.raises).toBe(1);
  });

  it("saves and restores through JSON", () => {
    const a = setup(1_000_000_000);
    program(a.pit, 0x36, 1193);
    a.clock.cycle = 123_456;
    a.pit.advanceTo(a.clock.cycle);
    a.pit.portOut(0x43, 0x00, 1); // a pending latch is part of the state
    const saved = JSON.parse(JSON.stringify(a.pit.saveState())) as ReturnType<Pit["saveState"]>;
    const b = setup(1_000_000_000);
    b.clock.cycle = a.clock.cycle;
    b.pit.loadState(saved);
    expect(b.pit.nextEventCycle()).toBe(a.pit.nextEventCycle());
    expect([b.pit.portIn(0x40, 1), b.pit.portIn(0x40, 1)]).toEqual([a.pit.portIn(0x40, 1), a.pit.portIn(0x40, 1)]);
    expect(b.pit.saveState()).toEqual(a.pit.saveState());
  });

  it("SeaBIOS leaves channel 0 in mode 2 with count 65536 (18.2 Hz)", () => {
    const { pit } = setup(1_000_000_000);
    applySeaBiosPitState(pit);
    expect(pit.channelInfo(0)).toMatchObject({ mode: 2, count: 65536, counting: true });
    pit.portOut(0x43, 0xe2, 1);
    expect(pit.portIn(0x40, 1)).toBe(0xb4); // QEMU shows 0x34: its mode-2 OUT is inverted
    expect(pit.nextEventCycle()).toBe(Number(bigCycle(65536n, 10n ** 9n))); // 54,925,401.66 -> 54,925,402
    expect(pit.nextEventCycle()).toBe(54_925_402);
  });
});
