import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../src/config/validate.ts';
import { issuesOf } from '../../helpers/config.ts';

function withPassiveHealth(passiveHealth: unknown): Record<string, unknown> {
  return { upstreams: { api: { targets: ['http://127.0.0.1:3001'], passiveHealth } }, routes: [{ path: '/*', upstream: 'api' }] };
}

test('upstreams.*.passiveHealth: defaults, and the keys that were there before keep working', () => {
  assert.deepEqual(validateConfig(withPassiveHealth({})).upstreams['api']?.passiveHealth, {
    failureThreshold: 3,
    resetThreshold: 5,
    minHealthyPercent: 50,
    ejectMs: 10_000,
  });
  assert.deepEqual(validateConfig(withPassiveHealth({ failureThreshold: 1, ejectMs: '5s' })).upstreams['api']?.passiveHealth, {
    failureThreshold: 1,
    resetThreshold: 5,
    minHealthyPercent: 50,
    ejectMs: 5000,
  });
  assert.deepEqual(validateConfig(withPassiveHealth({ resetThreshold: 10, minHealthyPercent: 0 })).upstreams['api']?.passiveHealth, {
    failureThreshold: 3,
    resetThreshold: 10,
    minHealthyPercent: 0,
    ejectMs: 10_000,
  });
});

test('upstreams.*.passiveHealth: bad values are refused with their path', async (t) => {
  const cases: ReadonlyArray<[string, unknown, string]> = [
    ['resetThreshold below 1', { resetThreshold: 0 }, 'upstreams.api.passiveHealth.resetThreshold: must be at least 1 (got 0)'],
    [
      'resetThreshold not a whole number',
      { resetThreshold: 2.5 },
      'upstreams.api.passiveHealth.resetThreshold: must be a whole number (got 2.5)',
    ],
    [
      'minHealthyPercent above 100',
      { minHealthyPercent: 150 },
      'upstreams.api.passiveHealth.minHealthyPercent: must be between 0 and 100 (got 150)',
    ],
    [
      'minHealthyPercent as a string',
      { minHealthyPercent: '50%' },
      'upstreams.api.passiveHealth.minHealthyPercent: must be a whole number (got "50%")',
    ],
    [
      'unknown key',
      { maxEjectionPercent: 10 },
      'upstreams.api.passiveHealth.maxEjectionPercent: unknown key, expected one of failureThreshold, resetThreshold, minHealthyPercent, ejectMs',
    ],
  ];
  for (const [name, passiveHealth, issue] of cases) {
    await t.test(name, () => assert.deepEqual(issuesOf(withPassiveHealth(passiveHealth)), [issue]));
  }
});
