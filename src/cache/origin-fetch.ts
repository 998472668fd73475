import type { CacheConfig } from '../config/types.ts';
import type { Clock } from '../clock.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Exchange } from '../forward/exchange.ts';
import type { Forwarder } from '../forward/forwarder.ts';
import { removeClientConditionals } from '../forward/request-headers.ts';
import type { UpstreamFailure, UpstreamResponse } from '../forward/upstream-request.ts';
import { isCompleteDespiteError } from '../upstream/body-errors.ts';
import { ConnectionTag, type ConnectionTerm } from '../upstream/connection-guard.ts';
import type { StoredEntry } from './store/types.ts';
import type { EntryMeta } from './policy/entry.ts';
import type { RequestDirectives, ResponseDirectives } from './policy/cache-control.ts';
import { selectResponseDirectives, parseRequestDirectives } from './policy/cache-control.ts';
import { decidePartialStorability, decideStorability, type StorabilityInput } from './policy/storability.ts';
import { parseVary, buildVariantKey } from './policy/vary.ts';
import { buildValidationHeaders, selectEntriesToFreshen, freshenStoredHeaders } from './policy/conditional.ts';
import { buildEntryMeta } from './policy/entry-meta.ts';
import { parseContentLength } from './policy/headers.ts';
import { selectDefaultTtl } from './policy/default-ttl.ts';
import { addKeyHeaders } from './policy/key.ts';
import { GrowingBody } from './growing-body.ts';
import type { Fill, FillRegistry } from './fills.ts';
import type { PassMemo } from './pass-memo.ts';
import { storeWhenInSync, type StoreSink } from './store-in-sync.ts';

/** What fetching for the cache uses: the forwarder below, the store and the cache's own registries. */
export interface OriginFetchDeps extends StoreSink {
  readonly config: CacheConfig;
  /** Largest body stored (`store.maxObjectBytes`); a larger one is relayed and not kept. */
  readonly maxObjectBytes: number;
  readonly forwarder: Forwarder;
  readonly clock: Clock;
  readonly fills: FillRegistry;
  readonly passMemo: PassMemo;
  readonly metrics: Metrics;
}

const NO_REQUEST_DIRECTIVES = parseRequestDirectives({});

export type FetchOutcome =
  /** A storable response, streaming into the cache; readers share its chunks. */
  | { readonly kind: 'fill'; readonly fill: Fill; readonly upstream: UpstreamResponse; readonly settled: Promise<void> }
  /** The origin confirmed stored responses with 304 (RFC 9111 §4.3.4); `entry` is the freshened selected one. */
  | { readonly kind: 'freshened'; readonly entry: StoredEntry }
  /** Another instance fetched and stored the response while this one waited (see shared-fill.ts): a fresh hit. */
  | { readonly kind: 'stored'; readonly entry: StoredEntry; readonly ttlSec: number }
  /** Not storable: the body is still unread and belongs to whoever made the fetch. */
  | { readonly kind: 'pass'; readonly upstream: UpstreamResponse; readonly detail: string }
  | { readonly kind: 'failure'; readonly failure: UpstreamFailure };

export interface Validation {
  readonly selected: StoredEntry;
  readonly variants: readonly StoredEntry[];
}

/**
 * Asks the origin for a response to a cacheable GET and decides, from its head, whether it is stored.
 * With `validation`, the request carries the stored validators (RFC 9111 §4.3.1) and a 304 freshens
 * the stored responses instead (§4.3.4).
 */
