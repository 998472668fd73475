/**
 * Turns scenario runs into the summary: the best round per scenario, ratios against baselines,
 * the machine description, the readable table and the `BENCH_RESULT` JSON line.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import type { Scenario, ScenarioId, ScenarioRun } from './scenarios.ts';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kernel: string;
}

/** One row: the best round (highest req/s) and every round's req/s, so the spread stays visible. */
export interface ScenarioSummary {
  readonly id: ScenarioId;
  readonly label: string;
  readonly best: ScenarioRun | undefined;
  readonly roundsReqPerSec: readonly number[];
  readonly baseline: ScenarioId | undefined;
  /** best req/s ÷ the baseline's best req/s. */
  readonly ratio: number | undefined;
  /**
   * The same ratio per CPU second of the server under test (req/s ÷ its CPU share). It stays meaningful
   * when a baseline was limited by the load generator rather than by its own core.
   */
  readonly cpuRatio: number | undefined;
  readonly targetRatio: number | undefined;
  /** best p50 − the baseline's best p50, in ms, for rows with a latency target. */
  readonly addedP50Ms: number | undefined;
  readonly addedP50TargetMs: number | undefined;
  /** The ratio target, or the latency target for rows that have one. */
  readonly meetsTarget: boolean | undefined;
  readonly problems: readonly string[];
}

export function describeMachine(): MachineInfo {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: the model stays unknown.
  }
  return { cores: availableParallelism(), cpuModel, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kernel: release() };
}

/** Keeps the round with the most req/s per scenario and divides cachet rows by their baseline. */
export function summarizeRuns(
  scenarios: readonly Scenario[],
  runs: ReadonlyMap<ScenarioId, readonly ScenarioRun[]>,
  failures: ReadonlyMap<ScenarioId, readonly string[]>,
): ScenarioSummary[] {
  const pickBest = (id: ScenarioId): ScenarioRun | undefined =>
    (runs.get(id) ?? []).reduce<ScenarioRun | undefined>(
      (best, run) => (best === undefined || run.reqPerSec > best.reqPerSec ? run : best),
      undefined,
    );
  return scenarios.map((scenario) => {
    const best = pickBest(scenario.id);
    const base = scenario.baseline === undefined ? undefined : pickBest(scenario.baseline);
    const ratio = best !== undefined && base !== undefined && base.reqPerSec > 0 ? best.reqPerSec / base.reqPerSec : undefined;
    const bestPerCore = computeReqPerCoreSec(best);
    const basePerCore = computeReqPerCoreSec(base);
    const cpuRatio = bestPerCore !== undefined && basePerCore !== undefined ? bestPerCore / basePerCore : undefined;
    const rounds = runs.get(scenario.id) ?? [];
    const addedP50Ms =
      scenario.addedP50TargetMs !== undefined && best !== undefined && base !== undefined ? best.p50Ms - base.p50Ms : undefined;
    return {
      id: scenario.id,
      label: scenario.label,
      best,
      roundsReqPerSec: rounds.map((run) => Math.round(run.reqPerSec)),
      baseline: scenario.baseline,
      ratio,
      cpuRatio,
      targetRatio: scenario.targetRatio,
      addedP50Ms,
      addedP50TargetMs: scenario.addedP50TargetMs,
      meetsTarget:
        addedP50Ms !== undefined && scenario.addedP50TargetMs !== undefined
          ? addedP50Ms <= scenario.addedP50TargetMs
          : ratio === undefined || scenario.targetRatio === undefined
            ? undefined
            : ratio >= scenario.targetRatio,
      problems: [
        ...rounds.flatMap((run) => run.problems.map((problem) => `round ${run.round}: ${problem}`)),
        ...(failures.get(scenario.id) ?? []),
      ],
    };
  });
}

/** Requests per CPU second of the server under test. */
export function computeReqPerCoreSec(run: ScenarioRun | undefined): number | undefined {
  if (run?.serverCpuPct === undefined || run.serverCpuPct <= 0) return undefined;
  return run.reqPerSec / (run.serverCpuPct / 100);
}

function formatNumber(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);
}

