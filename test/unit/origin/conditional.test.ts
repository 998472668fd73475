import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Precondition, RepresentationState, RequestHeaders } from '../../../src/origin/index.ts';
import { evaluatePreconditions, requireIfMatch } from '../../../src/origin/index.ts';

const LAST_MODIFIED_AT = Date.UTC(2026, 0, 1, 12, 0, 0);
const AT_LM = 'Thu, 01 Jan 2026 12:00:00 GMT';
const BEFORE_LM = 'Thu, 01 Jan 2026 11:59:59 GMT';
const AFTER_LM = 'Thu, 01 Jan 2026 12:00:01 GMT';
const STATE: RepresentationState = { etag: '"v2"', lastModified: LAST_MODIFIED_AT };

type Outcome = Precondition['outcome'];
interface Row {
  readonly name: string;
  readonly method?: string;
  readonly headers: RequestHeaders;
  readonly state?: RepresentationState;
  readonly expected: Outcome;
}

const rows: Row[] = [
  { name: 'no preconditions: proceed', headers: {}, expected: 'proceed' },

  // If-Match, RFC 9110 §13.1.1
  { name: '§13.1.1 If-Match listing the current strong tag: proceed', method: 'PUT', headers: { 'if-match': '"v2"' }, expected: 'proceed' },
  {
    name: '§13.1.1 If-Match list with one matching member: proceed',
    method: 'PUT',
    headers: { 'if-match': '"v1", "v2", "v3"' },
    expected: 'proceed',
  },
  { name: '§13.1.1 If-Match with a different tag: 412', method: 'PUT', headers: { 'if-match': '"v1"' }, expected: 'failed' },
  {
    name: '§13.1.1 If-Match on GET with a different tag: 412, not 304',
    method: 'GET',
    headers: { 'if-match': '"v1"' },
    expected: 'failed',
  },
  {
    name: '§13.1.1/§8.8.3.2 weak request tag never matches If-Match',
    method: 'PUT',
    headers: { 'if-match': 'W/"v2"' },
    expected: 'failed',
  },
  {
    name: '§13.1.1/§8.8.3.2 weak current tag never matches If-Match',
    method: 'PUT',
    headers: { 'if-match': '"v2"' },
    state: { etag: 'W/"v2"' },
    expected: 'failed',
  },
  { name: '§13.1.1 If-Match * with a current representation: proceed', method: 'PUT', headers: { 'if-match': '*' }, expected: 'proceed' },
  {
    name: '§13.1.1 If-Match * with a representation without ETag: proceed',
    method: 'PUT',
    headers: { 'if-match': '*' },
    state: {},
    expected: 'proceed',
  },
  {
    name: '§13.1.1 If-Match * without a representation: 412',
    method: 'PUT',
    headers: { 'if-match': '*' },
    state: { exists: false },
    expected: 'failed',
  },
  {
    name: '§13.1.1 If-Match tag without a representation: 412',
    method: 'PUT',
    headers: { 'if-match': '"v2"' },
    state: { etag: '"v2"', exists: false },
    expected: 'failed',
  },
  {
    name: '§13.1.1 If-Match tag when the representation has no ETag: 412',
    method: 'PUT',
    headers: { 'if-match': '"v2"' },
    state: { lastModified: LAST_MODIFIED_AT },
    expected: 'failed',
  },
  { name: '§13.1.1 malformed If-Match (unquoted) is false: 412', method: 'PUT', headers: { 'if-match': 'v2' }, expected: 'failed' },
  {
    name: '§13.1.1 If-Match mixing * and tags is invalid; the listed tag still decides',
    method: 'PUT',
    headers: { 'if-match': '*, "v1"' },
    expected: 'failed',
  },
  {
    name: '§13.1.1 If-Match over several field lines (§5.3)',
    method: 'PUT',
    headers: { 'if-match': ['"v1"', '"v2"'] },
    expected: 'proceed',
  },
  {
    name: '§8.8.3 a comma inside an opaque-tag belongs to the tag',
    method: 'PUT',
    headers: { 'if-match': '"a,b"' },
    state: { etag: '"a,b"' },
    expected: 'proceed',
  },
  { name: 'header names are matched case-insensitively', method: 'PUT', headers: { 'If-Match': '"v1"' }, expected: 'failed' },
  { name: 'empty If-Match counts as absent', method: 'PUT', headers: { 'if-match': '' }, expected: 'proceed' },

  // If-Unmodified-Since, RFC 9110 §13.1.4
  { name: '§13.1.4 IUS at Last-Modified: proceed', method: 'PUT', headers: { 'if-unmodified-since': AT_LM }, expected: 'proceed' },
  { name: '§13.1.4 IUS after Last-Modified: proceed', method: 'PUT', headers: { 'if-unmodified-since': AFTER_LM }, expected: 'proceed' },
  { name: '§13.1.4 IUS before Last-Modified: 412', method: 'PUT', headers: { 'if-unmodified-since': BEFORE_LM }, expected: 'failed' },
  {
    name: '§13.1.4 IUS compares at one-second precision',
    method: 'PUT',
    headers: { 'if-unmodified-since': AT_LM },
    state: { lastModified: LAST_MODIFIED_AT + 999 },
    expected: 'proceed',
  },
  {
    name: '§13.1.4 IUS accepts a Date for lastModified',
    method: 'PUT',
    headers: { 'if-unmodified-since': BEFORE_LM },
    state: { lastModified: new Date(LAST_MODIFIED_AT) },
    expected: 'failed',
  },
  {
    name: '§13.1.4 IUS ignored when If-Match is present',
    method: 'PUT',
    headers: { 'if-match': '"v2"', 'if-unmodified-since': BEFORE_LM },
    expected: 'proceed',
  },
  { name: '§13.1.4 malformed IUS date ignored', method: 'PUT', headers: { 'if-unmodified-since': 'yesterday' }, expected: 'proceed' },
  {
    name: '§13.1.4 IUS with a list of dates ignored',
    method: 'PUT',
    headers: { 'if-unmodified-since': `${BEFORE_LM}, ${BEFORE_LM}` },
    expected: 'proceed',
  },
  {
    name: '§13.1.4 IUS ignored without a modification date',
    method: 'PUT',
    headers: { 'if-unmodified-since': BEFORE_LM },
    state: { etag: '"v2"' },
    expected: 'proceed',
  },
  {
    name: '§5.6.7 IUS in RFC 850 form is a valid HTTP-date',
    method: 'PUT',
    headers: { 'if-unmodified-since': 'Thursday, 01-Jan-26 11:59:59 GMT' },
    expected: 'failed',
  },

  // If-None-Match, RFC 9110 §13.1.2
  { name: '§13.1.2 INM matching on GET: 304', method: 'GET', headers: { 'if-none-match': '"v2"' }, expected: 'not-modified' },
  { name: '§13.1.2 INM matching on HEAD: 304', method: 'HEAD', headers: { 'if-none-match': '"v2"' }, expected: 'not-modified' },
  { name: '§13.1.2 INM not matching: proceed', method: 'GET', headers: { 'if-none-match': '"v1"' }, expected: 'proceed' },
  {
    name: '§13.1.2 INM list with a matching member: 304',
    method: 'GET',
    headers: { 'if-none-match': '"v0", "v1", "v2"' },
    expected: 'not-modified',
  },
  {
    name: '§13.1.2/§8.8.3.2 INM uses weak comparison (weak request tag)',
    method: 'GET',
    headers: { 'if-none-match': 'W/"v2"' },
    expected: 'not-modified',
  },
  {
    name: '§13.1.2/§8.8.3.2 INM uses weak comparison (weak current tag)',
    method: 'GET',
    headers: { 'if-none-match': '"v2"' },
    state: { etag: 'W/"v2"' },
    expected: 'not-modified',
  },
  { name: '§13.1.2 INM * with a representation on GET: 304', method: 'GET', headers: { 'if-none-match': '*' }, expected: 'not-modified' },
  { name: '§13.1.2 INM * with a representation on PUT: 412', method: 'PUT', headers: { 'if-none-match': '*' }, expected: 'failed' },
  {
    name: '§13.1.2 INM * without a representation: proceed (create)',
    method: 'PUT',
    headers: { 'if-none-match': '*' },
    state: { exists: false },
    expected: 'proceed',
  },
  { name: '§13.1.2 INM matching on POST: 412, never 304', method: 'POST', headers: { 'if-none-match': '"v2"' }, expected: 'failed' },
  { name: '§13.1.2 INM matching on DELETE: 412, never 304', method: 'DELETE', headers: { 'if-none-match': '"v2"' }, expected: 'failed' },
  { name: '§9.1 methods are case-sensitive: "get" is not GET', method: 'get', headers: { 'if-none-match': '"v2"' }, expected: 'failed' },
  {
    name: '§13.1.2 INM with a representation without ETag: proceed',
    method: 'GET',
    headers: { 'if-none-match': '"v2"' },
    state: { lastModified: LAST_MODIFIED_AT },
    expected: 'proceed',
  },
  { name: '§13.1.2 malformed INM is true: proceed', method: 'GET', headers: { 'if-none-match': 'v2' }, expected: 'proceed' },

  // If-Modified-Since, RFC 9110 §13.1.3
  { name: '§13.1.3 IMS at Last-Modified: 304', method: 'GET', headers: { 'if-modified-since': AT_LM }, expected: 'not-modified' },
  { name: '§13.1.3 IMS after Last-Modified: 304', method: 'GET', headers: { 'if-modified-since': AFTER_LM }, expected: 'not-modified' },
  { name: '§13.1.3 IMS before Last-Modified: proceed', method: 'GET', headers: { 'if-modified-since': BEFORE_LM }, expected: 'proceed' },
  { name: '§13.1.3 IMS on HEAD: 304', method: 'HEAD', headers: { 'if-modified-since': AT_LM }, expected: 'not-modified' },
  {
    name: '§13.1.3 IMS compares at one-second precision',
    method: 'GET',
    headers: { 'if-modified-since': AT_LM },
    state: { lastModified: LAST_MODIFIED_AT + 999 },
    expected: 'not-modified',
  },
  {
    name: '§13.1.3 IMS ignored when If-None-Match is present',
    method: 'GET',
    headers: { 'if-none-match': '"v1"', 'if-modified-since': AFTER_LM },
    expected: 'proceed',
  },
  { name: '§13.1.3 IMS ignored for POST', method: 'POST', headers: { 'if-modified-since': AFTER_LM }, expected: 'proceed' },
  { name: '§13.1.3 IMS ignored for PUT', method: 'PUT', headers: { 'if-modified-since': AFTER_LM }, expected: 'proceed' },
  {
    name: '§13.1.3 malformed IMS date ignored',
    method: 'GET',
    headers: { 'if-modified-since': '2026-01-01T12:00:00Z' },
    expected: 'proceed',
  },
  {
    name: '§13.1.3 IMS with a zone other than GMT ignored',
    method: 'GET',
    headers: { 'if-modified-since': 'Thu, 01 Jan 2026 12:00:01 PST' },
    expected: 'proceed',
  },
  {
    name: '§13.1.3 IMS with more than one member ignored',
    method: 'GET',
    headers: { 'if-modified-since': [AT_LM, AT_LM] },
    expected: 'proceed',
  },
  {
    name: '§13.1.3 IMS ignored without a modification date',
    method: 'GET',
    headers: { 'if-modified-since': AFTER_LM },
    state: { etag: '"v2"' },
    expected: 'proceed',
  },

  // Precedence, RFC 9110 §13.2.2
  {
    name: '§13.2.2 step 1 before 3: failed If-Match wins over matching INM',
    method: 'GET',
    headers: { 'if-match': '"v1"', 'if-none-match': '"v2"' },
    expected: 'failed',
  },
  {
    name: '§13.2.2 step 1 then 3: passing If-Match, matching INM on GET: 304',
    method: 'GET',
    headers: { 'if-match': '"v2"', 'if-none-match': '"v2"' },
    expected: 'not-modified',
  },
  {
    name: '§13.2.2 step 2 before 4: failed IUS wins over IMS',
    method: 'GET',
    headers: { 'if-unmodified-since': BEFORE_LM, 'if-modified-since': AT_LM },
    expected: 'failed',
  },
  {
    name: '§13.2.2 step 2 then 3: passing IUS, matching INM on PUT: 412',
    method: 'PUT',
    headers: { 'if-unmodified-since': AT_LM, 'if-none-match': '"v2"' },
    expected: 'failed',
  },
  {
    name: '§13.2.2 step 3 true skips step 4 even when IMS would say 304',
    method: 'GET',
    headers: { 'if-none-match': 'W/"other"', 'if-modified-since': AT_LM },
    expected: 'proceed',
  },
  {
    name: '§13.2.2 step 5: If-Range is not evaluated',
    method: 'GET',
    headers: { range: 'bytes=0-1', 'if-range': '"v1"' },
    expected: 'proceed',
  },
];

for (const row of rows) {
  test(row.name, () => {
    const result = evaluatePreconditions(row.method ?? 'GET', row.headers, row.state ?? STATE);
    assert.equal(result.outcome, row.expected);
  });
}

test('a state.etag that is not an entity-tag is a caller bug: TypeError', () => {
  assert.throws(() => evaluatePreconditions('GET', { 'if-none-match': '"x"' }, { etag: 'v2' }), TypeError);
});

test('RFC 6585 §3 requireIfMatch: true (answer 428) only when If-Match is missing or empty', () => {
  assert.equal(requireIfMatch({}), true);
  assert.equal(requireIfMatch({ 'if-match': '' }), true);
  assert.equal(requireIfMatch({ 'if-none-match': '*' }), true);
  assert.equal(requireIfMatch({ 'if-match': '"v2"' }), false);
  assert.equal(requireIfMatch({ 'if-match': '*' }), false);
  assert.equal(requireIfMatch({ 'If-Match': '"v2"' }), false);
});
