import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../helpers/clock.ts';
import type { UpstreamConfig } from '../../../src/config/types.ts';
import { isCachetError } from '../../../src/errors.ts';
import { createUpstreamPool, type Target, type UpstreamPool } from '../../../src/upstream/pool.ts';
import type { DispatchOutcome } from '../../../src/upstream/passive-health.ts';
import type { PoolTarget } from '../../../src/upstream/target.ts';

// No sockets are opened here: undici pools connect lazily and nothing is dispatched.
function buildConfig(overrides: Partial<UpstreamConfig> = {}): UpstreamConfig {
  return {
    name: 'api',
    targets: ['http://127.0.0.1:3001', 'http://127.0.0.1:3002', 'http://127.0.0.1:3003'],
    balancer: 'round-robin',
    healthCheck: undefined,
    passiveHealth: { failureThreshold: 2, resetThreshold: 3, minHealthyPercent: 50, ejectMs: 10_000 },
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

function fail(pool: UpstreamPool, target: Target, times: number, outcome: DispatchOutcome = 'connect-error'): void {
  for (let i = 0; i < times; i++) {
    pool.begin(target);
    pool.end(target, outcome);
  }
}

test('targets expose url, normalised origin and a dispatcher, and start healthy', async (t) => {
  const pool = createUpstreamPool(buildConfig({ targets: ['HTTP://LocalHost:80', 'https://example.test:443'] }));
  t.after(() => pool.close());
  assert.deepEqual(
    pool.targets.map((target) => [target.url, target.origin, target.healthy, target.inflight]),
    [
      ['HTTP://LocalHost:80', 'http://localhost', true, 0],
      ['https://example.test:443', 'https://example.test', true, 0],
    ],
  );
  assert.notEqual(pool.targets[0]?.dispatcher, pool.targets[1]?.dispatcher);
});

test('a target that is not an http(s) URL fails with CACHET_ERR_CONFIG_INVALID', () => {
  for (const url of ['not a url', 'ftp://127.0.0.1:21']) {
    assert.throws(
      () => createUpstreamPool(buildConfig({ targets: [url] })),
      (err) => isCachetError(err) && err.code === 'CACHET_ERR_CONFIG_INVALID',
    );
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

  fail(pool, a, 1);
  assert.equal(a.healthy, true, 'one failure is below the threshold');
  fail(pool, a, 1);
  assert.equal(a.healthy, false);
  assert.deepEqual(changes, [['http://127.0.0.1:3001', false]]);
  const report = pool.health().targets[0];
  assert.equal(report?.ejectedUntil, clock.now() + 10_000);
  assert.equal(report?.consecutiveConnectFailures, 2);
  assert.equal(report?.consecutiveResets, 0);
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
  fail(pool, a, 1);
  assert.equal(a.healthy, false);
  assert.equal(pool.health().targets[0]?.ejectedUntil, clock.now() + 10_000);

  // After the second ejection, one success closes it for good.
  clock.advance(10_000);
  pool.begin(a);
  pool.end(a, 'ok');
  assert.deepEqual(pool.health().targets[0], {
    url: 'http://127.0.0.1:3001',
    healthy: true,
    inflight: 0,
    consecutiveConnectFailures: 0,
    consecutiveResets: 0,
    lastError: 'connect-error',
    lastErrorAt: clock.now() - 10_000,
  });
  fail(pool, a, 1);
  assert.equal(a.healthy, true, 'a closed target needs the full threshold again');
});

test('passive: a half-open target takes one trial request at a time', async (t) => {
  const clock = createManualClock();
  const pool = createUpstreamPool(buildConfig({ targets: ['http://127.0.0.1:3001', 'http://127.0.0.1:3002'] }), { clock });
  t.after(() => pool.close());
  const [a, b] = pool.targets as [Target, Target];
  const notB = new Set([b]);
  fail(pool, a, 2);
  assert.equal(pool.pick(notB), undefined, 'ejected');
  clock.advance(10_000);
  const trial = pool.pick(notB);
  assert.equal(trial, a);
  pool.begin(a);
  assert.equal(pool.pick(notB), undefined, 'a second request waits for the trial');
  pool.end(a, 'ok');
  pool.begin(a);
  assert.equal(pool.pick(notB), a, 'closed again after the trial succeeded: no limit');
  pool.end(a, 'ok');
});

test('passive: resets count apart from connect failures and eject at resetThreshold', async (t) => {
  const pool = createUpstreamPool(buildConfig());
  t.after(() => pool.close());
  const [a] = pool.targets as [Target, Target, Target];
  fail(pool, a, 1, 'connect-error');
  fail(pool, a, 2, 'reset');
  assert.equal(a.healthy, true, 'one connect failure and two resets: neither threshold reached');
  assert.deepEqual(
    [
      pool.health().targets[0]?.consecutiveConnectFailures,
      pool.health().targets[0]?.consecutiveResets,
      pool.health().targets[0]?.lastError,
    ],
    [1, 2, 'reset'],
  );
  fail(pool, a, 1, 'reset');
  assert.equal(a.healthy, false);
});

test('passive: timeouts and other errors neither eject nor reset the count', async (t) => {
  const pool = createUpstreamPool(
    buildConfig({ passiveHealth: { failureThreshold: 2, resetThreshold: 3, minHealthyPercent: 50, ejectMs: 1000 } }),
  );
  t.after(() => pool.close());
  const [a] = pool.targets as [Target, Target, Target];
  fail(pool, a, 1);
  for (const outcome of ['timeout', 'error', 'timeout'] as const) {
    pool.begin(a);
    pool.end(a, outcome);
  }
  assert.equal(a.healthy, true);
  assert.equal(pool.health().targets[0]?.lastError, 'timeout');
  fail(pool, a, 1);
  assert.equal(a.healthy, false);
});

test('passive: never ejects the last healthy target, nor below minHealthyPercent of the pool', async (t) => {
  const cases: ReadonlyArray<{ name: string; targets: number; minHealthyPercent: number; ejected: number }> = [
    { name: 'one target: never ejected', targets: 1, minHealthyPercent: 0, ejected: 0 },
    { name: 'two targets at 50%: one', targets: 2, minHealthyPercent: 50, ejected: 1 },
    { name: 'three targets at 50%: one (two stay)', targets: 3, minHealthyPercent: 50, ejected: 1 },
    { name: 'three targets at 0%: two (the last stays)', targets: 3, minHealthyPercent: 0, ejected: 2 },
    { name: 'three targets at 100%: none', targets: 3, minHealthyPercent: 100, ejected: 0 },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const urls = ['http://127.0.0.1:3001', 'http://127.0.0.1:3002', 'http://127.0.0.1:3003'].slice(0, c.targets);
      const pool = createUpstreamPool(
        buildConfig({
          targets: urls,
          passiveHealth: { failureThreshold: 2, resetThreshold: 3, minHealthyPercent: c.minHealthyPercent, ejectMs: 10_000 },
        }),
      );
      t.after(() => pool.close());
      for (const target of pool.targets) fail(pool, target, 3);
      assert.equal(pool.health().healthy, c.targets - c.ejected);
      assert.notEqual(pool.pick(), undefined, 'something is always left to try (502 per failure, not 503 for all)');
    });
  }
});

test('passive: a refused ejection happens at the next failure once another target is healthy again', async (t) => {
  const clock = createManualClock();
  const pool = createUpstreamPool(buildConfig({ targets: ['http://127.0.0.1:3001', 'http://127.0.0.1:3002'] }), { clock });
  t.after(() => pool.close());
  const [a, b] = pool.targets as [Target, Target];
  fail(pool, a, 2);
  fail(pool, b, 5);
  assert.deepEqual([a.healthy, b.healthy], [false, true], 'b is the last healthy target');
  clock.advance(10_000);
  pool.begin(a);
  pool.end(a, 'ok');
  fail(pool, b, 1);
  assert.deepEqual([a.healthy, b.healthy], [true, false]);
});

test('pick: when active checks take down every target passive ejection left, the ejected ones take traffic', async (t) => {
  const pool = createUpstreamPool(buildConfig({ targets: ['http://127.0.0.1:3001', 'http://127.0.0.1:3002'] }));
  t.after(() => pool.close());
  const [a, b] = pool.targets as [PoolTarget, PoolTarget];
  fail(pool, a, 2);
  assert.equal(pool.pick(), b);
  b.probe = { healthy: false, consecutiveSuccesses: 0, consecutiveFailures: 2 };
  assert.equal(pool.pick(), a, 'ejected, but the only one the probes leave up');
  assert.equal(pool.pick(new Set([a])), undefined, 'still honours exclude');
  a.probe = { healthy: false, consecutiveSuccesses: 0, consecutiveFailures: 2 };
  assert.equal(pool.pick(), undefined, 'the probes are authoritative: down is down (503)');
});

test('health() reports the pool without probe details when active checks are off', async (t) => {
  const pool = createUpstreamPool(buildConfig({ targets: ['http://127.0.0.1:3001'] }));
  t.after(() => pool.close());
  pool.start(); // no healthCheck configured: nothing to start
  assert.deepEqual(pool.health(), {
    name: 'api',
    healthy: 1,
    targets: [{ url: 'http://127.0.0.1:3001', healthy: true, inflight: 0, consecutiveConnectFailures: 0, consecutiveResets: 0 }],
  });
});

test('close() is idempotent', async () => {
  const pool = createUpstreamPool(buildConfig());
  const first = pool.close();
  assert.equal(pool.close(), first);
  await first;
  assert.equal(
    pool.targets.every((target) => target.dispatcher.closed),
    true,
  );
});
