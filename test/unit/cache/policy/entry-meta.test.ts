import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEntryMeta, type EntryMetaInput } from '../../../../src/cache/policy/entry-meta.ts';
import { parseResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';
import { buildConfig } from '../../../../src/config/build.ts';
import { T0, httpDate } from './fixtures.ts';

const CONFIG = buildConfig({ upstreams: {}, routes: [] }).cache;

function metaFor(headers: Record<string, string | string[]>) {
  const input: EntryMetaInput = {
    key: 'http://example.test/',
    variantKey: '',
    varyFields: [],
    status: 200,
    headers,
    directives: parseResponseDirectives(headers['cache-control']),
    requestAt: T0,
    responseAt: T0,
    size: 0,
  };
  return buildEntryMeta(input, CONFIG);
}

test('buildEntryMeta: RFC 9111 §4.2.1, §4.2.3: max-age=3600 with Age 100 is stale 3500 s after arrival', () => {
  const meta = metaFor({ 'cache-control': 'max-age=3600', date: httpDate(0), age: '100' });
  assert.equal(meta.initialAgeSec, 100);
  assert.equal(meta.staleAt, T0 + 3_500_000);
});

for (const age of ['abc', '-1', '1.5', '0, 7200', '1; foo=bar', ['x', '0']]) {
  test(`buildEntryMeta: RFC 9111 §5.1: an invalid Age (${JSON.stringify(age)}) makes the response stale on arrival, still kept`, () => {
    const meta = metaFor({ 'cache-control': 'max-age=3600', date: httpDate(0), age, etag: '"a"' });
    assert.equal(meta.staleAt, T0);
    assert.ok(meta.deleteAt > T0, 'kept for revalidation');
    assert.equal(meta.headers['age'], undefined, 'Age is never stored (RFC 9111 §3.1)');
  });
}

test('buildEntryMeta: RFC 9111 §5.1: of two Age lines the first counts (0 then 7200 is fresh)', () => {
  const meta = metaFor({ 'cache-control': 'max-age=3600', date: httpDate(0), age: ['0', '7200'] });
  assert.equal(meta.staleAt, T0 + 3_600_000);
});
