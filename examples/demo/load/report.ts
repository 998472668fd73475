import type { GatewayCounters } from './gateway-metrics.ts';
import type { KindSummary, LoadSummary, RequestKind } from './stats.ts';

export interface ReportInput {
  readonly devices: number;
  readonly freshDevices: number;
  readonly rounds: number;
  readonly intervalMs: number;
  readonly definitionsBytes: number;
  readonly elapsedMs: number;
  readonly summary: LoadSummary;
  /** cachet's counters over the run (after − before); undefined when the admin API was not reachable. */
  readonly gateway: GatewayCounters | undefined;
  /** Origin URL → instance name, when the stack was started here. */
  readonly originNames?: Readonly<Record<string, string>>;
}

const KIND_LABELS: Readonly<Record<RequestKind, string>> = {
  token: 'token (POST /auth/token)',
  definitions: 'definitions',
  'threat-list': 'threat list',
  threat: 'one threat',
};

/** The claims the load run measures, each with the number that supports (or refutes) it. */
export interface ClaimCheck {
  readonly claim: string;
  readonly isMet: boolean;
  readonly evidence: string;
}

/** The hit ratio the architecture is known for with a one-hour cache on definition lookups. */
export const CLAIMED_DEFINITIONS_HIT_RATIO = 0.99;
/** "Around" 99%: within half a point of it. */
export const CLAIM_TOLERANCE = 0.005;

/** Checks the two claims against measured numbers. */
export function checkClaims(input: ReportInput): ClaimCheck[] {
  const definitions = input.summary.byKind.definitions;
  const ratio = ratioOf(definitions.hits, definitions.lookups);
  const average304Bytes = ratioOf(definitions.notModifiedBytes, definitions.notModified);
  return [
    {
      claim: 'a one-hour cache on definition lookups gives a hit ratio around 99%',
      isMet: definitions.lookups > 0 && ratio >= CLAIMED_DEFINITIONS_HIT_RATIO - CLAIM_TOLERANCE,
      evidence: `${formatPercent(ratio)} of ${formatCount(definitions.lookups)} definition lookups answered by cachet`,
    },
    {
      claim: `a 304 replaces a ${formatBytes(input.definitionsBytes)} download`,
      isMet: definitions.notModified > 0,
      evidence:
        definitions.notModified === 0
          ? 'no 304 was answered'
          : `${formatCount(definitions.notModified)} × 304 of about ${formatCount(Math.round(average304Bytes))} B each instead of ${formatCount(input.definitionsBytes)} B`,
    },
  ];
}

