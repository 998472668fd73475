import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildValidationHeaders,
  canHeadFreshen,
  evaluateClientConditional,
  freshenStoredHeaders,
  selectEntriesToFreshen,
  selectNotModifiedHeaders,
} from '../../../../src/cache/policy/conditional.ts';
import type { StoredHeaders } from '../../../../src/cache/policy/entry.ts';
import { T0, createEntryMeta, httpDate } from './fixtures.ts';

const LAST_MODIFIED = httpDate(-3600);

interface ClientCase {
  name: string;
  method?: string;
  status?: number;
  stored: Record<string, string>;
  request: Record<string, string | string[]>;
  expected: 'not-modified' | 'none';
}

const clientCases: ClientCase[] = [
  {
    name: 'RFC 9110 §13.1.2: If-None-Match with the stored entity-tag',
    stored: { etag: '"a"' },
    request: { 'if-none-match': '"a"' },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9110 §13.1.2: weak comparison: a weak tag matches the strong stored tag',
    stored: { etag: '"a"' },
    request: { 'if-none-match': 'W/"a"' },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9110 §13.1.2: weak comparison: a strong tag matches the weak stored tag',
    stored: { etag: 'W/"a"' },
    request: { 'if-none-match': '"a"' },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9110 §13.1.2: any member of the list may match',
    stored: { etag: '"b"' },
    request: { 'if-none-match': '"a", W/"b", "c"' },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9110 §13.1.2: several If-None-Match lines form one list',
    stored: { etag: '"b"' },
    request: { 'if-none-match': ['"a"', '"b"'] },
    expected: 'not-modified',
  },
  { name: 'RFC 9110 §13.1.2: no member matches', stored: { etag: '"a"' }, request: { 'if-none-match': '"x", "y"' }, expected: 'none' },
  {
    name: 'RFC 9110 §8.8.3: opaque-tags compare character by character',
    stored: { etag: '"a"' },
    request: { 'if-none-match': '"A"' },
    expected: 'none',
  },
  { name: 'RFC 9110 §13.1.2: * matches any stored response', stored: {}, request: { 'if-none-match': '*' }, expected: 'not-modified' },
  {
    name: 'RFC 9110 §13.1.2: a stored response without ETag never matches a tag list',
    stored: { 'last-modified': LAST_MODIFIED },
    request: { 'if-none-match': '"a"' },
    expected: 'none',
  },
  {
    name: 'RFC 9110 §13.1.3: If-Modified-Since is not evaluated when If-None-Match is present',
    stored: { etag: '"a"', 'last-modified': LAST_MODIFIED },
    request: { 'if-none-match': '"x"', 'if-modified-since': httpDate(0) },
    expected: 'none',
  },
  {
    name: 'RFC 9110 §13.1.3: not modified since a later date',
    stored: { 'last-modified': LAST_MODIFIED },
    request: { 'if-modified-since': httpDate(0) },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9110 §13.1.3: not modified since the same date',
    stored: { 'last-modified': LAST_MODIFIED },
    request: { 'if-modified-since': LAST_MODIFIED },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9110 §13.1.3: modified since an earlier date',
    stored: { 'last-modified': LAST_MODIFIED },
    request: { 'if-modified-since': httpDate(-7200) },
    expected: 'none',
  },
  {
    name: 'RFC 9110 §13.1.3: an invalid If-Modified-Since is ignored',
    stored: { 'last-modified': LAST_MODIFIED },
    request: { 'if-modified-since': 'yesterday' },
    expected: 'none',
  },
  {
    name: 'RFC 9110 §13.1.3: an If-Modified-Since with more than one member is ignored',
    stored: { 'last-modified': LAST_MODIFIED },
    request: { 'if-modified-since': [httpDate(0), httpDate(0)] },
    expected: 'none',
  },
  {
    name: 'RFC 9110 §13.1.3: If-Modified-Since in an obsolete date format is accepted',
    stored: { 'last-modified': LAST_MODIFIED },
    request: { 'if-modified-since': 'Thu Jan  1 00:00:00 2026' },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9111 §4.3.2: without Last-Modified the stored Date is compared',
    stored: { date: httpDate(-10) },
    request: { 'if-modified-since': httpDate(-5) },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9111 §4.3.2: without Last-Modified the stored Date is compared (modified)',
    stored: { date: httpDate(-10) },
    request: { 'if-modified-since': httpDate(-20) },
    expected: 'none',
  },
  {
    name: 'RFC 9111 §4.3.2: without Last-Modified or Date, the time the response was received',
    stored: {},
    request: { 'if-modified-since': httpDate(0) },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9111 §4.3.2: without Last-Modified or Date, modified after an earlier date',
    stored: {},
    request: { 'if-modified-since': httpDate(-1) },
    expected: 'none',
  },
  {
    name: 'RFC 9110 §13.1.2: a weak ETag sent back as received matches',
    stored: { etag: 'W/"a"' },
    request: { 'if-none-match': 'W/"a"' },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9110 §13.1.2: a list equal in text to a stored tag with a comma is read as a list',
    stored: { etag: '"a", "b"' },
    request: { 'if-none-match': '"a", "b"' },
    expected: 'none',
  },
  {
    name: 'RFC 9110 §13.1.2: a request naming only another tag does not match',
    stored: { etag: '"a"' },
    request: { 'if-none-match': '"b"' },
    expected: 'none',
  },
  {
    name: 'RFC 9110 §13.1.3: HEAD is evaluated like GET',
    method: 'HEAD',
    stored: { etag: '"a"' },
    request: { 'if-none-match': '"a"' },
    expected: 'not-modified',
  },
  {
    name: 'RFC 9110 §13.2.1: other methods are not evaluated',
    method: 'POST',
    stored: { etag: '"a"' },
    request: { 'if-none-match': '"a"' },
    expected: 'none',
  },
  {
    name: 'RFC 9111 §4.3.2: only a stored 200 is evaluated',
    status: 404,
    stored: { etag: '"a"' },
    request: { 'if-none-match': '"a"' },
    expected: 'none',
  },
  {
    name: 'RFC 9111 §4.3.2: If-Match and If-Unmodified-Since are not for caches',
    stored: { etag: '"a"' },
    request: { 'if-match': '"a"', 'if-unmodified-since': httpDate(0) },
    expected: 'none',
  },
];

