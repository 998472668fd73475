import type { BufferedEntry, StoredEntry } from './store/types.ts';
import { isRemoteBody } from './store/remote-body.ts';
import type { EntryMeta, PartialRange, StoredHeaders } from './policy/entry.ts';
import { isWholeRange, planCombination, PARTIAL_VARIANT_SUFFIX } from './policy/partial-content.ts';
import { formatContentRange } from './policy/range.ts';
import { collectSegments } from './body-segments.ts';

/** The stored partial response among a key's entries whose variant key is `partialVariantKey`. */
export function findStoredPartial(entries: readonly StoredEntry[] | undefined, partialVariantKey: string): StoredEntry | undefined {
  if (entries === undefined) return undefined;
  for (const entry of entries) {
    if (entry.meta.partial !== undefined && entry.meta.variantKey === partialVariantKey) return entry;
  }
  return undefined;
}

/**
 * What is stored for a new partial response `newer` (RFC 9111 §3.3), given the partial stored for its
 * variant: the two combined when §3.4 allows (see `planCombination`), the new fields describing the union,
 * the body made of views into both bodies (no byte copied); else `newer` alone. A result holding every
 * byte of the representation is the complete response instead: status 200, the whole Content-Length, no
 * Content-Range, the variant's own key, so it answers every request and is selected before any partial.
 * A stored partial still held by a shared tier is not combined (that would read it whole): `newer` replaces it.
 */
export function buildPartialEntry(stored: StoredEntry | undefined, newer: BufferedEntry, maxObjectBytes: number): BufferedEntry {
  const older = stored === undefined || isRemoteBody(stored.body) ? undefined : (stored as BufferedEntry);
  const plan = planCombination(older?.meta, newer.meta, maxObjectBytes);
  let range = newer.meta.partial as PartialRange;
  let body = newer.body;
  if (plan.kind === 'combine' && older !== undefined) {
    range = plan.range;
    body = [
      ...(plan.before === undefined ? [] : collectSegments(older.body, [plan.before])),
      ...newer.body,
      ...(plan.after === undefined ? [] : collectSegments(older.body, [plan.after])),
    ];
  }
  if (isWholeRange(range)) return { meta: completeMeta(newer.meta, range.completeLength), body };
  if (range === newer.meta.partial) return newer;
  const headers: StoredHeaders = Object.freeze({
    ...newer.meta.headers,
    'content-range': formatContentRange(range, range.completeLength),
    'content-length': String(range.end - range.start + 1),
  });
  return { meta: Object.freeze({ ...newer.meta, headers, partial: range, size: range.end - range.start + 1 }), body };
}

/** The meta of a partial response holding every byte, as the complete 200 it then is (RFC 9110 §15.3.1). */
function completeMeta(meta: EntryMeta, length: number): EntryMeta {
  const { partial: _whole, ...complete } = meta;
  const { 'content-range': _range, ...headers } = meta.headers;
  return Object.freeze({
    ...complete,
    variantKey: meta.variantKey.endsWith(PARTIAL_VARIANT_SUFFIX)
      ? meta.variantKey.slice(0, -PARTIAL_VARIANT_SUFFIX.length)
      : meta.variantKey,
    status: 200,
    headers: Object.freeze({ ...headers, 'content-length': String(length) }),
    size: length,
  });
}
