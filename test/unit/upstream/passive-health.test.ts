import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PassiveHealthConfig } from '../../../src/config/types.ts';
import {
  applyPassiveOutcome,
  INITIAL_PASSIVE_STATE,
  isEjected,
  isHalfOpen,
  type DispatchOutcome,
  type PassiveState,
} from '../../../src/upstream/passive-health.ts';

const CONFIG: PassiveHealthConfig = { failureThreshold: 3, ejectMs: 10_000 };
const T0 = Date.UTC(2026, 0, 1);

function state(consecutiveFailures: number, ejectedUntil?: number): PassiveState {
  return { consecutiveFailures, ejectedUntil };
}

test('applyPassiveOutcome: connect failures count, eject at the threshold, success resets (passiveHealth)', async (t) => {
  const cases: ReadonlyArray<{ name: string; before: PassiveState; outcome: DispatchOutcome; nowAt: number; after: PassiveState }> = [
    { name: 'first connect failure counts', before: state(0), outcome: 'connect-error', nowAt: T0, after: state(1) },
    { name: 'below the threshold stays in', before: state(1), outcome: 'connect-error', nowAt: T0, after: state(2) },
    { name: 'threshold ejects for ejectMs', before: state(2), outcome: 'connect-error', nowAt: T0, after: state(3, T0 + 10_000) },
    { name: 'success resets the count', before: state(2), outcome: 'ok', nowAt: T0, after: state(0) },
    { name: 'timeout is not a connect failure', before: state(2), outcome: 'timeout', nowAt: T0, after: state(2) },
    { name: 'other error is not a connect failure', before: state(2), outcome: 'error', nowAt: T0, after: state(2) },
    {
      name: 'failure while ejected does not extend the ejection',
      before: state(3, T0 + 10_000), outcome: 'connect-error', nowAt: T0 + 5_000, after: state(3, T0 + 10_000),
    },
    {
      name: 'half-open: one failure ejects again at once',
      before: state(3, T0 + 10_000), outcome: 'connect-error', nowAt: T0 + 10_000, after: state(4, T0 + 20_000),
    },
    { name: 'half-open: one success closes it', before: state(3, T0 + 10_000), outcome: 'ok', nowAt: T0 + 10_001, after: state(0) },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.deepEqual(applyPassiveOutcome(c.before, c.outcome, CONFIG, c.nowAt), c.after);
    });
  }
});

test('applyPassiveOutcome returns the same state when nothing changes (no allocation on the hot path)', () => {
  assert.equal(applyPassiveOutcome(INITIAL_PASSIVE_STATE, 'ok', CONFIG, T0), INITIAL_PASSIVE_STATE);
  const counting = state(2);
  assert.equal(applyPassiveOutcome(counting, 'timeout', CONFIG, T0), counting);
});

test('isEjected / isHalfOpen around ejectedUntil (passiveHealth.ejectMs)', async (t) => {
  const cases: ReadonlyArray<{ name: string; s: PassiveState; nowAt: number; ejected: boolean; halfOpen: boolean }> = [
    { name: 'never ejected', s: state(1), nowAt: T0, ejected: false, halfOpen: false },
    { name: 'before ejectedUntil', s: state(3, T0 + 10), nowAt: T0 + 9, ejected: true, halfOpen: false },
    { name: 'at ejectedUntil', s: state(3, T0 + 10), nowAt: T0 + 10, ejected: false, halfOpen: true },
    { name: 'after ejectedUntil', s: state(3, T0 + 10), nowAt: T0 + 99, ejected: false, halfOpen: true },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.equal(isEjected(c.s, c.nowAt), c.ejected);
      assert.equal(isHalfOpen(c.s, c.nowAt), c.halfOpen);
    });
  }
});
