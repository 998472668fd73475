/**
 * The benchmark scenarios and how one of them runs: start its origin (on the loader core) and its server
 * under test (on the server core), warm the cache, check a sample response, load it, check again, stop.
 */
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { LoadPlan, LoadResult } from './load.ts';
import type { BenchProcess, CorePlan } from './processes.ts';
import { readTreeCpuSec, spawnNode, stopProcess, waitForLine } from './processes.ts';
import { ORIGIN_COUNT_PATH } from './servers.ts';
import { writeRateLimitedConfig } from './rate-limited-config.ts';
import { ensureBenchRedis, writeSharedStoreConfig } from './shared-redis.ts';

export type ScenarioId =
  | 'ceiling'
  | 'ceiling-304'
  | 'hit-1k'
  | 'hit-1k-2w'
  | 'hit-1k-limited'
  | 'hit-1k-l1-redis'
  | 'hit-1k-l2-redis'
  | 'hit-100k'
  | 'client-304'
  | 'bare-proxy'
  | 'pass-through';

interface OriginSpec {
  readonly sizeBytes: number;
  readonly cacheControl: string;
}

/** One line of the results table. */
export interface Scenario {
  readonly id: ScenarioId;
  readonly label: string;
  /** What runs on the server core: the origin itself (the ceiling), the bare undici proxy, or cachet. */
  readonly server: 'origin' | 'bare-proxy' | 'cachet';
  /** The origin: served directly for the ceiling, otherwise behind the server on the loader core. */
  readonly origin: OriginSpec;
  readonly path: string;
  /** Send `If-None-Match` with the stored ETag (a client revalidation answered by the cache). */
  readonly conditional: boolean;
  readonly expectStatus: 200 | 304;
  /** Every measured request must be a cache hit: `cache-status` says `hit` and the origin sees none. */
  readonly expectHit: boolean;
  /** The baseline this scenario's req/s is divided by, and the ratio the project aims for. */
  readonly baseline?: ScenarioId;
  readonly targetRatio?: number;
  /**
   * cachet's `--workers`. Above 1 the server is not pinned (its workers need the cores), and its CPU is the whole
   * process tree's: the row's req/CPU-s compares with its one-process baseline on equal terms.
   */
  readonly workers?: number;
  /** cachet runs from a config whose route names a rate-limit policy (see `rate-limited-config.ts`), never exceeded. */
  readonly rateLimited?: boolean;
  /**
   * cachet runs on the Redis store of the run's private redis-server (see `shared-redis.ts`), with this memory
   * tier: one too small for the object makes every hit an L2 hit, read from Redis. Skipped without redis-server.
   */
  readonly sharedStore?: { readonly memoryMaxBytes: number };
  /** Keep-alive connections for this scenario instead of `BENCH_CONNECTIONS`: 1 measures one request's latency, not a queue. */
  readonly connections?: number;
  /** The most this row's p50 may exceed its baseline's, in ms. */
  readonly addedP50TargetMs?: number;
}

const CACHEABLE = 'public, max-age=3600';
const KIB = 1024;

/** A 1 KiB cacheable response answered from cachet's cache: every hit row but the 100 KiB one. */
const CACHET_HIT_1K = {
  server: 'cachet',
  origin: { sizeBytes: KIB, cacheControl: CACHEABLE },
  path: '/hit-1k',
  conditional: false,
  expectStatus: 200,
  expectHit: true,
} as const;

/** L1 against L2 hits on the Redis store: one connection, so p50 is one request's latency rather than a queue's. */
const REDIS_HIT_1K = { ...CACHET_HIT_1K, connections: 1 } as const;

