import type { IncomingHttpHeaders } from 'node:http';
import type { Metrics } from '../observability/metrics.ts';
import type { Exchange } from '../forward/exchange.ts';
import type { ForwardLabel, ForwardStatus } from '../forward/forwarder.ts';
import type { ClientHeaderOptions } from '../forward/response-headers.ts';
import { discardUpstreamBody } from '../forward/respond.ts';
import { sendProblem } from '../server/problem.ts';
import type { StoredEntry } from './store/types.ts';
import type { EntryMeta } from './policy/entry.ts';
import { parseRequestDirectives, type RequestDirectives } from './policy/cache-control.ts';
import { buildCacheKey, buildUserKey } from './policy/key.ts';
import { buildVariantKey, isSameVary } from './policy/vary.ts';
import { evaluateUsability } from './policy/usability.ts';
import { formatCacheStatus, formatForwardStatus, type CacheStatusInfo, type ForwardReason, type HitStatus } from './policy/cache-status.ts';
import { serveFromCache } from './serve.ts';
import { relayWithRange } from './range-relay.ts';
import { fetchForCache, type FetchOutcome, type OriginFetchDeps } from './origin-fetch.ts';
import { freshenFromHead } from './head-freshen.ts';
import { selectPartial, servePartialHit } from './partial-hit.ts';
import { fetchRange } from './partial-fetch.ts';
import type { Coalescer } from './coalesce.ts';
import { fetchAcrossInstances } from './shared-fill.ts';

/** One cache's state for its lifetime, built by `createCache`: what the request flow below reads and keeps. */
export interface CacheCore extends OriginFetchDeps {
  readonly metrics: Metrics;
  /** How stored and fetched fields are shown to clients (`Via`, tag fields). */
  readonly clientHeaders: ClientHeaderOptions;
  readonly coalescer: Coalescer<FetchOutcome>;
  /** Keys (key + variant) with a background revalidation under way: one per key (RFC 5861 §3). */
  readonly revalidating: Set<string>;
  /** `Cache-Status` of a fresh hit (`cachet; hit; ttl=3599`). */
  readonly hitStatus: HitStatus;
  /** `Cache-Status` of a range request, passed through untouched. */
  readonly rangeStatus: ForwardStatus;
}

/** The cache result label used by metrics: hit | stale | miss | revalidated | bypass | error. */
export type CacheLabel = ForwardLabel | 'hit' | 'stale' | 'miss' | 'revalidated';

interface FetchPlan {
  readonly fwd: ForwardReason;
  readonly selected?: StoredEntry;
  readonly variants?: readonly StoredEntry[];
  /** The selected stale response may answer if the origin fails (RFC 5861 §4). */
  readonly staleIfErrorUsable: boolean;
  /** Where a `private` response is stored on a per-user route. */
  readonly userKey: string | undefined;
}

const NO_REQUEST_DIRECTIVES = parseRequestDirectives({});

/**
 * A GET or HEAD on a caching route. Returns synchronously on a hit held in memory (no await, no promise);
 * otherwise a promise for the label once the response is under way.
 */
export function handleCacheable(core: CacheCore, ex: Exchange): CacheLabel | Promise<CacheLabel> {
  const headers = ex.req.headers;
  const directives = parseRequestDirectives(headers);
  const key = buildCacheKey(ex.scheme, headers.host ?? '', ex.path, ex.route.cacheKey ?? core.config.key);
  // Ranges are answered from the whole response (see serve-range.ts), unless it is known not to be kept;
  // those of one too large to keep may still be answered from, and stored as, partial responses.
  if (headers.range !== undefined) {
    const passReason = core.passMemo.reasonOf(key);
    if (passReason !== undefined && (passReason !== 'too-large' || ex.method !== 'GET'))
      return core.forwarder.forward(ex, core.rangeStatus);
  }
  const now = core.clock.now();
  const subject = ex.route.perUserCache ? ex.identity?.subject : undefined;
  if (subject !== undefined) return lookupPerUser(core, ex, key, buildUserKey(key, subject), directives, now);
  const found = core.store.get(key, now);
  if (found instanceof Promise) {
    return found.then(
      (variants) => lookup(core, ex, key, directives, variants, core.clock.now(), undefined),
      (err: unknown) => {
        core.logger.warn({ err, key, requestId: ex.requestId }, 'cache store read failed; forwarding');
        return lookup(core, ex, key, directives, undefined, core.clock.now(), undefined);
      },
    );
  }
  return lookup(core, ex, key, directives, found, now, undefined);
}

