// QEMU's isa-debug-exit device (iobase 0xf4, iosize 4): a guest write ends the run with status (value << 1) | 1.
//
// QEMU (hw/misc/debugexit.c): any write of any width (1, 2 or 4 bytes) to any port of the device
// requests shutdown with exit code (value << 1) | 1, where value is the written data (the port offset
// is ignored). The process exit status the shell sees is that code modulo 256. Reads return 0
// (debug_exit_read; verified on qemu-system-i386 7.2: inb/inw 0xf4 and inb 0xf5 all read 0).
// The device itself does not stop anything: it reports through onExit and the machine ends the run.

import type { PortDevice, PortSize, SavesState } from "./bus.js";
import type { WidePortDevice } from "./io-bus.js";

export const DEBUG_EXIT_BASE = 0xf4;
export const DEBUG_EXIT_SIZE = 4;

/** What the guest asked for. */
export interface DebugExitRequest {
  /** The value written, masked to the access width. */
  value: number;
  /** QEMU's exit code, ((value << 1) | 1) as an unsigned 32-bit number. */
  status: number;
  /** What a shell sees as QEMU's exit status: status & 0xff. */
  processExitStatus: number;
  /** The port written and the access width. */
  port: number;
  size: PortSize;
}

export interface DebugExitState {
  lastRequest: DebugExitRequest | null;
  requests: number;
}

export interface DebugExitOptions {
  base?: number;
  size?: number;
  onExit: (request: DebugExitRequest) => void;
}

/** QEMU's exit code for a debug-exit write of `value`. */
export function debugExitStatus(value: number): number {
  return ((value << 1) | 1) >>> 0;
}

export class IsaDebugExit implements PortDevice, WidePortDevice, SavesState<DebugExitState> {
  readonly name = "isa-debug-exit";
  readonly ports: ReadonlyArray<readonly [number, number]>;
  readonly maxAccessSize = 4;
  private readonly onExit: (request: DebugExitRequest) => void;
  /** The most recent request, or null if the guest never wrote. */
  lastRequest: DebugExitRequest | null = null;
  requests = 0;

  constructor(options: DebugExitOptions) {
    const base = options.base ?? DEBUG_EXIT_BASE;
    const size = options.size ?? DEBUG_EXIT_SIZE;
    this.ports = [[base, base + size - 1]];
    this.onExit = options.onExit;
  }

  portIn(_port: number, _size: PortSize): number {
    return 0;
  }

  portOut(port: number, value: number, size: PortSize): void {
    const masked = size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff);
    const status = debugExitStatus(masked);
    const request: DebugExitRequest = { value: masked, status, processExitStatus: status & 0xff, port, size };
    this.lastRequest = request;
    this.requests++;
    this.onExit(request);
  }

  saveState(): DebugExitState {
    return { lastRequest: this.lastRequest === null ? null : { ...this.lastRequest }, requests: this.requests };
  }

  loadState(state: DebugExitState): void {
    this.lastRequest = state.lastRequest === null ? null : { ...state.lastRequest };
    this.requests = state.requests;
  }
}
