/**
 * Purge propagation between two instances sharing one Redis: the time from sending `POST /purge` to instance
 * A's admin API until instance B, which holds the response in its own memory tier, first answers without it.
 *
 * Both instances run on the server core, the origin, Redis and this driver on the loader core. For each purge
 * a fresh URL is stored and read twice through B (so B serves it from memory), then the purge is sent to A and
 * B is asked for the URL back to back on a keep-alive connection until its `Cache-Status` is no longer a hit.
 * The figure includes A's own work (its memory tier, the Redis purge, the stream entry) and one request's time
 * of polling resolution.
 */
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import type { CorePlan } from './processes.ts';
import { spawnNode, stopProcess, waitForLine, type BenchProcess } from './processes.ts';
import { ensureBenchRedis, writeSharedStoreConfig } from './shared-redis.ts';

export interface PropagationResult {
  readonly purges: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const SERVERS_ENTRY = fileURLToPath(new URL('./servers.ts', import.meta.url));
const CACHET_ENTRY = fileURLToPath(new URL('../bin/cachet.js', import.meta.url));
const LISTENING = /listening on (http:\/\/\S+)(?: \(admin (http:\/\/[^)\s]+)\))?/;
const START_TIMEOUT_MS = 20_000;
/** Every instance sees the same Host behind a load balancer; the host is part of the cache key (RFC 9111 §2). */
const HOST = 'bench.test';
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
/** A purge not seen by B within this long counts as lost and fails the measurement. */
const GIVE_UP_MS = 5000;

/** Runs `count` purges (default 200) and answers the nearest-rank p50 and p99 of their propagation times. */
export async function measurePurgePropagation(cores: CorePlan, count = 200): Promise<PropagationResult> {
  const serverCore = cores.pinned ? cores.server : undefined;
  const loaderCore = cores.pinned ? cores.loader : undefined;
  const started: BenchProcess[] = [];
  const pools: Pool[] = [];
  try {
    const redisUrl = await ensureBenchRedis(loaderCore);
    const origin = spawnNode({
      name: 'origin',
      core: loaderCore,
      args: [SERVERS_ENTRY, 'origin', '--size', '1024', '--cache-control', 'public, max-age=3600'],
    });
    started.push(origin);
    const originUrl = (await waitForLine(origin, LISTENING, START_TIMEOUT_MS))[1] ?? '';
    const keyPrefix = `bench-propagation-${Date.now()}:`;
    const instances = await Promise.all(
      ['A', 'B'].map(async (name) => {
        const config = writeSharedStoreConfig({
          originUrl,
          redisUrl,
          memoryMaxBytes: 64 * 1024 * 1024,
          keyPrefix,
          adminToken: ADMIN_TOKEN,
        });
        const proc = spawnNode({ name: `cachet ${name}`, core: serverCore, args: [CACHET_ENTRY, 'run', '--config', config] });
        started.push(proc);
        const [, url, adminUrl] = await waitForLine(proc, LISTENING, START_TIMEOUT_MS);
        const pool = new Pool(url ?? '', { connections: 1 });
        pools.push(pool);
        return { pool, admin: new Pool(adminUrl ?? '', { connections: 1 }) };
      }),
    );
    const [a, b] = instances as [(typeof instances)[number], (typeof instances)[number]];
    pools.push(a.admin, b.admin);

    const timesMs: number[] = [];
    for (let i = 0; i < count; i++) {
      const path = `/propagation-${i}`;
      await readCacheStatus(a.pool, path);
      await readCacheStatus(b.pool, path);
      const held = await readCacheStatus(b.pool, path);
      if (!isHit(held)) throw new Error(`instance B did not hold ${path} in memory before the purge (cache-status "${held}")`);
      const sentAt = performance.now();
      const purge = a.admin.request({
        method: 'POST',
        path: '/purge',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: path }),
      });
      let changedAt: number | undefined;
      while (changedAt === undefined) {
        const status = await readCacheStatus(b.pool, path);
        const now = performance.now();
        if (!isHit(status)) changedAt = now;
        else if (now - sentAt > GIVE_UP_MS)
          throw new Error(`instance B still answered ${path} from memory ${GIVE_UP_MS} ms after the purge`);
      }
      const answer = await purge;
      await answer.body.dump();
      if (answer.statusCode !== 200) throw new Error(`POST /purge answered ${answer.statusCode}`);
      timesMs.push(changedAt - sentAt);
    }
    timesMs.sort((x, y) => x - y);
    return { purges: count, p50Ms: pickNearestRank(timesMs, 0.5), p99Ms: pickNearestRank(timesMs, 0.99), maxMs: timesMs.at(-1) ?? 0 };
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    for (const proc of started.reverse()) await stopProcess(proc);
  }
}

async function readCacheStatus(pool: Pool, path: string): Promise<string> {
  const res = await pool.request({ method: 'GET', path, headers: { host: HOST } });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}`);
  const status = res.headers['cache-status'];
  return Array.isArray(status) ? status.join(', ') : (status ?? '');
}

function isHit(cacheStatus: string): boolean {
  return /(^|;)\s*hit\b/.test(cacheStatus);
}

function pickNearestRank(sorted: readonly number[], quantile: number): number {
  return sorted[Math.max(0, Math.ceil(quantile * sorted.length) - 1)] ?? 0;
}
