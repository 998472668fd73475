import { CachetError } from '../../../errors.ts';
import type { RedisConnection, RedisScript } from '../../../redis/connection.ts';
import type { RemoteBody } from '../types.ts';

/** Bytes per Redis value: large enough to keep command counts low, small enough not to stall Redis. */
export const CHUNK_BYTES = 256 * 1024;
/** Chunks in flight per body, written or read: at most 2 MiB of one body in transit at a time. */
const WINDOW_CHUNKS = 8;

/**
 * A body as chunks of exactly `size` bytes (the last may be shorter). Chunks that already line up are
 * passed through as views; otherwise at most one chunk's worth is copied at a time, so no step needs the
 * whole body in one buffer.
 */
export function* rechunk(body: readonly Buffer[], size: number = CHUNK_BYTES): Generator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for (const buffer of body) {
    let offset = 0;
    while (offset < buffer.byteLength) {
      const take = Math.min(size - pendingBytes, buffer.byteLength - offset);
      const piece = buffer.subarray(offset, offset + take);
      offset += take;
      if (pendingBytes === 0 && take === size) {
        yield piece;
        continue;
      }
      pending.push(piece);
      pendingBytes += take;
      if (pendingBytes === size) {
        yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
}

/**
 * Writes a body into the hash `bodyKey`, one field per chunk, at most `WINDOW_CHUNKS` commands in flight.
 * Answers the number of chunks written.
 */
export async function writeBody(
  redis: RedisConnection,
  writeChunk: RedisScript,
  bodyKey: string,
  body: readonly Buffer[],
  pendingMs: number,
): Promise<number> {
  let count = 0;
  let window: Promise<unknown>[] = [];
  for (const chunk of rechunk(body)) {
    const field = String(count++);
    window.push(redis.run(() => writeChunk([bodyKey], [field, chunk, pendingMs])));
    if (window.length === WINDOW_CHUNKS) {
      await Promise.all(window);
      window = [];
    }
  }
  await Promise.all(window);
  return count;
}

/**
 * A body held in Redis, read chunk by chunk when `read` is iterated. A body purged or expired while it is
 * read ends the iteration with an error rather than a short body.
 */
export function createRemoteBody(redis: RedisConnection, bodyKey: string, chunks: number, size: number): RemoteBody {
  return {
    size,
    async *read() {
      for (let first = 0; first < chunks; first += WINDOW_CHUNKS) {
        const fields: string[] = [];
        for (let i = first; i < Math.min(first + WINDOW_CHUNKS, chunks); i++) fields.push(String(i));
        const values = await redis.run((client) => client.hmgetBuffer(bodyKey, ...fields));
        for (const value of values) {
          if (value === null) throw new CachetError('CACHET_ERR_STORE', 'stored body is gone (purged or expired while read)');
          yield value;
        }
      }
    },
  };
}
