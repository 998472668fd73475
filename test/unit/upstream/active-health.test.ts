import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthCheckConfig } from '../../../src/config/types.ts';
import { applyProbeResult, INITIAL_PROBE_STATE, isProbeSuccessStatus, type ProbeState } from '../../../src/upstream/active-health.ts';

const CONFIG: HealthCheckConfig = { path: '/health', intervalMs: 1000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 3 };

function probe(healthy: boolean, consecutiveSuccesses: number, consecutiveFailures: number): ProbeState {
  return { healthy, consecutiveSuccesses, consecutiveFailures };
}

test('applyProbeResult: thresholds of consecutive results flip health (healthCheck)', async (t) => {
  const cases: ReadonlyArray<{ name: string; before: ProbeState; success: boolean; after: ProbeState }> = [
    { name: 'targets start healthy', before: INITIAL_PROBE_STATE, success: true, after: probe(true, 1, 0) },
    { name: 'failure below unhealthyThreshold stays up', before: probe(true, 4, 1), success: false, after: probe(true, 0, 2) },
    { name: 'unhealthyThreshold failures take it down', before: probe(true, 0, 2), success: false, after: probe(false, 0, 3) },
    { name: 'success breaks a failure run', before: probe(true, 0, 2), success: true, after: probe(true, 1, 0) },
    { name: 'success below healthyThreshold stays down', before: probe(false, 0, 5), success: true, after: probe(false, 1, 0) },
    { name: 'healthyThreshold successes bring it back', before: probe(false, 1, 0), success: true, after: probe(true, 2, 0) },
    { name: 'failure breaks a success run while down', before: probe(false, 1, 0), success: false, after: probe(false, 0, 1) },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.deepEqual(applyProbeResult(c.before, c.success, CONFIG), c.after);
    });
  }
});

test('isProbeSuccessStatus: 2xx and 3xx succeed (RFC 9110 §15.3, §15.4)', async (t) => {
  const cases: ReadonlyArray<[number, boolean]> = [
    [199, false],
    [200, true],
    [204, true],
    [301, true],
    [304, true],
    [399, true],
    [400, false],
    [404, false],
    [500, false],
    [503, false],
  ];
  for (const [status, expected] of cases) {
    await t.test(`${status} → ${expected}`, () => {
      assert.equal(isProbeSuccessStatus(status), expected);
    });
  }
});