/** In table order; cachet rows name their baseline. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'ceiling',
    label: 'ceiling: node:http 1 KiB',
    server: 'origin',
    origin: { sizeBytes: KIB, cacheControl: CACHEABLE },
    path: '/ceiling',
    conditional: false,
    expectStatus: 200,
    expectHit: false,
  },
  {
    id: 'ceiling-304',
    label: 'ceiling: node:http 304',
    server: 'origin',
    origin: { sizeBytes: KIB, cacheControl: CACHEABLE },
    path: '/ceiling-304',
    conditional: true,
    expectStatus: 304,
    expectHit: false,
  },
  {
    id: 'hit-1k',
    label: 'cachet hit 1 KiB',
    ...CACHET_HIT_1K,
    baseline: 'ceiling',
    targetRatio: 0.9,
  },
  {
    id: 'hit-1k-2w',
    label: 'cachet hit 1 KiB, workers: 2',
    ...CACHET_HIT_1K,
    baseline: 'hit-1k',
    workers: 2,
  },
  {
    id: 'hit-1k-limited',
    label: 'cachet hit 1 KiB, rate-limited route',
    ...CACHET_HIT_1K,
    baseline: 'hit-1k',
    // A limited hit may cost at most 10 % more than a hit: 1 / 1.1.
    targetRatio: 0.91,
    rateLimited: true,
  },
  {
    id: 'hit-1k-l1-redis',
    label: 'cachet L1 hit 1 KiB, redis store, 1 conn',
    ...REDIS_HIT_1K,
    sharedStore: { memoryMaxBytes: 64 * KIB * KIB },
  },
  {
    id: 'hit-1k-l2-redis',
    label: 'cachet L2 hit 1 KiB (Redis), 1 conn',
    ...REDIS_HIT_1K,
    baseline: 'hit-1k-l1-redis',
    // A memory tier of one byte holds nothing: every hit reads the entry and its body from Redis.
    sharedStore: { memoryMaxBytes: 1 },
    addedP50TargetMs: 0.4,
  },
  {
    id: 'hit-100k',
    label: 'cachet hit 100 KiB',
    server: 'cachet',
    origin: { sizeBytes: 100 * KIB, cacheControl: CACHEABLE },
    path: '/hit-100k',
    conditional: false,
    expectStatus: 200,
    expectHit: true,
    baseline: 'ceiling',
  },
  {
    id: 'client-304',
    label: 'cachet client 304',
    server: 'cachet',
    origin: { sizeBytes: KIB, cacheControl: CACHEABLE },
    path: '/client-304',
    conditional: true,
    expectStatus: 304,
    expectHit: true,
    baseline: 'ceiling-304',
    targetRatio: 0.9,
  },
  {
    id: 'bare-proxy',
    label: 'bare proxy: node:http + undici',
    server: 'bare-proxy',
    origin: { sizeBytes: KIB, cacheControl: 'no-store' },
    path: '/pass',
    conditional: false,
    expectStatus: 200,
    expectHit: false,
  },
  {
    id: 'pass-through',
    label: 'cachet pass-through no-store 1 KiB',
    server: 'cachet',
    origin: { sizeBytes: KIB, cacheControl: 'no-store' },
    path: '/pass',
    conditional: false,
    expectStatus: 200,
    expectHit: false,
    baseline: 'bare-proxy',
    targetRatio: 0.8,
  },
];

export interface RunSettings {
  readonly cores: CorePlan;
  readonly connections: number;
  readonly warmupSec: number;
  readonly durationSec: number;
  /** Adds `--cpu-prof` to every server under test (cachet and its baselines), writing `<id>-r<round>.cpuprofile` here. */
  readonly profileDir: string | undefined;
}

/** One measured window of one scenario, with what was checked around it. */
export interface ScenarioRun extends LoadResult {
  readonly round: number;
  /** CPU of the server under test over the window, in % of one core. */
  readonly serverCpuPct: number | undefined;
  /** Requests the origin served during the window (0 for a run of pure hits). */
  readonly originRequests: number | undefined;
  /** `cache-status` of the sample requests before and after the window. */
  readonly sampleCacheStatus: string | undefined;
  /** Everything that did not look as expected; empty when the run is valid. */
  readonly problems: readonly string[];
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SERVERS_ENTRY = `${HERE}servers.ts`;
const LOAD_ENTRY = `${HERE}load.ts`;
const CACHET_ENTRY = fileURLToPath(new URL('../bin/cachet.js', import.meta.url));
const LISTENING = /listening on (http:\/\/\S+)/;
const START_TIMEOUT_MS = 20_000;

function pickCore(settings: RunSettings, role: 'server' | 'loader'): number | undefined {
  return settings.cores.pinned ? settings.cores[role] : undefined;
}

function originArgs(origin: OriginSpec): string[] {
  return [SERVERS_ENTRY, 'origin', '--size', String(origin.sizeBytes), '--cache-control', origin.cacheControl];
}

async function startServer(
  name: string,
  core: number | undefined,
  args: string[],
  nodeFlags: string[] = [],
): Promise<{ proc: BenchProcess; url: string }> {
  const proc = spawnNode({ name, core, args, nodeFlags });
  const match = await waitForLine(proc, LISTENING, START_TIMEOUT_MS);
  return { proc, url: match[1] ?? '' };
}

interface Sample {
  readonly status: number;
  readonly etag: string | undefined;
  readonly cacheStatus: string | undefined;
  readonly body: string;
}

/**
 * One GET with exactly `headers`. node:http rather than fetch: fetch turns a request carrying
 * If-None-Match into cache mode "no-store" and adds `cache-control: no-cache`, which a cache must forward.
 */
function fetchSample(url: string, headers: Record<string, string>): Promise<Sample> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);
        resolve({
          status: res.statusCode ?? 0,
          etag: single(res.headers.etag),
          cacheStatus: single(res.headers['cache-status']),
          body: Buffer.concat(chunks).toString(),
        });
      });
    }).on('error', reject);
  });
}