/** A per-user route: the subject's own stored responses first, then shared ones. */
async function lookupPerUser(
  core: CacheCore,
  ex: Exchange,
  key: string,
  userKey: string,
  directives: RequestDirectives,
  now: number,
): Promise<CacheLabel> {
  const own = await readVariants(core, userKey, now, ex.requestId);
  if (own !== undefined && selectVariant(own, ex.req.headers) !== undefined)
    return lookup(core, ex, userKey, directives, own, now, userKey);
  return lookup(core, ex, key, directives, await readVariants(core, key, now, ex.requestId), now, userKey);
}

async function readVariants(core: CacheCore, key: string, now: number, requestId: string): Promise<readonly StoredEntry[] | undefined> {
  try {
    return await core.store.get(key, now);
  } catch (err) {
    core.logger.warn({ err, key, requestId }, 'cache store read failed; forwarding');
    return undefined;
  }
}

function lookup(
  core: CacheCore,
  ex: Exchange,
  key: string,
  directives: RequestDirectives,
  variants: readonly StoredEntry[] | undefined,
  now: number,
  userKey: string | undefined,
): CacheLabel | Promise<CacheLabel> {
  const selected = variants === undefined ? undefined : selectVariant(variants, ex.req.headers);
  const name = core.config.name;
  if (selected !== undefined) {
    const usability = evaluateUsability(selected.meta, directives, now);
    switch (usability.kind) {
      case 'fresh':
        serveFromCache(core.clientHeaders, ex, selected.meta, selected.body, now, core.hitStatus(usability.ttlSec));
        return 'hit';
      case 'stale-allowed':
        core.metrics.recordStaleServed('max-stale');
        serveFromCache(
          core.clientHeaders,
          ex,
          selected.meta,
          selected.body,
          now,
          formatCacheStatus(name, { hit: true, ttlSec: Math.floor(usability.ttlSec), detail: 'max-stale' }),
        );
        return 'stale';
      case 'stale-while-revalidate':
        core.metrics.recordStaleServed('stale-while-revalidate');
        serveFromCache(
          core.clientHeaders,
          ex,
          selected.meta,
          selected.body,
          now,
          formatCacheStatus(name, { hit: true, ttlSec: Math.floor(usability.ttlSec), detail: 'stale-while-revalidate' }),
        );
        revalidateInBackground(core, ex, key, selected, withoutPartials(variants as readonly StoredEntry[]), userKey);
        return 'stale';
      case 'revalidate': {
        if (directives.onlyIfCached) return sendOnlyIfCached(ex, name);
        const fwd: ForwardReason =
          usability.reason === 'request-no-cache' || usability.reason === 'request-max-age' || usability.reason === 'request-min-fresh'
            ? 'request'
            : 'stale';
        return fetchAndServe(core, ex, key, directives, {
          fwd,
          selected,
          variants: withoutPartials(variants as readonly StoredEntry[]),
          staleIfErrorUsable: usability.staleIfErrorUsable,
          userKey,
        });
      }
    }
  }
  // No complete response: a stored partial one may answer a range it holds (RFC 9111 §3.3).
  const ranged = ex.req.headers.range !== undefined && ex.method === 'GET';
  const partial = variants !== undefined && ex.method === 'GET' ? selectPartial(variants, ex.req.headers) : undefined;
  if (ranged && partial !== undefined) {
    const served = servePartialHit(core, ex, partial, directives, now);
    if (served !== undefined) return served;
  }
  if (directives.onlyIfCached) return sendOnlyIfCached(ex, name);
  const filling = core.fills.get(key);
  if (filling !== undefined && ex.method === 'GET') {
    for (const fill of filling) {
      if (fill.meta.partial !== undefined || !isVariantFor(fill.meta, ex.req.headers)) continue;
      core.metrics.recordCoalesced();
      const status = formatCacheStatus(name, { hit: false, fwd: 'uri-miss', fwdStatus: fill.meta.status, collapsed: true });
      void serveFromCache(core.clientHeaders, ex, fill.meta, fill.body, now, status);
      return 'hit';
    }
  }
  const fwd: ForwardReason = partial !== undefined ? 'partial' : variants === undefined ? 'uri-miss' : 'vary-miss';
  if (ranged && isKnownTooLarge(core, key, partial)) return fetchRange(core, ex, key, directives, fwd);
  return fetchAndServe(core, ex, key, directives, { fwd, staleIfErrorUsable: false, userKey });
}