for (const { name, method, status, stored, request, expected } of clientCases) {
  test(`evaluateClientConditional: ${name}`, () => {
    const meta = createEntryMeta({ status: status ?? 200, headers: stored, responseAt: T0 });
    assert.equal(evaluateClientConditional(method ?? 'GET', request, meta), expected);
  });
}

test('selectNotModifiedHeaders: RFC 9110 §15.4.5: Cache-Control, Content-Location, Date, ETag, Expires and Vary only', () => {
  const stored: StoredHeaders = {
    'cache-control': 'max-age=60',
    'content-location': '/a.en',
    date: httpDate(0),
    etag: '"a"',
    expires: httpDate(60),
    vary: 'accept',
    'content-type': 'text/html',
    'content-length': '10',
    'set-cookie': ['a=1'],
    'last-modified': LAST_MODIFIED,
    'x-custom': '1',
  };
  assert.deepEqual(selectNotModifiedHeaders(stored), {
    'cache-control': 'max-age=60',
    'content-location': '/a.en',
    date: httpDate(0),
    etag: '"a"',
    expires: httpDate(60),
    vary: 'accept',
  });
});

test('selectNotModifiedHeaders: RFC 9110 §15.4.5: Last-Modified is sent when there is no ETag', () => {
  assert.deepEqual(selectNotModifiedHeaders({ 'last-modified': LAST_MODIFIED, 'content-type': 'text/html' }), {
    'last-modified': LAST_MODIFIED,
  });
});

