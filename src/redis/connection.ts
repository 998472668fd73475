import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { CachetError } from '../errors.ts';
import { systemClock, type Clock } from '../clock.ts';
import { createCircuitBreaker, type CircuitState } from './circuit-breaker.ts';

/** Either client shape: commands, pipelines and scripts read the same on both. */
export type RedisClient = Redis | Cluster;

export type ScriptArg = string | Buffer | number;
/** A Lua script bound to a connection: EVALSHA, falling back to EVAL once when the server lost its script cache. */
export type RedisScript = (keys: readonly string[], args: readonly ScriptArg[]) => Promise<unknown>;

export interface RedisConnectionOptions {
  /** One server (`redis://` or `rediss://`), or the seed nodes of a Redis Cluster: exactly one of the two. */
  readonly url?: string;
  readonly cluster?: readonly string[];
  /** Bound on every command, so no caller waits on a hung server longer than this. */
  readonly commandTimeoutMs: number;
  /** Consecutive command failures that open the circuit (default 3). */
  readonly failureThreshold?: number;
  /** How long an open circuit refuses before it probes (default 500 ms). */
  readonly cooldownMs?: number;
  readonly clock?: Clock;
  /** Connection-state changes, for metrics and log lines. `error` is the last error seen when the circuit opens. */
  readonly onStateChange?: (state: CircuitState, error: Error | undefined) => void;
}

export interface RedisConnection {
  readonly client: RedisClient;
  readonly state: CircuitState;
  /** Counts the times the connection became ready; a change means Redis may have lost what was written before. */
  readonly generation: number;
  /**
   * Runs `operation` unless the circuit is open, recording its outcome. Refused at once with
   * `RedisUnavailableError` while the circuit is open (or its one probe is out).
   */
  run<T>(operation: (client: RedisClient) => Promise<T>): Promise<T>;
  defineScript(name: string, lua: string): RedisScript;
  /**
   * Resolves true once the connection is ready (at once if it was ever ready), false when connecting fails or
   * takes longer than `timeoutMs`. For start-up steps that should wait for a slow connect, not a dead server.
   */
  whenReady(timeoutMs: number): Promise<boolean>;
  /** Quits after the commands in flight; `immediate` drops the connection at once (a blocking read is pending). */
  close(options?: { readonly immediate?: boolean }): Promise<void>;
}

/** Redis is down or its circuit is open: the caller answers without it (a miss, a dropped write). */
export class RedisUnavailableError extends CachetError {
  constructor(message = 'Redis is unavailable', options?: ErrorOptions) {
    super('CACHET_ERR_STORE', message, options);
    this.name = 'RedisUnavailableError';
  }
}

/** Longest wait between reconnect attempts: a Redis that comes back is reached again within about this long. */
const MAX_RECONNECT_DELAY_MS = 1000;
const CONNECT_TIMEOUT_MS = 2000;

/**
 * One client (standalone or cluster) behind a circuit breaker. Commands are never queued while the
 * connection is down (no offline queue, no resending after a reconnect) and each is bounded by
 * `commandTimeoutMs`; the client reconnects on its own with a capped back-off, and the circuit closes
 * as soon as the connection is ready again.
 *
 * @example
 * const redis = createRedisConnection({ url: 'redis://127.0.0.1:6379', commandTimeoutMs: 250 });
 * const value = await redis.run((client) => client.get('k'));
 */
export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const clock = options.clock ?? systemClock;
  let lastError: Error | undefined;
  const breaker = createCircuitBreaker({
    failureThreshold: options.failureThreshold ?? 3,
    cooldownMs: options.cooldownMs ?? 500,
    clock,
    onChange: (state) => options.onStateChange?.(state, state === 'open' ? lastError : undefined),
  });
  const client = createClient(options);
  let closing = false;
  let generation = 0;

  const firstReady = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.commandTimeoutMs);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });

  client.on('error', (err: Error) => {
    lastError = err;
  });
  client.on('ready', () => {
    generation++;
    breaker.reset();
  });
  client.on('close', () => {
    if (!closing) breaker.trip();
  });

  return {
    client,
    get state() {
      return breaker.state;
    },
    get generation() {
      return generation;
    },
    async run(operation) {
      // Right after start the first connection is still being made: wait for it, once, as long as a command may take.
      if (generation === 0 && !closing) await firstReady;
      if (closing || !breaker.tryAcquire()) throw new RedisUnavailableError();
      try {
        const result = await operation(client);
        breaker.recordSuccess();
        return result;
      } catch (err) {
        if (isConnectionFailure(err)) {
          lastError = err as Error;
          breaker.recordFailure();
        } else {
          // The server answered (a script error, a wrong type): Redis is up.
          breaker.recordSuccess();
        }
        throw err;
      }
    },
    defineScript(name, lua) {
      // No fixed key count: each call says how many keys it passes.
      client.defineCommand(name, { lua });
      const command = (client as unknown as Record<string, (...args: ScriptArg[]) => Promise<unknown>>)[name]!.bind(client);
      return (keys, args) => command(keys.length, ...keys, ...args);
    },
    whenReady(timeoutMs) {
      if (generation > 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const settle = (ready: boolean): void => {
          clearTimeout(timer);
          client.off('ready', onReady);
          client.off('error', onError);
          resolve(ready);
        };
        const onReady = (): void => settle(true);
        const onError = (): void => settle(false);
        const timer = setTimeout(onError, timeoutMs);
        client.once('ready', onReady);
        client.once('error', onError);
      });
    },
    async close(closeOptions) {
      closing = true;
      if (closeOptions?.immediate === true) {
        client.disconnect();
        return;
      }
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

function createClient(options: RedisConnectionOptions): RedisClient {
  const common: RedisOptions = {
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableOfflineQueue: false,
    // A command cut off by a dropped connection fails; it is not sent again later.
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelay,
  };
  if (options.cluster !== undefined) {
    const seeds = options.cluster.map(parseNode);
    const first = seeds[0];
    const clusterOptions: ClusterOptions = {
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay,
      slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      redisOptions: { ...common, ...first?.auth },
    };
    if (first?.tls === true) clusterOptions.redisOptions = { ...clusterOptions.redisOptions, tls: {} };
    return new Cluster(
      seeds.map(({ host, port }) => ({ host, port })),
      clusterOptions,
    );
  }
  if (options.url === undefined) throw new CachetError('CACHET_ERR_STORE', 'a Redis connection needs a url or cluster nodes');
  return new Redis(options.url, common);
}

function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS);
}

interface ClusterNode {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly auth: { username?: string; password?: string };
}

function parseNode(url: string): ClusterNode {
  const parsed = new URL(url);
  const auth: { username?: string; password?: string } = {};
  if (parsed.username !== '') auth.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') auth.password = decodeURIComponent(parsed.password);
  return { host: parsed.hostname, port: parsed.port === '' ? 6379 : Number(parsed.port), tls: parsed.protocol === 'rediss:', auth };
}

/** Errors that say nothing reached Redis or nothing came back in time, as opposed to an answer from Redis. */
function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  // Replies from the server are ReplyError (ERR, WRONGTYPE...); everything else is the transport. A few
  // replies also say the data cannot be reached right now (a cluster without a master for the slot, a load).
  return err.name !== 'ReplyError' || UNAVAILABLE_REPLY.test(err.message);
}

const UNAVAILABLE_REPLY = /^(CLUSTERDOWN|LOADING|TRYAGAIN|MASTERDOWN|READONLY|BUSY)\b/;
