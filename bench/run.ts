/**
 * `npm run bench`: cachet against node:http baselines, side by side, in one run.
 *
 * Each server under test runs alone on one core, the load generator (autocannon, keep-alive) on the
 * other; origins share the loader's core. Every scenario is measured in two rounds, the second in
 * reverse order, and the best round is kept; both rounds' req/s are printed so noise stays visible.
 *
 * The performance targets are then judged the way `npm run bench:paired` judges them: each target scenario against
 * its baseline in interleaved short windows over several process starts (see bench/pairs.ts), as a ratio of two
 * windows seconds apart rather than minutes apart. Left out with BENCH_ONLY, BENCH_PROFILE_DIR or BENCH_PAIRED=0;
 * BENCH_WINDOWS, BENCH_STARTS and BENCH_START_WARMUP_SEC apply.
 *
 * Environment:
 *   BENCH_DURATION_SEC  measured seconds per scenario and round (default 8)
 *   BENCH_WARMUP_SEC    warm-up seconds before each window (default 2)
 *   BENCH_ROUNDS        rounds (default 2)
 *   BENCH_CONNECTIONS   keep-alive connections (default 50), pipelining 1
 *   BENCH_QUICK=1       smoke run: 2 s windows, 1 s warm-up, one round
 *   BENCH_ONLY          comma-separated scenario ids (ceiling, ceiling-304, hit-1k, hit-1k-2w, hit-1k-limited, hit-1k-l1-redis,
 *                       hit-1k-l2-redis, hit-100k, client-304, bare-proxy, pass-through) and purge-propagation
 *                       and hit-1k-tls, hit-1k-h2 (both measured by h2load beside a plain HTTP/1.1 hit row, see secure-hits.ts)
 *   BENCH_H2_STREAMS    concurrent streams per HTTP/2 connection for hit-1k-h2 (default 10)
 *   BENCH_PURGES        purges timed by purge-propagation (default 200; 50 with BENCH_QUICK)
 *   BENCH_PROFILE_DIR   run the servers under test with --cpu-prof, writing .cpuprofile files there (ratios then mean nothing)
 *
 * The Redis rows and purge-propagation use a private redis-server (on the loader core); without one on PATH they
 * are skipped, each with a line saying so.
 *
 * Prints a table, then one `BENCH_RESULT {json}` line. Exits 1 if a check failed or a scenario could not run.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { readPositiveNumber } from './env.ts';
import { installCleanup, killAllNow, planCores } from './processes.ts';
import { describeMachine, formatResultLine, formatTable, summarizeRuns } from './report.ts';
import type { RunSettings, Scenario, ScenarioId, ScenarioRun } from './scenarios.ts';
import { runScenario, SCENARIOS } from './scenarios.ts';
import { measurePurgePropagation, type PropagationResult } from './purge-propagation.ts';
import { hasRedisServer, measureRedisRoundTripP50Ms, REDIS_SKIP_REASON, stopBenchRedis } from './shared-redis.ts';
import { hasSecureTools, measureSecureHits, SECURE_ROW_IDS, SECURE_SKIP_REASON, type SecureRow } from './secure-hits.ts';
import { comparePairs, DEFAULT_PAIRS, formatPairedTable, parsePairs, readPairPlan, type PairPlan, type PairResult } from './pairs.ts';

/** Measured outside the table: not a load window but a sequence of timed purges. */
const PURGE_PROPAGATION = 'purge-propagation';

function selectScenarios(only: string | undefined): { scenarios: Scenario[]; withPropagation: boolean; withSecure: boolean } {
  if (only === undefined || only === '') return { scenarios: [...SCENARIOS], withPropagation: true, withSecure: true };
  const ids = only.split(',').map((id) => id.trim());
  const outside: readonly string[] = [PURGE_PROPAGATION, ...SECURE_ROW_IDS];
  const unknown = ids.filter((id) => !outside.includes(id) && !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0)
    throw new Error(`BENCH_ONLY: unknown scenario ${unknown.join(', ')}; known: ${[...SCENARIOS.map((s) => s.id), ...outside].join(', ')}`);
  return {
    scenarios: SCENARIOS.filter((s) => ids.includes(s.id)),
    withPropagation: ids.includes(PURGE_PROPAGATION),
    withSecure: SECURE_ROW_IDS.some((id) => ids.includes(id)),
  };
}

