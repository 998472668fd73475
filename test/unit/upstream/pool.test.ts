import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../helpers/clock.ts';
import type { UpstreamConfig } from '../../../src/config/types.ts';
import { isCachetError } from '../../../src/errors.ts';
import { createUpstreamPool, type Target, type UpstreamPool } from '../../../src/upstream/pool.ts';

// No sockets are opened here: undici pools connect lazily and nothing is dispatched.
function buildConfig(overrides: Partial<UpstreamConfig> = {}): UpstreamConfig {
  return {
    name: 'api',
    targets: ['http://127.0.0.1:3001', 'http://127.0.0.1:3002', 'http://127.0.0.1:3003'],
    balancer: 'round-robin',
    healthCheck: undefined,
    passiveHealth: { failureThreshold: 2, ejectMs: 10_000 },
    timeouts: { connectMs: 1000, responseMs: 1000 },
    retries: 1,
    connectionsPerTarget: 4,
    ...overrides,
  };
}

function pickUrls(pool: UpstreamPool, times: number): Array<string | undefined> {
  const urls: Array<string | undefined> = [];
  for (let i = 0; i < times; i++) urls.push(pool.pick()?.url);
  return urls;
}

function failConnect(pool: UpstreamPool, target: Target, times: number): void {
  for (let i = 0; i < times; i++) {
    pool.begin(target);
    pool.end(target, 'connect-error');
  }
}

test('targets expose url, normalised origin and a dispatcher, and start healthy', async (t) => {
  const pool = createUpstreamPool(buildConfig({ targets: ['HTTP://LocalHost:80', 'https://example.test:443'] }));
  t.after(() => pool.close());
  assert.deepEqual(pool.targets.map((target) => [target.url, target.origin, target.healthy, target.inflight]), [
    ['HTTP://LocalHost:80', 'http://localhost', true, 0],
    ['https://example.test:443', 'https://example.test', true, 0],
  ]);
  assert.notEqual(pool.targets[0]?.dispatcher, pool.targets[1]?.dispatcher);
});

test('a target that is not an http(s) URL fails with CACHET_ERR_CONFIG_INVALID', () => {
  for (const url of ['not a url', 'ftp://127.0.0.1:21']) {
    assert.throws(() => createUpstreamPool(buildConfig({ targets: [url] })), (err) => isCachetError(err) && err.code === 'CACHET_ERR_CONFIG_INVALID');
  }
});

test('pick skips excluded targets and returns undefined when all are excluded', async (t) => {
  const pool = createUpstreamPool(buildConfig());
  t.after(() => pool.close());
  const [a, b, c] = pool.targets as [Target, Target, Target];
  assert.equal(pool.pick(new Set([a])), b);
  assert.equal(pool.pick(new Set([a, b])), c);
  assert.equal(pool.pick(new Set([a, b, c])), undefined);
});

test('begin/end track in-flight requests; end never goes below zero', async (t) => {
  const pool = createUpstreamPool(buildConfig({ balancer: 'least-connections' }));
  t.after(() => pool.close());
  const [a, b] = pool.targets as [Target, Target, Target];
  pool.begin(a);
  pool.begin(a);
  pool.begin(b);
  assert.equal(a.inflight, 2);
  assert.deepEqual(pickUrls(pool, 1), ['http://127.0.0.1:3003']);
  pool.end(a, 'ok');
  pool.end(a, 'ok');
  pool.end(a, 'ok');
  assert.equal(a.inflight, 0);
});

test('begin/end refuse a target from another pool', async (t) => {
  const pool = createUpstreamPool(buildConfig());
  const other = createUpstreamPool(buildConfig());
  t.after(() => Promise.all([pool.close(), other.close()]));
  const foreign = other.targets[0] as Target;
  assert.throws(() => pool.begin(foreign), TypeError);
  assert.throws(() => pool.end(foreign, 'ok'), TypeError);
});

