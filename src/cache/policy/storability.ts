import type { HeaderMap } from './headers.ts';
import type { RequestDirectives, ResponseDirectives } from './directives.ts';
import { isHeuristicallyCacheable } from './freshness.ts';
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
  | 'no-freshness';

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
 * §5.2.2.3): the final codes of RFC 9110 §15 except 206 and 416 (no range support), 304 (a validation
 * answer, never stored by itself), 305/306 (obsolete) and 407 (proxy-specific).
 */
const UNDERSTOOD_STATUSES: ReadonlySet<number> = new Set([
  200, 201, 202, 203, 204, 205, 300, 301, 302, 303, 307, 308, 400, 401, 402, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415,
  417, 421, 422, 426, 500, 501, 502, 503, 504, 505,
]);

const STORABLE: StoreDecision = Object.freeze({ storable: true });

/**
 * Whether a shared cache may store this response (RFC 9111 §3, §3.5). Only GET responses are stored (HEAD
 * and POST responses never are: a HEAD response has no content to reuse, POST answers are not reusable
 * for GET here). Any final status may be stored except 206 (ranges are not implemented) and 304; with
 * `must-understand` the status must be in the understood set, and then a response `no-store` is
 * overridden (§5.2.2.3); a request `no-store` always prevents storing (§5.2.1.5).
 */
export function decideStorability(input: StorabilityInput): StoreDecision {
  const { status, directives } = input;
  if (input.method !== 'GET') return refuse('method');
  if (status < 200 || status > 599 || status === 206 || status === 304) return refuse('status');
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

function refuse(reason: StoreRefusal): StoreDecision {
  return { storable: false, reason };
}
