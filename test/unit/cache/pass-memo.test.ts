import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassMemo } from '../../../src/cache/pass-memo.ts';

test('pass memo: remembers a key for its ttl, then forgets it', () => {
  const memo = new PassMemo(1000, 10);
  memo.remember('a', 0);
  assert.equal(memo.has('a', 999), true);
  assert.equal(memo.has('a', 1000), false);
  assert.equal(memo.has('a', 0), false, 'an expired key is dropped when read');
});

test('pass memo: forget clears a key at once (a stored response for it)', () => {
  const memo = new PassMemo(1000, 10);
  memo.remember('a', 0);
  memo.forget('a');
  assert.equal(memo.has('a', 1), false);
});

test('pass memo: a key past half its time is renewed; a fresh one is left as is', () => {
  const memo = new PassMemo(1000, 10);
  memo.remember('a', 0);
  memo.remember('a', 400);
  assert.equal(memo.has('a', 1200), false, 'not renewed at 400 ms (more than half left)');
  memo.remember('b', 0);
  memo.remember('b', 600);
  assert.equal(memo.has('b', 1500), true, 'renewed at 600 ms');
});

test('pass memo: bounded; the oldest key goes first', () => {
  const memo = new PassMemo(1000, 2);
  memo.remember('a', 0);
  memo.remember('b', 0);
  memo.remember('c', 0);
  assert.equal(memo.has('a', 1), false);
  assert.equal(memo.has('b', 1), true);
  assert.equal(memo.has('c', 1), true);
});
