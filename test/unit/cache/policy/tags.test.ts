import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCacheTags } from '../../../../src/cache/policy/tags.ts';

const cases: { name: string; headers: Record<string, string | string[]>; expected: string[] }[] = [
  { name: 'no tag fields', headers: {}, expected: [] },
  { name: 'Surrogate-Key is space-separated', headers: { 'surrogate-key': 'threats  users\tv1' }, expected: ['threats', 'users', 'v1'] },
  {
    name: 'Cache-Tag is comma-separated and trimmed',
    headers: { 'cache-tag': 'threats, users ,v1,' },
    expected: ['threats', 'users', 'v1'],
  },
  {
    name: 'both fields, deduplicated in order of appearance',
    headers: { 'surrogate-key': 'a b', 'cache-tag': 'b, c' },
    expected: ['a', 'b', 'c'],
  },
  { name: 'several field lines', headers: { 'surrogate-key': ['a', 'b a'], 'cache-tag': ['c', 'd'] }, expected: ['a', 'b', 'c', 'd'] },
  { name: 'empty values give no tags', headers: { 'surrogate-key': '  ', 'cache-tag': ' , ' }, expected: [] },
];

for (const { name, headers, expected } of cases) {
  test(`parseCacheTags: ${name}`, () => {
    assert.deepEqual(parseCacheTags(headers), expected);
  });
}