export async function fetchForCache(
  deps: OriginFetchDeps,
  ex: Exchange,
  key: string,
  request: RequestDirectives,
  validation?: Validation,
  userKey?: string,
): Promise<FetchOutcome> {
  const headers = deps.forwarder.headersFor(ex);
  // The cache keeps whole responses and answers a client's Range from them (RFC 9110 §14.2): ask for all of it.
  delete headers['range'];
  delete headers['if-range'];
  // With nothing stored the client's own validators go to the origin (RFC 9111 §4.3.2), and a 304 passes
  // through unstored; when revalidating, ours replace them and the cache answers the client itself.
  if (validation !== undefined) {
    removeClientConditionals(headers);
    Object.assign(
      headers,
      buildValidationHeaders(
        validation.selected.meta,
        validation.variants.map((v) => v.meta),
      ),
    );
  }
  const requestAt = deps.clock.now();
  const connection = new ConnectionTag();
  const upstream = await deps.forwarder.fetch(ex, 'GET', headers, connection);
  if (!upstream.ok) return { kind: 'failure', failure: upstream };
  const responseAt = deps.clock.now();

  if (upstream.status === 304 && validation !== undefined) {
    const entry = await freshen(deps, upstream, validation, requestAt, responseAt);
    if (entry !== undefined) return { kind: 'freshened', entry };
    // The 304 names an entity-tag no stored response has (RFC 9111 §4.3.4): ask again for a full response.
    deps.metrics.recordUpstreamRetry(ex.upstream.pool.name, 'unmatched-304');
    return fetchForCache(deps, ex, key, request, undefined, userKey);
  }

  const input = buildStorabilityInput(deps.config, ex, upstream, request);
  const directives = input.directives;
  let decision = decideStorability(input);
  let storeKey = key;
  if (
    !decision.storable &&
    userKey !== undefined &&
    directives.private &&
    (directives.maxAge !== undefined || directives.sMaxAge !== undefined)
  ) {
    // Per-user caching: a `private` response with a freshness lifetime is stored for this subject alone,
    // as the user's own private cache would (RFC 9111 §5.2.2.7).
    const forSubject = decideStorability({ ...input, hasAuthorization: false, directives: { ...directives, private: false } });
    if (forSubject.storable) {
      decision = forSubject;
      storeKey = userKey;
    }
  }
  if (!decision.storable) return passOn(deps, key, upstream, decision.reason);
  const declaredLength = parseContentLength(upstream.headers['content-length']);
  const maxObjectBytes = deps.maxObjectBytes;
  if (declaredLength !== undefined && declaredLength > maxObjectBytes) return passOn(deps, key, upstream, 'too-large');
  deps.passMemo.forget(key);

  const vary = parseVary(upstream.headers);
  const varyFields = addKeyHeaders(vary === '*' ? [] : vary, ex.route.cacheKey?.headers);
  const meta = buildEntryMeta(
    {
      key: storeKey,
      variantKey: buildVariantKey(varyFields, ex.req.headers),
      varyFields,
      status: upstream.status,
      headers: upstream.headers,
      directives,
      requestAt,
      responseAt,
      size: declaredLength ?? 0,
      defaultTtlSec: selectRouteDefaultTtl(ex, directives, upstream.headers),
    },
    deps.config,
  );
  const fill: Fill = { meta, body: new GrowingBody() };
  deps.fills.add(fill);
  const settled = pumpIntoStore(deps, key, fill, upstream, declaredLength, maxObjectBytes, connection.term);
  return { kind: 'fill', fill, upstream, settled };
}

/** The route's `cache.defaultTtlSec` when it may give this response its lifetime (see `selectDefaultTtl`). */
export function selectRouteDefaultTtl(
  ex: Exchange,
  directives: ResponseDirectives,
  headers: UpstreamResponse['headers'],
): number | undefined {
  const defaultTtlSec = ex.route.defaultTtlSec;
  if (defaultTtlSec === undefined) return undefined;
  const request = ex.req.headers;
  const credentialed = request.authorization !== undefined || request.cookie !== undefined || ex.identity !== undefined;
  return selectDefaultTtl(defaultTtlSec, credentialed, directives, headers);
}

/** What deciding whether an origin response to this GET may be stored looks at (RFC 9111 §3, §3.5). */
export function buildStorabilityInput(
  config: CacheConfig,
  ex: Exchange,
  upstream: UpstreamResponse,
  request: RequestDirectives,
): StorabilityInput {
  return {
    method: 'GET',
    status: upstream.status,
    requestDirectives: request,
    hasAuthorization: ex.req.headers.authorization !== undefined || ex.identity !== undefined,
    directives: selectResponseDirectives(upstream.headers, config).directives,
    headers: upstream.headers,
  };
}

function passOn(deps: OriginFetchDeps, key: string, upstream: UpstreamResponse, detail: string): FetchOutcome {
  // A server error or a 304 to the client's own validators says nothing about whether the next answer is storable.
  if (upstream.status < 500 && upstream.status !== 304) deps.passMemo.remember(key, detail);
  return { kind: 'pass', upstream, detail };
}

/**
 * Reads the origin's body into the fill at the origin's pace (it is bounded by maxObjectBytes) and stores it once
 * complete, if its connection stayed in sync. The fill keeps answering (and coalescing) requests until the entry
 * is in the store, so none falls between the two. Resolves when the fill has settled: stored, dropped or failed.
 */
