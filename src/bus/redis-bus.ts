/**
 * The invalidation bus between instances that share a Redis store: one Redis stream that every member appends
 * to (`XADD ... MAXLEN ~ N`) and reads on a connection of its own (`XREAD BLOCK`) from the last id it saw.
 *
 * - A member skips the entries it wrote itself (it applied them before publishing).
 * - `publish` resolves once the message is in the stream: members cannot confirm one by one across instances.
 *   While Redis is unavailable it rejects with `CACHET_ERR_BUS_NOT_SHARED` and keeps the message, in order, for
 *   when Redis is back, so nothing published is lost.
 * - Gaps: after a reconnect (or a read that came back full) the member checks that the entry it last read is
 *   still in the stream; trimming only removes the oldest entries, so if it is there nothing after it was lost.
 *   If it is gone (trimmed, or the stream lost with a Redis that restarted empty), the gap cannot be proven
 *   empty: the member is told (`onGap`: drop the memory tier) and reads on from the end of the stream.
 */
import { randomBytes } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import { CachetError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { createRedisConnection, type RedisConnection } from '../redis/connection.ts';
import { decodeEntries, decodeReadReply, encodeEntryFields, type StreamEntry } from './stream-codec.ts';
import type { BusHandler, BusMessage, InvalidationBus } from './types.ts';

export interface RedisBusOptions {
  /** The Redis the store uses: one server, or the seed nodes of a Redis Cluster. */
  readonly url?: string;
  readonly cluster?: readonly string[];
  /** The store's key prefix; the stream is `<prefix>{bus}`. */
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  /** Entries the stream keeps (`MAXLEN ~`): how far behind a member may fall before it has to drop its memory tier. */
  readonly maxLength: number;
  readonly logger: Logger;
  /** Where the bus counters go (a gateway's or a supervisor's metrics registry). */
  readonly registry?: Registry;
  /** A gap in the stream could not be proven empty: drop every response held in process memory. */
  readonly onGap?: () => void;
  /**
   * Runs once the reader is positioned, before it reads: at the first connection (`first`), after a gap, and after
   * every reconnect. Revocations are loaded here, so a member is in step before it reads on.
   */
  readonly onSynced?: (event: SyncEvent) => Promise<void>;
  /** How long one XREAD waits for entries (default 1000 ms). */
  readonly blockMs?: number;
}

export interface SyncEvent {
  /** The first time this member reached the stream. */
  readonly first: boolean;
  /** Entries may have been missed since the member last read (see the module comment). */
  readonly gap: boolean;
  /** The stream itself was gone: Redis restarted empty (or evicted it), so the rest of the shared state went too. */
  readonly lost: boolean;
}

export interface RedisBus extends InvalidationBus {
  /** The bus' command connection, for other state the members share (revocations). */
  readonly redis: RedisConnection;
  /** This member's id in the stream. */
  readonly memberId: string;
  /**
   * Positions the reader and starts reading. Resolves once the member is in step (`onSynced` ran), or, when
   * Redis does not answer, after the first failed attempt: the member starts alone and syncs once Redis is back.
   */
  start(): Promise<void>;
  /**
   * Runs `action` (a write to Redis that must not be lost) after every action kept before it. If Redis is
   * unavailable, keeps it and runs it, in order, once Redis is back; answers whether it ran now.
   */
  runOrDefer(action: () => Promise<unknown>): Promise<boolean>;
  /** Appends `message` to the stream now; rejects when Redis is unavailable (nothing is kept). */
  append(message: BusMessage): Promise<void>;
  close(): Promise<void>;
}

/** Entries read per XREAD; a full read means the member may be behind, so its position is checked again. */
const READ_COUNT = 100;
/** Actions kept while Redis is unavailable; past this the oldest are dropped (and logged). */
const MAX_DEFERRED = 1000;
const MAX_RETRY_DELAY_MS = 1000;
/** How long `start` waits for the first connection before it syncs (a refused connection ends the wait at once). */
const START_CONNECT_WAIT_MS = 2000;

export function createRedisBus(options: RedisBusOptions): RedisBus {
  const { logger, maxLength } = options;
  const blockMs = options.blockMs ?? 1000;
  const key = `${options.keyPrefix}{bus}`;
  const memberId = randomBytes(8).toString('hex');
  const target = options.cluster === undefined ? { url: options.url } : { cluster: options.cluster };
  const redis = createRedisConnection({ ...target, commandTimeoutMs: options.commandTimeoutMs });
  // XREAD BLOCK holds its connection: a dedicated one, whose timeout covers the block.
  const reader = createRedisConnection({ ...target, commandTimeoutMs: options.commandTimeoutMs + blockMs });
  const counters = createCounters(options.registry);
  const deferred: Array<() => Promise<unknown>> = [];
  let handler: BusHandler = () => 0;
  let closing = false;
  let loop: Promise<void> | undefined;
  let started: Promise<void> | undefined;
  let flushing: Promise<void> | undefined;

  const append = (message?: BusMessage): Promise<string> =>
    redis.run(async (client) => {
      const id = await client.xadd(key, 'MAXLEN', '~', String(maxLength), '*', ...encodeEntryFields(memberId, message));
      if (id === null) throw new CachetError('CACHET_ERR_STORE', 'XADD answered no id');
      return id;
    });

  function defer(action: () => Promise<unknown>): void {
    if (deferred.length >= MAX_DEFERRED) {
      deferred.shift();
      logger.error({ max: MAX_DEFERRED }, 'too many changes waiting for redis: the oldest was dropped and will not reach other instances');
    }
    deferred.push(action);
    counters.deferred.inc();
  }

  function flush(): Promise<void> {
    flushing ??= (async () => {
      try {
        while (deferred.length > 0) {
          await deferred[0]!();
          deferred.shift();
        }
        logger.info('changes made while redis was unavailable are shared now');
      } catch {
        // Still unavailable: the rest waits for the next attempt.
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  }

  async function runOrDefer(action: () => Promise<unknown>): Promise<boolean> {
    if (deferred.length > 0) await flush();
    // Order matters (a revocation and its removal): nothing overtakes what is still waiting.
    if (deferred.length > 0) {
      defer(action);
      return false;
    }
    try {
      await action();
      return true;
    } catch {
      defer(action);
      return false;
    }
  }

  const state = { lastId: undefined as string | undefined, failedBeforeSync: false, lastReadFull: false };

  async function contains(id: string): Promise<boolean> {
    const found = await redis.run((client) => client.xrange(key, id, id));
    return found.length > 0;
  }

  /** The id of the stream's last entry, writing an anchor when the stream does not exist (`created`). */
  async function findEnd(): Promise<{ id: string; created: boolean }> {
    const last = decodeEntries(await redis.run((client) => client.xrevrange(key, '+', '-', 'COUNT', 1)));
    const id = last[0]?.id;
    return id === undefined ? { id: await append(), created: true } : { id, created: false };
  }

  /** Positions the reader at first, checks its position after a reconnect or a full read, and reports gaps. */
  async function sync(reconnected: boolean): Promise<void> {
    const first = state.lastId === undefined;
    const gap = first ? state.failedBeforeSync : !(await contains(state.lastId!));
    let lost = false;
    if (first || gap) {
      const end = await findEnd();
      state.lastId = end.id;
      lost = end.created && !first;
    }
    if (gap) {
      // After positioning: whatever came before the new position is covered by the drop, the rest is read.
      counters.gaps.inc();
      logger.warn(
        { stream: key },
        'purges may have been missed (the stream was trimmed past this instance or redis lost it): memory tier dropped',
      );
      options.onGap?.();
    }
    if (first || gap || reconnected) await options.onSynced?.({ first, gap, lost });
  }

  async function deliver(entries: readonly StreamEntry[]): Promise<void> {
    for (const entry of entries) {
      state.lastId = entry.id;
      if (entry.from === memberId || entry.message === undefined) continue;
      try {
        await handler(entry.message);
      } catch (err) {
        logger.warn({ err, kind: entry.message.kind }, 'a change from another instance could not be applied');
      }
    }
  }

  async function read(onStarted: () => void): Promise<void> {
    try {
      await readUntilClosed(onStarted);
    } finally {
      onStarted();
    }
  }

  async function readUntilClosed(onStarted: () => void): Promise<void> {
    let needsSync = true;
    let failures = 0;
    while (!closing) {
      try {
        if (needsSync || state.lastReadFull) {
          await sync(needsSync && failures > 0);
          if (failures > 0) logger.info('reading purges and revocations from redis again');
          needsSync = false;
          failures = 0;
          onStarted();
        }
        if (deferred.length > 0) await flush();
        const reply = await reader.run((client) => client.xread('COUNT', READ_COUNT, 'BLOCK', blockMs, 'STREAMS', key, state.lastId!));
        const entries = decodeReadReply(reply);
        state.lastReadFull = entries.length >= READ_COUNT;
        await deliver(entries);
      } catch (err) {
        if (closing) return;
        if (state.lastId === undefined) state.failedBeforeSync = true;
        if (failures === 0) logger.warn({ err }, 'cannot read purges and revocations from redis; retrying');
        needsSync = true;
        failures++;
        onStarted();
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * failures, MAX_RETRY_DELAY_MS)));
      }
    }
  }

  return {
    redis,
    memberId,
    async publish(message) {
      if (await runOrDefer(() => append(message))) return 0;
      throw new CachetError('CACHET_ERR_BUS_NOT_SHARED', `redis is unavailable: the ${message.kind} is shared once it is back`);
    },
    subscribe(next) {
      handler = next;
    },
    start() {
      // A loaded machine may take longer than one command to connect: that is not Redis being down.
      started ??= redis.whenReady(START_CONNECT_WAIT_MS).then(
        () =>
          new Promise<void>((resolve) => {
            loop = read(resolve);
          }),
      );
      return started;
    },
    runOrDefer,
    async append(message) {
      await append(message);
    },
    async close() {
      closing = true;
      await Promise.all([reader.close({ immediate: true }), redis.close()]);
      await started;
      await loop;
    },
  };
}

function createCounters(registry: Registry | undefined): { gaps: { inc(): void }; deferred: { inc(): void } } {
  if (registry === undefined) return { gaps: { inc() {} }, deferred: { inc() {} } };
  return {
    gaps: new Counter({
      name: 'cachet_bus_gaps_total',
      help: 'Times this process could not prove it missed no purge (stream trimmed past it, or lost by Redis) and dropped its memory tier.',
      registers: [registry],
    }),
    deferred: new Counter({
      name: 'cachet_bus_deferred_total',
      help: 'Purges, invalidations and revocations kept for later because Redis was unavailable when they were made.',
      registers: [registry],
    }),
  };
}
