/**
 * Paired comparisons: a cachet scenario and its baseline measured in interleaved short windows, spread over several
 * process starts. Used by `npm run bench:paired` and, for the performance targets, by `npm run bench`.
 */
import { readPositiveNumber } from './env.ts';
import type { BenchProcess } from './processes.ts';
import { computeReqPerCoreSec } from './report.ts';
import { measureWindow, prepareScenario, SCENARIOS, stopAll, type RunSettings, type Scenario, type ScenarioRun } from './scenarios.ts';

/** The comparisons the performance targets are judged on (docs/performance.md). */
export const DEFAULT_PAIRS = 'hit-1k/ceiling,client-304/ceiling-304,pass-through/bare-proxy,hit-1k-limited/hit-1k';

export interface PairResult {
  readonly id: string;
  readonly label: string;
  readonly ratios: readonly number[];
  readonly cpuRatios: readonly number[];
  readonly targetRatio: number | undefined;
  readonly problems: readonly string[];
}

function findScenario(id: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.id === id);
  if (scenario === undefined) throw new Error(`unknown scenario ${id}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  if (scenario.sharedStore !== undefined || (scenario.workers ?? 1) > 1)
    throw new Error(`${id} cannot be paired: it needs Redis or several cores (run it with npm run bench)`);
  return scenario;
}

/** `subject/baseline,...` as scenarios. */
export function parsePairs(text: string): [Scenario, Scenario][] {
  return text.split(',').map((pair) => {
    const [subject, baseline, extra] = pair.split('/').map((id) => id.trim());
    if (subject === undefined || baseline === undefined || extra !== undefined)
      throw new Error(`BENCH_PAIRS: "${pair}" is not subject/baseline`);
    return [findScenario(subject), findScenario(baseline)];
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** How the windows of one comparison are spread over process starts, and how each start is warmed. */
export interface PairPlan {
  readonly windows: number;
  readonly starts: number;
  readonly startWarmupSec: number;
}

async function comparePair(
  subject: Scenario,
  baseline: Scenario,
  plan: PairPlan,
  settings: RunSettings,
  log: (line: string) => void,
): Promise<PairResult> {
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const problems: string[] = [];
  let window = 0;
  for (let start = 1; start <= plan.starts; start++) {
    // The windows left, shared out over the starts left: 10 over 3 starts is 3, 3, 4.
    const windowsThisStart = Math.floor((plan.windows - window) / (plan.starts - start + 1));
    const started: BenchProcess[] = [];
    try {
      const a = await prepareScenario(subject, start, settings, started);
      const b = await prepareScenario(baseline, start, settings, started);
      // A fresh process runs cold code until V8 has optimised it: both are loaded, unmeasured, first.
      const warming: RunSettings = { ...settings, warmupSec: 0, durationSec: plan.startWarmupSec };
      for (const prepared of [a, b]) {
        const warm = await measureWindow(prepared, 0, warming, started);
        problems.push(...warm.problems.map((p) => `start ${start} warm-up: ${p}`));
      }
      for (let i = 1; i <= windowsThisStart; i++) {
        window++;
        // A B, then B A: neither side always runs first after the other's load.
        const order = window % 2 === 1 ? [a, b] : [b, a];
        const runs = new Map<Scenario, ScenarioRun>();
        for (const prepared of order) runs.set(prepared.scenario, await measureWindow(prepared, window, settings, started));
        const ra = runs.get(subject) as ScenarioRun;
        const rb = runs.get(baseline) as ScenarioRun;
        for (const run of [ra, rb]) problems.push(...run.problems.map((p) => `window ${window}: ${p}`));
        const ratio = ra.reqPerSec / rb.reqPerSec;
        ratios.push(ratio);
        const ca = computeReqPerCoreSec(ra);
        const cb = computeReqPerCoreSec(rb);
        const cpuRatio = ca === undefined || cb === undefined ? undefined : ca / cb;
        if (cpuRatio !== undefined) cpuRatios.push(cpuRatio);
        log(
          `  start ${start} window ${String(window).padStart(2)}  ${subject.id} ${ra.reqPerSec.toFixed(0).padStart(6)} req/s  ${baseline.id} ${rb.reqPerSec.toFixed(0).padStart(6)} req/s  ratio ${ratio.toFixed(3)}${cpuRatio === undefined ? '' : `  per CPU ${cpuRatio.toFixed(3)}`}`,
        );
      }
    } finally {
      await stopAll(started);
    }
  }
  return {
    id: `${subject.id}/${baseline.id}`,
    label: subject.label,
    ratios,
    cpuRatios,
    targetRatio: subject.baseline === baseline.id ? subject.targetRatio : undefined,
    problems,
  };
}

function formatSpread(values: readonly number[]): string {
  if (values.length === 0) return '-';
  return `${median(values).toFixed(3)} (${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)})`;
}

/** The plan from the environment: BENCH_WINDOWS (12), BENCH_STARTS (3), BENCH_START_WARMUP_SEC (3). */
export function readPairPlan(): PairPlan {
  const windows = Math.round(readPositiveNumber('BENCH_WINDOWS', 12));
  return {
    windows,
    starts: Math.min(windows, Math.round(readPositiveNumber('BENCH_STARTS', 3))),
    startWarmupSec: readPositiveNumber('BENCH_START_WARMUP_SEC', 3),
  };
}

/** Runs each comparison in turn, logging every window; the results in the same order. */
export async function comparePairs(
  pairs: readonly [Scenario, Scenario][],
  plan: PairPlan,
  settings: RunSettings,
  log: (line: string) => void,
): Promise<PairResult[]> {
  log(
    `${plan.windows} window pairs per comparison over ${plan.starts} process starts (each warmed ${plan.startWarmupSec} s), ${settings.warmupSec} s warm-up + ${settings.durationSec} s each, ${settings.connections} connections, order alternating`,
  );
  const results: PairResult[] = [];
  for (const [subject, baseline] of pairs) {
    log(`${subject.label} against ${baseline.label}`);
    results.push(await comparePair(subject, baseline, plan, settings, log));
  }
  return results;
}

/** The summary: per comparison, the median ratio and its range, by req/s and per CPU, and the target's verdict. */
export function formatPairedTable(results: readonly PairResult[]): string[] {
  const lines = [
    `${'comparison'.padEnd(30)}  ${'req/s ratio: median (min–max)'.padEnd(30)}  ${'per CPU: median (min–max)'.padEnd(30)}  target`,
  ];
  for (const result of results) {
    const target =
      result.targetRatio === undefined
        ? ''
        : `${result.targetRatio.toFixed(2)}: ${median(result.ratios) >= result.targetRatio ? 'met' : 'MISSED'}`;
    lines.push(
      `${result.id.padEnd(30)}  ${formatSpread(result.ratios).padEnd(30)}  ${formatSpread(result.cpuRatios).padEnd(30)}  ${target}`,
    );
    for (const problem of result.problems) lines.push(`  PROBLEM ${problem}`);
  }
  return lines;
}
