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
import { installCleanup, planCores, type BenchProcess } from './processes.ts';
import { measureWindow, prepareScenario, SCENARIOS, stopAll, type RunSettings, type Scenario, type ScenarioRun } from './scenarios.ts';

const DEFAULT_PAIRS = 'hit-1k/ceiling,client-304/ceiling-304,pass-through/bare-proxy,hit-1k-limited/hit-1k';

interface PairResult {
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

function readPairs(): [Scenario, Scenario][] {
  return (process.env.BENCH_PAIRS || DEFAULT_PAIRS).split(',').map((pair) => {
    const [subject, baseline, extra] = pair.split('/').map((id) => id.trim());
    if (subject === undefined || baseline === undefined || extra !== undefined)
      throw new Error(`BENCH_PAIRS: "${pair}" is not subject/baseline`);
    return [findScenario(subject), findScenario(baseline)];
  });
}

/** Requests per CPU-second of the server under test in one window; undefined without a CPU reading. */
function perCpu(run: ScenarioRun): number | undefined {
  return run.serverCpuPct === undefined || run.serverCpuPct <= 0 ? undefined : run.reqPerSec / (run.serverCpuPct / 100);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** How the windows of one comparison are spread over process starts, and how each start is warmed. */
interface PairPlan {
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
        const ca = perCpu(ra);
        const cb = perCpu(rb);
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
  const windows = Math.round(readPositiveNumber('BENCH_WINDOWS', 12));
  const plan: PairPlan = {
    windows,
    starts: Math.min(windows, Math.round(readPositiveNumber('BENCH_STARTS', 3))),
    startWarmupSec: readPositiveNumber('BENCH_START_WARMUP_SEC', 3),
  };
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  log(`cachet paired bench ${new Date().toISOString()}`);
  log(cores.note);
  log(
    `${windows} window pairs per comparison over ${plan.starts} process starts (each warmed ${plan.startWarmupSec} s), ${settings.warmupSec} s warm-up + ${settings.durationSec} s each, ${settings.connections} connections, order alternating`,
  );
  const results: PairResult[] = [];
  for (const [subject, baseline] of readPairs()) {
    log(`${subject.label} against ${baseline.label}`);
    results.push(await comparePair(subject, baseline, plan, settings, log));
  }
  log('');
  log(`${'comparison'.padEnd(30)}  ${'req/s ratio: median (min–max)'.padEnd(30)}  ${'per CPU: median (min–max)'.padEnd(30)}  target`);
  for (const result of results) {
    const target =
      result.targetRatio === undefined
        ? ''
        : `${result.targetRatio.toFixed(2)}: ${median(result.ratios) >= result.targetRatio ? 'met' : 'MISSED'}`;
    log(`${result.id.padEnd(30)}  ${formatSpread(result.ratios).padEnd(30)}  ${formatSpread(result.cpuRatios).padEnd(30)}  ${target}`);
    for (const problem of result.problems) log(`  PROBLEM ${problem}`);
  }
  log(`BENCH_PAIRED ${JSON.stringify({ date: new Date().toISOString(), settings: { ...settings, ...plan }, results })}`);
  return results.some((result) => result.problems.length > 0) ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
