// Buffers COM1 bytes and writes them to a stream in chunks (one write per line or per 4 KiB).

export class ConsoleSink {
  private readonly buf = new Uint8Array(4096);
  private n = 0;

  constructor(private readonly stream: NodeJS.WritableStream & { fd?: number }) {}

  write(byte: number): void {
    this.buf[this.n++] = byte;
    if (byte === 0x0a || this.n === this.buf.length) this.flush();
  }

  flush(): void {
    if (this.n === 0) return;
    this.stream.write(Buffer.from(this.buf.subarray(0, this.n)));
    this.n = 0;
  }
}
