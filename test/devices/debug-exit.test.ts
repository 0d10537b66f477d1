import { describe, expect, it } from "vitest";
import { debugExitStatus, IsaDebugExit, type DebugExitRequest } from "../../src/devices/debug-exit.js";
import { IoBus } from "../../src/devices/io-bus.js";

describe("isa-debug-exit", () => {
  it("reports the value and QEMU's exit status (value << 1) | 1 for every width", () => {
    const seen: DebugExitRequest[] = [];
    const dev = new IsaDebugExit({ onExit: (r) => seen.push(r) });
    const bus = new IoBus([dev]);
    bus.portOut(0xf4, 0x10, 1);
    bus.portOut(0xf4, 0x1234, 2);
    bus.portOut(0xf4, 0x12345678, 4);
    bus.portOut(0xf7, 0x00, 1); // any port of the 4-byte window
    expect(seen).toEqual([
      { value: 0x10, status: 0x21, processExitStatus: 33, port: 0xf4, size: 1 },
      { value: 0x1234, status: 0x2469, processExitStatus: 0x69, port: 0xf4, size: 2 },
      { value: 0x12345678, status: 0x2468acf1, processExitStatus: 0xf1, port: 0xf4, size: 4 },
      { value: 0, status: 1, processExitStatus: 1, port: 0xf7, size: 1 },
    ]);
    expect(dev.lastRequest?.port).toBe(0xf7);
    expect(dev.requests).toBe(4);
    expect(debugExitStatus(0xffffffff)).toBe(0xffffffff);
  });

  it("reads 0 at any width, as QEMU's debug_exit_read does", () => {
    const bus = new IoBus([new IsaDebugExit({ onExit: () => undefined })]);
    expect([bus.portIn(0xf4, 1), bus.portIn(0xf4, 2), bus.portIn(0xf4, 4), bus.portIn(0xf5, 1)]).toEqual([0, 0, 0, 0]);
  });

  it("saves and restores", () => {
    const dev = new IsaDebugExit({ onExit: () => undefined });
    dev.portOut(0xf4, 3, 1);
    const copy = new IsaDebugExit({ onExit: () => undefined });
    copy.loadState(JSON.parse(JSON.stringify(dev.saveState())));
    expect(copy.saveState()).toEqual(dev.saveState());
  });
});
