// The one preallocated record a guest fault is written into; delivered in one place by the CPU loop.

export class FaultRecord {
  pending = false;
  vector = 0;
  /** Meaningful only for vectors that push one (idt/vectors.json decides, not the raiser). */
  errorCode = 0;

  raise(vector: number, errorCode: number): void {
    // The first fault of an instruction wins: later accesses of a failed instruction are not performed.
    if (this.pending) return;
    this.pending = true;
    this.vector = vector;
    this.errorCode = errorCode;
  }

  clear(): void {
    this.pending = false;
  }
}