function readSettings(): {
  settings: RunSettings;
  rounds: number;
  scenarios: Scenario[];
  purges: number | undefined;
  withSecure: boolean;
  /** How the targets are judged in interleaved windows; undefined to leave that out. */
  paired: { plan: PairPlan; settings: RunSettings } | undefined;
} {
  const isQuick = process.env.BENCH_QUICK === '1';
  const profileDir =
    process.env.BENCH_PROFILE_DIR === undefined || process.env.BENCH_PROFILE_DIR === ''
      ? undefined
      : resolve(process.env.BENCH_PROFILE_DIR);
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const { scenarios, withPropagation, withSecure } = selectScenarios(process.env.BENCH_ONLY);
  const settings: RunSettings = {
    cores: planCores(),
    connections: Math.round(readPositiveNumber('BENCH_CONNECTIONS', 50)),
    warmupSec: readPositiveNumber('BENCH_WARMUP_SEC', isQuick ? 1 : 2),
    durationSec: readPositiveNumber('BENCH_DURATION_SEC', isQuick ? 2 : 8),
    profileDir,
  };
  const withPaired = (process.env.BENCH_ONLY ?? '') === '' && profileDir === undefined && process.env.BENCH_PAIRED !== '0';
  return {
    settings,
    rounds: Math.round(readPositiveNumber('BENCH_ROUNDS', isQuick ? 1 : 2)),
    scenarios,
    purges: withPropagation ? Math.round(readPositiveNumber('BENCH_PURGES', isQuick ? 50 : 200)) : undefined,
    withSecure,
    paired: withPaired
      ? {
          plan: isQuick ? { windows: 2, starts: 1, startWarmupSec: 1 } : readPairPlan(),
          settings: { ...settings, warmupSec: 0.5, durationSec: isQuick ? 1 : 2 },
        }
      : undefined,
  };
}

