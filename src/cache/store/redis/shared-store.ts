import type { Clock } from '../../../clock.ts';
import type { RedisStoreConfig } from '../../../config/types.ts';
import { createLogThrottle } from '../../../observability/log-throttle.ts';
import type { Logger } from '../../../observability/logger.ts';
import type { Metrics } from '../../../observability/metrics.ts';
import { createRedisConnection, RedisUnavailableError, type RedisConnection } from '../../../redis/connection.ts';
import type { CacheStore } from '../types.ts';
import { createMemoryStore } from '../memory.ts';
import { createTieredStore, type TieredStore, type TieredStoreEvents } from '../tiered.ts';
import { createRedisStore } from './redis-store.ts';

/** At most one `redis call failed` line per operation in this long; the next one tells how many were held back. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/** How often purges Redis missed are tried again while some wait. */
const REPLAY_RETRY_MS = 500;

/** The `type: redis` store, with the Redis connection it runs on: what else is shared (rate limits) uses it too. */
export interface SharedStore extends TieredStore {
  readonly redis: RedisConnection;
}

/** The Redis connection under a `type: redis` store; undefined for any other store. */
export function sharedConnectionOf(store: CacheStore): RedisConnection | undefined {
  return 'redis' in store ? (store as SharedStore).redis : undefined;
}

export interface SharedStoreDeps {
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** A purge made while Redis was unavailable now reached Redis: announce it to the other instances. */
  readonly onPurgeReplayed?: TieredStoreEvents['onPurgeReplayed'];
}

/**
 * The `type: redis` store: the memory tier in front of Redis (standalone or Cluster), with the connection's
 * state reported as `cachet_store_remote_up` and log lines, failures counted, and purges Redis missed
 * replayed when it is back.
 */
export function createSharedStore(config: RedisStoreConfig, deps: SharedStoreDeps = {}): SharedStore {
  const { metrics, logger } = deps;
  let tiered: TieredStore | undefined;
  let wasDown = false;
  const throttleFailures = createLogThrottle(FAILURE_LOG_INTERVAL_MS);
  let retry: NodeJS.Timeout | undefined;

  const replay = (): void => {
    void tiered?.replayUnsharedPurges().then((count) => {
      if (count > 0) logger?.info({ count }, 'purges made while redis was unavailable replayed on redis');
      if ((tiered?.unsharedPurges ?? 0) > 0) scheduleReplay();
    });
  };
  // A purge can fail on a Redis that only stalled (a timeout or two, the circuit never opened): retry on a timer
  // too, not only when the circuit closes.
  const scheduleReplay = (): void => {
    if (retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      replay();
    }, REPLAY_RETRY_MS);
    retry.unref();
  };

  const redis = createRedisConnection({
    ...(config.cluster === undefined ? { url: config.url } : { cluster: config.cluster }),
    commandTimeoutMs: config.commandTimeoutMs,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    onStateChange(state, err) {
      metrics?.setStoreRemoteUp(state !== 'open');
      if (state === 'open' && !wasDown) {
        wasDown = true;
        logger?.warn({ err }, 'redis unavailable: answering from the memory tier and the upstreams while reconnecting');
      } else if (state === 'closed' && wasDown) {
        wasDown = false;
        logger?.info('redis available again');
        replay();
      }
    },
  });
  metrics?.setStoreRemoteUp(true);

  const memory = createMemoryStore({
    maxBytes: config.memory.maxBytes,
    maxObjectBytes: Math.min(config.maxObjectBytes, config.memory.maxBytes),
  });
  const remote = createRedisStore({
    redis,
    keyPrefix: config.keyPrefix,
    maxObjectBytes: config.maxObjectBytes,
    coalesceWaitMs: config.coalesceWaitMs,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  });
  tiered = createTieredStore(memory, remote, {
    onRemoteError(operation, err) {
      metrics?.recordStoreError(operation);
      // Refusals while the circuit is open were announced once when it opened; other failures (timeouts before it
      // opens) come on every request of a slow Redis, so they are thinned out.
      if (err instanceof RedisUnavailableError || logger === undefined) return;
      const suppressed = throttleFailures(operation);
      if (suppressed !== undefined) logger.warn({ err, operation, suppressed }, 'redis call failed; answered without it');
    },
    onPurgeNotShared(selector, err) {
      scheduleReplay();
      metrics?.recordPurgeNotShared();
      logger?.warn(
        { selector, err },
        'purge applied to this instance only (redis unavailable); it is replayed on redis once redis is back',
      );
    },
    ...(deps.onPurgeReplayed === undefined ? {} : { onPurgeReplayed: deps.onPurgeReplayed }),
    onBodyLost(key, err) {
      metrics?.recordStoreError('read');
      logger?.warn({ err, key }, 'stored body failed while streamed from redis; response cut short, entry dropped');
    },
  });
  const close = tiered.close;
  tiered.close = async () => {
    clearTimeout(retry);
    await close();
  };
  return Object.assign(tiered, { redis });
}
