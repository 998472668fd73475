import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadMemo } from '../../../src/cache/head-memo.ts';
import type { HeaderEdits } from '../../../src/config/types.ts';
import { createEntryMeta } from './policy/fixtures.ts';

const editsA: HeaderEdits = { set: { 'x-a': '1' }, remove: [] };
const editsB: HeaderEdits = { set: { 'x-b': '1' }, remove: [] };

test('HeadMemo: one head per entry and per rewrite, whatever order they are asked for in', () => {
  const memo = new HeadMemo<{ name: string }>();
  const one = createEntryMeta({ headers: {} });
  const two = createEntryMeta({ headers: {} });
  const heads = new Map<string, { name: string }>();
  const cases: [string, typeof one, HeaderEdits | undefined][] = [
    ['one plain', one, undefined],
    ['one A', one, editsA],
    ['one B', one, editsB],
    ['two plain', two, undefined],
    ['two A', two, editsA],
  ];
  for (const [name, meta, edits] of cases) {
    assert.equal(memo.get(meta, edits), undefined, `${name} before it is set`);
    const head = { name };
    memo.set(meta, edits, head);
    heads.set(name, head);
  }
  // Every order of lookups, including the same one twice in a row (the remembered one) and alternations.
  for (const [name, meta, edits] of [...cases, ...cases.toReversed(), cases[0], cases[0], cases[3], cases[1], cases[0]] as typeof cases)
    assert.equal(memo.get(meta, edits), heads.get(name), name);
  assert.equal(memo.get(two, editsB), undefined, 'a rewrite never set for that entry');
  assert.equal(memo.get(createEntryMeta({ headers: {} }), undefined), undefined, 'another entry');
});