const validationCases: {
  name: string;
  selected: Record<string, string>;
  others: Record<string, string>[];
  expected: Record<string, string>;
}[] = [
  {
    name: 'RFC 9111 §4.3.1: If-None-Match with the selected entity-tag and If-Modified-Since with its Last-Modified',
    selected: { etag: '"a"', 'last-modified': LAST_MODIFIED },
    others: [],
    expected: { 'if-none-match': '"a"', 'if-modified-since': LAST_MODIFIED },
  },
  {
    name: 'RFC 9111 §4.3.1: every stored entity-tag for the key, strong and weak, selected first, deduplicated',
    selected: { etag: '"b"' },
    others: [{ etag: 'W/"a"' }, { etag: '"b"' }, {}, { etag: '"c"' }],
    expected: { 'if-none-match': '"b", W/"a", "c"' },
  },
  {
    name: 'RFC 9111 §4.3.1: Last-Modified only from the selected response',
    selected: {},
    others: [{ 'last-modified': LAST_MODIFIED }],
    expected: {},
  },
  { name: 'RFC 9111 §4.3.1: an invalid Last-Modified is not sent', selected: { 'last-modified': 'long ago' }, others: [], expected: {} },
  { name: 'RFC 9111 §4.3.1: no validators, no preconditions', selected: {}, others: [{}], expected: {} },
];

for (const { name, selected, others, expected } of validationCases) {
  test(`buildValidationHeaders: ${name}`, () => {
    const selectedMeta = createEntryMeta({ headers: selected });
    const all = [selectedMeta, ...others.map((headers) => createEntryMeta({ headers }))];
    assert.deepEqual(buildValidationHeaders(selectedMeta, all), expected);
  });
}

const strongA1 = createEntryMeta({ key: 'a1', headers: { etag: '"a"' } });
const strongA2 = createEntryMeta({ key: 'a2', headers: { etag: '"a"' } });
const weakA = createEntryMeta({ key: 'wa', headers: { etag: 'W/"a"', date: httpDate(-100) } });
const weakANewer = createEntryMeta({ key: 'wa-newer', headers: { etag: 'W/"a"', date: httpDate(-10) } });
const strongB = createEntryMeta({ key: 'b', headers: { etag: '"b"' } });
const lmOld = createEntryMeta({ key: 'lm-old', headers: { 'last-modified': LAST_MODIFIED }, responseAt: T0 - 5000 });
const lmNew = createEntryMeta({ key: 'lm-new', headers: { 'last-modified': LAST_MODIFIED }, responseAt: T0 });
const bare = createEntryMeta({ key: 'bare', headers: {} });
const bare2 = createEntryMeta({ key: 'bare2', headers: {} });

