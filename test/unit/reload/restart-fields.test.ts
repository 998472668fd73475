import test from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../src/config/load.ts';
import { findRestartOnlyChanges } from '../../../src/reload/restart-fields.ts';

const base = {
  listen: { host: '127.0.0.1', port: 8080 },
  admin: { host: '127.0.0.1', port: 9090, token: 'admin-token-0123456789' },
  upstreams: { api: { targets: ['http://127.0.0.1:3000'] } },
  routes: [{ path: '/*', upstream: 'api' }],
};
const running = validateConfig(base);

const cases: ReadonlyArray<readonly [string, Record<string, unknown>, readonly string[]]> = [
  ['nothing changed', {}, []],
  [
    'routes, upstreams, auth, policies, tokens, log and drain are live',
    {
      upstreams: { api: { targets: ['http://127.0.0.1:3001'], balancer: 'least-connections' } },
      routes: [{ path: '/v1/*', upstream: 'api', cache: false }],
      auth: { jwt: { issuer: 'https://issuer.test', audience: 'api', secret: 'x'.repeat(32), algorithms: ['HS256'] } },
      admin: { host: '127.0.0.1', port: 9090, token: 'rotated-token-0123456789', metricsToken: 'metrics-token-0123456789' },
      log: { level: 'debug', access: true },
      shutdown: { drainTimeoutMs: 1000 },
      limits: { maxBodyBytes: 1024 },
    },
    [],
  ],
  ['listen.port', { listen: { host: '127.0.0.1', port: 8081 } }, ['listen.port changed (8080 → 8081): needs a restart']],
  ['listen.host', { listen: { host: '0.0.0.0', port: 8080 } }, ['listen.host changed ("127.0.0.1" → "0.0.0.0"): needs a restart']],
  ['admin.port', { admin: { ...base.admin, port: 9091 } }, ['admin.port changed (9090 → 9091): needs a restart']],
  ['admin removed', { admin: undefined }, ['admin removed: needs a restart']],
  ['workers', { workers: 2 }, ['workers changed (1 → 2): needs a restart']],
  [
    'limits other than the body size',
    { limits: { maxHeaderBytes: 8192 } },
    ['limits.maxHeaderBytes changed (16384 → 8192): needs a restart'],
  ],
  [
    'the store, with a password in its URL never shown',
    { store: { type: 'redis', url: 'redis://:secret@127.0.0.1:6379' } },
    ['store.type changed ("memory" → "redis"): needs a restart'],
  ],
  [
    'every field at once',
    { listen: { host: '127.0.0.1', port: 1 }, workers: 3 },
    ['listen.port changed (8080 → 1): needs a restart', 'workers changed (1 → 3): needs a restart'],
  ],
];

for (const [name, change, expected] of cases) {
  test(`restart-only fields: ${name}`, () => {
    const problems = findRestartOnlyChanges(running, validateConfig({ ...base, ...change }));
    if (name.startsWith('the store')) {
      assert.equal(problems[0], expected[0]);
      assert.ok(problems.length > 1, 'each store field named');
      assert.ok(!problems.join('\n').includes('secret'), problems.join('\n'));
      assert.ok(problems.every((line) => line.startsWith('store.') && line.endsWith(': needs a restart')));
    } else assert.deepEqual(problems, expected);
  });
}
