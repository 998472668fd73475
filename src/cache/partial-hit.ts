import type { IncomingHttpHeaders } from 'node:http';
import type { Exchange } from '../forward/exchange.ts';
import type { ClientHeaderOptions } from '../forward/response-headers.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { StoredEntry } from './store/types.ts';
import type { RequestDirectives } from './policy/cache-control.ts';
import { formatCacheStatus, type HitStatus } from './policy/cache-status.ts';
import { PARTIAL_VARIANT_SUFFIX, selectPartialRanges } from './policy/partial-content.ts';
import type { PartialRange } from './policy/entry.ts';
import { evaluateUsability } from './policy/usability.ts';
import { buildVariantKey } from './policy/vary.ts';
import { buildServedFields } from './response-fields.ts';
import { servePartial } from './serve-range.ts';

/** What answering from a stored partial response reads. */
export interface PartialHitDeps {
  readonly config: { readonly name: string };
  readonly clientHeaders: ClientHeaderOptions;
  readonly metrics: Metrics;
  /** `Cache-Status` of a fresh hit. */
  readonly hitStatus: HitStatus;
}

/** The stored partial response of the request's variant (RFC 9111 §4.1), if there is one. */
export function selectPartial(variants: readonly StoredEntry[], headers: IncomingHttpHeaders): StoredEntry | undefined {
  for (const entry of variants) {
    const meta = entry.meta;
    if (meta.partial === undefined) continue;
    if (meta.varyFields.length === 0 || buildVariantKey(meta.varyFields, headers) + PARTIAL_VARIANT_SUFFIX === meta.variantKey)
      return entry;
  }
  return undefined;
}

/**
 * Answers a GET with Range from a stored partial response when that is allowed and possible: the partial is
 * fresh, or stale within the request's max-stale (RFC 9111 §4.2.4; a partial that would need revalidating is
 * not used: the request goes to the origin, whose 206 then refreshes it), the request carries no validators
 * of its own (If-None-Match and If-Modified-Since are evaluated against a whole response first, RFC 9110
 * §13.2.2), and every range it asks for is held (see `selectPartialRanges`). The 206 is sliced from the
 * stored chunks, its Content-Range giving the complete length. Undefined when it cannot answer.
 */
export function servePartialHit(
  deps: PartialHitDeps,
  ex: Exchange,
  entry: StoredEntry,
  directives: RequestDirectives,
  now: number,
): 'hit' | 'stale' | undefined {
  const headers = ex.req.headers;
  if (headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined) return undefined;
  const meta = entry.meta;
  const ranges = selectPartialRanges(headers, meta);
  if (ranges === undefined) return undefined;
  const usability = evaluateUsability(meta, directives, now);
  let cacheStatus: string;
  if (usability.kind === 'fresh') cacheStatus = deps.hitStatus(usability.ttlSec);
  else if (usability.kind === 'stale-allowed') {
    deps.metrics.recordStaleServed('max-stale');
    cacheStatus = formatCacheStatus(deps.config.name, { hit: true, ttlSec: Math.floor(usability.ttlSec), detail: 'max-stale' });
  } else return undefined;
  const held = meta.partial as PartialRange;
  const fields = buildServedFields(deps.clientHeaders, ex, meta, now, cacheStatus, undefined);
  void servePartial(ex, { kind: 'partial', ranges }, held.completeLength, fields, entry.body, cacheStatus, held.start);
  return usability.kind === 'fresh' ? 'hit' : 'stale';
}