async function readOriginCount(originUrl: string): Promise<number> {
  const sample = await fetchSample(`${originUrl}${ORIGIN_COUNT_PATH}`, {});
  return (JSON.parse(sample.body) as { served: number }).served;
}

/** What is wrong with a sample response for `scenario`, if anything. */
function checkSample(scenario: Scenario, sample: Sample, when: string): string[] {
  const problems: string[] = [];
  if (sample.status !== scenario.expectStatus) problems.push(`${when}: status ${sample.status}, expected ${scenario.expectStatus}`);
  if (scenario.server !== 'cachet') return problems;
  const isHit = sample.cacheStatus !== undefined && /(^|;)\s*hit\b/.test(sample.cacheStatus);
  if (scenario.expectHit && !isHit) problems.push(`${when}: cache-status "${sample.cacheStatus}" is not a hit`);
  if (!scenario.expectHit && isHit) problems.push(`${when}: cache-status "${sample.cacheStatus}" is a hit on a no-store response`);
  return problems;
}

function checkLoad(scenario: Scenario, load: LoadResult, originRequests: number | undefined): string[] {
  const problems: string[] = [];
  const expectedClass = `${String(scenario.expectStatus)[0]}xx`;
  for (const [cls, count] of Object.entries(load.statusClasses)) {
    if (cls !== expectedClass) problems.push(`${count} responses were ${cls}, expected ${expectedClass}`);
  }
  if (load.errors > 0 || load.timeouts > 0) problems.push(`${load.errors} errors, ${load.timeouts} timeouts`);
  if (load.requests === 0) problems.push('no request completed');
  if (scenario.expectHit && originRequests !== 0) problems.push(`the origin served ${originRequests} requests during a window of hits`);
  // The origin count is read a few ms after the window opens and closes, hence the slack.
  if (scenario.server !== 'origin' && !scenario.expectHit && originRequests !== undefined && originRequests < load.requests * 0.9) {
    problems.push(`the origin served only ${originRequests} of ${load.requests} pass-through requests`);
  }
  return problems;
}

function startLoad(settings: RunSettings, plan: LoadPlan): BenchProcess {
  return spawnNode({ name: 'load generator', core: pickCore(settings, 'loader'), args: [LOAD_ENTRY, JSON.stringify(plan)] });
}

interface StartedServers {
  /** The server under test. */
  readonly server: BenchProcess;
  readonly serverUrl: string;
  readonly originUrl: string | undefined;
}

