import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { PassiveHealthConfig } from '../../../src/config/types.ts';
import {
  applyPassiveOutcome,
  hasRoomToEject,
  INITIAL_PASSIVE_STATE,
  isEjected,
  isHalfOpen,
  type DispatchOutcome,
  type PassiveState,
} from '../../../src/upstream/passive-health.ts';

const CONFIG: PassiveHealthConfig = { failureThreshold: 3, resetThreshold: 5, minHealthyPercent: 50, ejectMs: 10_000 };
const T0 = Date.UTC(2026, 0, 1);
const ALLOW = (): boolean => true;
const REFUSE = (): boolean => false;

function state(consecutiveConnectFailures: number, consecutiveResets = 0, ejectedUntil?: number): PassiveState {
  return { consecutiveConnectFailures, consecutiveResets, ejectedUntil };
}

interface Case {
  readonly name: string;
  readonly before: PassiveState;
  readonly outcome: DispatchOutcome;
  readonly nowAt?: number;
  readonly mayEject?: () => boolean;
  readonly after: PassiveState;
}

function runCases(cases: readonly Case[]): (t: TestContext) => Promise<void> {
  return async (t: TestContext): Promise<void> => {
    for (const c of cases) {
      await t.test(c.name, () => {
        assert.deepEqual(applyPassiveOutcome(c.before, c.outcome, CONFIG, c.nowAt ?? T0, c.mayEject ?? ALLOW), c.after);
      });
    }
  };
}

test(
  'applyPassiveOutcome: each outcome (passiveHealth.failureThreshold, resetThreshold)',
  runCases([
    { name: 'first connect failure counts', before: state(0), outcome: 'connect-error', after: state(1) },
    { name: 'below failureThreshold stays in', before: state(1), outcome: 'connect-error', after: state(2) },
    {
      name: 'failureThreshold connect failures eject for ejectMs',
      before: state(2),
      outcome: 'connect-error',
      after: state(3, 0, T0 + 10_000),
    },
    { name: 'first reset counts on its own', before: state(0), outcome: 'reset', after: state(0, 1) },
    { name: 'resets below resetThreshold stay in, even past failureThreshold', before: state(0, 3), outcome: 'reset', after: state(0, 4) },
    { name: 'resetThreshold resets eject for ejectMs', before: state(0, 4), outcome: 'reset', after: state(0, 5, T0 + 10_000) },
    { name: 'a reset does not add to the connect count', before: state(2), outcome: 'reset', after: state(2, 1) },
    { name: 'a connect failure does not add to the reset count', before: state(0, 4), outcome: 'connect-error', after: state(1, 4) },
    { name: 'success resets both counts', before: state(2, 4), outcome: 'ok', after: INITIAL_PASSIVE_STATE },
    { name: 'timeout counts for nothing', before: state(2, 4), outcome: 'timeout', after: state(2, 4) },
    { name: 'other error counts for nothing', before: state(2, 4), outcome: 'error', after: state(2, 4) },
  ]),
);

test(
  'applyPassiveOutcome: ejected and half-open',
  runCases([
    {
      name: 'failure while ejected does not extend the ejection',
      before: state(3, 0, T0 + 10_000),
      outcome: 'connect-error',
      nowAt: T0 + 5_000,
      after: state(3, 0, T0 + 10_000),
    },
    {
      name: 'reset while ejected does not extend the ejection',
      before: state(3, 0, T0 + 10_000),
      outcome: 'reset',
      nowAt: T0 + 5_000,
      after: state(3, 0, T0 + 10_000),
    },
    {
      name: 'half-open: one connect failure ejects again at once',
      before: state(3, 0, T0 + 10_000),
      outcome: 'connect-error',
      nowAt: T0 + 10_000,
      after: state(4, 0, T0 + 20_000),
    },
    {
      name: 'half-open: one reset ejects again at once',
      before: state(3, 0, T0 + 10_000),
      outcome: 'reset',
      nowAt: T0 + 10_000,
      after: state(3, 1, T0 + 20_000),
    },
    {
      name: 'half-open: one success closes it',
      before: state(3, 0, T0 + 10_000),
      outcome: 'ok',
      nowAt: T0 + 10_001,
      after: INITIAL_PASSIVE_STATE,
    },
    {
      name: 'half-open: a timeout leaves it half-open',
      before: state(3, 0, T0 + 10_000),
      outcome: 'timeout',
      nowAt: T0 + 10_001,
      after: state(3, 0, T0 + 10_000),
    },
  ]),
);

