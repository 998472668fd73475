import type { ServerResponse } from 'node:http';
import type { Exchange } from '../forward/exchange.ts';
import type { EntryMeta } from './policy/entry.ts';
import type { GrowingBody } from './growing-body.ts';
import { computeCurrentAge } from './policy/usability.ts';
import { evaluateClientConditional, selectNotModifiedHeaders } from './policy/conditional.ts';
import { flattenHeaders, appendVia, buildClientHeaders, type ClientHeaderOptions } from '../forward/response-headers.ts';
import { canWriteRawHead, serializeHead, serializeStoredHead, writeRawHead } from './raw-head.ts';
import type { HeaderRecord } from '../forward/upstream-request.ts';
import { abortResponse } from '../server/pipeline.ts';

const TAG_FIELDS: ReadonlySet<string> = new Set(['surrogate-key', 'cache-tag']);

/** The response head of a stored entry, prepared once per entry and reused by every hit. */
interface StoredHead {
  /** Stored fields with our Via, tags removed unless forwarded: `[name, value, …]` for `writeHead`. */
  readonly fields: string[];
  /** Status line plus the same fields, serialised for the fast path; undefined without a Content-Length. */
  readonly serialized: string | undefined;
}

const headCache = new WeakMap<EntryMeta, StoredHead>();

function storedHead(options: ClientHeaderOptions, meta: EntryMeta): StoredHead {
  let head = headCache.get(meta);
  if (head === undefined) {
    const headers: Record<string, string | readonly string[] | undefined> = { ...meta.headers };
    appendVia(headers as Record<string, string | string[] | undefined>, options.via);
    const fields = flattenHeaders(headers, options.forwardTagHeaders ? undefined : TAG_FIELDS);
    head = { fields, serialized: serializeStoredHead(meta.status, fields) };
    headCache.set(meta, head);
  }
  return head;
}

/** The head of a 304 answered from a stored entry, prepared on its first 304 and reused by the next ones. */
interface NotModifiedHead {
  /** RFC 9110 §15.4.5 fields of the stored response plus our Via: `[name, value, …]` for `writeHead`. */
  readonly fields: string[];
  /** Status line plus the same fields, serialised for the fast path. */
  readonly serialized: string;
}

const notModifiedCache = new WeakMap<EntryMeta, NotModifiedHead>();

function notModifiedHead(options: ClientHeaderOptions, meta: EntryMeta): NotModifiedHead {
  let head = notModifiedCache.get(meta);
  if (head === undefined) {
    const fields = flattenHeaders(selectNotModifiedHeaders(meta.headers));
    fields.push('via', `1.1 ${options.via}`);
    head = { fields, serialized: serializeHead(304, fields) };
    notModifiedCache.set(meta, head);
  }
  return head;
}

/** Age in whole seconds for the `Age` field (RFC 9111 §5.1). */
function ageHeaderValue(meta: EntryMeta, now: number): string {
  const age = computeCurrentAge(meta, now);
  return age <= 0 ? '0' : String(Math.floor(age));
}

/**
 * Answers from a stored (or still filling) response: 304 when the client's own validators match
 * (RFC 9110 §13.1.1–13.1.3, §15.4.5), otherwise the stored status, fields and body. `fetchedFields` are
 * the origin's fields when the response was fetched for this request.
 * Resolves once the body is handed to the socket.
 */
export function serveFromCache(
  options: ClientHeaderOptions,
  ex: Exchange,
  meta: EntryMeta,
  body: readonly Buffer[] | GrowingBody,
  now: number,
  cacheStatus: string,
  fetchedFields?: HeaderRecord,
): Promise<boolean> | boolean {
  const { res } = ex;
  const hasConditional = ex.req.headers['if-none-match'] !== undefined || ex.req.headers['if-modified-since'] !== undefined;
  if (hasConditional && evaluateClientConditional(ex.method, ex.req.headers, meta) === 'not-modified') {
    const notModified = notModifiedHead(options, meta);
    const age = ageHeaderValue(meta, now);
    if (ex.cors === undefined && canWriteRawHead(res, ex.req.httpVersion)) {
      writeRawHead(res, 304, notModified.serialized, `age: ${age}\r\ncache-status: ${cacheStatus}\r\nx-request-id: ${ex.requestId}\r\n`);
    } else {
      const head = notModified.fields.slice();
      head.push('age', age, 'cache-status', cacheStatus, 'x-request-id', ex.requestId);
      if (ex.cors !== undefined) pushFields(head, ex.cors);
      res.writeHead(304, head);
    }
    res.end();
    return true;
  }
  let head: string[];
  if (fetchedFields === undefined && ex.cors === undefined && Array.isArray(body)) {
    const { serialized } = storedHead(options, meta);
    if (serialized !== undefined && canWriteRawHead(res, ex.req.httpVersion)) {
      const tail = `age: ${ageHeaderValue(meta, now)}\r\ncache-status: ${cacheStatus}\r\nx-request-id: ${ex.requestId}\r\n`;
      writeRawHead(res, meta.status, serialized, tail);
      return writeStoredBody(ex, res, body as readonly Buffer[]);
    }
  }
  if (fetchedFields === undefined) {
    head = storedHead(options, meta).fields.slice();
    head.push('age', ageHeaderValue(meta, now), 'cache-status', cacheStatus, 'x-request-id', ex.requestId);
  } else {
    // The response fetched for this very request: the origin's fields as sent (including any named by
    // no-cache="…" / private="…", which only later requests must not see), and no Age of our own.
    const fields = buildClientHeaders(fetchedFields, options);
    // RFC 9110 §8.6: a 204 carries no Content-Length, whatever the origin sent.
    if (meta.status === 204) delete fields['content-length'];
    head = flattenHeaders(fields);
    head.push('cache-status', cacheStatus, 'x-request-id', ex.requestId);
  }
  if (ex.cors !== undefined) pushFields(head, ex.cors);
  res.writeHead(meta.status, head);
  if (ex.method === 'HEAD') {
    res.end();
    return true;
  }
  if (!Array.isArray(body)) return (body as GrowingBody).pipeTo(res, abortResponse);
  return writeStoredBody(ex, res, body as readonly Buffer[]);
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

/** Appends fields to a flat head; a second `Vary` line is fine: list fields combine (RFC 9110 §5.3). */
function pushFields(head: string[], fields: Readonly<Record<string, string>>): void {
  // The edge owns CORS on this route: stored upstream CORS fields are dropped first.
  for (let i = head.length - 2; i >= 0; i -= 2) {
    if ((head[i] as string).startsWith('access-control-')) head.splice(i, 2);
  }
  for (const name in fields) head.push(name, fields[name] as string);
}

/** Writes shared chunks with backpressure: a slow client holds a cursor, never a copy. */
function writeChunks(res: ServerResponse, chunks: readonly Buffer[]): Promise<boolean> | boolean {
  let index = 0;
  while (index < chunks.length) {
    if (!res.write(chunks[index++])) break;
  }
  if (index === chunks.length) {
    res.end();
    return true;
  }
  return new Promise((resolve) => {
    const onDrain = (): void => {
      while (index < chunks.length) {
        if (!res.write(chunks[index++])) return;
      }
      cleanup();
      res.end();
      resolve(true);
    };
    const onClose = (): void => {
      cleanup();
      resolve(false);
    };
    const cleanup = (): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
    };
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
