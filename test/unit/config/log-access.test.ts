import test from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../src/config/validate.ts';
import { issuesOf } from '../../helpers/config.ts';

const upstreams = { api: { targets: ['http://127.0.0.1:3001'] } };

test('log.access and log.accessSample are read, and a route can switch its access lines off', () => {
  const config = validateConfig({
    upstreams,
    routes: [
      { path: '/health', upstream: 'api', accessLog: false },
      { path: '/*', upstream: 'api' },
    ],
    log: { access: true, accessSample: 0.25 },
  });
  assert.deepEqual(config.log, { level: 'info', access: true, accessSample: 0.25 });
  assert.deepEqual(
    config.routes.map((route) => route.accessLog),
    [false, undefined],
  );
});

test('log.accessSample outside 0..1 and a non-boolean route accessLog are refused', () => {
  const issues = issuesOf({
    upstreams,
    routes: [{ path: '/*', upstream: 'api', accessLog: 'no' }],
    log: { access: true, accessSample: 1.5 },
  });
  assert.deepEqual(
    issues.map((issue) => issue.split(':', 1)[0]),
    ['routes[0].accessLog', 'log.accessSample'],
  );
});