function pumpIntoStore(
  deps: OriginFetchDeps,
  key: string,
  fill: Fill,
  upstream: UpstreamResponse,
  declaredLength: number | undefined,
  maxObjectBytes: number,
  connection: ConnectionTerm | undefined,
): Promise<void> {
  const body = fill.body;
  let oversized = false;
  const { promise, resolve } = Promise.withResolvers<void>();
  upstream.body.on('data', (chunk: Buffer) => {
    body.push(chunk);
    if (!oversized && body.size > maxObjectBytes) {
      // Too large to keep: current readers still get every chunk, but nothing is stored.
      oversized = true;
      deps.fills.remove(fill);
      // Known too large from now on, as if its Content-Length had said so: its ranges go to the origin as asked.
      deps.passMemo.remember(key, 'too-large');
    }
  });
  upstream.body.once('end', () => {
    body.finish();
    // RFC 9111 §3.3: an incomplete response is never stored as complete.
    const complete = declaredLength === undefined || declaredLength === body.size;
    if (oversized || !complete) {
      deps.fills.remove(fill);
      resolve();
      return;
    }
    // An invalidation or purge while the entry waited forgets the fill: then nothing is stored.
    const claim = (): boolean => deps.fills.remove(fill);
    storeWhenInSync(deps, Object.freeze({ ...fill.meta, size: body.size }), body.chunks, connection, claim).then(resolve, resolve);
  });
  upstream.body.once('error', (err: Error) => {
    deps.fills.remove(fill);
    // Only an ignorable trailer field failed it: readers get the complete body; nothing is stored.
    if (isCompleteDespiteError(upstream.body, err)) body.finish();
    else body.fail(err);
    resolve();
  });
  return promise;
}

async function freshen(
  deps: OriginFetchDeps,
  upstream: UpstreamResponse,
  validation: Validation,
  requestAt: number,
  responseAt: number,
): Promise<StoredEntry | undefined> {
  upstream.body.resume();
  const metas = validation.variants.map((v) => v.meta);
  const selectedMeta = validation.selected.meta;
  const targets = selectEntriesToFreshen(upstream.headers, metas, selectedMeta);
  let answer: StoredEntry | undefined;
  for (const meta of targets) {
    const entry = meta === selectedMeta ? validation.selected : validation.variants.find((v) => v.meta === meta);
    if (entry === undefined) continue;
    const refreshed = freshenEntry(deps.config, entry, upstream, requestAt, responseAt);
    if (isStillStorable(deps, refreshed.meta)) await deps.store.put(refreshed.meta, refreshed.body);
    else await deps.store.delete(refreshed.meta.key);
    // The selected response answers; else one with the same strong entity-tag, which has the same content
    // (a partial one never: it holds only some of it).
    if (entry === validation.selected || (answer === undefined && refreshed.meta.partial === undefined)) answer = refreshed;
  }
  return answer;
}

/** A 304 may change the stored directives (e.g. to no-store or private): then the response must go (RFC 9111 §3). */
function isStillStorable(deps: OriginFetchDeps, meta: EntryMeta): boolean {
  const { directives } = selectResponseDirectives(meta.headers, deps.config);
  const input = {
    method: 'GET',
    status: meta.status,
    requestDirectives: NO_REQUEST_DIRECTIVES,
    hasAuthorization: false,
    directives,
    headers: meta.headers,
  };
  return meta.partial === undefined ? decideStorability(input).storable : decidePartialStorability(input, deps.maxObjectBytes).storable;
}

/** RFC 9111 §3.2 and §4.3.4: stored fields updated from the 304, freshness computed anew from the merged fields. */
export function freshenEntry(
  config: CacheConfig,
  entry: StoredEntry,
  upstream: UpstreamResponse,
  requestAt: number,
  responseAt: number,
): StoredEntry {
  const headers = freshenStoredHeaders(entry.meta.headers, upstream.headers);
  const { directives } = selectResponseDirectives(headers, config);
  const merged = { ...headers, age: upstream.headers['age'], date: upstream.headers['date'] ?? headers['date'] };
  // A default the response was stored under is renewed, unless the merged fields now forbid it (credentials were
  // judged when it was stored).
  const defaultTtlSec = selectDefaultTtl(entry.meta.policy.defaultTtlSec, false, directives, merged);
  const meta: EntryMeta = buildEntryMeta(
    {
      key: entry.meta.key,
      variantKey: entry.meta.variantKey,
      varyFields: entry.meta.varyFields,
      status: entry.meta.status,
      headers: merged,
      directives,
      requestAt,
      responseAt,
      size: entry.meta.size,
      partial: entry.meta.partial,
      defaultTtlSec,
    },
    config,
  );
  return { meta, body: entry.body };
}
