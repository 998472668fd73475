import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyHeaderEdits, rewriteUpstreamHeaders, stripSegments } from '../../../src/forward/rewrite.ts';

const stripCases: ReadonlyArray<readonly [path: string, count: number, expected: string]> = [
  ['/v1/a/b?x=1', 1, '/a/b?x=1'],
  ['/v1', 1, '/'],
  ['/v1/', 1, '/'],
  ['/v1?x=/y', 1, '/?x=/y'],
  ['/v1;p=1/a', 1, '/a'],
  ['/v1/api/a', 2, '/a'],
  ['/v1/api', 2, '/'],
  ['/v1/a', 0, '/v1/a'],
];

for (const [path, count, expected] of stripCases) {
  test(`stripSegments: ${path} less ${count} segment(s) is ${expected}`, () => {
    assert.equal(stripSegments(path, count), expected);
  });
}

test('applyHeaderEdits: removes, then sets (replacing every line of a repeated field)', () => {
  const headers: Record<string, string | string[] | undefined> = { a: '1', b: ['2', '3'], c: '4' };
  applyHeaderEdits(headers, { set: { b: 'x', d: 'y' }, remove: ['c'] });
  assert.deepEqual(headers, { a: '1', b: 'x', d: 'y' });
});

test('rewriteUpstreamHeaders: preserve keeps the Host, target removes it (the target’s own is sent), a host replaces it', () => {
  const run = (host: string): Record<string, string | string[] | undefined> => {
    const headers: Record<string, string | string[] | undefined> = { host: 'client.test', 'x-a': '1' };
    rewriteUpstreamHeaders(headers, { stripPrefix: undefined, host, headers: { set: { 'x-b': '2' }, remove: ['x-a'] } });
    return headers;
  };
  assert.deepEqual(run('preserve'), { host: 'client.test', 'x-b': '2' });
  assert.deepEqual(run('target'), { 'x-b': '2' });
  assert.deepEqual(run('api.internal'), { host: 'api.internal', 'x-b': '2' });
});
