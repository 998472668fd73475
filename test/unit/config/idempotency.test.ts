import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../src/config/validate.ts';
import { issuesOf } from '../../helpers/config.ts';

const upstreams = { api: { targets: ['http://127.0.0.1:3001'] } };

function withRoute(route: Record<string, unknown>): Record<string, unknown> {
  return { upstreams, routes: [{ path: '/v1/orders', upstream: 'api', ...route }] };
}

test('route idempotency: defaults filled in (not required, a day, 1 MiB); absent on routes without the block', () => {
  const config = validateConfig({
    upstreams,
    routes: [
      { path: '/v1/orders', methods: ['POST'], upstream: 'api', idempotency: {} },
      { path: '/v1/*', upstream: 'api' },
    ],
  });
  assert.deepEqual(config.routes[0]?.idempotency, { required: false, ttlSec: 86_400, maxResponseBytes: 1024 * 1024 });
  assert.equal(config.routes[1]?.idempotency, undefined);
  assert.equal('idempotency' in (config.routes[1] ?? {}), false);
});

test('route idempotency: units as elsewhere (durations, byte sizes)', () => {
  const config = validateConfig(withRoute({ idempotency: { required: true, ttlSec: '1h', maxResponseBytes: '64KiB' } }));
  assert.deepEqual(config.routes[0]?.idempotency, { required: true, ttlSec: 3600, maxResponseBytes: 64 * 1024 });
});

test('route idempotency: bad values are reported with their path', () => {
  const issues = issuesOf(withRoute({ idempotency: { required: 'yes', ttlSec: 0, maxResponseBytes: '1GiB', replay: true } }));
  assert.ok(
    issues.some((issue) => issue.includes('routes[0].idempotency.required')),
    issues.join('\n'),
  );
  assert.ok(
    issues.some((issue) => issue.includes('routes[0].idempotency.ttlSec')),
    issues.join('\n'),
  );
  assert.ok(
    issues.some((issue) => /routes\[0\]\.idempotency\.maxResponseBytes.*between 0 and 67108864/.test(issue)),
    issues.join('\n'),
  );
  assert.ok(
    issues.some((issue) => issue.includes('replay')),
    issues.join('\n'),
  );
});

test('route idempotency: a route that takes neither POST nor PATCH would never check a key, and is refused', () => {
  const issues = issuesOf(withRoute({ methods: ['GET', 'PUT'], idempotency: { required: true } }));
  assert.deepEqual(issues, [
    'routes[0].idempotency: applies to POST and PATCH only, and this route takes GET, PUT, expected POST or PATCH in methods, or no idempotency',
  ]);
  assert.doesNotThrow(() => validateConfig(withRoute({ methods: ['PATCH'], idempotency: { required: true } })));
  assert.doesNotThrow(() => validateConfig(withRoute({ idempotency: { required: true } })));
});