function formatRatio(row: ScenarioSummary): string {
  if (row.addedP50Ms !== undefined && row.addedP50TargetMs !== undefined) {
    const verdict = row.meetsTarget === true ? 'met' : 'MISSED';
    return `p50 +${row.addedP50Ms.toFixed(2)} ms vs ${row.baseline} (target <= ${row.addedP50TargetMs.toFixed(2)} ms: ${verdict})`;
  }
  if (row.ratio === undefined) return row.baseline === undefined ? 'baseline' : '-';
  const target =
    row.targetRatio === undefined ? '' : ` (target ${row.targetRatio.toFixed(2)}: ${row.meetsTarget === true ? 'met' : 'MISSED'})`;
  return `${row.ratio.toFixed(2)}x ${row.baseline}${target}`;
}

/** The human-readable table, one row per scenario, then any problem found. */
export function formatTable(rows: readonly ScenarioSummary[]): string {
  const header = [
    'scenario',
    'req/s',
    'rounds req/s',
    'p50 ms',
    'p99 ms',
    'server CPU',
    'loader CPU',
    'req/CPU-s',
    'per CPU',
    'cachet / baseline (req/s)',
  ];
  const cells = rows.map((row) => [
    row.label,
    formatNumber(row.best?.reqPerSec, 0),
    row.roundsReqPerSec.join(' / '),
    formatNumber(row.best?.p50Ms, 2),
    formatNumber(row.best?.p99Ms, 2),
    `${formatNumber(row.best?.serverCpuPct, 0)}%`,
    `${formatNumber(row.best?.loaderCpuPct, 0)}%`,
    formatNumber(computeReqPerCoreSec(row.best), 0),
    row.cpuRatio === undefined ? '' : `${row.cpuRatio.toFixed(2)}x`,
    formatRatio(row),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => (line[i] ?? '').length)));
  const render = (line: readonly string[]): string =>
    line
      .map((cell, i) => (i === 0 || i === line.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(render)];
  lines.push('req/CPU-s: req/s divided by the CPU share the server under test used; per CPU: that figure, cachet / baseline.');
  const problems = rows.flatMap((row) => row.problems.map((problem) => `  ${row.id}: ${problem}`));
  lines.push(
    '',
    problems.length === 0
      ? 'checks: all passed (hits were hits, the origin saw none of them, no errors)'
      : `checks FAILED:\n${problems.join('\n')}`,
  );
  return lines.join('\n');
}

/** The single machine-readable line: `BENCH_RESULT {...}`. */
export function formatResultLine(fields: {
  date: string;
  machine: MachineInfo;
  settings: object;
  rows: readonly ScenarioSummary[];
  /** Measured outside the table (see purge-propagation.ts); absent when not run. */
  purgePropagation?: { readonly purges: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
  /** Hits over plain HTTP/1.1, HTTP/1.1 over TLS and HTTP/2, loaded by h2load (see secure-hits.ts); absent when not run. */
  secureHits?: readonly object[];
  /** The targets judged in interleaved windows (see pairs.ts); absent when not run. */
  paired?: object;
}): string {
  const scenarios = fields.rows.map((row) => ({
    id: row.id,
    label: row.label,
    reqPerSec: row.best === undefined ? null : Math.round(row.best.reqPerSec),
    p50Ms: row.best?.p50Ms ?? null,
    p99Ms: row.best?.p99Ms ?? null,
    serverCpuPct: row.best?.serverCpuPct === undefined ? null : Math.round(row.best.serverCpuPct),
    loaderCpuPct: row.best === undefined ? null : Math.round(row.best.loaderCpuPct),
    roundsReqPerSec: row.roundsReqPerSec,
    baseline: row.baseline ?? null,
    reqPerCoreSec: row.best === undefined ? null : Math.round(computeReqPerCoreSec(row.best) ?? Number.NaN) || null,
    ratio: row.ratio === undefined ? null : Number(row.ratio.toFixed(3)),
    cpuRatio: row.cpuRatio === undefined ? null : Number(row.cpuRatio.toFixed(3)),
    targetRatio: row.targetRatio ?? null,
    addedP50Ms: row.addedP50Ms ?? null,
    addedP50TargetMs: row.addedP50TargetMs ?? null,
    meetsTarget: row.meetsTarget ?? null,
    problems: row.problems,
  }));
  const { date, machine, settings, purgePropagation, secureHits, paired } = fields;
  return `BENCH_RESULT ${JSON.stringify({ date, machine, settings, scenarios, purgePropagation: purgePropagation ?? null, secureHits: secureHits ?? null, paired: paired ?? null })}`;
}
