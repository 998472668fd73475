import type { Config } from '../config/types.ts';
import { redactUrlPassword } from '../config/issues.ts';

/**
 * Config paths a reload cannot change in a running process, with why: the sockets are bound, the store holds
 * the cache, the worker processes are forked. Everything else (routes, upstreams, auth, rate limits, cache
 * policy, proxy, access log, log level, admin tokens, drain timeout, `limits.maxBodyBytes`) takes effect live.
 */
const RESTART_ONLY: readonly string[] = ['listen', 'admin.host', 'admin.port', 'store', 'workers', 'limits'];

/** Inside the restart-only sections, what does reload live: the body limit is admission's. */
const LIVE_INSIDE: ReadonlySet<string> = new Set(['limits.maxBodyBytes']);

/**
 * Every change from `current` to `next` that needs a restart, one line each
 * (`listen.port changed (8080 → 8081): needs a restart`); empty when the new config can be applied live.
 *
 * @example
 * findRestartOnlyChanges(running, fromFile); // ['workers changed (2 → 4): needs a restart']
 */
export function findRestartOnlyChanges(current: Config, next: Config): string[] {
  const problems: string[] = [];
  if ((current.admin === undefined) !== (next.admin === undefined)) {
    problems.push(`admin ${next.admin === undefined ? 'removed' : 'added'}: needs a restart`);
  }
  const adminBoth = current.admin !== undefined && next.admin !== undefined;
  for (const path of RESTART_ONLY) {
    if (path.startsWith('admin.') && !adminBoth) continue;
    for (const change of diffLeaves(valueAt(current, path), valueAt(next, path), path)) {
      if (!LIVE_INSIDE.has(change.path))
        problems.push(`${change.path} changed (${show(change.from)} → ${show(change.to)}): needs a restart`);
    }
  }
  return problems;
}

interface LeafChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** The leaves that differ between two plain values; a list is one leaf. */
function diffLeaves(from: unknown, to: unknown, path: string): LeafChange[] {
  if (isRecord(from) && isRecord(to)) {
    const keys = new Set([...Object.keys(from), ...Object.keys(to)]);
    return [...keys].flatMap((key) => diffLeaves(from[key], to[key], `${path}.${key}`));
  }
  return JSON.stringify(from) === JSON.stringify(to) ? [] : [{ path, from, to }];
}

function valueAt(config: Config, path: string): unknown {
  let value: unknown = config;
  for (const key of path.split('.')) value = isRecord(value) ? value[key] : undefined;
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A value for the message; passwords in URLs (a Redis URL) are never shown. */
function show(value: unknown): string {
  if (value === undefined) return 'unset';
  if (typeof value === 'string') return JSON.stringify(redactUrlPassword(value));
  if (Array.isArray(value)) return JSON.stringify(value.map((item) => (typeof item === 'string' ? redactUrlPassword(item) : item)));
  return JSON.stringify(value);
}