type Meta = ReturnType<typeof createEntryMeta>;
const freshenCases: { name: string; notModified: Record<string, string>; candidates: Meta[]; selected: Meta; expected: string[] }[] = [
  {
    name: 'RFC 9111 §4.3.4: a strong validator selects every stored response with it',
    notModified: { etag: '"a"' },
    candidates: [strongA1, strongB, strongA2, weakA],
    selected: strongA1,
    expected: ['a1', 'a2'],
  },
  {
    name: 'RFC 9111 §4.3.4: a strong validator matching nothing updates nothing',
    notModified: { etag: '"z"' },
    candidates: [strongA1, strongB],
    selected: strongA1,
    expected: [],
  },
  {
    name: 'RFC 9111 §4.3.4: a strong validator does not select a weak stored tag',
    notModified: { etag: '"a"' },
    candidates: [weakA],
    selected: weakA,
    expected: [],
  },
  {
    name: 'RFC 9111 §4.3.4: a strong validator of another stored response selects that one, not the selected',
    notModified: { etag: '"a"' },
    candidates: [strongB, strongA1],
    selected: strongB,
    expected: ['a1'],
  },
  {
    name: 'RFC 9111 §4.3.4, RFC 9110 §15.4.5: a weak validator matching the selected response selects it, even when a newer one matches',
    notModified: { etag: 'W/"a"' },
    candidates: [weakANewer, weakA],
    selected: weakA,
    expected: ['wa'],
  },
  {
    name: 'RFC 9111 §4.3.4: a weak validator not matching the selected selects the most recent match (by Date)',
    notModified: { etag: 'W/"a"' },
    candidates: [weakA, weakANewer, strongB],
    selected: strongB,
    expected: ['wa-newer'],
  },
  {
    name: 'RFC 9111 §4.3.4: a weak validator also matches a strong stored tag (weak comparison)',
    notModified: { etag: 'W/"b"' },
    candidates: [strongB],
    selected: strongB,
    expected: ['b'],
  },
  {
    name: 'RFC 9111 §4.3.4: a weak validator matching nothing updates nothing',
    notModified: { etag: 'W/"z"' },
    candidates: [strongB, weakA],
    selected: strongB,
    expected: [],
  },
  {
    name: 'RFC 9110 §15.4.5: a 304 without ETag answers the condition sent for the selected response, which has an ETag',
    notModified: {},
    candidates: [strongA1],
    selected: strongA1,
    expected: ['a1'],
  },
  {
    name: 'RFC 9110 §15.4.5: a 304 without ETag updates the selected response only, among several',
    notModified: {},
    candidates: [strongB, strongA1, bare],
    selected: strongA1,
    expected: ['a1'],
  },
  {
    name: 'RFC 9110 §15.4.5: a 304 with Last-Modified and no ETag updates the selected response (its Last-Modified was sent)',
    notModified: { 'last-modified': LAST_MODIFIED },
    candidates: [lmOld, lmNew],
    selected: lmOld,
    expected: ['lm-old'],
  },
  {
    name: 'RFC 9110 §15.4.5: a 304 with another Last-Modified and no ETag still updates the selected response',
    notModified: { 'last-modified': httpDate(-1) },
    candidates: [lmOld],
    selected: lmOld,
    expected: ['lm-old'],
  },
  {
    name: 'RFC 9111 §4.3.4: no validators, one stored response without validators',
    notModified: {},
    candidates: [bare],
    selected: bare,
    expected: ['bare'],
  },
  {
    name: 'RFC 9110 §15.4.5: no validators, several stored responses: the selected one',
    notModified: {},
    candidates: [bare, bare2],
    selected: bare2,
    expected: ['bare2'],
  },
];

for (const { name, notModified, candidates, selected, expected } of freshenCases) {
  test(`selectEntriesToFreshen: ${name}`, () => {
    assert.deepEqual(
      selectEntriesToFreshen(notModified, candidates, selected).map((meta) => meta.key),
      expected,
    );
  });
}

test('freshenStoredHeaders: RFC 9111 §3.2: fields of the 304 replace or add to the stored ones, Content-Encoding and Content-MD5 included', () => {
  const stored: StoredHeaders = {
    'cache-control': 'max-age=1',
    expires: httpDate(1),
    'content-type': 'text/plain',
    'x-old': 'kept',
    'content-encoding': 'gzip',
    'content-md5': 'Q2hlY2sgSW50ZWdyaXR5IQ==',
    date: httpDate(-60),
  };
  const merged = freshenStoredHeaders(stored, {
    'cache-control': 'max-age=3600',
    expires: httpDate(3600),
    'content-type': 'text/html',
    'x-new': '1',
    'content-foo': 'bar',
    'content-encoding': 'br',
    'content-md5': 'bmV3IGJvZHk=',
    date: httpDate(0),
  });
  assert.deepEqual(merged, {
    'cache-control': 'max-age=3600',
    expires: httpDate(3600),
    'content-type': 'text/html',
    'x-old': 'kept',
    'x-new': '1',
    'content-foo': 'bar',
    'content-encoding': 'br',
    'content-md5': 'bmV3IGJvZHk=',
    date: httpDate(0),
  });
});

