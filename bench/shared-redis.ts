/**
 * The private `redis-server` of a bench run, for what measures the Redis store: started on the loader core
 * (where the origins run) the first time a scenario needs it, shared by every such scenario (each writes under
 * its own key prefix), stopped at the end of the run. Without `redis-server` on PATH those scenarios are skipped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { spawnChild, type DemoProcess } from '../examples/demo/children.ts';
import { probePort } from '../examples/demo/ports.ts';
import { createRedisSpec, findRedisServer } from '../examples/demo/redis-server.ts';

export const REDIS_SKIP_REASON = 'redis-server not found on PATH (apt-get install redis-server)';

/** Ample for a bench's few small objects; past it Redis evicts what expires soonest. */
const MAX_MEMORY_BYTES = 512 * 1024 * 1024;

let redis: Promise<DemoProcess> | undefined;
let dir: string | undefined;

export function hasRedisServer(): boolean {
  return findRedisServer() !== undefined;
}

/** A directory for this run's generated configs and Redis' working directory, removed when the process exits. */
function workDir(): string {
  if (dir === undefined) {
    const created = mkdtempSync(join(tmpdir(), 'cachet-bench-redis-'));
    process.once('exit', () => rmSync(created, { recursive: true, force: true }));
    dir = created;
  }
  return dir;
}

/** The run's Redis URL, starting the server (pinned to `core` when given) on first use. */
export async function ensureBenchRedis(core: number | undefined): Promise<string> {
  if (redis === undefined) {
    const binary = findRedisServer();
    if (binary === undefined) throw new Error(REDIS_SKIP_REASON);
    const free = await probePort('127.0.0.1', 0);
    if (!free.ok) throw new Error(`no free port for redis-server: ${free.reason}`);
    const port = free.port;
    const spec = createRedisSpec({ binary, host: '127.0.0.1', port, dir: workDir(), maxMemoryBytes: MAX_MEMORY_BYTES });
    redis = spawnChild(core === undefined ? spec : { ...spec, program: 'taskset', args: ['-c', String(core), binary, ...spec.args] });
  }
  return (await redis).url;
}

export async function stopBenchRedis(): Promise<void> {
  const started = await redis?.catch(() => undefined);
  redis = undefined;
  await started?.stop();
}

export interface SharedStoreConfigPlan {
  readonly originUrl: string;
  readonly redisUrl: string;
  /** The memory tier: 1 byte holds nothing, so every hit is read from Redis. */
  readonly memoryMaxBytes: number;
  /** Keeps one scenario's entries apart from another's in the shared server. */
  readonly keyPrefix: string;
  /** An admin listener on a free port, with this token. */
  readonly adminToken?: string;
}

/** Writes a `cachet run` config (JSON, which YAML reads): one route to the origin, the Redis store; answers its path. */
export function writeSharedStoreConfig(plan: SharedStoreConfigPlan): string {
  const path = join(workDir(), `${plan.keyPrefix.replace(/\W/g, '-')}${Date.now()}.yaml`);
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    ...(plan.adminToken === undefined ? {} : { admin: { host: '127.0.0.1', port: 0, token: plan.adminToken } }),
    store: { type: 'redis', url: plan.redisUrl, keyPrefix: plan.keyPrefix, memory: { maxBytes: plan.memoryMaxBytes } },
    upstreams: { origin: { targets: [plan.originUrl] } },
    routes: [{ path: '/*', upstream: 'origin' }],
    log: { level: 'warn' },
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/**
 * p50 of `samples` PINGs to the run's Redis from this process (loader core), one at a time: the floor under
 * what an L2 hit adds, which needs two round trips (the entry's variants, then its body).
 */
export async function measureRedisRoundTripP50Ms(samples = 1000): Promise<number | undefined> {
  if (redis === undefined) return undefined;
  const client = new Redis((await redis).url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const startedAt = performance.now();
      await client.ping();
      times.push(performance.now() - startedAt);
    }
    times.sort((a, b) => a - b);
    return times[Math.ceil(samples / 2) - 1];
  } finally {
    client.disconnect();
  }
}
