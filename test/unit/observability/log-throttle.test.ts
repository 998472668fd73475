import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogThrottle } from '../../../src/observability/log-throttle.ts';

test('log throttle: the first line per key passes, the rest of its interval are held and counted on the next', () => {
  let now = 1000;
  const throttle = createLogThrottle(10_000, () => now);
  assert.equal(throttle('get'), 0);
  assert.equal(throttle('get'), undefined);
  assert.equal(throttle('get'), undefined);
  assert.equal(throttle('put'), 0, 'keys are counted apart');
  now += 9_999;
  assert.equal(throttle('get'), undefined);
  now += 1;
  assert.equal(throttle('get'), 3, 'three held back since the last line');
  assert.equal(throttle('get'), undefined);
  now += 20_000;
  assert.equal(throttle('get'), 1);
  assert.equal(throttle('put'), 0);
});
