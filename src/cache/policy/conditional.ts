import type { EntryMeta, StoredHeaders } from './entry.ts';
import type { HeaderMap, HeaderValue } from './headers.ts';
import { readFirstLine } from './headers.ts';
import type { EntityTag } from './etag.ts';
import { formatEntityTag, isStrongMatch, isWeakMatch, parseEntityTagList, readEntityTag } from './etag.ts';
import { parseHttpDate } from './http-date.ts';
import { parseResponseDirectives } from './cache-control.ts';
import { isExcludedFromStorage, readConnectionOptions } from './stored-headers.ts';

/** RFC 9110 §15.4.5: what a 304 carries from the stored 200. */
const NOT_MODIFIED_FIELDS = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary'] as const;

/**
 * Evaluates a client's own validators against a stored 200 response, for GET and HEAD only (RFC 9111
 * §4.3.2). Precedence (RFC 9110 §13.2.2): If-None-Match (weak comparison, `*` matches any stored
 * response), else If-Modified-Since, which is ignored when invalid or repeated and compared with the stored
 * Last-Modified, or Date when there is none, or the time the response was received. If-Match and
 * If-Unmodified-Since are not for caches.
 */
export function evaluateClientConditional(method: string, requestHeaders: HeaderMap, stored: EntryMeta): 'not-modified' | 'none' {
  if ((method !== 'GET' && method !== 'HEAD') || stored.status !== 200) return 'none';
  const ifNoneMatch = requestHeaders['if-none-match'];
  if (ifNoneMatch !== undefined) {
    // The common case, a client sending back the ETag it was given: the same text is the same single tag (a
    // comma could split it into list members, so such a tag takes the full parse).
    const storedTag = stored.headers['etag'];
    if (ifNoneMatch === storedTag && typeof storedTag === 'string' && storedTag.trim() !== '' && !storedTag.includes(','))
      return 'not-modified';
    const tags = parseEntityTagList(ifNoneMatch);
    if (tags === '*') return 'not-modified';
    const etag = readEntityTag(stored.headers['etag']);
    if (etag === undefined) return 'none';
    for (const tag of tags) {
      if (isWeakMatch(tag, etag)) return 'not-modified';
    }
    return 'none';
  }
  const ifModifiedSince = requestHeaders['if-modified-since'];
  if (typeof ifModifiedSince !== 'string') return 'none';
  const sinceAt = parseHttpDate(ifModifiedSince);
  if (sinceAt === undefined) return 'none';
  const modifiedAt =
    parseHttpDate(readFirstLine(stored.headers['last-modified'])) ??
    parseHttpDate(readFirstLine(stored.headers['date'])) ??
    Math.floor(stored.responseAt / 1000) * 1000;
  return modifiedAt <= sinceAt ? 'not-modified' : 'none';
}

/**
 * The fields of a 304 generated from a stored response (RFC 9110 §15.4.5): Cache-Control, Content-Location,
 * Date, ETag, Expires and Vary; Last-Modified only when there is no ETag (it then guides cache updates).
 */
export function selectNotModifiedHeaders(storedHeaders: StoredHeaders): Record<string, string | readonly string[]> {
  const selected: Record<string, string | readonly string[]> = {};
  for (const name of NOT_MODIFIED_FIELDS) {
    const value = storedHeaders[name];
    if (value !== undefined) selected[name] = value;
  }
  const lastModified = storedHeaders['last-modified'];
  if (selected['etag'] === undefined && lastModified !== undefined) selected['last-modified'] = lastModified;
  return selected;
}

/**
 * Validators for the request that revalidates stored responses (RFC 9111 §4.3.1): If-None-Match with the
 * entity-tags of every stored response for the key (selected first, deduplicated), If-Modified-Since with
 * the selected response's Last-Modified when it is a valid date.
 */
export function buildValidationHeaders(selected: EntryMeta, all: readonly EntryMeta[]): Record<string, string> {
  const tags: string[] = [];
  addEntityTag(tags, selected);
  for (const meta of all) addEntityTag(tags, meta);
  const headers: Record<string, string> = {};
  if (tags.length > 0) headers['if-none-match'] = tags.join(', ');
  const lastModified = readFirstLine(selected.headers['last-modified']);
  if (lastModified !== undefined && parseHttpDate(lastModified) !== undefined) headers['if-modified-since'] = lastModified.trim();
  return headers;
}

/**
 * The stored responses a 304 to the cache's own validation updates (RFC 9111 §4.3.4), `selected` being the one
 * the request was made for (its validators went first):
 * - a strong entity-tag: every stored response with that tag; none means the 304 is for a representation this
 *   cache does not hold, so nothing is updated and the caller asks again unconditionally;
 * - a weak entity-tag: `selected` when it matches by weak comparison, else the most recent one that does; none
 *   is treated like an unknown strong tag;
 * - no entity-tag: the 304 answers the condition sent for `selected` (RFC 9110 §15.4.5), so `selected` is
 *   updated. This widens §4.3.4's last case (a lone stored response without validators): an origin that omits
 *   ETag from its 304 would otherwise cost a second, unconditional request for every validation.
 */
