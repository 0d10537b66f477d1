// The whole device set against the port reads mbdump recorded under qemu-system-i386 (fixtures/build.sh).
import { describe, expect, it } from "vitest";
import { IsaDebugExit } from "../../src/devices/debug-exit.js";
import { IoBus } from "../../src/devices/io-bus.js";
import { applySeaBiosPicState, Pic } from "../../src/devices/pic.js";
import { applySeaBiosPitState, Pit } from "../../src/devices/pit.js";
import { PostPort } from "../../src/devices/post-port.js";
import { Uart16550 } from "../../src/devices/uart.js";
import { readRecording } from "../machine/fixtures/qemu-recording.js";

describe("device ports as a multiboot kernel reads them under QEMU", () => {
  const rec = readRecording("mbdump.m128.qemu.txt");
  const clock = { cycle: 0, cpuHz: 1_000_000_000, now(): number { return this.cycle; } };
  const pic = new Pic();
  const pit = new Pit({ clock, irq0: pic.irq(0) });
  const bus = new IoBus([
    pic,
    pit,
    new Uart16550({ onTransmit: () => undefined }),
    new IsaDebugExit({ onExit: () => undefined }),
    new PostPort(),
  ]);
  applySeaBiosPicState(pic);
  applySeaBiosPitState(pit);

  // QEMU's memory core rejects an unaligned multi-byte access to a region that does not accept
  // unaligned accesses (unassigned space included) and returns 0; a dword at 0xfffe is one. kdbt
  // splits it into bytes like an ISA bus, which reads all-ones.
  const differences = new Map([["fffe/4", { qemu: 0, kdbt: 0xffffffff }]]);

  it.each(rec.ports.map((p) => [`in 0x${p.port.toString(16)} width ${p.size}`, p] as const))("%s", (_name, p) => {
    const key = `${p.port.toString(16)}/${p.size}`;
    const known = differences.get(key);
    if (known !== undefined) {
      expect(p.value).toBe(known.qemu);
      expect(bus.portIn(p.port, p.size)).toBe(known.kdbt);
    } else {
      expect(bus.portIn(p.port, p.size)).toBe(p.value);
    }
  });

  it("divisor latch reads as recorded", () => {
    bus.portOut(0x3fb, 0x80, 1);
    expect([bus.portIn(0x3f8, 1), bus.portIn(0x3f9, 1)]).toEqual([rec.dll, rec.dlm]);
    bus.portOut(0x3fb, 0x00, 1);
  });
});