/**
 * Whether the whole response cannot be kept, so a range goes to the origin as asked rather than costing the
 * whole body: the pass memo found it too large, or a stored partial's complete length says so.
 */
function isKnownTooLarge(core: CacheCore, key: string, partial: StoredEntry | undefined): boolean {
  const completeLength = partial?.meta.partial?.completeLength;
  return (completeLength !== undefined && completeLength > core.maxObjectBytes) || core.passMemo.reasonOf(key) === 'too-large';
}

/** The stored responses a revalidation may freshen and answer with: partial ones only answer ranges they hold. */
function withoutPartials(variants: readonly StoredEntry[]): readonly StoredEntry[] {
  for (const entry of variants) {
    if (entry.meta.partial !== undefined) return variants.filter((v) => v.meta.partial === undefined);
  }
  return variants;
}

/** RFC 9111 §4.1: the newest stored response whose Vary'd request fields match this request. */
function selectVariant(variants: readonly StoredEntry[], headers: IncomingHttpHeaders): StoredEntry | undefined {
  // The request's variant key is built (and its fields normalised) once per distinct Vary list, not per entry.
  let fields: readonly string[] | undefined;
  let key = '';
  for (const entry of variants) {
    const meta = entry.meta;
    // A partial response answers only ranges it holds (see partial-hit.ts); a complete one always wins.
    if (meta.partial !== undefined) continue;
    if (meta.varyFields.length === 0) return entry;
    if (fields === undefined || !isSameVary(fields, meta.varyFields)) {
      fields = meta.varyFields;
      key = buildVariantKey(fields, headers);
    }
    if (key === meta.variantKey) return entry;
  }
  return undefined;
}

function isVariantFor(meta: EntryMeta, headers: IncomingHttpHeaders): boolean {
  return meta.varyFields.length === 0 || buildVariantKey(meta.varyFields, headers) === meta.variantKey;
}

function hasCredentials(headers: IncomingHttpHeaders): boolean {
  return headers.authorization !== undefined || headers.cookie !== undefined;
}

/**
 * Goes to the origin for a miss or a revalidation and answers the client. Concurrent GETs for one key share one
 * origin request, across instances too for a miss when the store is shared (see shared-fill.ts); requests whose
 * answers may differ by credentials, and unsafe methods, never do.
 */
async function fetchAndServe(
  core: CacheCore,
  ex: Exchange,
  key: string,
  directives: RequestDirectives,
  plan: FetchPlan,
): Promise<CacheLabel> {
  if (ex.method === 'HEAD') return forwardHead(core, ex, plan);
  const validation = plan.selected === undefined ? undefined : { selected: plan.selected, variants: plan.variants ?? [plan.selected] };
  const canCoalesce = core.config.coalesce && !directives.noStore && !hasCredentials(ex.req.headers) && !core.passMemo.has(key);
  if (canCoalesce) {
    const pending = core.coalescer.pending(key);
    if (pending !== undefined) {
      const shared = await pending;
      const served = serveShared(core, ex, shared, plan);
      if (served !== undefined) return served;
      // Not shareable with this request: it goes upstream itself.
      return answer(core, ex, await fetchForCache(core, ex, key, directives, validation, plan.userKey), plan);
    }
    const fetch = (): Promise<FetchOutcome> => fetchForCache(core, ex, key, directives, validation, plan.userKey);
    const leases = core.store.fillLeases;
    const work =
      leases === undefined || validation !== undefined
        ? fetch
        : () => fetchAcrossInstances(leases, key, fetch, () => readStoredFill(core, ex, key, directives));
    return answer(core, ex, await core.coalescer.lead(key, work), plan);
  }
  return answer(core, ex, await fetchForCache(core, ex, key, directives, validation, plan.userKey), plan);
}

