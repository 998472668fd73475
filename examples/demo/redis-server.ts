import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import type { ProgramSpec } from './children.ts';
import { DemoError } from './errors.ts';

/** What to do when the demo needs a Redis and finds no `redis-server`. */
export const REDIS_SERVER_MISSING = [
  'redis-server was not found on PATH; --redis starts a private one. Either install it',
  '  (Debian, Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)',
  'or use a Redis already running: npm start -- --redis-url redis://127.0.0.1:6379',
].join('\n');

/** The `redis-server` binary on `PATH`, or undefined. */
export function findRedisServer(path: string = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

export interface PrivateRedisPlan {
  readonly binary: string;
  readonly host: string;
  readonly port: number;
  /** Its working directory (nothing is written there: persistence is off). */
  readonly dir: string;
  /** `maxmemory`: past it Redis evicts the keys that expire soonest (see docs/scale-out.md). */
  readonly maxMemoryBytes: number;
}

/**
 * A private `redis-server` for one run of the demo: bound to the demo's interface, no RDB snapshots and no
 * append-only file (the cache is rebuilt from the origins), stopped with the stack.
 */
export function createRedisSpec(plan: PrivateRedisPlan): ProgramSpec {
  return {
    name: 'redis',
    program: plan.binary,
    args: [
      '--port',
      String(plan.port),
      '--bind',
      plan.host,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      plan.dir,
      '--daemonize',
      'no',
      '--maxmemory',
      String(plan.maxMemoryBytes),
      '--maxmemory-policy',
      'volatile-ttl',
    ],
    readyLine: /Ready to accept connections/,
    url: `redis://${plan.host.includes(':') ? `[${plan.host}]` : plan.host}:${plan.port}`,
  };
}

const REACH_TIMEOUT_MS = 2000;

/**
 * Checks that something listens at a `redis://` or `rediss://` URL before two gateways are pointed at it:
 * cachet starts without Redis (it serves from memory and the origins meanwhile), so a mistyped URL would
 * otherwise give a demo that shares nothing. Throws `CACHET_ERR_DEMO_REDIS` when the address cannot be reached.
 */
export async function checkRedisReachable(url: string): Promise<void> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port, timeout: REACH_TIMEOUT_MS });
    const fail = (why: string): void => {
      socket.destroy();
      reject(new DemoError('CACHET_ERR_DEMO_REDIS', `cannot reach Redis at ${host}:${port} (${why}); is it running?`));
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail(`no answer within ${REACH_TIMEOUT_MS} ms`));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}
