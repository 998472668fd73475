/**
 * The load generator, run by `bench/run.ts` as a child process pinned to its own core:
 * `node bench/load.ts '<LoadPlan JSON>'`. It runs autocannon once to warm up (discarded), prints
 * `measure-start`, runs the measured window, then prints `result <LoadResult JSON>` and exits.
 *
 * Latency percentiles come from every response's own time (autocannon's `response` event, sub-ms),
 * because autocannon's histogram keeps whole milliseconds, too coarse for a 1-3 ms local round trip.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';

/** What to load and for how long. */
export interface LoadPlan {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly pipelining: number;
  readonly warmupSec: number;
  readonly durationSec: number;
}

/** One measured window. */
export interface LoadResult {
  readonly requests: number;
  readonly durationSec: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly bytesPerSec: number;
  /** Responses by status class (`2xx`, `3xx`, ...), only the classes seen. */
  readonly statusClasses: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly timeouts: number;
  /** CPU the load generator itself used, in % of one core: near 100 means the loader, not the server, was the limit. */
  readonly loaderCpuPct: number;
}

/** The part of autocannon's aggregated result this file reads. */
interface AutocannonResult {
  readonly duration: number;
  readonly requests: { readonly total: number };
  readonly throughput: { readonly total: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly '1xx': number;
  readonly '2xx': number;
  readonly '3xx': number;
  readonly '4xx': number;
  readonly '5xx': number;
}

interface AutocannonOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly pipelining: number;
  readonly duration: number;
}

type Autocannon = (options: AutocannonOptions, done: (error: Error | null, result: AutocannonResult) => void) => EventEmitter;

// autocannon is CommonJS without type declarations; require keeps the types local to this file.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function runAutocannon(options: AutocannonOptions, onResponseMs?: (ms: number) => void): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error === null ? resolve(result) : reject(error)));
    if (onResponseMs !== undefined) {
      instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => onResponseMs(responseTimeMs));
    }
  });
}

/** The value at quantile `q` (0..1) of ascending `sorted`, nearest-rank. */
export function pickPercentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Warms up, then measures; `onMeasureStart` fires right before the measured window. */
export async function runLoad(plan: LoadPlan, onMeasureStart: () => void): Promise<LoadResult> {
  const base = { url: plan.url, headers: plan.headers, connections: plan.connections, pipelining: plan.pipelining };
  if (plan.warmupSec > 0) await runAutocannon({ ...base, duration: plan.warmupSec });

  let samples = new Float64Array(1 << 16);
  let count = 0;
  const record = (ms: number): void => {
    if (count === samples.length) {
      const grown = new Float64Array(samples.length * 2);
      grown.set(samples);
      samples = grown;
    }
    samples[count++] = ms;
  };
  onMeasureStart();
  const cpuBefore = process.cpuUsage();
  const result = await runAutocannon({ ...base, duration: plan.durationSec }, record);
  const cpu = process.cpuUsage(cpuBefore);

  const sorted = samples.subarray(0, count).sort();
  const statusClasses: Record<string, number> = {};
  for (const cls of ['1xx', '2xx', '3xx', '4xx', '5xx'] as const) {
    if (result[cls] > 0) statusClasses[cls] = result[cls];
  }
  return {
    requests: result.requests.total,
    durationSec: result.duration,
    reqPerSec: result.requests.total / result.duration,
    p50Ms: pickPercentile(sorted, 0.5),
    p99Ms: pickPercentile(sorted, 0.99),
    bytesPerSec: result.throughput.total / result.duration,
    statusClasses,
    errors: result.errors,
    timeouts: result.timeouts,
    loaderCpuPct: (cpu.user + cpu.system) / 1e4 / result.duration,
  };
}

if (import.meta.main) {
  const plan = JSON.parse(process.argv[2] ?? '') as LoadPlan;
  const result = await runLoad(plan, () => process.stdout.write('measure-start\n'));
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
}
