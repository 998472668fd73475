import type { RemoteBody, RemoteStoredEntry, StoredEntry } from './types.ts';

/**
 * Reads a remote body into memory, keeping its chunks (no concatenation). For callers that need the whole
 * body as `Buffer[]`: the in-process tier when it promotes an entry, and the serving path until it streams
 * remote bodies to the client.
 */
export async function readRemoteBody(body: RemoteBody): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of body.read()) chunks.push(chunk);
  return chunks;
}

/** Every entry with its body read into memory, in the same order. */
export async function readRemoteEntries(entries: readonly RemoteStoredEntry[]): Promise<StoredEntry[]> {
  const bodies = await Promise.all(entries.map((entry) => readRemoteBody(entry.body)));
  return entries.map((entry, i) => Object.freeze({ meta: entry.meta, body: bodies[i]! }));
}
