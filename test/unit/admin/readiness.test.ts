import test from 'node:test';
import assert from 'node:assert/strict';
import { mergeWorkerHealth, summarizeHealth, type AdminHealth } from '../../../src/admin/health.ts';
import { assessReadiness } from '../../../src/admin/readiness.ts';

const api = { name: 'api', healthy: 2, total: 2 };

test('health: a shared store that is down makes the instance degraded, not down; the memory store reports none', () => {
  assert.deepEqual(summarizeHealth([api]), { status: 'ok', upstreams: [api] });
  assert.deepEqual(summarizeHealth([api], 'up'), { status: 'ok', upstreams: [api], store: 'up' });
  assert.deepEqual(summarizeHealth([api], 'down'), { status: 'degraded', upstreams: [api], store: 'down' });
  assert.equal(summarizeHealth([{ name: 'api', healthy: 0, total: 2 }], 'down').status, 'down');
});

test('health of several workers: the store is down where any worker finds it so', () => {
  const report = (store: 'up' | 'down'): AdminHealth => summarizeHealth([api], store);
  assert.equal(mergeWorkerHealth([report('up'), report('up')], 2).store, 'up');
  assert.deepEqual(mergeWorkerHealth([report('up'), report('down')], 2), { status: 'degraded', upstreams: [api], store: 'down' });
  assert.equal(mergeWorkerHealth([summarizeHealth([api]), summarizeHealth([api])], 2).store, undefined);
});

test('readiness: the store is a condition only when required', () => {
  const base = { listening: true, draining: false, upstreams: [api] };
  assert.deepEqual(assessReadiness(base), { ready: true, notReady: [] });
  assert.deepEqual(assessReadiness({ ...base, requiredStore: 'up' }), { ready: true, notReady: [] });
  assert.deepEqual(assessReadiness({ ...base, requiredStore: 'down' }), { ready: false, notReady: ['store: redis unavailable'] });
  assert.deepEqual(assessReadiness({ ...base, draining: true, requiredStore: 'down' }), {
    ready: false,
    notReady: ['draining: shutting down', 'store: redis unavailable'],
  });
});