/** What another instance stored for `key` while this one waited for it, if it answers this request fresh. */
async function readStoredFill(
  core: CacheCore,
  ex: Exchange,
  key: string,
  directives: RequestDirectives,
): Promise<FetchOutcome | undefined> {
  const now = core.clock.now();
  const variants = await readVariants(core, key, now, ex.requestId);
  const entry = variants === undefined ? undefined : selectVariant(variants, ex.req.headers);
  if (entry === undefined) return undefined;
  const usability = evaluateUsability(entry.meta, directives, now);
  return usability.kind === 'fresh' ? { kind: 'stored', entry, ttlSec: Math.floor(usability.ttlSec) } : undefined;
}

/** A waiter's use of the leader's outcome; undefined when it cannot be shared with this request. */
function serveShared(core: CacheCore, ex: Exchange, outcome: FetchOutcome, plan: FetchPlan): CacheLabel | undefined {
  const name = core.config.name;
  const now = core.clock.now();
  switch (outcome.kind) {
    case 'fill':
      if (!isVariantFor(outcome.fill.meta, ex.req.headers)) return undefined;
      core.metrics.recordCoalesced();
      void serveFromCache(
        core.clientHeaders,
        ex,
        outcome.fill.meta,
        outcome.fill.body,
        now,
        formatCacheStatus(name, { hit: false, fwd: plan.fwd, fwdStatus: outcome.fill.meta.status, collapsed: true }),
      );
      return 'miss';
    case 'freshened':
      if (!isVariantFor(outcome.entry.meta, ex.req.headers)) return undefined;
      core.metrics.recordCoalesced();
      void serveFromCache(
        core.clientHeaders,
        ex,
        outcome.entry.meta,
        outcome.entry.body,
        now,
        formatCacheStatus(name, { hit: false, fwd: plan.fwd, fwdStatus: 304, collapsed: true }),
      );
      return 'revalidated';
    case 'stored':
      if (!isVariantFor(outcome.entry.meta, ex.req.headers)) return undefined;
      return answerStored(core, ex, outcome);
    case 'failure':
      core.metrics.recordCoalesced();
      return answerFailure(core, ex, outcome, plan);
    case 'pass':
      return undefined;
  }
}

/** The leader's (or an uncoalesced request's) answer from its own fetch. */
function answer(core: CacheCore, ex: Exchange, outcome: FetchOutcome, plan: FetchPlan): CacheLabel {
  const name = core.config.name;
  switch (outcome.kind) {
    case 'fill': {
      const meta = outcome.fill.meta;
      const ttlSec = Math.floor((meta.staleAt - core.clock.now()) / 1000);
      void serveFromCache(
        core.clientHeaders,
        ex,
        meta,
        outcome.fill.body,
        core.clock.now(),
        formatCacheStatus(name, { hit: false, fwd: plan.fwd, fwdStatus: meta.status, stored: true, ttlSec }),
        outcome.upstream.headers,
      );
      return plan.selected === undefined ? 'miss' : 'revalidated';
    }
    case 'freshened': {
      const meta = outcome.entry.meta;
      const ttlSec = Math.floor((meta.staleAt - core.clock.now()) / 1000);
      void serveFromCache(
        core.clientHeaders,
        ex,
        meta,
        outcome.entry.body,
        core.clock.now(),
        formatCacheStatus(name, { hit: false, fwd: plan.fwd, fwdStatus: 304, stored: true, ttlSec }),
      );
      return 'revalidated';
    }
    case 'pass': {
      const upstream = outcome.upstream;
      if (upstream.status >= 500 && plan.staleIfErrorUsable && plan.selected !== undefined) {
        discardUpstreamBody(upstream);
        return serveStaleOnError(core, ex, plan.selected, upstream.status);
      }
      relayWithRange(
        core.forwarder,
        ex,
        upstream,
        formatCacheStatus(name, { hit: false, fwd: plan.fwd, fwdStatus: upstream.status, detail: outcome.detail }),
      );
      return upstream.status >= 500 ? 'error' : 'miss';
    }
    case 'stored':
      return answerStored(core, ex, outcome);
    case 'failure':
      return answerFailure(core, ex, outcome, plan);
  }
}

