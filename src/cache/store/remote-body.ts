import type { RemoteBody, RemoteStoredEntry, StoredEntry } from './types.ts';

/** Whether a stored body is still held by the shared tier (read as it is sent) rather than in memory. */
export function isRemoteBody(body: object): body is RemoteBody {
  return !Array.isArray(body) && typeof (body as Partial<RemoteBody>).read === 'function';
}

/**
 * Reads a remote body into memory, keeping its chunks (no concatenation): for the in-process tier when it
 * promotes an entry that fits it.
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
