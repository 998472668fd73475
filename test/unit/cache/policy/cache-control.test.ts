import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type DirectiveSources,
  parseRequestDirectives,
  parseResponseDirectives,
  selectResponseDirectives,
} from '../../../../src/cache/policy/cache-control.ts';
import type { RequestDirectives, ResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';

function pick<T extends object>(actual: T, expected: Partial<T>): Partial<T> {
  const picked: Partial<T> = {};
  for (const key of Object.keys(expected) as (keyof T)[]) picked[key] = actual[key];
  return picked;
}

const responseCases: { name: string; value: string | string[] | undefined; expected: Partial<ResponseDirectives> }[] = [
  {
    name: 'RFC 9111 §5.2: absent field means no directives',
    value: undefined,
    expected: { maxAge: undefined, noStore: false, noCache: false, targeted: false },
  },
  {
    name: 'RFC 9111 §5.2: directive names are case-insensitive',
    value: 'MAX-AGE=60, No-Store, PRIVATE',
    expected: { maxAge: 60, noStore: true, private: true },
  },
  { name: 'RFC 9111 §5.2: quoted-string argument is accepted (max-age="60")', value: 'max-age="60"', expected: { maxAge: 60 } },
  {
    name: 'RFC 9111 §5.2: several field lines form one list',
    value: ['max-age=60', 'no-cache', 'must-revalidate'],
    expected: { maxAge: 60, noCache: true, mustRevalidate: true },
  },
  {
    name: 'RFC 9110 §5.6.1: empty list members and OWS are ignored',
    value: ' , max-age=60 ,, public ,',
    expected: { maxAge: 60, public: true },
  },
  {
    name: 'RFC 9111 §5.2.3: unknown extensions are ignored, commas inside their quoted argument do not split',
    value: 'foo="a, no-store, b", max-age=5, bar',
    expected: { maxAge: 5, noStore: false },
  },
  {
    name: 'RFC 9111 §1.2.2: delta-seconds past 2^31 clamp to 2147483648',
    value: 'max-age=99999999999999999999',
    expected: { maxAge: 2147483648 },
  },
  { name: 'RFC 9111 §1.2.2: 2147483648 itself is kept', value: 's-maxage=2147483648', expected: { sMaxAge: 2147483648 } },
  { name: 'RFC 9111 §4.2.1: negative max-age is invalid and reads as stale (0)', value: 'max-age=-1', expected: { maxAge: 0 } },
  { name: 'RFC 9111 §4.2.1: max-age with trailing letters (60a) reads as 0', value: 'max-age=60a', expected: { maxAge: 0 } },
  { name: 'RFC 9111 §4.2.1: empty max-age reads as 0', value: 'max-age=', expected: { maxAge: 0 } },
  { name: 'RFC 9111 §4.2.1: bare max-age reads as 0', value: 'max-age', expected: { maxAge: 0 } },
  { name: 'RFC 9111 §4.2.1: fractional max-age reads as 0', value: 'max-age=1.5', expected: { maxAge: 0 } },
  { name: 'RFC 9111 §4.2.1: single-quoted max-age reads as 0', value: "max-age='60'", expected: { maxAge: 0 } },
  { name: 'RFC 9110 §5.6.6: space before "=" makes max-age invalid (0)', value: 'max-age =60', expected: { maxAge: 0 } },
  { name: 'RFC 9110 §5.6.6: space after "=" makes max-age invalid (0)', value: 'max-age= 60', expected: { maxAge: 0 } },
  { name: 'RFC 9111 §4.2.1: invalid s-maxage reads as 0', value: 's-maxage=abc, max-age=60', expected: { sMaxAge: 0, maxAge: 60 } },
  {
    name: 'RFC 9111 §4.2.1: duplicate max-age, the first occurrence wins (short first)',
    value: 'max-age=1, max-age=3600',
    expected: { maxAge: 1 },
  },
  {
    name: 'RFC 9111 §4.2.1: duplicate max-age, the first occurrence wins (long first)',
    value: 'max-age=3600, max-age=1',
    expected: { maxAge: 3600 },
  },
  {
    name: 'RFC 9111 §4.2.1: duplicate max-age across field lines, the first wins',
    value: ['max-age=3600', 'max-age=0'],
    expected: { maxAge: 3600 },
  },
  {
    name: 'RFC 9111 §4.2.1: an invalid first max-age still wins over a later valid one',
    value: 'max-age=abc, max-age=3600',
    expected: { maxAge: 0 },
  },
  { name: 'RFC 9111 §5.2.2.4: bare no-cache', value: 'no-cache', expected: { noCache: true, noCacheFields: [] } },
  {
    name: 'RFC 9111 §5.2.2.4: qualified no-cache lists lower-cased field names and is not bare',
    value: 'no-cache="Set-Cookie, X-Foo"',
    expected: { noCache: false, noCacheFields: ['set-cookie', 'x-foo'] },
  },
  {
    name: 'RFC 9111 §5.2.2.4: token form of qualified no-cache is accepted',
    value: 'no-cache=set-cookie',
    expected: { noCache: false, noCacheFields: ['set-cookie'] },
  },
  {
    name: 'RFC 9111 §5.2.2.4: no-cache with an empty list reads as bare no-cache',
    value: 'no-cache=""',
    expected: { noCache: true, noCacheFields: [] },
  },
  { name: 'RFC 9111 §5.2.2.4: malformed no-cache argument reads as bare no-cache', value: 'no-cache="x', expected: { noCache: true } },
  { name: 'RFC 9111 §5.2.2.7: bare private', value: 'private', expected: { private: true, privateFields: [] } },
  {
    name: 'RFC 9111 §5.2.2.7: qualified private lists field names and is not bare',
    value: 'private="Authorization-Info", max-age=60',
    expected: { private: false, privateFields: ['authorization-info'], maxAge: 60 },
  },
  { name: 'RFC 9111 §5.2.2.5: no-store alongside max-age', value: 'max-age=3600, no-store', expected: { noStore: true, maxAge: 3600 } },
  {
    name: 'RFC 9111 §4.2.1: a restrictive directive with a stray argument still counts (no-store="x")',
    value: 'no-store="x", must-revalidate=1',
    expected: { noStore: true, mustRevalidate: true },
  },
  { name: 'RFC 9111 §5.2.2.9: public with an argument is not public', value: 'public=yes', expected: { public: false } },
  { name: 'RFC 9111 §5.2.2.3: must-understand', value: 'must-understand, no-store', expected: { mustUnderstand: true, noStore: true } },
  {
    name: 'RFC 9111 §5.2.2.8, §5.2.2.10: proxy-revalidate and s-maxage',
    value: 'proxy-revalidate, s-maxage=30',
    expected: { proxyRevalidate: true, sMaxAge: 30 },
  },
  { name: 'RFC 9111 §5.2.2.6: no-transform', value: 'no-transform', expected: { noTransform: true } },
  {
    name: 'RFC 5861 §3, §4: stale-while-revalidate and stale-if-error',
    value: 'max-age=1, stale-while-revalidate=30, stale-if-error=600',
    expected: { staleWhileRevalidate: 30, staleIfError: 600 },
  },
  {
    name: 'RFC 5861: invalid stale-while-revalidate is absent, not zero',
    value: 'stale-while-revalidate=-1, stale-if-error=x',
    expected: { staleWhileRevalidate: undefined, staleIfError: undefined },
  },
  { name: 'RFC 8246 §2: immutable', value: 'max-age=31536000, immutable', expected: { immutable: true, maxAge: 31536000 } },
  {
    name: 'RFC 9110 §5.6.4: quoted-pair in an argument is unescaped',
    value: 'no-cache="x-\\a, x-c"',
    expected: { noCacheFields: ['x-a', 'x-c'] },
  },
  { name: 'RFC 9111 §5.2: junk between directives does not hide the next one', value: '"junk", no-store', expected: { noStore: true } },
];

for (const { name, value, expected } of responseCases) {
  test(`parseResponseDirectives: ${name}`, () => {
    const actual = parseResponseDirectives(value);
    assert.deepEqual(pick(actual, expected), expected);
  });
}

const requestCases: { name: string; headers: Record<string, string | string[]>; expected: Partial<RequestDirectives> }[] = [
  { name: 'RFC 9111 §5.2.1.1: max-age', headers: { 'cache-control': 'max-age=0' }, expected: { maxAge: 0 } },
  {
    name: 'RFC 9111 §5.2.1.2: bare max-stale accepts any staleness',
    headers: { 'cache-control': 'max-stale' },
    expected: { maxStale: Infinity },
  },
  { name: 'RFC 9111 §5.2.1.2: max-stale with a value', headers: { 'cache-control': 'max-stale=30' }, expected: { maxStale: 30 } },
  { name: 'RFC 9111 §5.2.1.3: min-fresh', headers: { 'cache-control': 'min-fresh=20' }, expected: { minFresh: 20 } },
  { name: 'RFC 9111 §5.2.1.4: no-cache', headers: { 'cache-control': 'No-Cache' }, expected: { noCache: true } },
  { name: 'RFC 9111 §5.2.1.5: no-store', headers: { 'cache-control': 'no-store' }, expected: { noStore: true } },
  { name: 'RFC 9111 §5.2.1.7: only-if-cached', headers: { 'cache-control': 'only-if-cached' }, expected: { onlyIfCached: true } },
  { name: 'RFC 5861 §4: request stale-if-error', headers: { 'cache-control': 'stale-if-error=60' }, expected: { staleIfError: 60 } },
  { name: 'RFC 9111 §5.2.1.1: invalid max-age is absent', headers: { 'cache-control': 'max-age=abc' }, expected: { maxAge: undefined } },
  {
    name: 'RFC 9111 §5.2.1.2: invalid max-stale is absent',
    headers: { 'cache-control': 'max-stale=-1' },
    expected: { maxStale: undefined },
  },
  { name: 'RFC 9111 §5.2.1.3: quoted min-fresh is accepted', headers: { 'cache-control': 'min-fresh="5"' }, expected: { minFresh: 5 } },
  {
    name: 'RFC 9111 §5.2: several request field lines form one list',
    headers: { 'cache-control': ['max-age=10', 'no-store'] },
    expected: { maxAge: 10, noStore: true },
  },
  { name: 'RFC 9111 §5.4: Pragma: no-cache counts without Cache-Control', headers: { pragma: 'No-Cache' }, expected: { noCache: true } },
  { name: 'RFC 9111 §5.4: Pragma: no-cache among other pragmas', headers: { pragma: 'foo, no-cache' }, expected: { noCache: true } },
  {
    name: 'RFC 9111 §5.4: Pragma is ignored when Cache-Control is present',
    headers: { 'cache-control': 'max-age=60', pragma: 'no-cache' },
    expected: { noCache: false, maxAge: 60 },
  },
  {
    name: 'RFC 9111 §5.4: other Pragma values mean nothing',
    headers: { pragma: 'no-store' },
    expected: { noCache: false, noStore: false },
  },
];

for (const { name, headers, expected } of requestCases) {
  test(`parseRequestDirectives: ${name}`, () => {
    assert.deepEqual(pick(parseRequestDirectives(headers), expected), expected);
  });
}

test('parseRequestDirectives: no Cache-Control or Pragma answers one shared frozen constant', () => {
  const first = parseRequestDirectives({});
  const second = parseRequestDirectives({ accept: 'text/html' });
  assert.equal(first, second);
  assert.ok(Object.isFrozen(first));
  assert.deepEqual(first, {
    maxAge: undefined,
    maxStale: undefined,
    minFresh: undefined,
    noCache: false,
    noStore: false,
    onlyIfCached: false,
    staleIfError: undefined,
  });
});

const targetedCases: {
  name: string;
  headers: Record<string, string | string[]>;
  targeted: boolean;
  expected: Partial<ResponseDirectives>;
}[] = [
  {
    name: 'RFC 9213 §2.1: a valid targeted field replaces Cache-Control entirely',
    headers: { 'cdn-cache-control': 'max-age=600', 'cache-control': 'no-store, private, max-age=5' },
    targeted: true,
    expected: { maxAge: 600, noStore: false, private: false, targeted: true },
  },
  {
    name: 'RFC 9213 §2.1: targeted no-store wins over a cacheable Cache-Control',
    headers: { 'cdn-cache-control': 'no-store', 'cache-control': 'max-age=600' },
    targeted: true,
    expected: { noStore: true, maxAge: undefined },
  },
  {
    name: 'RFC 9213 §2.1: absent targeted field falls back to Cache-Control',
    headers: { 'cache-control': 'max-age=5' },
    targeted: false,
    expected: { maxAge: 5, targeted: false },
  },
  {
    name: 'RFC 9213 §2.1: an invalid Dictionary (upper-case key) is ignored',
    headers: { 'cdn-cache-control': 'Max-Age=600', 'cache-control': 'max-age=5' },
    targeted: false,
    expected: { maxAge: 5 },
  },
  {
    name: 'RFC 9213 §2.1: an invalid Dictionary (trailing comma) is ignored',
    headers: { 'cdn-cache-control': 'max-age=600,', 'cache-control': 'max-age=5' },
    targeted: false,
    expected: { maxAge: 5 },
  },
  {
    name: 'RFC 9213 §2.1: an empty targeted field is ignored',
    headers: { 'cdn-cache-control': '', 'cache-control': 'max-age=5' },
    targeted: false,
    expected: { maxAge: 5 },
  },
  {
    name: 'RFC 9213 §2.1: several targeted field lines form one Dictionary',
    headers: { 'cdn-cache-control': ['max-age=600', 'must-revalidate'] },
    targeted: true,
    expected: { maxAge: 600, mustRevalidate: true },
  },
];

const SOURCES: DirectiveSources = { targetedField: 'cdn-cache-control', surrogateControl: true, name: 'cachet' };

for (const { name, headers, targeted, expected } of targetedCases) {
  test(`selectResponseDirectives: ${name}`, () => {
    const selection = selectResponseDirectives(headers, SOURCES);
    assert.equal(selection.targeted, targeted);
    assert.deepEqual(pick(selection.directives, expected), expected);
  });
}

test('selectResponseDirectives: RFC 9213 §2.1: no targeted field configured reads Cache-Control', () => {
  const selection = selectResponseDirectives(
    { 'cdn-cache-control': 'max-age=600', 'cache-control': 'max-age=5' },
    { ...SOURCES, targetedField: '' },
  );
  assert.equal(selection.targeted, false);
  assert.equal(selection.directives.maxAge, 5);
});

const EDGE = 'W3C Edge Architecture 1.0';
const surrogateCases: {
  name: string;
  headers: Record<string, string | string[]>;
  targeted: boolean;
  expected: Partial<ResponseDirectives>;
}[] = [
  {
    name: `${EDGE}: Surrogate-Control max-age replaces Cache-Control (and its private)`,
    headers: { 'surrogate-control': 'max-age=600', 'cache-control': 'private, max-age=5' },
    targeted: true,
    expected: { maxAge: 600, private: false, targeted: true },
  },
  {
    name: `${EDGE}: Surrogate-Control no-store replaces a storable Cache-Control`,
    headers: { 'surrogate-control': 'no-store', 'cache-control': 'public, max-age=600' },
    targeted: true,
    expected: { noStore: true, maxAge: undefined, public: false },
  },
  {
    name: 'RFC 9213 §2.1: the configured targeted field wins over Surrogate-Control',
    headers: { 'cdn-cache-control': 'max-age=60', 'surrogate-control': 'max-age=600', 'cache-control': 'max-age=5' },
    targeted: true,
    expected: { maxAge: 60 },
  },
  {
    name: `${EDGE}: an invalid targeted field falls back to Surrogate-Control, not Cache-Control`,
    headers: { 'cdn-cache-control': 'Max-Age=60', 'surrogate-control': 'max-age=600', 'cache-control': 'max-age=5' },
    targeted: true,
    expected: { maxAge: 600 },
  },
  {
    name: `${EDGE}: content="ESI/1.0" alone leaves Cache-Control in charge`,
    headers: { 'surrogate-control': 'content="ESI/1.0"', 'cache-control': 'max-age=5' },
    targeted: false,
    expected: { maxAge: 5 },
  },
  {
    name: `${EDGE}: stale-while-revalidate alone leaves Cache-Control in charge`,
    headers: { 'surrogate-control': 'stale-while-revalidate=30', 'cache-control': 'max-age=5' },
    targeted: false,
    expected: { maxAge: 5, staleWhileRevalidate: undefined },
  },
  {
    name: `${EDGE}: max-age=N+M: M is how long a stale response may answer when the origin fails`,
    headers: { 'surrogate-control': 'max-age=60+300' },
    targeted: true,
    expected: { maxAge: 60, staleIfError: 300 },
  },
  {
    name: `${EDGE}: a directive for this device (;cachet) wins over the untargeted one`,
    headers: { 'surrogate-control': 'max-age=5, max-age=600;cachet' },
    targeted: true,
    expected: { maxAge: 600 },
  },
  {
    name: `${EDGE}: directives for this device set the untargeted ones aside`,
    headers: { 'surrogate-control': 'no-store, max-age=600;cachet' },
    targeted: true,
    expected: { noStore: false, maxAge: 600 },
  },
  {
    name: `${EDGE}: the device token compares case-insensitively`,
    headers: { 'surrogate-control': 'max-age=600;CacheT' },
    targeted: true,
    expected: { maxAge: 600 },
  },
  {
    name: `${EDGE}: a directive for another device is ignored`,
    headers: { 'surrogate-control': 'no-store;other, max-age=600' },
    targeted: true,
    expected: { noStore: false, maxAge: 600 },
  },
  {
    name: `${EDGE}: only directives for other devices leave Cache-Control in charge`,
    headers: { 'surrogate-control': 'max-age=600;other', 'cache-control': 'max-age=5' },
    targeted: false,
    expected: { maxAge: 5 },
  },
  {
    name: `${EDGE}: no-store-remote addresses remote surrogates and is ignored`,
    headers: { 'surrogate-control': 'no-store-remote', 'cache-control': 'max-age=5' },
    targeted: false,
    expected: { maxAge: 5, noStore: false },
  },
  {
    name: `${EDGE}: RFC 5861 extensions beside max-age; names case-insensitive; several lines`,
    headers: { 'surrogate-control': ['Max-Age=60, stale-while-revalidate=30', 'stale-if-error=90'] },
    targeted: true,
    expected: { maxAge: 60, staleWhileRevalidate: 30, staleIfError: 90 },
  },
  {
    name: `${EDGE}: an invalid max-age reads as stale (0), as in Cache-Control (RFC 9111 §4.2.1)`,
    headers: { 'surrogate-control': 'max-age=abc', 'cache-control': 'max-age=600' },
    targeted: true,
    expected: { maxAge: 0 },
  },
  {
    name: `${EDGE}: the first max-age wins; an invalid stale part is ignored`,
    headers: { 'surrogate-control': 'max-age=60+x, max-age=600' },
    targeted: true,
    expected: { maxAge: 60, staleIfError: undefined },
  },
];

for (const { name, headers, targeted, expected } of surrogateCases) {
  test(`selectResponseDirectives: ${name}`, () => {
    const selection = selectResponseDirectives(headers, SOURCES);
    assert.equal(selection.targeted, targeted);
    assert.deepEqual(pick(selection.directives, expected), expected);
  });
}

test(`selectResponseDirectives: ${EDGE}: with surrogateControl off, Surrogate-Control is ignored`, () => {
  const selection = selectResponseDirectives(
    { 'surrogate-control': 'no-store', 'cache-control': 'max-age=5' },
    { ...SOURCES, surrogateControl: false },
  );
  assert.equal(selection.targeted, false);
  assert.equal(selection.directives.noStore, false);
  assert.equal(selection.directives.maxAge, 5);
});
