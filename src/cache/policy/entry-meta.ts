import type { CacheConfig } from '../../config/types.ts';
import type { EntryMeta, PartialRange } from './entry.ts';
import type { HeaderMap } from './headers.ts';
import type { ResponseDirectives } from './cache-control.ts';
import { computeFreshnessLifetime, computeInitialAge, hasInvalidAge } from './freshness.ts';
import { buildStoredPolicy } from './usability.ts';
import { selectStoredHeaders } from './stored-headers.ts';
import { parseCacheTags } from './tags.ts';
import { formatHttpDate } from './http-date.ts';

export interface EntryMetaInput {
  readonly key: string;
  readonly variantKey: string;
  readonly varyFields: readonly string[];
  readonly status: number;
  /** Response fields as received (the stored subset is selected here). */
  readonly headers: HeaderMap;
  readonly directives: ResponseDirectives;
  readonly requestAt: number;
  readonly responseAt: number;
  readonly size: number;
  /** The range a stored 206 holds; absent for a complete response. */
  readonly partial?: PartialRange;
  /** The route's default lifetime, when it may apply to this response (see `selectDefaultTtl`). */
  readonly defaultTtlSec?: number | undefined;
}

type MutableMeta = { -readonly [K in keyof EntryMeta]: EntryMeta[K] };

/**
 * Everything a stored response needs to be served later without re-parsing: stored fields (RFC 9111 §3.1),
 * age at arrival (§4.2.3), absolute stale and delete times (§4.2.1, §4.2.2; stale at once with an invalid Age,
 * §5.1), the directives that still matter.
 */
export function buildEntryMeta(input: EntryMetaInput, config: CacheConfig): EntryMeta {
  const { lifetimeSec, heuristic } = computeFreshnessLifetime(
    input.status,
    input.directives,
    input.headers,
    input.responseAt,
    config,
    input.defaultTtlSec,
  );
  const initialAgeSec = computeInitialAge(input.headers, input.requestAt, input.responseAt);
  // The default a response was stored under is kept, so a 304 that states no freshness either renews it (§4.3.4).
  const policy = buildStoredPolicy(input.directives, heuristic, heuristic ? input.defaultTtlSec : undefined);
  const lifetimeEndAt = input.responseAt + (lifetimeSec - initialAgeSec) * 1000;
  // RFC 9111 §5.1: an invalid Age makes the response stale from arrival; it is still kept for revalidation.
  const staleAt = hasInvalidAge(input.headers) ? Math.min(lifetimeEndAt, input.responseAt) : lifetimeEndAt;
  const keepSec = Math.max(policy.staleWhileRevalidateSec, policy.staleIfErrorSec, config.keepStaleSec);
  const headers = selectStoredHeaders(input.headers, input.directives);
  // RFC 9110 §6.6.1: a recipient with a clock adds Date when the origin sent none.
  if (headers['date'] === undefined) headers['date'] = formatHttpDate(input.responseAt);
  // RFC 9110 §8.6: a 204 carries no Content-Length, whatever the origin sent.
  if (input.status === 204) delete headers['content-length'];
  const meta: MutableMeta = {
    key: input.key,
    variantKey: input.variantKey,
    varyFields: input.varyFields,
    status: input.status,
    headers: Object.freeze(headers),
    requestAt: input.requestAt,
    responseAt: input.responseAt,
    initialAgeSec,
    staleAt,
    deleteAt: staleAt + keepSec * 1000,
    policy,
    tags: parseCacheTags(input.headers),
    size: input.size,
  };
  // Only partial entries carry the field, so a complete entry looks (and serialises) as it always did.
  if (input.partial !== undefined) meta.partial = input.partial;
  return Object.freeze(meta);
}