/** Starts the scenario's origin (loader core) and server under test (server core), recording each in `started`. */
async function startServers(scenario: Scenario, round: number, settings: RunSettings, started: BenchProcess[]): Promise<StartedServers> {
  const serverCore = pickCore(settings, 'server');
  const profileFlags =
    settings.profileDir === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`, `--cpu-prof-name=${scenario.id}-r${round}.cpuprofile`];
  if (scenario.server === 'origin') {
    const ceiling = await startServer('ceiling', serverCore, originArgs(scenario.origin), profileFlags);
    started.push(ceiling.proc);
    return { server: ceiling.proc, serverUrl: ceiling.url, originUrl: undefined };
  }
  const origin = await startServer('origin', pickCore(settings, 'loader'), originArgs(scenario.origin));
  started.push(origin.proc);
  const isCachet = scenario.server === 'cachet';
  const workers = scenario.workers ?? 1;
  const args = !isCachet
    ? [SERVERS_ENTRY, 'proxy', '--to', origin.url]
    : scenario.rateLimited === true
      ? [CACHET_ENTRY, 'run', '--config', writeRateLimitedConfig(origin.url)]
      : scenario.sharedStore !== undefined
        ? [CACHET_ENTRY, 'run', '--config', await writeScenarioSharedConfig(scenario, round, origin.url, settings)]
        : [CACHET_ENTRY, 'proxy', '--to', origin.url, '--port', '0', ...(workers > 1 ? ['--workers', String(workers)] : [])];
  // Workers inherit the supervisor's flags and would write one profile file over another: not profiled.
  const server = await startServer(
    isCachet ? 'cachet' : 'bare proxy',
    workers > 1 ? undefined : serverCore,
    args,
    workers > 1 ? [] : profileFlags,
  );
  started.push(server.proc);
  return { server: server.proc, serverUrl: server.url, originUrl: origin.url };
}

/** The Redis-store config of a `sharedStore` scenario, under a key prefix of its own for this round. */
async function writeScenarioSharedConfig(scenario: Scenario, round: number, originUrl: string, settings: RunSettings): Promise<string> {
  const redisUrl = await ensureBenchRedis(pickCore(settings, 'loader'));
  const memoryMaxBytes = scenario.sharedStore?.memoryMaxBytes ?? 1;
  return writeSharedStoreConfig({ originUrl, redisUrl, memoryMaxBytes, keyPrefix: `bench-${scenario.id}-r${round}:` });
}

/** The servers of a scenario, started and primed: what a measured window runs against. */
export interface PreparedScenario {
  readonly scenario: Scenario;
  readonly servers: StartedServers;
  readonly url: string;
  /** `If-None-Match` with the stored ETag for a conditional scenario. */
  readonly headers: Readonly<Record<string, string>>;
  /** What was wrong before any window (a first answer that was not a hit, no ETag to revalidate with). */
  readonly problems: readonly string[];
}

/** Starts the scenario's origin and server (recorded in `started`), and primes the cache. */
export async function prepareScenario(
  scenario: Scenario,
  round: number,
  settings: RunSettings,
  started: BenchProcess[],
): Promise<PreparedScenario> {
  const servers = await startServers(scenario, round, settings, started);
  const url = `${servers.serverUrl}${scenario.path}`;
  let primed = await fetchSample(url, {});
  // Each worker has its own cache: prime it through enough fresh connections that every worker stored the response.
  for (let i = 1; i < 8 * (scenario.workers ?? 1); i++) primed = await fetchSample(url, {});
  const headers: Record<string, string> = scenario.conditional && primed.etag !== undefined ? { 'if-none-match': primed.etag } : {};
  const problems: string[] = [];
  if (scenario.conditional && primed.etag === undefined) problems.push('the primed response has no etag');
  return { scenario, servers, url, headers, problems };
}

/** Loads a prepared scenario for one window (`warmupSec` + `durationSec`), checking a sample before and after. */
export async function measureWindow(
  prepared: PreparedScenario,
  round: number,
  settings: RunSettings,
  started: BenchProcess[],
): Promise<ScenarioRun> {
  const { scenario, servers, url, headers } = prepared;
  const { server, originUrl } = servers;
  const before = await fetchSample(url, headers);
  const problems = [...prepared.problems, ...checkSample(scenario, before, 'before')];
  const plan: LoadPlan = {
    url,
    headers,
    connections: scenario.connections ?? settings.connections,
    pipelining: 1,
    warmupSec: settings.warmupSec,
    durationSec: settings.durationSec,
  };
  const loader = startLoad(settings, plan);
  started.push(loader);
  await waitForLine(loader, /^measure-start$/, START_TIMEOUT_MS + settings.warmupSec * 1000 * 3);
  const windowStartedAt = performance.now();
  const cpuBefore = readTreeCpuSec(server.pid);
  const countBefore = originUrl === undefined ? undefined : await readOriginCount(originUrl);
  const resultLine = await waitForLine(loader, /^result (.*)$/, START_TIMEOUT_MS + settings.durationSec * 1000 * 3);
  const cpuAfter = readTreeCpuSec(server.pid);
  const windowSec = (performance.now() - windowStartedAt) / 1000;
  const countAfter = originUrl === undefined ? undefined : await readOriginCount(originUrl);
  const load = JSON.parse(resultLine[1] ?? '') as LoadResult;
  await stopProcess(loader);
  started.splice(started.indexOf(loader), 1);

  const after = await fetchSample(url, headers);
  const originRequests = countBefore === undefined || countAfter === undefined ? undefined : countAfter - countBefore;
  problems.push(...checkLoad(scenario, load, originRequests), ...checkSample(scenario, after, 'after'));
  return {
    ...load,
    round,
    serverCpuPct: cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) / windowSec) * 100,
    originRequests,
    sampleCacheStatus: scenario.server === 'cachet' ? `${before.cacheStatus} | ${after.cacheStatus}` : undefined,
    problems,
  };
}

/** Stops what a scenario started, the server first, so a profiled cachet exits (and writes its profile) while its origin is still up. */
export async function stopAll(started: BenchProcess[]): Promise<void> {
  for (const proc of started.reverse()) await stopProcess(proc);
  started.length = 0;
}

/** Runs one measured window of `scenario`, stopping every process it started whatever happens. */
export async function runScenario(scenario: Scenario, round: number, settings: RunSettings): Promise<ScenarioRun> {
  const started: BenchProcess[] = [];
  try {
    return await measureWindow(await prepareScenario(scenario, round, settings, started), round, settings, started);
  } finally {
    await stopAll(started);
  }
}
