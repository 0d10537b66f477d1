import { describe, expect, it } from "vitest";
import { IoBus } from "../../src/devices/io-bus.js";
import { PostPort } from "../../src/devices/post-port.js";

describe("port 0x80", () => {
  it("ignores writes but keeps the last value; reads all-ones like QEMU's ioport80_read", () => {
    const post = new PostPort();
    const bus = new IoBus([post]);
    expect(post.lastValue).toBeNull();
    bus.portOut(0x80, 0x42, 1);
    bus.portOut(0x80, 0x17, 1);
    expect(post.lastValue).toBe(0x17);
    expect(post.writes).toBe(2);
    expect(bus.portIn(0x80, 1)).toBe(0xff);
    expect(bus.portIn(0x80, 2)).toBe(0xffff);
    expect(bus.portIn(0x80, 4)).toBe(0xffffffff);
    const copy = new PostPort();
    copy.loadState(JSON.parse(JSON.stringify(post.saveState())));
    expect(copy.saveState()).toEqual(post.saveState());
  });
});
