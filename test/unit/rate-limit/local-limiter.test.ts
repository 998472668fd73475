import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalLimiter } from '../../../src/rate-limit/local-limiter.ts';
import { isWithinLimit, remainingAfter, retryAfterUs } from '../../../src/rate-limit/gcra.ts';
import { TimeTable } from '../../../src/rate-limit/time-table.ts';
import { toSecondsUp } from '../../../src/rate-limit/fields.ts';

/** Microseconds, as the limiter counts. */
const T0 = Date.UTC(2026, 0, 1) * 1000;
const MS = 1000;

/** Takes one request; answers whether it was admitted, what is left and when it could come back. */
function take(limiter: LocalLimiter, client: string, now: number): { admitted: boolean; remaining: number; retryAfterSec: number } {
  const aheadUs = limiter.take(client, now);
  const admitted = isWithinLimit(aheadUs, limiter.rate);
  return {
    admitted,
    remaining: admitted ? remainingAfter(aheadUs, limiter.rate) : 0,
    retryAfterSec: admitted ? 0 : toSecondsUp(retryAfterUs(aheadUs, limiter.rate)),
  };
}

describe('in-process rate limiter (GCRA)', () => {
  for (const [limit, windowSec] of [
    [1, 1],
    [3, 60],
    [7, 60],
    [100, 60],
    [1000, 1],
    [999_983, 3600],
  ] as const) {
    it(`admits exactly ${limit} of a burst in a ${windowSec} s window, counting down what is left`, () => {
      const limiter = new LocalLimiter(limit, windowSec, 10);
      for (let i = 1; i <= limit; i++) {
        const outcome = take(limiter, 'a', T0);
        assert.equal(outcome.admitted, true, `request ${i}`);
        assert.equal(outcome.remaining, limit - i, `remaining after request ${i}`);
      }
      assert.equal(take(limiter, 'a', T0).admitted, false);
      assert.equal(take(limiter, 'b', T0).admitted, true, 'another client has its own budget');
    });
  }

  it('a refused request is not counted: Retry-After is one emission interval, then exactly one more is admitted', () => {
    const limiter = new LocalLimiter(3, 60, 10);
    for (let i = 0; i < 3; i++) take(limiter, 'a', T0);
    for (let i = 0; i < 5; i++) assert.deepEqual(take(limiter, 'a', T0 + 1000 * MS), { admitted: false, remaining: 0, retryAfterSec: 19 });
    assert.deepEqual(take(limiter, 'a', T0 + 19_500 * MS), { admitted: false, remaining: 0, retryAfterSec: 1 });
    assert.equal(take(limiter, 'a', T0 + 20_000 * MS - 1).admitted, false);
    assert.deepEqual(take(limiter, 'a', T0 + 20_000 * MS), { admitted: true, remaining: 0, retryAfterSec: 0 });
    assert.equal(take(limiter, 'a', T0 + 20_000 * MS).admitted, false);
  });

  it('the whole quota is back one window after the burst, and never more than the limit at once', () => {
    const limiter = new LocalLimiter(5, 10, 10);
    for (let i = 0; i < 5; i++) take(limiter, 'a', T0);
    let admitted = 0;
    while (take(limiter, 'a', T0 + 10_000 * MS).admitted) admitted++;
    assert.equal(admitted, 5);
    admitted = 0;
    // A long idle time does not bank more than one window's worth.
    while (take(limiter, 'a', T0 + 3_600_000 * MS).admitted) admitted++;
    assert.equal(admitted, 5);
  });

  it('over a long run admits the limit per window on average, whatever the request rate', () => {
    const limiter = new LocalLimiter(10, 1, 10);
    let admitted = 0;
    // 1000 requests per second for 20 s: the first burst of 10, then 10 per second.
    for (let ms = 0; ms < 20_000; ms++) if (take(limiter, 'a', T0 + ms * MS).admitted) admitted++;
    assert.equal(admitted, 10 + 20 * 10 - 1);
  });
});

describe('time table', () => {
  it('forgets instants once passed, and stays within its size by dropping passed then oldest keys', () => {
    const table = new TimeTable(8);
    table.set('past', T0 + 10, T0);
    assert.equal(table.get('past', T0 + 5), T0 + 10);
    assert.equal(table.get('past', T0 + 10), undefined);
    for (let i = 0; i < 100; i++) table.set(`k${i}`, T0 + 1000 + i, T0 + 20);
    assert.ok(table.size <= 8, `size ${table.size}`);
    assert.equal(table.get('k99', T0 + 20), T0 + 1099, 'the newest key is kept');
    assert.equal(table.get('k0', T0 + 20), undefined, 'the oldest went first');
  });
});
