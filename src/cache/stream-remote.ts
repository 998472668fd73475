import type { ServerResponse } from 'node:http';
import { abortResponse } from '../server/pipeline.ts';
import type { BodySegment } from './policy/byteranges.ts';
import type { RemoteBody } from './store/types.ts';

/**
 * Sends a body the shared tier holds as it is read, then ends the response: the byte ranges and framing of
 * `segments`, or the whole body. A range reads only the chunks that hold it. The next read waits for the
 * socket to drain, so a slow client holds a read window, never the body; a client that goes away stops the
 * read. A read failing mid-way (the body purged or expired, the shared tier unreachable) aborts the response:
 * the client sees a truncated transfer, never a short complete one (the store counts, logs and drops it).
 * Resolves true once the response ended, false otherwise.
 */
export async function streamRemoteBody(res: ServerResponse, body: RemoteBody, segments?: readonly BodySegment[]): Promise<boolean> {
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  res.once('close', onClose);
  try {
    for (const segment of segments ?? [{ start: 0, end: body.size - 1 }]) {
      if (Buffer.isBuffer(segment)) {
        if (!(await write(res, segment, () => closed))) return false;
        continue;
      }
      // Leaving the loop early ends the iteration, which stops reading the shared tier.
      for await (const chunk of body.read(segment.start, segment.end)) {
        if (!(await write(res, chunk, () => closed))) return false;
      }
    }
  } catch {
    abortResponse(res);
    return false;
  } finally {
    res.off('close', onClose);
  }
  res.end();
  return true;
}

/** Writes one chunk; when the socket is full, resolves once it drained (true) or closed (false). */
function write(res: ServerResponse, chunk: Buffer, isClosed: () => boolean): boolean | Promise<boolean> {
  if (isClosed() || res.destroyed) return false;
  if (res.write(chunk)) return true;
  return new Promise((resolve) => {
    const settle = (ok: boolean): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => settle(true);
    const onClose = (): void => settle(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
