import type { Registry } from 'prom-client';
import type { AdminRevocations, ShareOutcome } from '../admin/revocations.ts';
import type { RevocationList } from '../auth/types.ts';
import type { RedisStoreConfig } from '../config/types.ts';
import { CachetError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { createRedisBus, type SyncEvent } from './redis-bus.ts';
import { createRedisRevocations } from './redis-revocations.ts';
import type { BusMessage, InvalidationBus } from './types.ts';

export interface RedisSharingOptions {
  readonly config: RedisStoreConfig;
  /** This process' revocation list: loaded from Redis before it serves, kept in step through the stream. */
  readonly revocations: RevocationList;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Drops the memory tier (a gap in the stream). */
  readonly onGap?: () => void;
  /**
   * This instance's own bus between its processes (IPC between workers), used when Redis is unavailable so the
   * instance at least stays one cache; what comes over it is applied too.
   */
  readonly local?: InvalidationBus;
}

/** What sharing a message did: the count the local bus answered (0 over Redis), and whether Redis carried it. */
export interface ShareResult extends ShareOutcome {
  readonly count: number;
}

export interface RedisSharing {
  /** Publishes over Redis (falling back to the local bus); rejects with `CACHET_ERR_BUS_NOT_SHARED` when Redis did not carry it. */
  readonly bus: InvalidationBus;
  /** Publishes over Redis, falling back to the local bus, and says which carried it. */
  share(message: BusMessage): Promise<ShareResult>;
  /** The admin API's list: a change is applied here, written to Redis and announced; the answer says whether it was shared. */
  readonly adminRevocations: AdminRevocations;
  /** Joins the stream and loads the revocations; see {@link RedisBus.start}. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Everything an instance shares through Redis besides stored responses: the invalidation stream (purges,
 * invalidations, revocations) and the revocation list kept in Redis.
 */
export function createRedisSharing(options: RedisSharingOptions): RedisSharing {
  const { config, revocations, logger, local } = options;
  const nowSec = (): number => Math.floor(options.now() / 1000);
  let synced = false;

  const onSynced = async ({ first, gap, lost }: SyncEvent): Promise<void> => {
    // Redis restarted empty: the revocations this process knows go back, so later instances load them too.
    if (gap && lost) for (const entry of revocations.list(nowSec())) await stored.save(entry, options.now());
    const loaded = await stored.load(options.now());
    for (const entry of loaded) revocations.add(entry, nowSec());
    if (first) logger.info({ revocations: loaded.length }, 'revocations loaded from redis');
    synced = true;
  };
  const redisBus = createRedisBus({
    ...(config.cluster === undefined ? { url: config.url } : { cluster: config.cluster }),
    keyPrefix: config.keyPrefix,
    commandTimeoutMs: config.commandTimeoutMs,
    maxLength: config.streamMaxLength,
    logger,
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.onGap === undefined ? {} : { onGap: options.onGap }),
    onSynced,
  });
  const stored = createRedisRevocations(redisBus.redis, config.keyPrefix);

  /** After a change Redis did not take: this instance's other processes still hear of it. */
  const shareLocally = async (message: BusMessage): Promise<ShareResult> => ({
    count: local === undefined ? 0 : await local.publish(message),
    shared: false,
  });

  const share = async (message: BusMessage): Promise<ShareResult> => {
    try {
      return { count: await redisBus.publish(message), shared: true };
    } catch (err) {
      if (!isNotShared(err)) throw err;
      return shareLocally(message);
    }
  };

  return {
    bus: {
      async publish(message) {
        const result = await share(message);
        if (!result.shared)
          throw new CachetError('CACHET_ERR_BUS_NOT_SHARED', `redis is unavailable: the ${message.kind} is shared once it is back`);
        return result.count;
      },
      subscribe(handler) {
        redisBus.subscribe(handler);
        local?.subscribe(handler);
      },
    },
    share,
    adminRevocations: {
      async add(entry, at) {
        revocations.add(entry, at);
        const message: BusMessage = { kind: 'revoke', entry };
        const shared = await redisBus.runOrDefer(async () => {
          await stored.save(entry, options.now());
          await redisBus.append(message);
        });
        if (!shared) await shareLocally(message);
        return { shared };
      },
      async remove(selector) {
        const removed = revocations.remove(selector);
        const message: BusMessage = { kind: 'unrevoke', selector };
        const shared = await redisBus.runOrDefer(async () => {
          await stored.delete(selector);
          await redisBus.append(message);
        });
        if (!shared) await shareLocally(message);
        return { removed, shared };
      },
      list: (at) => revocations.list(at),
    },
    async start() {
      await redisBus.start();
      if (!synced)
        logger.error(
          'redis unavailable at start: serving with the revocations this process was given only; the shared list is loaded once redis is back',
        );
    },
    close: () => redisBus.close(),
  };
}

/** The error a bus answers when Redis did not carry a message (it is kept and sent once Redis is back). */
export function isNotShared(err: unknown): boolean {
  return err instanceof CachetError && err.code === 'CACHET_ERR_BUS_NOT_SHARED';
}