test(
  'applyPassiveOutcome: the pool may refuse an ejection that is due (last healthy target, minHealthyPercent)',
  runCases([
    {
      name: 'threshold reached, refused: stays in, still counting',
      before: state(2),
      outcome: 'connect-error',
      mayEject: REFUSE,
      after: state(3),
    },
    { name: 'past the threshold, refused again', before: state(3), outcome: 'connect-error', mayEject: REFUSE, after: state(4) },
    { name: 'past the threshold, room now: ejected', before: state(4), outcome: 'connect-error', after: state(5, 0, T0 + 10_000) },
    { name: 'reset threshold reached, refused', before: state(0, 4), outcome: 'reset', mayEject: REFUSE, after: state(0, 5) },
    {
      name: 'half-open, refused: closed, so it takes every request again',
      before: state(3, 0, T0 + 10_000),
      outcome: 'connect-error',
      nowAt: T0 + 10_000,
      mayEject: REFUSE,
      after: state(4),
    },
  ]),
);

test('applyPassiveOutcome asks the pool only when an ejection is due', () => {
  let asked = 0;
  const count = (): boolean => {
    asked++;
    return true;
  };
  applyPassiveOutcome(state(0), 'connect-error', CONFIG, T0, count);
  applyPassiveOutcome(state(0, 3), 'reset', CONFIG, T0, count);
  applyPassiveOutcome(state(2), 'timeout', CONFIG, T0, count);
  assert.equal(asked, 0);
  applyPassiveOutcome(state(2), 'connect-error', CONFIG, T0, count);
  assert.equal(asked, 1);
});

test('applyPassiveOutcome returns the same state when nothing changes (no allocation on the hot path)', () => {
  assert.equal(applyPassiveOutcome(INITIAL_PASSIVE_STATE, 'ok', CONFIG, T0, ALLOW), INITIAL_PASSIVE_STATE);
  const clean = state(0);
  assert.equal(applyPassiveOutcome(clean, 'ok', CONFIG, T0, ALLOW), clean);
  const counting = state(2, 1);
  assert.equal(applyPassiveOutcome(counting, 'timeout', CONFIG, T0, ALLOW), counting);
  assert.equal(applyPassiveOutcome(counting, 'error', CONFIG, T0, ALLOW), counting);
});

test('hasRoomToEject: never the last healthy target, never below minHealthyPercent of the pool', async (t) => {
  const cases: ReadonlyArray<{ name: string; healthyOthers: number; targets: number; percent: number; room: boolean }> = [
    { name: 'single target: never', healthyOthers: 0, targets: 1, percent: 0, room: false },
    { name: 'two targets, the other healthy', healthyOthers: 1, targets: 2, percent: 50, room: true },
    { name: 'two targets, the other down', healthyOthers: 0, targets: 2, percent: 50, room: false },
    { name: 'three targets at 50%: two must stay', healthyOthers: 2, targets: 3, percent: 50, room: true },
    { name: 'three targets at 50%, one already out', healthyOthers: 1, targets: 3, percent: 50, room: false },
    { name: 'four targets at 50%, one out: a second may go', healthyOthers: 2, targets: 4, percent: 50, room: true },
    { name: 'ten targets at 50%, five out: no more', healthyOthers: 4, targets: 10, percent: 50, room: false },
    { name: '0%: only the last-target guard', healthyOthers: 1, targets: 10, percent: 0, room: true },
    { name: '0%, nothing else healthy', healthyOthers: 0, targets: 10, percent: 0, room: false },
    { name: '100%: passive ejection off', healthyOthers: 9, targets: 10, percent: 100, room: false },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.equal(hasRoomToEject(c.healthyOthers, c.targets, c.percent), c.room));
  }
});

test('isEjected / isHalfOpen around ejectedUntil (passiveHealth.ejectMs)', async (t) => {
  const cases: ReadonlyArray<{ name: string; s: PassiveState; nowAt: number; ejected: boolean; halfOpen: boolean }> = [
    { name: 'never ejected', s: state(1), nowAt: T0, ejected: false, halfOpen: false },
    { name: 'before ejectedUntil', s: state(3, 0, T0 + 10), nowAt: T0 + 9, ejected: true, halfOpen: false },
    { name: 'at ejectedUntil', s: state(3, 0, T0 + 10), nowAt: T0 + 10, ejected: false, halfOpen: true },
    { name: 'after ejectedUntil', s: state(3, 0, T0 + 10), nowAt: T0 + 99, ejected: false, halfOpen: true },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.equal(isEjected(c.s, c.nowAt), c.ejected);
      assert.equal(isHalfOpen(c.s, c.nowAt), c.halfOpen);
    });
  }
});
