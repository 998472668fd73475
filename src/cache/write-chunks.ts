import type { ServerResponse } from 'node:http';

/**
 * Writes shared chunks and ends the response, with backpressure: a slow client holds a cursor, never a copy.
 * Answers synchronously when the socket took everything at once; otherwise resolves true once ended, false
 * when the client went away first.
 */
export function writeChunks(res: ServerResponse, chunks: readonly Buffer[]): Promise<boolean> | boolean {
  let index = 0;
  while (index < chunks.length) {
    if (!res.write(chunks[index++])) break;
  }
  if (index === chunks.length) {
    res.end();
    return true;
  }
  return new Promise((resolve) => {
    const onDrain = (): void => {
      while (index < chunks.length) {
        if (!res.write(chunks[index++])) return;
      }
      cleanup();
      res.end();
      resolve(true);
    };
    const onClose = (): void => {
      cleanup();
      resolve(false);
    };
    const cleanup = (): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
    };
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