test('freshenStoredHeaders: RFC 9111 §3.2: Content-Length, Content-Range and the §3.1 exclusions are not taken from the 304', () => {
  const stored: StoredHeaders = { 'content-length': '10', etag: '"a"' };
  const merged = freshenStoredHeaders(stored, {
    'content-length': '0',
    'content-range': 'bytes 0-1/10',
    connection: 'x-hop',
    'x-hop': '1',
    'transfer-encoding': 'chunked',
    'keep-alive': 'timeout=5',
    age: '5',
    'proxy-authenticate': 'Basic',
    etag: '"a"',
    'x-kept': 'y',
  });
  assert.deepEqual(merged, { 'content-length': '10', etag: '"a"', 'x-kept': 'y' });
});

test('freshenStoredHeaders: RFC 9111 §3.1: fields named by the new no-cache="..." or private="..." are dropped', () => {
  const merged = freshenStoredHeaders(
    { 'set-cookie': ['a=1'], 'x-user': 'bob', 'x-keep': '1' },
    { 'cache-control': 'no-cache="set-cookie", private="x-user", max-age=60' },
  );
  assert.deepEqual(merged, { 'x-keep': '1', 'cache-control': 'no-cache="set-cookie", private="x-user", max-age=60' });
});

test('freshenStoredHeaders: the stored headers are not modified', () => {
  const stored = Object.freeze({ 'cache-control': 'max-age=1', 'set-cookie': Object.freeze(['a=1']) });
  const merged = freshenStoredHeaders(stored, { 'cache-control': 'max-age=2' });
  assert.equal(stored['cache-control'], 'max-age=1');
  assert.notEqual(merged['set-cookie'], stored['set-cookie']);
});

const headCases: { name: string; stored: Record<string, string>; size?: number; head: Record<string, string>; expected: boolean }[] = [
  { name: 'RFC 9111 §4.3.5: the same ETag', stored: { etag: '"a"' }, head: { etag: '"a"' }, expected: true },
  { name: 'RFC 9111 §4.3.5: a different ETag', stored: { etag: '"a"' }, head: { etag: '"b"' }, expected: false },
  {
    name: 'RFC 9111 §4.3.5: the same tag but different weakness does not match',
    stored: { etag: '"a"' },
    head: { etag: 'W/"a"' },
    expected: false,
  },
  { name: 'RFC 9111 §4.3.5: a HEAD ETag when the stored response has none', stored: {}, head: { etag: '"a"' }, expected: false },
  {
    name: 'RFC 9111 §4.3.5: the same Last-Modified',
    stored: { 'last-modified': LAST_MODIFIED },
    head: { 'last-modified': LAST_MODIFIED },
    expected: true,
  },
  {
    name: 'RFC 9111 §4.3.5: a different Last-Modified',
    stored: { 'last-modified': LAST_MODIFIED },
    head: { 'last-modified': httpDate(0) },
    expected: false,
  },
  {
    name: 'RFC 9111 §4.3.5: every received validator must match',
    stored: { etag: '"a"', 'last-modified': LAST_MODIFIED },
    head: { etag: '"a"', 'last-modified': httpDate(0) },
    expected: false,
  },
  {
    name: 'RFC 9111 §4.3.5: a matching Content-Length',
    stored: { etag: '"a"', 'content-length': '10' },
    head: { etag: '"a"', 'content-length': '10' },
    expected: true,
  },
  {
    name: 'RFC 9111 §4.3.5: a different Content-Length',
    stored: { etag: '"a"', 'content-length': '10' },
    head: { etag: '"a"', 'content-length': '11' },
    expected: false,
  },
  {
    name: 'RFC 9111 §4.3.5: Content-Length compared with the stored size when no field was stored',
    stored: { etag: '"a"' },
    size: 7,
    head: { etag: '"a"', 'content-length': '7' },
    expected: true,
  },
  { name: 'RFC 9111 §4.3.5: no validators on either side', stored: {}, head: {}, expected: true },
  { name: 'RFC 9111 §4.3.5: no validators in HEAD cannot confirm a stored validator', stored: { etag: '"a"' }, head: {}, expected: false },
];

for (const { name, stored, size, head, expected } of headCases) {
  test(`canHeadFreshen: ${name}`, () => {
    assert.equal(canHeadFreshen(head, createEntryMeta({ headers: stored, size: size ?? 0 })), expected);
  });
}
