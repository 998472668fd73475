import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassMemo } from '../../../src/cache/pass-memo.ts';
import { createManualClock } from '../../helpers/clock.ts';

const T0 = Date.UTC(2026, 0, 1);

test('pass memo: remembers a key for its ttl, then forgets it', () => {
  const clock = createManualClock(T0);
  const memo = new PassMemo(clock, 1000, 10);
  memo.remember('a');
  clock.set(T0 + 999);
  assert.equal(memo.has('a'), true);
  clock.set(T0 + 1001);
  assert.equal(memo.has('a'), false);
});

test('pass memo: forget clears a key at once (a stored response for it)', () => {
  const clock = createManualClock(T0);
  const memo = new PassMemo(clock, 1000, 10);
  memo.remember('a');
  memo.forget('a');
  clock.set(T0 + 1);
  assert.equal(memo.has('a'), false);
});

test('pass memo: a key past half its time is renewed; a fresh one is left as is', () => {
  const clock = createManualClock(T0);
  const memo = new PassMemo(clock, 1000, 10);
  memo.remember('a');
  memo.remember('b');
  clock.set(T0 + 400);
  memo.remember('a');
  clock.set(T0 + 600);
  memo.remember('b');
  clock.set(T0 + 1200);
  assert.equal(memo.has('a'), false, 'not renewed at 400 ms (more than half left)');
  clock.set(T0 + 1500);
  assert.equal(memo.has('b'), true, 'renewed at 600 ms');
});

test('pass memo: bounded; the least recently remembered key goes first', () => {
  const clock = createManualClock(T0);
  const memo = new PassMemo(clock, 1000, 2);
  memo.remember('a');
  memo.remember('b');
  memo.remember('c');
  clock.set(T0 + 1);
  assert.equal(memo.has('a'), false);
  assert.equal(memo.has('b'), true);
  assert.equal(memo.has('c'), true);
});

test('pass memo: keeps why a key is not stored; a new reason replaces the old one at once', () => {
  const clock = createManualClock(T0);
  const memo = new PassMemo(clock, 1000, 10);
  assert.equal(memo.reasonOf('a'), undefined);
  memo.remember('a', 'no-store');
  assert.equal(memo.reasonOf('a'), 'no-store');
  memo.remember('a', 'too-large');
  assert.equal(memo.reasonOf('a'), 'too-large', 'rewritten although most of its time is left');
  clock.set(T0 + 1001);
  assert.equal(memo.reasonOf('a'), undefined);
});
