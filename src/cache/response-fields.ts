import type { Exchange } from '../forward/exchange.ts';
import type { HeaderRecord } from '../forward/upstream-request.ts';
import { appendVia, buildClientHeaders, flattenHeaders, type ClientHeaderOptions } from '../forward/response-headers.ts';
import type { EntryMeta } from './policy/entry.ts';
import type { HeaderEdits } from '../config/types.ts';
import { applyHeaderEdits } from '../forward/rewrite.ts';
import { computeCurrentAge } from './policy/usability.ts';
import { serializeStoredHead } from './raw-head.ts';
import { HeadMemo } from './head-memo.ts';

/** The response head of a stored entry, prepared once per entry and reused by every hit. */
export interface StoredHead {
  /** Stored fields with our Via, without the hidden ones (tags, Surrogate-Control): `[name, value, …]` for `writeHead`. */
  readonly fields: string[];
  /** Status line plus the same fields, serialised for the fast path; undefined without a Content-Length. */
  readonly serialized: string | undefined;
}

const storedHeads = new HeadMemo<StoredHead>();

/** The stored fields as clients see them, with the route's response rewrite (`edits`) applied; built once per entry. */
export function storedHead(options: ClientHeaderOptions, meta: EntryMeta, edits?: HeaderEdits): StoredHead {
  let head = storedHeads.get(meta, edits);
  if (head === undefined) {
    const headers: Record<string, string | readonly string[] | undefined> = { ...meta.headers };
    appendVia(headers as Record<string, string | string[] | undefined>, options.via);
    if (edits !== undefined) {
      // As on a relayed response (buildClientHeaders): hidden fields go first, so a rewrite may set one.
      for (const name of options.hiddenFields) delete headers[name];
      applyHeaderEdits(headers, edits);
    }
    const fields = flattenHeaders(headers, edits === undefined ? options.hiddenFields : undefined);
    head = { fields, serialized: serializeStoredHead(meta.status, fields) };
    storedHeads.set(meta, edits, head);
  }
  return head;
}

/** Age in whole seconds for the `Age` field (RFC 9111 §5.1). */
export function ageHeaderValue(meta: EntryMeta, now: number): string {
  const age = computeCurrentAge(meta, now);
  return age <= 0 ? '0' : String(Math.floor(age));
}

/**
 * The fields of a response served from a stored (or filling) entry, as a fresh `[name, value, …]` list: the
 * stored fields with Age, or, for the response fetched for this very request (`fetchedFields`), the origin's
 * fields as sent (including any named by no-cache="…" / private="…", which only later requests must not see)
 * and no Age of our own; then Cache-Status, X-Request-ID and the route's CORS fields.
 */
export function buildServedFields(
  options: ClientHeaderOptions,
  ex: Exchange,
  meta: EntryMeta,
  now: number,
  cacheStatus: string,
  fetchedFields: HeaderRecord | undefined,
): string[] {
  let head: string[];
  if (fetchedFields === undefined) {
    head = storedHead(options, meta, ex.route.responseHeaders).fields.slice();
    head.push('age', ageHeaderValue(meta, now), 'cache-status', cacheStatus, 'x-request-id', ex.requestId);
  } else {
    const fields = buildClientHeaders(fetchedFields, options);
    const edits = ex.route.responseHeaders;
    if (edits !== undefined) applyHeaderEdits(fields, edits);
    // RFC 9110 §8.6: a 204 carries no Content-Length, whatever the origin sent.
    if (meta.status === 204) delete fields['content-length'];
    head = flattenHeaders(fields);
    head.push('cache-status', cacheStatus, 'x-request-id', ex.requestId);
  }
  if (ex.cors !== undefined) pushFields(head, ex.cors);
  return head;
}

/** Appends fields to a flat head; a second `Vary` line is fine: list fields combine (RFC 9110 §5.3). */
export function pushFields(head: string[], fields: Readonly<Record<string, string>>): void {
  // The edge owns CORS on this route: stored upstream CORS fields are dropped first.
  for (let i = head.length - 2; i >= 0; i -= 2) {
    if ((head[i] as string).startsWith('access-control-')) head.splice(i, 2);
  }
  for (const name in fields) head.push(name, fields[name] as string);
}
