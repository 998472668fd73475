import { createOptionReader } from '../option-source.ts';
import { parseArgs } from 'node:util';
import { parseByteSize, parseDuration } from '../../../src/config/units.ts';
import { SEED_THREAT_COUNT } from '../../threat-intel/seed.ts';
import { DEFAULT_DEFINITIONS_BYTES } from '../stack.ts';

export interface LoadOptions {
  readonly devices: number;
  readonly rounds: number;
  readonly intervalMs: number;
  readonly concurrency: number;
  /** Share (0-1) of devices that start without definitions. */
  readonly freshShare: number;
  readonly seed: number;
  /** A running gateway to load instead of starting a stack. */
  readonly gatewayUrl: string | undefined;
  readonly adminUrl: string | undefined;
  readonly adminToken: string | undefined;
  /** Definitions size of the stack started here (ignored with `gatewayUrl`). */
  readonly definitionsBytes: number;
  readonly threatIds: number;
}

export type LoadOptionsResult =
  | { readonly kind: 'ok'; readonly options: LoadOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly problems: readonly string[] };

export const LOAD_USAGE = `usage: npm run demo:load [-- options]      (node examples/demo/load.ts [options])
Simulates a fleet of devices checking for virus definitions and threat lists through cachet.
  --devices N           devices in the fleet                    (env DEMO_DEVICES, default 1000)
  --rounds N            checks per device                        (env DEMO_ROUNDS, default 5)
  --interval D          time between two checks of a device      (env DEMO_INTERVAL, default 10s; 500ms, 1m, ...)
  --concurrency N       requests in flight at most               (env DEMO_CONCURRENCY, default 64)
  --fresh S             share of devices without definitions yet (env DEMO_FRESH, default 2%; 0-1 or 0%-100%)
                        their first check downloads the whole file; the others already hold it and ask with If-None-Match
  --seed N              seed of the schedule                     (default 1)
  --gateway URL         load a running gateway instead of starting the demo stack
  --admin-url URL       its admin API, for cachet's own counters (env CACHET_ADMIN_URL)
  --admin-token T       its admin token                          (env CACHET_ADMIN_TOKEN)
  --definitions-bytes S definitions size of the stack started here (env DEFINITIONS_BYTES, default 50MiB)`;

/** Reads `npm run demo:load` options from flags, then the environment, then defaults; every problem at once. */
export function parseLoadOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): LoadOptionsResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        devices: { type: 'string' },
        rounds: { type: 'string' },
        interval: { type: 'string' },
        concurrency: { type: 'string' },
        fresh: { type: 'string' },
        seed: { type: 'string' },
        gateway: { type: 'string' },
        'admin-url': { type: 'string' },
        'admin-token': { type: 'string' },
        'definitions-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return { kind: 'error', problems: [(err as Error).message] };
  }
  if (values['help'] === true) return { kind: 'help' };
  const problems: string[] = [];
  const pick = createOptionReader(values, env);
  const readInteger = (flag: string, envName: string | undefined, fallback: number, max: number): number => {
    const given = pick(flag, envName);
    if (given === undefined) return fallback;
    const value = /^\d+$/.test(given.text.trim()) ? Number(given.text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < 1 || value > max) {
      problems.push(`${given.source}: expected a whole number from 1 to ${formatMax(max)} (got ${JSON.stringify(given.text)})`);
      return fallback;
    }
    return value;
  };
  const readUrl = (flag: string, envName: string | undefined): string | undefined => {
    const given = pick(flag, envName);
    if (given === undefined) return undefined;
    if (!URL.canParse(given.text) || !/^https?:$/.test(new URL(given.text).protocol)) {
      problems.push(`${given.source}: expected an http(s) URL such as http://127.0.0.1:8080 (got ${JSON.stringify(given.text)})`);
      return undefined;
    }
    return given.text.replace(/\/+$/, '');
  };

  const devices = readInteger('devices', 'DEMO_DEVICES', 1000, 1_000_000);
  const rounds = readInteger('rounds', 'DEMO_ROUNDS', 5, 10_000);
  const concurrency = readInteger('concurrency', 'DEMO_CONCURRENCY', 64, 10_000);
  const seed = readInteger('seed', undefined, 1, 2 ** 31);

  let intervalMs = 10_000;
  const interval = pick('interval', 'DEMO_INTERVAL');
  if (interval !== undefined) {
    const parsed = parseDuration(/^\d+$/.test(interval.text) ? `${interval.text}s` : interval.text, 'ms');
    if (parsed === undefined || parsed < 1)
      problems.push(`${interval.source}: expected a duration such as 10s, 500ms or 1m (got ${JSON.stringify(interval.text)})`);
    else intervalMs = parsed;
  }

  let freshShare = 0.02;
  const fresh = pick('fresh', 'DEMO_FRESH');
  if (fresh !== undefined) {
    const parsed = parseShare(fresh.text);
    if (parsed === undefined)
      problems.push(`${fresh.source}: expected a share from 0 to 1 or 0% to 100% (got ${JSON.stringify(fresh.text)})`);
    else freshShare = parsed;
  }

  let definitionsBytes = DEFAULT_DEFINITIONS_BYTES;
  const size = pick('definitions-bytes', 'DEFINITIONS_BYTES');
  if (size !== undefined) {
    const parsed = parseByteSize(size.text);
    if (parsed === undefined || parsed < 1 || parsed > 1024 ** 3)
      problems.push(`${size.source}: expected a size from 1 byte to 1GiB such as 50MiB (got ${JSON.stringify(size.text)})`);
    else definitionsBytes = parsed;
  }

  const gatewayUrl = readUrl('gateway', undefined);
  const adminUrl = readUrl('admin-url', 'CACHET_ADMIN_URL');
  const adminToken = pick('admin-token', 'CACHET_ADMIN_TOKEN')?.text;
  if (problems.length > 0) return { kind: 'error', problems };
  return {
    kind: 'ok',
    options: {
      devices,
      rounds,
      intervalMs,
      concurrency,
      freshShare,
      seed,
      gatewayUrl,
      adminUrl,
      adminToken,
      definitionsBytes,
      threatIds: SEED_THREAT_COUNT,
    },
  };
}

/**
 * Reads a share: `0.02`, `2%`, `0`, `1`, `100%`.
 *
 * @example parseShare('2%') // 0.02
 */
export function parseShare(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (match === null) return undefined;
  const value = Number(match[1]) / (match[2] === '%' ? 100 : 1);
  return value >= 0 && value <= 1 ? value : undefined;
}

function formatMax(max: number): string {
  return max.toLocaleString('en-US');
}
