import type { CacheConfig } from '../config/types.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Exchange } from '../forward/exchange.ts';
import type { Forwarder, ForwardStatus } from '../forward/forwarder.ts';
import type { UpstreamResponse } from '../forward/upstream-request.ts';
import type { CacheStore, PurgeSelector } from './store/types.ts';
import { createHitStatus, formatForwardStatus } from './policy/cache-status.ts';
import { handleCacheable, type CacheCore, type CacheLabel } from './cache-handler.ts';
import { forgetKeys, invalidateAfter, isSafeMethod } from './invalidate.ts';
import { FillRegistry } from './fills.ts';
import { Coalescer } from './coalesce.ts';
import { PassMemo } from './pass-memo.ts';
import type { FetchOutcome } from './origin-fetch.ts';

export type { CacheLabel } from './cache-handler.ts';

export interface CacheDeps {
  /** The `cache` section: name, key, coalescing, targeted field, heuristics. */
  readonly config: CacheConfig;
  /** Largest body stored (`store.maxObjectBytes`). */
  readonly maxObjectBytes: number;
  readonly store: CacheStore;
  /** The layer below: asks the origin and relays its answers. */
  readonly forwarder: Forwarder;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Told the keys an unsafe method invalidated here, before the client sees the answer (other workers drop theirs). */
  readonly onInvalidate?: (keys: readonly string[]) => Promise<void>;
}

/**
 * The shared HTTP cache (RFC 9111) in front of the forwarder, the way undici's cache interceptor sits in front of
 * `dispatch`: every admitted exchange comes through `handle`, which answers from the store, shares a response
 * being fetched, or forwards. Unsafe methods go forward and invalidate what their answer names (§4.4).
 */
export interface Cache {
  /** Answers one exchange. Returns the label synchronously on a hit held in memory (no await, no promise). */
  handle(ex: Exchange): CacheLabel | Promise<CacheLabel>;
  /**
   * Purges stored responses and every response still streaming in; answers how many stored ones matched.
   * `localOnly`: leave a shared tier alone (another instance purged it and announced the purge).
   */
  purge(selector: PurgeSelector, soft: boolean, localOnly?: boolean): Promise<number>;
  /** Drops stored responses and fills for these primary keys (an invalidation another worker made). */
  forget(keys: readonly string[]): Promise<void>;
  /** `Cache-Status` of an answer that went past the cache (upgrades). */
  readonly bypassStatus: ForwardStatus;
}

export function createCache(deps: CacheDeps): Cache {
  const { config, store, forwarder, clock } = deps;
  const name = config.name;
  const core: CacheCore = {
    config,
    maxObjectBytes: deps.maxObjectBytes,
    store,
    forwarder,
    clock,
    metrics: deps.metrics,
    logger: deps.logger,
    clientHeaders: forwarder.clientHeaders,
    fills: new FillRegistry(),
    coalescer: new Coalescer<FetchOutcome>(),
    revalidating: new Set(),
    passMemo: new PassMemo(clock),
    hitStatus: createHitStatus(name),
    rangeStatus: (answer) => formatForwardStatus(name, 'bypass', answer, 'range'),
  };
  const bypassStatus: ForwardStatus = (answer) => formatForwardStatus(name, 'bypass', answer);
  const methodStatus: ForwardStatus = (answer) => formatForwardStatus(name, 'method', answer);
  const { onInvalidate } = deps;
  const invalidate = async (upstream: UpstreamResponse, ex: Exchange): Promise<void> => {
    const keys = await invalidateAfter(core, upstream, ex);
    if (onInvalidate !== undefined && keys.length > 0) await onInvalidate(keys);
  };

  return {
    handle(ex) {
      if (ex.method === 'GET' || ex.method === 'HEAD')
        return config.enabled && ex.route.cache ? handleCacheable(core, ex) : forwarder.forward(ex, bypassStatus);
      return forwarder.forward(ex, methodStatus, isSafeMethod(ex.method) ? undefined : invalidate);
    },
    async purge(selector, soft, localOnly = false) {
      const count = await store.purge(selector, { soft, now: clock.now(), localOnly });
      // Bodies still streaming in are not in the store yet: none of them may be served after a purge.
      core.fills.clear();
      return count;
    },
    forget: (keys) => forgetKeys(core, keys),
    bypassStatus,
  };
}
