// Port 0x80, the POST diagnostic port: writes are ignored (kept for inspection), reads return all-ones.
//
// QEMU (hw/i386/pc.c ioport80_write / ioport80_read): the write handler does nothing and the read
// handler returns 0xffffffffffffffff, i.e. 0xff for the byte-wide port (verified on qemu-system-i386
// 7.2: inb 0x80 = 0xff). Kernels write here as an I/O delay; the `io` workload reads it.

import type { PortDevice, PortSize, SavesState } from "./bus.js";

export const POST_PORT = 0x80;

export interface PostPortState {
  lastValue: number | null;
  writes: number;
  reads: number;
}

export class PostPort implements PortDevice, SavesState<PostPortState> {
  readonly name = "post";
  readonly ports = [[POST_PORT, POST_PORT]] as const;
  /** Last byte written, or null if none yet. */
  lastValue: number | null = null;
  writes = 0;
  reads = 0;

  portIn(_port: number, _size: PortSize): number {
    this.reads++;
    return 0xff;
  }

  portOut(_port: number, value: number, _size: PortSize): void {
    this.lastValue = value & 0xff;
    this.writes++;
  }

  saveState(): PostPortState {
    return { lastValue: this.lastValue, writes: this.writes, reads: this.reads };
  }

  loadState(state: PostPortState): void {
    this.lastValue = state.lastValue;
    this.writes = state.writes;
    this.reads = state.reads;
  }
}
