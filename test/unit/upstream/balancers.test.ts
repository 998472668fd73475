import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickLeastConnections, pickRoundRobin, selectBalancer, type BalancerSlot } from '../../../src/upstream/balancers.ts';

interface Slot extends BalancerSlot {
  readonly eligible: boolean;
}

const isEligible = (slot: Slot): boolean => slot.eligible;

/** `slots('ok:0 down:0 ok:2')`: eligibility and in-flight count per slot. */
function slots(spec: string): Slot[] {
  if (spec === '') return [];
  return spec.split(' ').map((part) => {
    const [state, inflight] = part.split(':');
    return { eligible: state === 'ok', inflight: Number(inflight) };
  });
}

/** Runs `picks` picks, moving the cursor past each pick the way the pool does. */
function runSequence(pick: typeof pickRoundRobin, spec: string, picks: number): number[] {
  const all = slots(spec);
  const chosen: number[] = [];
  let cursor = 0;
  for (let i = 0; i < picks; i++) {
    const index = pick(all, cursor, isEligible);
    chosen.push(index);
    if (index !== -1) cursor = index + 1;
  }
  return chosen;
}

test('round-robin: picks the first eligible slot at or after the cursor (upstream.balancer = round-robin)', async (t) => {
  const cases: ReadonlyArray<{ name: string; spec: string; cursor: number; expected: number }> = [
    { name: 'cursor slot eligible', spec: 'ok:0 ok:0 ok:0', cursor: 1, expected: 1 },
    { name: 'skips an ineligible slot', spec: 'ok:0 down:0 ok:0', cursor: 1, expected: 2 },
    { name: 'wraps past the end', spec: 'ok:0 ok:0 down:0', cursor: 2, expected: 0 },
    { name: 'cursor beyond length wraps', spec: 'ok:0 ok:0 ok:0', cursor: 7, expected: 1 },
    { name: 'ignores in-flight counts', spec: 'ok:9 ok:0', cursor: 0, expected: 0 },
    { name: 'none eligible', spec: 'down:0 down:0', cursor: 0, expected: -1 },
    { name: 'no slots', spec: '', cursor: 0, expected: -1 },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.equal(pickRoundRobin(slots(c.spec), c.cursor, isEligible), c.expected);
    });
  }
});

test('round-robin: spreads evenly across eligible slots (upstream.balancer = round-robin)', async (t) => {
  const cases: ReadonlyArray<{ name: string; spec: string; picks: number; expected: number[] }> = [
    { name: 'three healthy', spec: 'ok:0 ok:0 ok:0', picks: 6, expected: [0, 1, 2, 0, 1, 2] },
    { name: 'middle one down', spec: 'ok:0 down:0 ok:0', picks: 4, expected: [0, 2, 0, 2] },
    { name: 'only the last up', spec: 'down:0 down:0 ok:0', picks: 3, expected: [2, 2, 2] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.deepEqual(runSequence(pickRoundRobin, c.spec, c.picks), c.expected);
    });
  }
});

test('least-connections: fewest in-flight wins, ties go round-robin from the cursor (upstream.balancer = least-connections)', async (t) => {
  const cases: ReadonlyArray<{ name: string; spec: string; cursor: number; expected: number }> = [
    { name: 'clear minimum', spec: 'ok:3 ok:1 ok:2', cursor: 0, expected: 1 },
    { name: 'minimum is ineligible', spec: 'ok:3 down:0 ok:2', cursor: 0, expected: 2 },
    { name: 'tie broken by cursor', spec: 'ok:1 ok:1 ok:1', cursor: 2, expected: 2 },
    { name: 'tie broken after wrapping', spec: 'ok:0 ok:0 ok:1', cursor: 2, expected: 0 },
    { name: 'tie with cursor on a busier slot', spec: 'ok:0 ok:5 ok:0', cursor: 1, expected: 2 },
    { name: 'none eligible', spec: 'down:0 down:1', cursor: 0, expected: -1 },
    { name: 'no slots', spec: '', cursor: 0, expected: -1 },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.equal(pickLeastConnections(slots(c.spec), c.cursor, isEligible), c.expected);
    });
  }
});

test('least-connections: an idle pool still spreads (upstream.balancer = least-connections)', () => {
  assert.deepEqual(runSequence(pickLeastConnections, 'ok:0 ok:0 ok:0', 6), [0, 1, 2, 0, 1, 2]);
  assert.deepEqual(runSequence(pickLeastConnections, 'ok:0 down:0 ok:0', 4), [0, 2, 0, 2]);
});

test('selectBalancer maps each configured kind to its balancer', () => {
  assert.equal(selectBalancer('round-robin'), pickRoundRobin);
  assert.equal(selectBalancer('least-connections'), pickLeastConnections);
});
