import { CachetError } from '../../../errors.ts';
import type { RedisConnection, RedisScript } from '../../../redis/connection.ts';
import { isRemoteBody } from '../remote-body.ts';
import type { RemoteBody, StoredBody } from '../types.ts';

/** Bytes per Redis value: large enough to keep command counts low, small enough not to stall Redis. */
export const CHUNK_BYTES = 256 * 1024;
/** Chunks in flight per body written: at most 2 MiB of one body in transit at a time. */
const WINDOW_CHUNKS = 8;
/** Chunks per read command: a reader holds at most 1 MiB of a body it has not sent yet. */
const READ_WINDOW_CHUNKS = 4;

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
 * A remote body (a stored response re-stored with new fields) is copied as it is read, so it never needs to
 * be held whole. Answers the number of chunks written.
 */
export async function writeBody(
  redis: RedisConnection,
  writeChunk: RedisScript,
  bodyKey: string,
  body: StoredBody,
  pendingMs: number,
): Promise<number> {
  let count = 0;
  let window: Promise<unknown>[] = [];
  for await (const chunk of isRemoteBody(body) ? rechunkStream(body.read()) : rechunk(body)) {
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

/** `rechunk` over chunks that arrive one at a time; chunks already of the right size pass through. */
async function* rechunkStream(chunks: AsyncIterable<Buffer>, size: number = CHUNK_BYTES): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of chunks) {
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    if (pendingBytes < size) continue;
    let rest: Buffer[] = [];
    let restBytes = 0;
    for (const piece of rechunk(pending, size)) {
      if (piece.byteLength === size) yield piece;
      else {
        rest = [piece];
        restBytes = piece.byteLength;
      }
    }
    pending = rest;
    pendingBytes = restBytes;
  }
  if (pendingBytes > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
}

/**
 * A body held in Redis, read chunk by chunk when `read` is iterated: a range reads only the chunks that hold
 * it (every chunk but the last is `CHUNK_BYTES` long), `READ_WINDOW_CHUNKS` per command, the next command
 * only once the reader took the last window, so a slow reader holds one window, never the body. A body
 * purged or expired while it is read ends the iteration with an error rather than a short body.
 */
export function createRemoteBody(redis: RedisConnection, bodyKey: string, chunks: number, size: number): RemoteBody {
  return {
    size,
    async *read(start = 0, end = size - 1) {
      if (size === 0 || start > end) return;
      const last = Math.min(chunks - 1, Math.floor(end / CHUNK_BYTES));
      for (let first = Math.floor(start / CHUNK_BYTES); first <= last; first += READ_WINDOW_CHUNKS) {
        const fields: string[] = [];
        for (let i = first; i <= Math.min(first + READ_WINDOW_CHUNKS - 1, last); i++) fields.push(String(i));
        const values = await redis.run((client) => client.hmgetBuffer(bodyKey, ...fields));
        for (let i = 0; i < values.length; i++) {
          const value = values[i];
          const index = first + i;
          if (value === null || value === undefined)
            throw new CachetError('CACHET_ERR_STORE', 'stored body is gone (purged or expired while read)');
          if (index < chunks - 1 && value.byteLength !== CHUNK_BYTES)
            throw new CachetError('CACHET_ERR_STORE', 'stored body chunk has an unexpected length');
          const chunkStart = index * CHUNK_BYTES;
          yield start <= chunkStart && end >= chunkStart + value.byteLength - 1
            ? value
            : value.subarray(Math.max(0, start - chunkStart), Math.min(value.byteLength, end + 1 - chunkStart));
        }
      }
    },
  };
}
