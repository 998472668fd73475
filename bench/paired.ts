/**
 * `npm run bench:paired`: each cachet scenario against its baseline in interleaved short windows.
 *
 * `npm run bench` measures each scenario in its own long window, so a ratio compares two windows minutes
 * apart; on a VM whose speed changes for minutes at a time, that moves a ratio by 30 % or more. Here both
 * servers run at once (both on the server core, only one loaded at a time) and the windows alternate
 * A B B A A B ..., so each pair of adjacent windows sees the same machine. Printed per pair: the ratio of
 * req/s and of req per CPU-second, then their medians and spread over all pairs.
 *
 * The windows are spread over several starts of both servers. V8 settles each process into its own optimised
 * state, and two starts of one build can differ by 10 % in instructions per request (see docs/performance.md);
 * one start per comparison would make the ratio that start's luck. Each start is warmed, unmeasured, first.
 *
 * Environment:
 *   BENCH_PAIRS         comma-separated pairs (default: hit-1k/ceiling, client-304/ceiling-304, pass-through/bare-proxy,
 *                       hit-1k-limited/hit-1k)
 *   BENCH_WINDOWS       window pairs per comparison (default 12)
 *   BENCH_STARTS        process starts the windows are spread over (default 3)
 *   BENCH_START_WARMUP_SEC  unmeasured load on each fresh server before its first window (default 3)
 *   BENCH_DURATION_SEC  measured seconds per window (default 2)
 *   BENCH_WARMUP_SEC    warm-up seconds before each window (default 0.5)
 *   BENCH_CONNECTIONS   keep-alive connections (default 50)
 *
 * Prints a table, then one `BENCH_PAIRED {json}` line. Exits 1 if a window's checks failed.
 */
import { readPositiveNumber } from './env.ts';
import { installCleanup, planCores } from './processes.ts';
import type { RunSettings } from './scenarios.ts';
import { comparePairs, DEFAULT_PAIRS, formatPairedTable, parsePairs, readPairPlan } from './pairs.ts';

async function main(): Promise<number> {
  installCleanup();
  const cores = planCores();
  const settings: RunSettings = {
    cores,
    connections: Math.round(readPositiveNumber('BENCH_CONNECTIONS', 50)),
    warmupSec: readPositiveNumber('BENCH_WARMUP_SEC', 0.5),
    durationSec: readPositiveNumber('BENCH_DURATION_SEC', 2),
    profileDir: undefined,
  };
  const plan = readPairPlan();
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  log(`cachet paired bench ${new Date().toISOString()}`);
  log(cores.note);
  const results = await comparePairs(parsePairs(process.env.BENCH_PAIRS || DEFAULT_PAIRS), plan, settings, log);
  log('');
  for (const line of formatPairedTable(results)) log(line);
  log(`BENCH_PAIRED ${JSON.stringify({ date: new Date().toISOString(), settings: { ...settings, ...plan }, results })}`);
  return results.some((result) => result.problems.length > 0) ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
