import { parseHttpDate } from '../cache/policy/http-date.ts';
import type { ParsedETag } from './etag.ts';
import { parseETag, parseETagList } from './etag.ts';

/** Request headers as Node gives them (`req.headers`); names are looked up lower-case first. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

/** What the origin knows about the selected representation before performing the method. */
export interface RepresentationState {
  /** The current ETag field value (`"..."` or `W/"..."`), if the representation has one. */
  readonly etag?: string;
  /** Last modification time: a Date or epoch ms. Compared at one-second precision, as HTTP-dates carry. */
  readonly lastModified?: Date | number;
  /** Whether a current representation exists (default true); `false` for a PUT that would create it. */
  readonly exists?: boolean;
}

/** The result of evaluating preconditions: go on, answer 304 Not Modified, or answer 412 Precondition Failed. */
export type Precondition = { readonly outcome: 'proceed' } | { readonly outcome: 'not-modified' } | { readonly outcome: 'failed' };

const PROCEED: Precondition = Object.freeze({ outcome: 'proceed' });
const NOT_MODIFIED: Precondition = Object.freeze({ outcome: 'not-modified' });
const FAILED: Precondition = Object.freeze({ outcome: 'failed' });

/**
 * Evaluates `If-Match`, `If-Unmodified-Since`, `If-None-Match` and `If-Modified-Since` in the order of
 * RFC 9110 §13.2.2, as an origin server does before performing the method. `If-Range` is not evaluated.
 *
 * - If-Match (§13.1.1), strong comparison; `*` is true when a representation exists. False → `failed`.
 * - If-Unmodified-Since (§13.1.4), only without If-Match; ignored when not a valid HTTP-date or when
 *   there is no `lastModified`. False → `failed`.
 * - If-None-Match (§13.1.2), weak comparison; `*` is false when a representation exists. False →
 *   `not-modified` for GET and HEAD, `failed` for every other method.
 * - If-Modified-Since (§13.1.3), only for GET and HEAD without If-None-Match; ignored when invalid, a
 *   list, or without `lastModified`. False → `not-modified`.
 *
 * An empty field value counts as absent. Methods are case-sensitive (RFC 9110 §9.1).
 * Throws `TypeError` when `state.etag` is not an entity-tag (a bug in the caller, not in the request).
 *
 * @example
 * const state = { etag: strongETag(body), lastModified: row.updatedAt };
 * const pre = evaluatePreconditions(req.method ?? 'GET', req.headers, state);
 * if (pre.outcome === 'not-modified') return sendNotModified(res, { etag: state.etag });
 * if (pre.outcome === 'failed') return sendPreconditionFailed(res);
 */
export function evaluatePreconditions(method: string, requestHeaders: RequestHeaders, state: RepresentationState): Precondition {
  const current = readCurrentETag(state.etag);
  const exists = state.exists ?? true;
  const lastModifiedSec = toEpochSeconds(state.lastModified);

  const ifMatch = readField(requestHeaders, 'if-match');
  if (ifMatch !== undefined) {
    if (!isIfMatchTrue(ifMatch, current, exists)) return FAILED;
  } else {
    const since = readSingleDateSec(requestHeaders, 'if-unmodified-since');
    if (since !== undefined && lastModifiedSec !== undefined && lastModifiedSec > since) return FAILED;
  }

  const ifNoneMatch = readField(requestHeaders, 'if-none-match');
  const isRead = method === 'GET' || method === 'HEAD';
  if (ifNoneMatch !== undefined) {
    if (!isIfNoneMatchTrue(ifNoneMatch, current, exists)) return isRead ? NOT_MODIFIED : FAILED;
  } else if (isRead) {
    const since = readSingleDateSec(requestHeaders, 'if-modified-since');
    if (since !== undefined && lastModifiedSec !== undefined && lastModifiedSec <= since) return NOT_MODIFIED;
  }
  return PROCEED;
}

/**
 * True when the request carries no `If-Match`, so an origin that insists on optimistic locking should
 * answer 428 Precondition Required (RFC 6585 §3) instead of performing an unsafe method. The caller
 * decides which methods need it.
 *
 * @example
 * if (req.method === 'PUT' && requireIfMatch(req.headers)) return sendPreconditionRequired(res);
 */
export function requireIfMatch(requestHeaders: RequestHeaders): boolean {
  return readField(requestHeaders, 'if-match') === undefined;
}

// RFC 9110 §13.1.1: strong comparison; a weak current tag never matches.
function isIfMatchTrue(value: string, current: ParsedETag | undefined, exists: boolean): boolean {
  const list = parseETagList(value);
  if (!exists) return false;
  if (list.any) return true;
  if (current === undefined || current.weak) return false;
  return list.tags.some((tag) => !tag.weak && tag.opaque === current.opaque);
}

// RFC 9110 §13.1.2: weak comparison.
function isIfNoneMatchTrue(value: string, current: ParsedETag | undefined, exists: boolean): boolean {
  const list = parseETagList(value);
  if (!exists) return true;
  if (list.any) return false;
  if (current === undefined) return true;
  return !list.tags.some((tag) => tag.opaque === current.opaque);
}

function readCurrentETag(etag: string | undefined): ParsedETag | undefined {
  if (etag === undefined) return undefined;
  const parsed = parseETag(etag);
  if (parsed === undefined)
    throw new TypeError(`evaluatePreconditions: state.etag ${JSON.stringify(etag)} is not an entity-tag; use strongETag() or weakETag().`);
  return parsed;
}

function toEpochSeconds(value: Date | number | undefined): number | undefined {
  const at = value instanceof Date ? value.getTime() : value;
  return at === undefined || !Number.isFinite(at) ? undefined : Math.floor(at / 1000);
}

// RFC 9110 §13.1.3-4: an invalid date or a list of dates is ignored.
function readSingleDateSec(headers: RequestHeaders, name: string): number | undefined {
  const raw = readRaw(headers, name);
  if (raw === undefined || (Array.isArray(raw) && raw.length !== 1)) return undefined;
  const at = parseHttpDate(typeof raw === 'string' ? raw : raw[0]);
  return at === undefined ? undefined : Math.floor(at / 1000);
}

/** The field value with repeated lines joined (RFC 9110 §5.3); undefined when absent or empty. */
function readField(headers: RequestHeaders, name: string): string | undefined {
  const raw = readRaw(headers, name);
  const joined = Array.isArray(raw) ? raw.join(', ') : raw;
  return joined === undefined || joined.trim() === '' ? undefined : joined;
}

function readRaw(headers: RequestHeaders, name: string): string | string[] | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === name) return headers[key];
  }
  return undefined;
}