/** The report printed at the end of `npm run demo:load`, as lines. */
export function formatReport(input: ReportInput): string[] {
  const { summary } = input;
  const total = summary.total;
  const lines: string[] = [];
  lines.push(
    `${formatCount(input.devices)} devices, ${input.rounds} checks each, one every ${formatSeconds(input.intervalMs)} ` +
      `(${formatCount(input.freshDevices)} new without definitions, ${formatCount(input.devices - input.freshDevices)} already holding them); ` +
      `definitions ${formatBytes(input.definitionsBytes)}; ran ${formatSeconds(input.elapsedMs)}`,
  );
  lines.push('');
  lines.push(
    `Requests through cachet: ${formatCount(total.requests)} (${formatCount(total.errors)} errors)   latency p50 ${formatMs(total.p50Ms)}  p99 ${formatMs(total.p99Ms)}`,
  );
  for (const [kind, label] of Object.entries(KIND_LABELS) as [RequestKind, string][])
    lines.push(formatKindLine(label, summary.byKind[kind]));
  lines.push(
    `  statuses: ${Object.entries(summary.statuses)
      .map(([status, count]) => `${status === '0' ? 'network error' : status} × ${formatCount(count)}`)
      .join(', ')}`,
  );
  lines.push('');
  const lookups = total.lookups;
  lines.push('Hit ratio');
  lines.push(
    `  from Cache-Status      ${formatPercent(ratioOf(total.hits, lookups))} (${formatCount(total.hits)} of ${formatCount(lookups)} cache lookups, collapsed ones included; tokens are never cached)`,
  );
  const definitions = summary.byKind.definitions;
  lines.push(
    `    definitions          ${formatPercent(ratioOf(definitions.hits, definitions.lookups))} (${formatCount(definitions.hits)} of ${formatCount(definitions.lookups)}; max-age=3600)`,
  );
  const lists = mergeLookups(summary.byKind['threat-list'], summary.byKind.threat);
  lines.push(
    `    threats              ${formatPercent(ratioOf(lists.hits, lists.lookups))} (${formatCount(lists.hits)} of ${formatCount(lists.lookups)}; max-age=60)`,
  );
  if (input.gateway === undefined) {
    lines.push('  from cachet /metrics   not available (pass --admin-url and --admin-token)');
  } else {
    const { cacheHits, cacheMisses } = input.gateway;
    lines.push(
      `  from cachet /metrics   ${formatPercent(ratioOf(cacheHits, cacheHits + cacheMisses))} (cachet_cache_hits_total +${formatCount(cacheHits)}, cachet_cache_misses_total +${formatCount(cacheMisses)})`,
    );
  }
  lines.push('');
  lines.push('Origin requests');
  if (input.gateway !== undefined) {
    // Named and ordered like the X-Origin-Instance line below, whatever order the metrics listed the targets in.
    const perTarget = Object.entries(input.gateway.upstreamRequests)
      .map(([target, count]): [string, number] => [input.originNames?.[target] ?? target, count])
      .sort(([a], [b]) => a.localeCompare(b));
    const forwarded = perTarget.reduce((sum, [, count]) => sum + count, 0);
    const apiRequests = total.requests - summary.byKind.token.requests;
    lines.push(
      `  from cachet /metrics   ${formatCount(forwarded)} of ${formatCount(apiRequests)} API requests reached an origin (${formatPercent(ratioOf(forwarded, apiRequests))}): ` +
        perTarget.map(([name, count]) => `${name} ${formatCount(count)}`).join(', '),
    );
  }
  const instances = Object.entries(summary.originInstances).sort(([a], [b]) => a.localeCompare(b));
  lines.push(
    `  from X-Origin-Instance ${instances.length === 0 ? 'none' : instances.map(([name, count]) => `${name} ${formatCount(count)}`).join(', ')} (responses not served from the cache)`,
  );
  lines.push('');
  lines.push('Bytes');
  lines.push(`  served to devices      ${formatBytes(total.bytes)}`);
  lines.push(
    `  without caching        ${formatBytes(total.bytesWithoutCache)} (every check a full 200: the whole definitions file each time)`,
  );
  lines.push(`  saved                  ${formatPercent(ratioOf(total.bytesWithoutCache - total.bytes, total.bytesWithoutCache))}`);
  lines.push(
    `  definitions            ${formatCount(definitions.fullResponses)} full downloads, ${formatCount(definitions.notModified)} × 304 Not Modified`,
  );
  lines.push('');
  lines.push('Claims, measured');
  for (const check of checkClaims(input)) lines.push(`  [${check.isMet ? 'ok' : 'NOT MET'}] ${check.claim}: ${check.evidence}`);
  return lines;
}

function formatKindLine(label: string, kind: KindSummary): string {
  const statuses = kind.notModified > 0 ? `  200 × ${formatCount(kind.fullResponses)}, 304 × ${formatCount(kind.notModified)}` : '';
  return `  ${label.padEnd(26)} ${formatCount(kind.requests).padStart(7)}   p50 ${formatMs(kind.p50Ms).padStart(8)}  p99 ${formatMs(kind.p99Ms).padStart(8)}${statuses}`;
}

function mergeLookups(a: KindSummary, b: KindSummary): { hits: number; lookups: number } {
  return { hits: a.hits + b.hits, lookups: a.lookups + b.lookups };
}

export function ratioOf(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  return `${percent >= 99.95 && percent < 100 ? percent.toFixed(2) : percent.toFixed(1)}%`;
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Binary units, as the definitions size is configured (`50 MiB`). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 || Number.isInteger(value) ? 0 : 1)} ${units[unit] ?? ''}`;
}

export function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatSeconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}
