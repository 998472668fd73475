import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickPercentile } from '../../../bench/load.ts';
import type { LoadResult } from '../../../bench/load.ts';
import { parseCpuList } from '../../../bench/processes.ts';
import { computeReqPerCoreSec, formatResultLine, formatTable, summarizeRuns } from '../../../bench/report.ts';
import { summarizeProfile } from '../../../bench/profile-summary.ts';
import { SCENARIOS } from '../../../bench/scenarios.ts';
import type { ScenarioId, ScenarioRun } from '../../../bench/scenarios.ts';

test('parseCpuList reads taskset affinity lists', () => {
  const cases: [string, number[]][] = [
    ['0,1', [0, 1]],
    [' 0-3\n', [0, 1, 2, 3]],
    ['2-3,6', [2, 3, 6]],
    ['', []],
  ];
  for (const [list, cores] of cases) assert.deepEqual(parseCpuList(list), cores, list);
});

test('pickPercentile is nearest-rank over sorted samples', () => {
  const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const cases: [number, number][] = [
    [0.5, 5],
    [0.99, 10],
    [0.1, 1],
    [0, 1],
    [1, 10],
  ];
  for (const [q, expected] of cases) assert.equal(pickPercentile(sorted, q), expected, `q=${q}`);
  assert.ok(Number.isNaN(pickPercentile(new Float64Array(0), 0.5)));
});

function makeRun(round: number, reqPerSec: number, serverCpuPct: number, problems: string[] = []): ScenarioRun {
  const load: LoadResult = {
    requests: reqPerSec * 8,
    durationSec: 8,
    reqPerSec,
    p50Ms: 1,
    p99Ms: 2,
    bytesPerSec: 0,
    statusClasses: { '2xx': reqPerSec * 8 },
    errors: 0,
    timeouts: 0,
    loaderCpuPct: 50,
  };
  return { ...load, round, serverCpuPct, originRequests: 0, sampleCacheStatus: undefined, problems };
}

test('summarizeRuns keeps the best round and divides by the baseline best round', () => {
  const runs = new Map<ScenarioId, ScenarioRun[]>([
    ['ceiling', [makeRun(1, 10_000, 100), makeRun(2, 12_000, 100)]],
    ['hit-1k', [makeRun(1, 11_400, 95), makeRun(2, 9_000, 95)]],
    ['bare-proxy', [makeRun(1, 5_000, 100)]],
    ['pass-through', [makeRun(1, 3_000, 100, ['bad'])]],
  ]);
  const rows = summarizeRuns(SCENARIOS, runs, new Map([['hit-100k', ['round 1: did not start']]]));
  const byId = new Map(rows.map((row) => [row.id, row]));
  assert.equal(byId.get('hit-1k')?.best?.round, 1);
  assert.equal(byId.get('hit-1k')?.ratio, 11_400 / 12_000);
  assert.equal(byId.get('hit-1k')?.meetsTarget, true);
  assert.equal(byId.get('hit-1k')?.cpuRatio, 11_400 / 0.95 / 12_000);
  assert.equal(byId.get('pass-through')?.ratio, 0.6);
  assert.equal(byId.get('pass-through')?.meetsTarget, false);
  assert.deepEqual(byId.get('pass-through')?.problems, ['round 1: bad']);
  assert.equal(byId.get('hit-100k')?.best, undefined);
  assert.deepEqual(byId.get('hit-100k')?.problems, ['round 1: did not start']);
  assert.deepEqual(byId.get('ceiling')?.roundsReqPerSec, [10_000, 12_000]);

  const table = formatTable(rows);
  assert.match(table, /0\.95x ceiling \(target 0\.90: met\)/);
  assert.match(table, /0\.60x bare-proxy \(target 0\.80: MISSED\)/);
  assert.match(table, /checks FAILED/);
  const line = formatResultLine({
    date: 'd',
    machine: { cores: 2, cpuModel: 'x', memoryGiB: 1, node: 'v24', kernel: 'k' },
    settings: {},
    rows,
  });
  assert.match(line, /^BENCH_RESULT \{/);
  const parsed = JSON.parse(line.slice('BENCH_RESULT '.length)) as { scenarios: { id: string; ratio: number | null }[] };
  assert.equal(parsed.scenarios.find((s) => s.id === 'pass-through')?.ratio, 0.6);
});

test('an L2 row reports its p50 above its L1 baseline against the latency target; the line carries purge propagation', () => {
  const withP50 = (run: ScenarioRun, p50Ms: number): ScenarioRun => ({ ...run, p50Ms });
  const summarize = (l2P50Ms: number) =>
    summarizeRuns(
      SCENARIOS,
      new Map<ScenarioId, ScenarioRun[]>([
        ['hit-1k-l1-redis', [withP50(makeRun(1, 4_000, 40), 0.2)]],
        ['hit-1k-l2-redis', [withP50(makeRun(1, 3_000, 45), l2P50Ms)]],
      ]),
      new Map(),
    ).find((row) => row.id === 'hit-1k-l2-redis');
  const met = summarize(0.45);
  assert.ok(Math.abs((met?.addedP50Ms ?? Number.NaN) - 0.25) < 1e-9);
  assert.equal(met?.meetsTarget, true);
  assert.equal(summarize(0.7)?.meetsTarget, false);
  assert.match(formatTable(met === undefined ? [] : [met]), /p50 \+0\.25 ms vs hit-1k-l1-redis \(target <= 0\.40 ms: met\)/);
  const line = formatResultLine({
    date: 'd',
    machine: { cores: 2, cpuModel: 'x', memoryGiB: 1, node: 'v24', kernel: 'k' },
    settings: {},
    rows: met === undefined ? [] : [met],
    purgePropagation: { purges: 200, p50Ms: 3, p99Ms: 9, maxMs: 12 },
  });
  const parsed = JSON.parse(line.slice('BENCH_RESULT '.length)) as {
    purgePropagation: { p99Ms: number };
    scenarios: { addedP50Ms: number }[];
  };
  assert.equal(parsed.purgePropagation.p99Ms, 9);
  assert.ok(Math.abs((parsed.scenarios[0]?.addedP50Ms ?? Number.NaN) - 0.25) < 1e-9);
});

test('computeReqPerCoreSec divides req/s by the CPU share, undefined without one', () => {
  assert.equal(computeReqPerCoreSec(makeRun(1, 5_000, 50)), 10_000);
  assert.equal(computeReqPerCoreSec(makeRun(1, 5_000, 0)), undefined);
  assert.equal(computeReqPerCoreSec(undefined), undefined);
});

test('summarizeProfile adds self time per function and total time per src/ frame', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2] },
      { id: 2, callFrame: frame('handleRequest', 'file:///r/src/edge/handler.ts'), children: [3] },
      { id: 3, callFrame: frame('observe', 'file:///r/node_modules/prom-client/lib/histogram.js') },
    ],
    samples: [2, 3, 3, 1],
    timeDeltas: [1000, 2000, 3000, 4000],
  };
  const summary = summarizeProfile(profile, 10, 'observe');
  assert.equal(summary.totalMs, 10);
  assert.deepEqual(
    summary.functions.map((f) => [f.name.split(/\s+/)[0], f.ms]),
    [
      ['observe', 5],
      ['(root)', 4],
      ['handleRequest', 1],
    ],
  );
  assert.deepEqual(
    summary.srcTotals.map((f) => [f.name.split(/\s+/)[0], f.ms]),
    [['handleRequest', 6]],
  );
  assert.equal(summary.callers[0]?.ms, 5);
  assert.match(summary.callers[0]?.name ?? '', /observe .* < handleRequest/);
});