/** A response another instance fetched and stored while this request waited for it: a hit from the shared store. */
function answerStored(core: CacheCore, ex: Exchange, outcome: Extract<FetchOutcome, { kind: 'stored' }>): CacheLabel {
  core.metrics.recordCoalesced();
  const { meta, body } = outcome.entry;
  void serveFromCache(core.clientHeaders, ex, meta, body, core.clock.now(), core.hitStatus(outcome.ttlSec));
  return 'hit';
}

function answerFailure(core: CacheCore, ex: Exchange, outcome: Extract<FetchOutcome, { kind: 'failure' }>, plan: FetchPlan): CacheLabel {
  if (plan.staleIfErrorUsable && plan.selected !== undefined && outcome.failure.kind !== 'aborted') {
    return serveStaleOnError(core, ex, plan.selected, undefined);
  }
  core.forwarder.fail(
    ex,
    outcome.failure,
    formatCacheStatus(core.config.name, { hit: false, fwd: plan.fwd, detail: outcome.failure.kind }),
  );
  return 'error';
}

/** RFC 5861 §4: the origin failed and the stored response's stale-if-error window still covers it. */
function serveStaleOnError(core: CacheCore, ex: Exchange, entry: StoredEntry, fwdStatus: number | undefined): CacheLabel {
  core.metrics.recordStaleServed('stale-if-error');
  const now = core.clock.now();
  const ttlSec = Math.floor((entry.meta.staleAt - now) / 1000);
  const info: CacheStatusInfo =
    fwdStatus === undefined
      ? { hit: false, fwd: 'stale', ttlSec, detail: 'stale-if-error' }
      : { hit: false, fwd: 'stale', fwdStatus, ttlSec, detail: 'stale-if-error' };
  void serveFromCache(core.clientHeaders, ex, entry.meta, entry.body, now, formatCacheStatus(core.config.name, info));
  return 'stale';
}

/** RFC 5861 §3: one background revalidation per stored response; the client already has its stale answer. */
function revalidateInBackground(
  core: CacheCore,
  ex: Exchange,
  key: string,
  selected: StoredEntry,
  variants: readonly StoredEntry[],
  userKey: string | undefined,
): void {
  const token = `${key}\0${selected.meta.variantKey}`;
  if (core.revalidating.has(token)) return;
  core.revalidating.add(token);
  fetchForCache(core, ex, key, NO_REQUEST_DIRECTIVES, { selected, variants }, userKey)
    .then((outcome) => {
      // One revalidation per stored response: requests keep getting the stale one until the new one is stored.
      if (outcome.kind === 'fill') return outcome.settled;
      if (outcome.kind === 'pass') discardUpstreamBody(outcome.upstream);
      else if (outcome.kind === 'failure') core.logger.debug({ key, kind: outcome.failure.kind }, 'background revalidation failed');
      return undefined;
    })
    .catch((err: unknown) => core.logger.warn({ err, key }, 'background revalidation failed'))
    .finally(() => core.revalidating.delete(token));
}

/** A HEAD the cache cannot answer goes upstream as HEAD; a matching 200 freshens stored GET responses (RFC 9111 §4.3.5). */
async function forwardHead(core: CacheCore, ex: Exchange, plan: FetchPlan): Promise<CacheLabel> {
  const status: ForwardStatus = (answer) => formatForwardStatus(core.config.name, plan.fwd, answer);
  const variants = plan.variants;
  if (variants === undefined) return core.forwarder.forward(ex, status);
  return core.forwarder.forward(ex, status, (upstream) =>
    upstream.status === 200 ? freshenFromHead(core, upstream, variants) : undefined,
  );
}

/** RFC 9111 §5.2.1.7: nothing stored can answer, so 504. */
function sendOnlyIfCached(ex: Exchange, name: string): CacheLabel {
  sendProblem(ex.res, 'CACHET_ERR_CACHE_ONLY_IF_CACHED', 'only-if-cached was requested and no stored response can answer.', {
    'cache-status': formatCacheStatus(name, { hit: false, fwd: 'miss', detail: 'only-if-cached' }),
    'x-request-id': ex.requestId,
  });
  return 'miss';
}
