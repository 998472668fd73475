import { Readable } from 'node:stream';
import type { UpstreamFailure, UpstreamResponse } from '../forward/upstream-request.ts';
import { stripHopByHop } from '../forward/hop-by-hop.ts';
import { DONE, isKeptStatus, RELEASE, type Settlement } from './outcome.ts';

export interface SettledAnswer {
  /** What the key keeps. */
  readonly settlement: Settlement;
  /** What the client gets: the response (its body replayed from memory, or the rest still streaming), or a failure. */
  readonly answer: UpstreamResponse | UpstreamFailure;
}

/**
 * Reads an upstream answer to a first request before the client sees any of it, so its outcome is kept
 * before anyone can ask again: a client that repeats the request the moment it has the answer finds the
 * record, not the lease. Up to `maxResponseBytes` of body are held in memory; past that the held part and the
 * rest stream on to the client, and the key keeps `done` (processed, not replayable). A body that breaks
 * off is a failure for the client (502) and `done` for the key. A status that is not kept (5xx, retryable
 * 4xx) releases the key and streams through untouched.
 */
export async function settleUpstream(upstream: UpstreamResponse, maxResponseBytes: number): Promise<SettledAnswer> {
  if (!isKeptStatus(upstream.status)) return { settlement: RELEASE, answer: upstream };
  // Read through the iterator by hand: leaving a for-await loop early would destroy the body, whose rest may
  // still have to reach the client.
  const reader = upstream.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (let next = await reader.next(); next.done !== true; next = await reader.next()) {
      chunks.push(next.value);
      size += next.value.length;
      if (size > maxResponseBytes) return { settlement: DONE, answer: { ...upstream, body: continueWith(chunks, reader) } };
    }
  } catch (error) {
    return { settlement: DONE, answer: { ok: false, kind: 'other', error } };
  }
  const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
  return {
    settlement: { kind: 'replay', response: { status: upstream.status, headers: stripHopByHop(upstream.headers), body: whole } },
    answer: { ...upstream, body: Readable.from([whole], { objectMode: false }) },
  };
}

/** The chunks already read, then the rest of the body as it arrives. */
function continueWith(chunks: readonly Buffer[], reader: AsyncIterator<Buffer>): Readable {
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield* chunks;
      for (let next = await reader.next(); next.done !== true; next = await reader.next()) yield next.value;
    } finally {
      // A client that went away stops the upstream body too.
      await reader.return?.();
    }
  }
  return Readable.from(rest(), { objectMode: false });
}