test('passive: failureThreshold connect failures eject until now + ejectMs, then half-open (passiveHealth)', async (t) => {
  const clock = createManualClock();
  const changes: Array<[string, boolean]> = [];
  const pool = createUpstreamPool(buildConfig(), { clock, onHealthChange: (target, healthy) => changes.push([target.url, healthy]) });
  t.after(() => pool.close());
  const [a] = pool.targets as [Target, Target, Target];

  failConnect(pool, a, 1);
  assert.equal(a.healthy, true, 'one failure is below the threshold');
  failConnect(pool, a, 1);
  assert.equal(a.healthy, false);
  assert.deepEqual(changes, [['http://127.0.0.1:3001', false]]);
  const report = pool.health().targets[0];
  assert.equal(report?.ejectedUntil, clock.now() + 10_000);
  assert.equal(report?.consecutiveFailures, 2);
  assert.equal(report?.lastError, 'connect-error');
  assert.equal(pool.health().healthy, 2);
  assert.deepEqual(pickUrls(pool, 4), ['http://127.0.0.1:3002', 'http://127.0.0.1:3003', 'http://127.0.0.1:3002', 'http://127.0.0.1:3003']);

  clock.advance(9_999);
  assert.equal(a.healthy, false, 'still ejected 1 ms before ejectedUntil');
  clock.advance(1);
  assert.equal(a.healthy, true, 'half-open once ejectMs has passed');
  assert.ok(pickUrls(pool, 3).includes('http://127.0.0.1:3001'));
  assert.deepEqual(changes.at(-1), ['http://127.0.0.1:3001', true]);

  // Half-open: one more connect failure ejects it again at once.
  failConnect(pool, a, 1);
  assert.equal(a.healthy, false);
  assert.equal(pool.health().targets[0]?.ejectedUntil, clock.now() + 10_000);

  // After the second ejection, one success closes it for good.
  clock.advance(10_000);
  pool.begin(a);
  pool.end(a, 'ok');
  assert.deepEqual(pool.health().targets[0], {
    url: 'http://127.0.0.1:3001', healthy: true, inflight: 0, consecutiveFailures: 0, lastError: 'connect-error', lastErrorAt: clock.now() - 10_000,
  });
  failConnect(pool, a, 1);
  assert.equal(a.healthy, true, 'a closed target needs the full threshold again');
});

test('passive: a half-open target takes one trial request at a time', async (t) => {
  const clock = createManualClock();
  const pool = createUpstreamPool(buildConfig({ targets: ['http://127.0.0.1:3001'] }), { clock });
  t.after(() => pool.close());
  const [a] = pool.targets as [Target];
  failConnect(pool, a, 2);
  assert.equal(pool.pick(), undefined, 'ejected');
  clock.advance(10_000);
  const trial = pool.pick();
  assert.equal(trial, a);
  pool.begin(a);
  assert.equal(pool.pick(), undefined, 'a second request waits for the trial');
  pool.end(a, 'ok');
  pool.begin(a);
  assert.equal(pool.pick(), a, 'closed again after the trial succeeded: no limit');
  pool.end(a, 'ok');
});

test('passive: timeouts and other errors neither eject nor reset the count', async (t) => {
  const pool = createUpstreamPool(buildConfig({ passiveHealth: { failureThreshold: 2, ejectMs: 1000 } }));
  t.after(() => pool.close());
  const [a] = pool.targets as [Target, Target, Target];
  failConnect(pool, a, 1);
  for (const outcome of ['timeout', 'error', 'timeout'] as const) {
    pool.begin(a);
    pool.end(a, outcome);
  }
  assert.equal(a.healthy, true);
  assert.equal(pool.health().targets[0]?.lastError, 'timeout');
  failConnect(pool, a, 1);
  assert.equal(a.healthy, false);
});

test('pick returns undefined when every target is ejected (the gateway answers 503)', async (t) => {
  const clock = createManualClock();
  const pool = createUpstreamPool(buildConfig(), { clock });
  t.after(() => pool.close());
  for (const target of pool.targets) failConnect(pool, target, 2);
  assert.equal(pool.pick(), undefined);
  assert.equal(pool.health().healthy, 0);
  clock.advance(10_000);
  assert.notEqual(pool.pick(), undefined);
});

test('health() reports the pool without probe details when active checks are off', async (t) => {
  const pool = createUpstreamPool(buildConfig({ targets: ['http://127.0.0.1:3001'] }));
  t.after(() => pool.close());
  pool.start(); // no healthCheck configured: nothing to start
  assert.deepEqual(pool.health(), {
    name: 'api',
    healthy: 1,
    targets: [{ url: 'http://127.0.0.1:3001', healthy: true, inflight: 0, consecutiveFailures: 0 }],
  });
});

test('close() is idempotent', async () => {
  const pool = createUpstreamPool(buildConfig());
  const first = pool.close();
  assert.equal(pool.close(), first);
  await first;
  assert.equal(pool.targets.every((target) => target.dispatcher.closed), true);
});
