import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCircuitBreaker, type CircuitState } from '../../../src/redis/circuit-breaker.ts';

function setup() {
  let now = 0;
  const changes: CircuitState[] = [];
  const breaker = createCircuitBreaker({
    failureThreshold: 3,
    cooldownMs: 500,
    clock: { now: () => now },
    onChange: (state) => changes.push(state),
  });
  return { breaker, changes, advance: (ms: number) => (now += ms) };
}

test('circuit breaker: opens after the threshold of consecutive failures, a success in between resets the count', () => {
  const { breaker, changes } = setup();
  breaker.recordFailure();
  breaker.recordFailure();
  breaker.recordSuccess();
  breaker.recordFailure();
  breaker.recordFailure();
  assert.equal(breaker.state, 'closed');
  breaker.recordFailure();
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.tryAcquire(), false);
  assert.deepEqual(changes, ['open']);
});

test('circuit breaker: after the cooldown one probe goes out; its success closes, its failure reopens for another cooldown', () => {
  const { breaker, changes, advance } = setup();
  breaker.trip();
  advance(499);
  assert.equal(breaker.tryAcquire(), false);
  advance(1);
  assert.equal(breaker.tryAcquire(), true, 'the probe');
  assert.equal(breaker.state, 'half-open');
  assert.equal(breaker.tryAcquire(), false, 'one probe at a time');
  breaker.recordFailure();
  assert.equal(breaker.state, 'open');
  advance(499);
  assert.equal(breaker.tryAcquire(), false);
  advance(1);
  assert.equal(breaker.tryAcquire(), true);
  breaker.recordSuccess();
  assert.equal(breaker.state, 'closed');
  assert.equal(breaker.tryAcquire(), true);
  assert.deepEqual(changes, ['open', 'half-open', 'open', 'half-open', 'closed']);
});

test('circuit breaker: trip opens at once and reset closes at once (connection lost, connection ready)', () => {
  const { breaker, changes } = setup();
  breaker.trip();
  assert.equal(breaker.tryAcquire(), false);
  breaker.reset();
  assert.equal(breaker.tryAcquire(), true);
  assert.deepEqual(changes, ['open', 'closed']);
});
