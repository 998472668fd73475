import type { PartialRange } from './entry.ts';
import type { HeaderMap } from './headers.ts';
import type { RequestDirectives, ResponseDirectives } from './directives.ts';
import { isHeuristicallyCacheable } from './freshness.ts';
import { readEntityTag } from './etag.ts';
import { readPartialContent } from './partial-content.ts';
import { parseVary } from './vary.ts';

export type StoreDecision = { storable: true } | { storable: false; reason: StoreRefusal };

export type StoreRefusal =
  | 'method'
  | 'status'
  | 'no-store'
  | 'must-understand'
  | 'private'
  | 'authorization'
  | 'vary-star'
  | 'no-freshness'
  /** A 206 that is not one range of a known length: multipart, no valid `Content-Range`, or a body length that disagrees (RFC 9111 §3.3). */
  | 'content-range'
  /** A 206 without a strong entity-tag: its range could not be combined or checked with If-Range (RFC 9111 §3.4). */
  | 'weak-validator'
  /** A 206 whose range is larger than the largest body stored. */
  | 'too-large';

/** Whether a 206 may be stored, and the range it holds. */
export type PartialStoreDecision = { storable: true; range: PartialRange } | { storable: false; reason: StoreRefusal };

export interface StorabilityInput {
  readonly method: string;
  readonly status: number;
  readonly requestDirectives: RequestDirectives;
  readonly hasAuthorization: boolean;
  readonly directives: ResponseDirectives;
  readonly headers: HeaderMap;
}

/**
 * Status codes whose caching requirements this cache implements, for `must-understand` (RFC 9111
 * §5.2.2.3): the final codes of RFC 9110 §15 except 416 (never stored: a 416 from the cache is made from
 * the stored length), 304 (a validation answer, never stored by itself), 305/306 (obsolete) and 407
 * (proxy-specific). 206 is understood: stored only as a partial response (§3.3, `decidePartialStorability`).
 */
const UNDERSTOOD_STATUSES: ReadonlySet<number> = new Set([
  200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 307, 308, 400, 401, 402, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414,
  415, 417, 421, 422, 426, 500, 501, 502, 503, 504, 505,
]);

const STORABLE: StoreDecision = Object.freeze({ storable: true });

/**
 * Whether a shared cache may store this response as a complete one (RFC 9111 §3, §3.5). Only GET responses
 * are stored (HEAD and POST responses never are: a HEAD response has no content to reuse, POST answers are
 * not reusable for GET here). Any final status may be stored except 206 (see `decidePartialStorability`)
 * and 304; with `must-understand` the status must be in the understood set, and then a response `no-store`
 * is overridden (§5.2.2.3); a request `no-store` always prevents storing (§5.2.1.5).
 */
export function decideStorability(input: StorabilityInput): StoreDecision {
  if (input.status === 206 && input.method === 'GET') return refuse('status');
  return decideByDirectives(input);
}

/**
 * Whether a 206 may be stored as a partial response (RFC 9111 §3.3), and the range it holds: a single part
 * with `Content-Range: bytes first-last/complete-length` (a known length, no multipart/byteranges) that its
 * Content-Length agrees with, a strong entity-tag (§3.4 combines only with one; If-Range needs one to
 * match, RFC 9110 §13.1.5), at most `maxObjectBytes` long, and otherwise what a 200 needs (§3).
 */
export function decidePartialStorability(input: StorabilityInput, maxObjectBytes: number): PartialStoreDecision {
  if (input.status !== 206) return refuse('status');
  const range = readPartialContent(input.headers);
  if (range === undefined) return refuse('content-range');
  const tag = readEntityTag(input.headers['etag']);
  if (tag === undefined || tag.weak) return refuse('weak-validator');
  if (range.end - range.start + 1 > maxObjectBytes) return refuse('too-large');
  const decision = decideByDirectives(input);
  return decision.storable ? { storable: true, range } : decision;
}

function decideByDirectives(input: StorabilityInput): StoreDecision {
  const { status, directives } = input;
  if (input.method !== 'GET') return refuse('method');
  if (status < 200 || status > 599 || status === 304) return refuse('status');
  if (input.requestDirectives.noStore) return refuse('no-store');
  if (directives.mustUnderstand) {
    if (!isUnderstoodStatus(status)) return refuse('must-understand');
  } else if (directives.noStore) {
    return refuse('no-store');
  }
  if (directives.private) return refuse('private');
  // §3.5: only public, s-maxage and must-revalidate let a shared cache reuse an answer to Authorization.
  if (input.hasAuthorization && !directives.public && directives.sMaxAge === undefined && !directives.mustRevalidate)
    return refuse('authorization');
  if (parseVary(input.headers) === '*') return refuse('vary-star');
  if (!hasFreshnessInformation(status, directives, input.headers)) return refuse('no-freshness');
  return STORABLE;
}

/** RFC 9111 §5.2.2.3: the cache implements this status code's caching requirements. */
export function isUnderstoodStatus(status: number): boolean {
  return UNDERSTOOD_STATUSES.has(status);
}

/** RFC 9111 §3, last item: public, s-maxage, max-age, Expires, or a heuristically cacheable status. */
function hasFreshnessInformation(status: number, directives: ResponseDirectives, headers: HeaderMap): boolean {
  return (
    directives.public ||
    directives.sMaxAge !== undefined ||
    directives.maxAge !== undefined ||
    (!directives.targeted && headers['expires'] !== undefined) ||
    isHeuristicallyCacheable(status)
  );
}

function refuse(reason: StoreRefusal): { storable: false; reason: StoreRefusal } {
  return { storable: false, reason };
}
