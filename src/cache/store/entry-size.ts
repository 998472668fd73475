import type { EntryMeta } from '../policy/entry.ts';

/** Entry, meta, policy and array objects plus the LRU's per-key bookkeeping: a rough V8 figure. */
const ENTRY_OVERHEAD_BYTES = 512;
/** Buffer object and backing-store header per body chunk. */
const CHUNK_OVERHEAD_BYTES = 96;
/** Property slot and string header per header field, value, tag or Vary name. */
const STRING_OVERHEAD_BYTES = 24;

/** Sum of the chunk lengths: what the body really holds, whatever `meta.size` says. */
export function measureBodyBytes(body: readonly Buffer[]): number {
  let bytes = 0;
  for (let i = 0; i < body.length; i++) bytes += body[i]!.byteLength;
  return bytes;
}

/**
 * Memory one stored entry holds: the body plus an estimate for its fields and objects. Header
 * values are byte strings (RFC 9110 §5.5), so string length stands for bytes.
 */
export function estimateEntryBytes(meta: EntryMeta, bodyBytes: number, chunkCount: number): number {
  let bytes = ENTRY_OVERHEAD_BYTES + bodyBytes + chunkCount * CHUNK_OVERHEAD_BYTES;
  bytes += meta.key.length + meta.variantKey.length;
  for (const name in meta.headers) {
    const value = meta.headers[name]!;
    bytes += name.length + STRING_OVERHEAD_BYTES;
    if (typeof value === 'string') {
      bytes += value.length;
    } else {
      for (const item of value) bytes += item.length + STRING_OVERHEAD_BYTES;
    }
  }
  for (const field of meta.varyFields) bytes += field.length + STRING_OVERHEAD_BYTES;
  for (const tag of meta.tags) bytes += tag.length + STRING_OVERHEAD_BYTES;
  return bytes;
}
