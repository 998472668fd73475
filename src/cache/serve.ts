import type { ServerResponse } from 'node:http';
import type { Exchange } from '../forward/exchange.ts';
import type { EntryMeta } from './policy/entry.ts';
import type { GrowingBody } from './growing-body.ts';
import { evaluateClientConditional, selectNotModifiedHeaders } from './policy/conditional.ts';
import { evaluateRange } from './policy/range.ts';
import { flattenHeaders, type ClientHeaderOptions } from '../forward/response-headers.ts';
import { canWriteRawHead, serializeHead, writeRawHead } from './raw-head.ts';
import type { HeaderRecord } from '../forward/upstream-request.ts';
import { abortResponse } from '../server/pipeline.ts';
import { ageHeaderValue, buildServedFields, pushFields, storedHead } from './response-fields.ts';
import { HeadMemo } from './head-memo.ts';
import type { HeaderEdits } from '../config/types.ts';
import { applyHeaderEdits } from '../forward/rewrite.ts';
import { representationLength, servePartial } from './serve-range.ts';
import { writeChunks } from './write-chunks.ts';
import type { StoredBody } from './store/types.ts';
import { isRemoteBody } from './store/remote-body.ts';
import { streamRemoteBody } from './stream-remote.ts';

/** The head of a 304 answered from a stored entry, prepared on its first 304 and reused by the next ones. */
interface NotModifiedHead {
  /** RFC 9110 §15.4.5 fields of the stored response plus our Via: `[name, value, …]` for `writeHead`. */
  readonly fields: string[];
  /** Status line plus the same fields, serialised for the fast path. */
  readonly serialized: string;
}

const notModifiedHeads = new HeadMemo<NotModifiedHead>();

function notModifiedHead(options: ClientHeaderOptions, meta: EntryMeta, edits: HeaderEdits | undefined): NotModifiedHead {
  let head = notModifiedHeads.get(meta, edits);
  if (head === undefined) {
    const headers = selectNotModifiedHeaders(meta.headers);
    // The route's response rewrite applies to a 304 as to the response it stands for.
    if (edits !== undefined) applyHeaderEdits(headers, edits);
    const fields = flattenHeaders(headers);
    fields.push('via', `1.1 ${options.via}`);
    head = { fields, serialized: serializeHead(304, fields) };
    notModifiedHeads.set(meta, edits, head);
  }
  return head;
}

/**
 * Answers from a stored (or still filling) response: 304 when the client's own validators match
 * (RFC 9110 §13.1.1–13.1.3, §15.4.5), otherwise the stored status, fields and body. `fetchedFields` are
 * the origin's fields when the response was fetched for this request. A body the shared tier holds is
 * streamed as it is read (HEAD and 304 never read it). Resolves once the body is handed to the socket.
 */
export function serveFromCache(
  options: ClientHeaderOptions,
  ex: Exchange,
  meta: EntryMeta,
  body: StoredBody | GrowingBody,
  now: number,
  cacheStatus: string,
  fetchedFields?: HeaderRecord,
): Promise<boolean> | boolean {
  const { res } = ex;
  const hasConditional = ex.req.headers['if-none-match'] !== undefined || ex.req.headers['if-modified-since'] !== undefined;
  if (hasConditional && evaluateClientConditional(ex.method, ex.req.headers, meta) === 'not-modified') {
    const notModified = notModifiedHead(options, meta, ex.route.responseHeaders);
    const age = ageHeaderValue(meta, now);
    if (ex.cors === undefined && canWriteRawHead(res, ex.req.httpVersion)) {
      writeRawHead(res, 304, notModified.serialized, age, cacheStatus, ex.requestId, ex.headLines);
    } else {
      const head = notModified.fields.slice();
      head.push('age', age, 'cache-status', cacheStatus, 'x-request-id', ex.requestId);
      if (ex.cors !== undefined) pushFields(head, ex.cors);
      res.writeHead(304, head);
    }
    res.end();
    return true;
  }
  if (ex.req.headers.range !== undefined && ex.method === 'GET' && meta.status === 200) {
    const length = representationLength(meta, body);
    // A body still arriving without a Content-Length: its ranges are known once it is complete.
    if (length === undefined) return serveWhenComplete(options, ex, meta, body as GrowingBody, now, cacheStatus, fetchedFields);
    const ranged = evaluateRange(ex.method, ex.req.headers, meta.status, meta.headers, length);
    if (ranged.kind !== 'full')
      return servePartial(ex, ranged, length, buildServedFields(options, ex, meta, now, cacheStatus, fetchedFields), body, cacheStatus);
  }
  if (fetchedFields === undefined && ex.cors === undefined && Array.isArray(body)) {
    const { serialized } = storedHead(options, meta, ex.route.responseHeaders);
    if (serialized !== undefined && canWriteRawHead(res, ex.req.httpVersion)) {
      writeRawHead(res, meta.status, serialized, ageHeaderValue(meta, now), cacheStatus, ex.requestId, ex.headLines);
      return writeStoredBody(ex, res, body as readonly Buffer[]);
    }
  }
  res.writeHead(meta.status, buildServedFields(options, ex, meta, now, cacheStatus, fetchedFields));
  if (ex.method === 'HEAD') {
    res.end();
    return true;
  }
  if (Array.isArray(body)) return writeStoredBody(ex, res, body as readonly Buffer[]);
  if (isRemoteBody(body)) return streamRemoteBody(res, body);
  return (body as GrowingBody).pipeTo(res, abortResponse);
}

async function serveWhenComplete(
  options: ClientHeaderOptions,
  ex: Exchange,
  meta: EntryMeta,
  body: GrowingBody,
  now: number,
  cacheStatus: string,
  fetchedFields: HeaderRecord | undefined,
): Promise<boolean> {
  await body.whenSettled();
  if (body.failed !== undefined) {
    abortResponse(ex.res);
    return false;
  }
  return serveFromCache(options, ex, meta, body, now, cacheStatus, fetchedFields);
}

function writeStoredBody(ex: Exchange, res: ServerResponse, chunks: readonly Buffer[]): Promise<boolean> | boolean {
  if (ex.method === 'HEAD' || chunks.length === 0) {
    res.end();
    return true;
  }
  if (chunks.length === 1) {
    res.end(chunks[0]);
    return true;
  }
  return writeChunks(res, chunks);
}