export function selectEntriesToFreshen(notModifiedHeaders: HeaderMap, candidates: readonly EntryMeta[], selected: EntryMeta): EntryMeta[] {
  const etag = readEntityTag(notModifiedHeaders['etag']);
  if (etag === undefined) return [selected];
  if (!etag.weak) {
    return candidates.filter((meta) => {
      const stored = readEntityTag(meta.headers['etag']);
      return stored !== undefined && isStrongMatch(stored, etag);
    });
  }
  if (hasWeakMatch(selected, etag)) return [selected];
  let newest: EntryMeta | undefined;
  for (const meta of candidates) {
    if (hasWeakMatch(meta, etag) && (newest === undefined || isNewer(meta, newest))) newest = meta;
  }
  return newest === undefined ? [] : [newest];
}

/**
 * Stored fields updated with a 304's (RFC 9111 §3.2): each field of the 304 replaces the stored one,
 * except Content-Length, Content-Range (processed by the recipient), and what §3.1 never stores (hop-by-hop,
 * proxy-specific, Age). Fields named by the merged Cache-Control's `no-cache="..."` / `private="..."` are
 * then dropped.
 */
export function freshenStoredHeaders(stored: StoredHeaders, notModifiedHeaders: HeaderMap): Record<string, string | string[]> {
  const merged: Record<string, string | string[]> = {};
  for (const name in stored) {
    const value = stored[name];
    if (value !== undefined) merged[name] = typeof value === 'string' ? value : value.slice();
  }
  const connectionOptions = readConnectionOptions(notModifiedHeaders['connection']);
  for (const name in notModifiedHeaders) {
    const value = notModifiedHeaders[name];
    if (value === undefined || name === 'content-length' || name === 'content-range' || isExcludedFromStorage(name, connectionOptions))
      continue;
    merged[name] = typeof value === 'string' ? value : value.slice();
  }
  const directives = parseResponseDirectives(merged['cache-control']);
  for (const name of directives.noCacheFields) delete merged[name];
  for (const name of directives.privateFields) delete merged[name];
  return merged;
}

/**
 * Whether a 200 to HEAD may update a stored GET response (RFC 9111 §4.3.5): every validator the HEAD
 * response carries (ETag, Last-Modified) equals the stored one, and its Content-Length, if any, equals the
 * stored length. A HEAD response without validators only updates a stored response without validators.
 */
export function canHeadFreshen(headHeaders: HeaderMap, stored: EntryMeta): boolean {
  const headTag = readEntityTag(headHeaders['etag']);
  const headLastModified = readFirstLine(headHeaders['last-modified']);
  if (headTag === undefined && headLastModified === undefined) {
    if (stored.headers['etag'] !== undefined || stored.headers['last-modified'] !== undefined) return false;
  }
  if (headTag !== undefined) {
    const storedTag = readEntityTag(stored.headers['etag']);
    if (storedTag === undefined || storedTag.weak !== headTag.weak || storedTag.opaque !== headTag.opaque) return false;
  }
  if (headLastModified !== undefined && !isSameDate(stored.headers['last-modified'], headLastModified)) return false;
  const headLength = readFirstLine(headHeaders['content-length']);
  if (headLength === undefined) return true;
  const storedLength = readFirstLine(stored.headers['content-length']) ?? String(stored.size);
  return headLength.trim() === storedLength.trim();
}

function addEntityTag(tags: string[], meta: EntryMeta): void {
  const tag = readEntityTag(meta.headers['etag']);
  if (tag === undefined) return;
  const text = formatEntityTag(tag);
  if (!tags.includes(text)) tags.push(text);
}

function hasWeakMatch(meta: EntryMeta, etag: EntityTag): boolean {
  const stored = readEntityTag(meta.headers['etag']);
  return stored !== undefined && isWeakMatch(stored, etag);
}

function isSameDate(storedValue: HeaderValue, received: string | undefined): boolean {
  const stored = readFirstLine(storedValue);
  if (stored === undefined || received === undefined) return false;
  const storedAt = parseHttpDate(stored);
  return storedAt !== undefined ? storedAt === parseHttpDate(received) : stored.trim() === received.trim();
}

/** RFC 9111 §4: the most recent response as determined by Date (then by when it arrived). */
function isNewer(a: EntryMeta, b: EntryMeta): boolean {
  const aAt = parseHttpDate(readFirstLine(a.headers['date'])) ?? a.responseAt;
  const bAt = parseHttpDate(readFirstLine(b.headers['date'])) ?? b.responseAt;
  return aAt !== bAt ? aAt > bAt : a.responseAt > b.responseAt;
}
