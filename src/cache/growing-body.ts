import type { Writable } from 'node:stream';

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
    return new Promise((resolve) => {
      let index = 0;
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
        if (this.failed !== undefined) {
          abort(out);
          finish(false);
          return;
        }
        while (index < this.chunks.length) {
          const chunk = this.chunks[index++] as Buffer;
          if (!out.write(chunk)) {
            waitingDrain = true;
            return;
          }
        }
        if (this.done) {
          out.end();
          finish(true);
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
