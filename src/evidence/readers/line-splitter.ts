/**
 * Splits a byte stream into lines with a bound on line length, for the JSON-lines reader
 * and the alerts.json follower. Pure and incremental: feed chunks as they arrive, in any
 * sizes. A line longer than the bound is never held whole: its bytes are dropped as they
 * arrive and it comes out as `too-long` with its length once its newline is seen.
 *
 * Each line carries its number (from 1) and `end`, the stream offset just after its
 * newline, which is where reading resumes after it.
 */

export type SplitLine =
  | { kind: 'line'; line: number; bytes: Buffer; end: number }
  | { kind: 'too-long'; line: number; length: number; end: number };

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of the current overlong line dropped so far; -1 when not skipping. */
  private skipped = -1;
  private lineNo: number;
  private offset: number;

  /**
   * @param maxLineBytes longest accepted line, without its newline
   * @param startOffset stream offset of the first byte fed (when resuming a file)
   * @param firstLine number of the first line fed
   */
  constructor(
    readonly maxLineBytes: number,
    startOffset = 0,
    firstLine = 1,
  ) {
    this.offset = startOffset;
    this.lineNo = firstLine;
  }

  /** Stream offset after the last byte fed. */
  get position(): number {
    return this.offset;
  }

  /** Bytes fed since the last complete line (a partial line waiting for its newline). */
  get buffered(): number {
    return this.skipped >= 0 ? this.skipped : this.pendingBytes;
  }

  push(chunk: Uint8Array): SplitLine[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: SplitLine[] = [];
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(10, start);
      const stop = nl === -1 ? buf.length : nl;
      const piece = buf.subarray(start, stop);
      if (this.skipped >= 0) this.skipped += piece.length;
      else if (this.pendingBytes + piece.length > this.maxLineBytes) {
        this.skipped = this.pendingBytes + piece.length;
        this.pending = [];
        this.pendingBytes = 0;
      } else if (piece.length > 0) {
        // Copy: the caller may reuse its buffer for the next read.
        this.pending.push(Buffer.from(piece));
        this.pendingBytes += piece.length;
      }
      this.offset += piece.length;
      if (nl === -1) break;
      this.offset += 1;
      out.push(this.take());
      start = nl + 1;
    }
    return out;
  }

  /** The last line when the stream ends without a newline (nothing when it ended with one). */
  end(): SplitLine[] {
    if (this.skipped < 0 && this.pendingBytes === 0) return [];
    return [this.take()];
  }

  /** Forgets a partial line (the file it came from was truncated or replaced). */
  reset(startOffset: number): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.skipped = -1;
    this.offset = startOffset;
  }

  private take(): SplitLine {
    const line = this.lineNo++;
    if (this.skipped >= 0) {
      const length = this.skipped;
      this.skipped = -1;
      return { kind: 'too-long', line, length, end: this.offset };
    }
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return { kind: 'line', line, bytes, end: this.offset };
  }
}