async function main(): Promise<number> {
  installCleanup();
  const { settings, rounds, scenarios: selected, purges, withSecure, paired } = readSettings();
  const machine = describeMachine();
  const date = new Date().toISOString();
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  log(`cachet bench ${date}`);
  log(`machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}, linux ${machine.kernel}`);
  log(settings.cores.note);
  log(
    `load: autocannon, ${settings.connections} keep-alive connections, pipelining 1, ${settings.warmupSec} s warm-up + ${settings.durationSec} s measured, ${rounds} round(s) alternating order, best kept`,
  );
  if (settings.profileDir !== undefined) log(`profiling cachet into ${settings.profileDir}: numbers are NOT comparable`);
  const hasRedis = hasRedisServer();
  const scenarios = selected.filter((scenario) => hasRedis || scenario.sharedStore === undefined);
  for (const scenario of selected) if (!scenarios.includes(scenario)) log(`skipped ${scenario.id}: ${REDIS_SKIP_REASON}`);
  if (purges !== undefined && !hasRedis) log(`skipped ${PURGE_PROPAGATION}: ${REDIS_SKIP_REASON}`);
  log('');

  const runs = new Map<ScenarioId, ScenarioRun[]>();
  const failures = new Map<ScenarioId, string[]>();
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? scenarios : [...scenarios].reverse();
    for (const scenario of order) {
      try {
        const run = await runScenario(scenario, round, settings);
        runs.set(scenario.id, [...(runs.get(scenario.id) ?? []), run]);
        const flag = run.problems.length === 0 ? '' : `  PROBLEMS: ${run.problems.join('; ')}`;
        log(
          `round ${round}  ${scenario.label.padEnd(36)} ${run.reqPerSec.toFixed(0).padStart(7)} req/s  p50 ${run.p50Ms.toFixed(2)} ms  p99 ${run.p99Ms.toFixed(2)} ms${flag}`,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.set(scenario.id, [...(failures.get(scenario.id) ?? []), `round ${round}: ${message}`]);
        log(`round ${round}  ${scenario.label.padEnd(36)} FAILED: ${message}`);
      }
    }
  }

  let purgePropagation: PropagationResult | undefined;
  let propagationFailed = false;
  if (purges !== undefined && hasRedis) {
    try {
      purgePropagation = await measurePurgePropagation(settings.cores, purges);
      const { p50Ms, p99Ms, maxMs } = purgePropagation;
      log(
        `purge propagation, 2 instances on one Redis: ${purges} purges, p50 ${p50Ms.toFixed(1)} ms  p99 ${p99Ms.toFixed(1)} ms  max ${maxMs.toFixed(1)} ms`,
      );
    } catch (error) {
      propagationFailed = true;
      log(`purge propagation FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  let secureHits: SecureRow[] | undefined;
  let secureFailed = false;
  if (withSecure && !hasSecureTools()) log(`skipped ${SECURE_ROW_IDS.join(', ')}: ${SECURE_SKIP_REASON}`);
  else if (withSecure) {
    try {
      const streams = Math.round(readPositiveNumber('BENCH_H2_STREAMS', 10));
      const best = new Map<string, SecureRow>();
      for (let round = 1; round <= rounds; round++) {
        for (const row of await measureSecureHits({ ...settings, streams })) {
          const cpu =
            row.serverCpuPct === undefined
              ? ''
              : `  server CPU ${row.serverCpuPct.toFixed(0)} %  ${row.reqPerCpuSec?.toFixed(0)} req/CPU-s`;
          log(
            `round ${round}  ${row.label.padEnd(40)} ${row.reqPerSec.toFixed(0).padStart(7)} req/s  mean ${row.meanMs.toFixed(2)} ms${cpu} (h2load)`,
          );
          // Every measured request must be a 2xx hit: none failed, none reached the origin.
          if (row.failed > 0 || (row.originRequests ?? 0) > 0) {
            secureFailed = true;
            log(`  PROBLEMS: ${row.failed} failed or not 2xx, ${row.originRequests} reached the origin`);
          }
          if ((best.get(row.id)?.reqPerSec ?? -1) < row.reqPerSec) best.set(row.id, row);
        }
      }
      secureHits = [...best.values()];
    } catch (error) {
      secureFailed = true;
      log(`${SECURE_ROW_IDS.join(', ')} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // Context for the L2 rows: on a busy machine one round trip alone can exceed the latency target.
  const redisRoundTripP50Ms = await measureRedisRoundTripP50Ms();
  if (redisRoundTripP50Ms !== undefined)
    log(`redis round trip (PING from the loader core, one at a time): p50 ${redisRoundTripP50Ms.toFixed(3)} ms`);

  let pairedResults: PairResult[] | undefined;
  if (paired !== undefined) {
    log('');
    log('targets, judged in interleaved windows (as npm run bench:paired):');
    pairedResults = await comparePairs(parsePairs(DEFAULT_PAIRS), paired.plan, paired.settings, log);
  }

  const rows = summarizeRuns(scenarios, runs, failures);
  log('');
  log(formatTable(rows));
  if (pairedResults !== undefined) {
    log('');
    for (const line of formatPairedTable(pairedResults)) log(line);
  }
  const settingsJson = { ...settings, cores: { ...settings.cores }, rounds, pipelining: 1, loader: 'autocannon' };
  log(
    formatResultLine({
      date,
      machine,
      settings: settingsJson,
      rows,
      ...(purgePropagation === undefined ? {} : { purgePropagation }),
      ...(secureHits === undefined ? {} : { secureHits }),
      ...(pairedResults === undefined || paired === undefined ? {} : { paired: { plan: paired.plan, results: pairedResults } }),
    }),
  );
  const pairedFailed = pairedResults?.some((result) => result.problems.length > 0) ?? false;
  return propagationFailed || secureFailed || pairedFailed || rows.some((row) => row.problems.length > 0 || row.best === undefined) ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await stopBenchRedis();
  killAllNow();
}
