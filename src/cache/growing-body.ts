import type { Writable } from 'node:stream';
import type { BodySegment } from './policy/byteranges.ts';

/**
 * A response body being received from the origin while it is streamed to one or more clients.
 * Chunks are kept once and shared by every reader (a reader is only a cursor), so N clients of one
 * large object never hold N copies; when complete, the same chunk array becomes the stored body.
 */
export class GrowingBody {
  readonly chunks: Buffer[] = [];
  size = 0;
  done = false;
  failed: Error | undefined;
  #wakers = new Set<() => void>();

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.#wake();
  }

  finish(): void {
    this.done = true;
    this.#wake();
  }

  fail(err: Error): void {
    this.failed = err;
    this.#wake();
  }

  /**
   * Writes every chunk, present and future, to `out` with backpressure, then ends it; when the body
   * fails, `abort` ends `out` instead. Resolves true when the whole body was written, false when the
   * body failed or `out` closed early.
   */
  pipeTo<W extends Writable>(out: W, abort: (out: W) => void): Promise<boolean> {
    let index = 0;
    return this.#drive(out, abort, () => {
      while (index < this.chunks.length) {
        if (!out.write(this.chunks[index++] as Buffer)) return 'drain';
      }
      return this.done ? 'done' : 'wait';
    });
  }

  /**
   * Writes `segments` to `out` as their bytes arrive, then ends it: framing as it is, each byte range as
   * views into the shared chunks (a range may lie behind the cursor: multipart parts keep the requested
   * order). Backpressure and failure as `pipeTo`; a body that ends before a range does fails `out` too.
   */
  pipeSegmentsTo<W extends Writable>(out: W, segments: readonly BodySegment[], abort: (out: W) => void): Promise<boolean> {
    let index = 0;
    /** Next byte of the current range to write, or -1 before the range starts. */
    let position = -1;
    let chunkIndex = 0;
    let chunkStart = 0;
    return this.#drive(out, abort, () => {
      while (index < segments.length) {
        const segment = segments[index] as BodySegment;
        if (Buffer.isBuffer(segment)) {
          index++;
          if (!out.write(segment)) return 'drain';
          continue;
        }
        if (position < 0) {
          position = segment.start;
          if (position < chunkStart) {
            chunkIndex = 0;
            chunkStart = 0;
          }
        }
        while (position <= segment.end) {
          const chunk = this.chunks[chunkIndex];
          if (chunk === undefined) return this.done ? 'short' : 'wait';
          const chunkEnd = chunkStart + chunk.length;
          if (position >= chunkEnd) {
            chunkIndex++;
            chunkStart = chunkEnd;
            continue;
          }
          const slice = chunk.subarray(position - chunkStart, Math.min(chunk.length, segment.end + 1 - chunkStart));
          position += slice.length;
          if (!out.write(slice)) {
            if (position > segment.end) {
              index++;
              position = -1;
            }
            return 'drain';
          }
        }
        index++;
        position = -1;
      }
      return 'done';
    });
  }

  /** Resolves once the body is complete or has failed. */
  whenSettled(): Promise<void> {
    if (this.done || this.failed !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.done && this.failed === undefined) return;
        this.#wakers.delete(check);
        resolve();
      };
      this.#wakers.add(check);
    });
  }

  /**
   * Runs `step` now, whenever bytes arrive and whenever `out` drains, until it has written everything
   * ('done': `out` is ended) or the body fails or falls short ('short'): then `abort` ends `out`. `step`
   * writes what it can and answers 'drain' when `out` is full, 'wait' when it needs more bytes.
   */
  #drive<W extends Writable>(out: W, abort: (out: W) => void, step: () => 'done' | 'drain' | 'wait' | 'short'): Promise<boolean> {
    return new Promise((resolve) => {
      let waitingDrain = false;
      const finish = (ok: boolean): void => {
        this.#wakers.delete(pump);
        out.off('drain', onDrain);
        out.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => {
        waitingDrain = false;
        pump();
      };
      const onClose = (): void => {
        finish(false);
      };
      const pump = (): void => {
        if (waitingDrain) return;
        const state = this.failed === undefined ? step() : 'short';
        if (state === 'drain') waitingDrain = true;
        else if (state === 'done') {
          out.end();
          finish(true);
        } else if (state === 'short') {
          abort(out);
          finish(false);
        }
      };
      out.on('drain', onDrain);
      out.on('close', onClose);
      this.#wakers.add(pump);
      pump();
    });
  }

  #wake(): void {
    for (const waker of this.#wakers) waker();
  }
}
