import type { Exchange } from '../forward/exchange.ts';
import type { UpstreamResponse } from '../forward/upstream-request.ts';
import { ConnectionTag, type ConnectionTerm } from '../upstream/connection-guard.ts';
import type { StoredEntry } from './store/types.ts';
import type { RequestDirectives } from './policy/cache-control.ts';
import { formatCacheStatus, type ForwardReason } from './policy/cache-status.ts';
import { buildEntryMeta } from './policy/entry-meta.ts';
import { PARTIAL_VARIANT_SUFFIX } from './policy/partial-content.ts';
import { decidePartialStorability } from './policy/storability.ts';
import { buildVariantKey, parseVary } from './policy/vary.ts';
import { addKeyHeaders } from './policy/key.ts';
import { GrowingBody } from './growing-body.ts';
import type { Fill } from './fills.ts';
import { buildStorabilityInput, selectRouteDefaultTtl, type OriginFetchDeps } from './origin-fetch.ts';
import { buildPartialEntry, findStoredPartial } from './partial-entry.ts';
import { storeWhenInSync } from './store-in-sync.ts';

/**
 * A Range request for a response known to be too large to keep whole goes to the origin as the client sent
 * it (Range, If-Range and validators included: the origin answers this client, RFC 9110 §14.2) and the answer
 * is relayed. A 206 that may be stored (`decidePartialStorability`) is kept as the variant's partial response
 * once all its bytes have arrived, combined with the partial already stored where RFC 9111 §3.4 allows
 * (`buildPartialEntry`), so the next range it covers is a hit. `fwd` says why the request went forward
 * (RFC 9211 §2.2: `partial` when a stored partial did not cover it).
 */
export async function fetchRange(
  deps: OriginFetchDeps,
  ex: Exchange,
  key: string,
  request: RequestDirectives,
  fwd: ForwardReason,
): Promise<'miss' | 'error'> {
  const name = deps.config.name;
  const requestAt = deps.clock.now();
  const connection = new ConnectionTag();
  const upstream = await deps.forwarder.fetch(ex, 'GET', deps.forwarder.headersFor(ex), connection);
  if (!upstream.ok) {
    deps.forwarder.fail(ex, upstream, formatCacheStatus(name, { hit: false, fwd, detail: upstream.kind }));
    return 'error';
  }
  const responseAt = deps.clock.now();
  const input = buildStorabilityInput(deps.config, ex, upstream, request);
  const decision = decidePartialStorability(input, deps.maxObjectBytes);
  if (!decision.storable) {
    deps.forwarder.relay(ex, upstream, formatCacheStatus(name, { hit: false, fwd, fwdStatus: upstream.status, detail: decision.reason }));
    return upstream.status >= 500 ? 'error' : 'miss';
  }
  const vary = parseVary(upstream.headers);
  const varyFields = addKeyHeaders(vary === '*' ? [] : vary, ex.route.cacheKey?.headers);
  const range = decision.range;
  const meta = buildEntryMeta(
    {
      key,
      variantKey: buildVariantKey(varyFields, ex.req.headers) + PARTIAL_VARIANT_SUFFIX,
      varyFields,
      status: 206,
      headers: upstream.headers,
      directives: input.directives,
      requestAt,
      responseAt,
      size: range.end - range.start + 1,
      partial: range,
      defaultTtlSec: selectRouteDefaultTtl(ex, input.directives, upstream.headers),
    },
    deps.config,
  );
  // Registered as a fill, so an invalidation or purge while its bytes arrive keeps it from being stored.
  const fill: Fill = { meta, body: new GrowingBody() };
  deps.fills.add(fill);
  keepWhenComplete(deps, fill, upstream, connection.term);
  const ttlSec = Math.floor((meta.staleAt - responseAt) / 1000);
  deps.forwarder.relay(ex, upstream, formatCacheStatus(name, { hit: false, fwd, fwdStatus: 206, stored: true, ttlSec }));
  return 'miss';
}

/**
 * Collects the 206's chunks as they are relayed (shared, not copied) and stores the entry once the body has
 * arrived with exactly the range's length (RFC 9111 §3.3: an incomplete response is not stored as if complete).
 */
function keepWhenComplete(deps: OriginFetchDeps, fill: Fill, upstream: UpstreamResponse, connection: ConnectionTerm | undefined): void {
  const body = fill.body;
  const expected = fill.meta.size;
  let dropped = false;
  const drop = (): void => {
    dropped = true;
    deps.fills.remove(fill);
  };
  upstream.body.on('data', (chunk: Buffer) => {
    if (dropped) return;
    body.push(chunk);
    if (body.size > expected) drop();
  });
  upstream.body.once('end', () => {
    if (dropped) return;
    body.finish();
    if (body.size === expected) void combineAndStore(deps, fill, connection);
    else drop();
  });
  // An error, or the client going away first, ends the body early.
  upstream.body.once('close', () => {
    if (!body.done && !dropped) drop();
  });
}

async function combineAndStore(deps: OriginFetchDeps, fill: Fill, connection: ConnectionTerm | undefined): Promise<void> {
  const meta = fill.meta;
  let stored: readonly StoredEntry[] | undefined;
  try {
    stored = await deps.store.get(meta.key, deps.clock.now());
  } catch (err) {
    // Without the stored partial, the new one is stored alone.
    deps.logger.warn({ err, key: meta.key }, 'cache store read failed');
  }
  const entry = buildPartialEntry(findStoredPartial(stored, meta.variantKey), { meta, body: fill.body.chunks }, deps.maxObjectBytes);
  // Every byte is now stored as the complete response: the key is no longer one the cache cannot keep.
  if (entry.meta.partial === undefined) deps.passMemo.forget(meta.key);
  await storeWhenInSync(deps, entry.meta, entry.body, connection, () => deps.fills.remove(fill));
}
