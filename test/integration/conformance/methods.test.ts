import assert from 'node:assert/strict';
import { defineCases, type ConformanceCase, type Field, type Step } from './harness.ts';

// Methods: invalidation by unsafe methods (cache-tests: invalidation), which methods' responses are
// stored (method), and HEAD served from or freshening stored GET responses (updateHead).
// RFC 9111 §4.4, §4.3.5, §3; RFC 9110 §9.

const FRESH: Field = ['Cache-Control', 'max-age=3600'];
const SHORT: Field = ['Cache-Control', 'max-age=1'];
const ETAG: Field = ['ETag', '"abcdef"'];
const STORE: Step = { response: { headers: [FRESH] } };

/** GET stored, then `method` to the same URL answered `status`, then GET again expecting `expect`. */
function invalidationCase(method: string, status: number, expect: 'cached' | 'not_cached', extraName = ''): ConformanceCase {
  const isError = status >= 400;
  return {
    id: `invalidate-${method}${status === 200 ? '' : `-${status}`}`,
    name: `${method} answered ${status} ${expect === 'not_cached' ? 'invalidates' : 'does not invalidate'} the stored GET response${extraName} (RFC 9111 §4.4)`,
    steps: [
      STORE,
      {
        method,
        body: method === 'POST' || method === 'PUT' || method === 'PATCH' ? 'payload' : undefined,
        response: { status, headers: isError ? [] : [['Location', '/elsewhere']] },
        expect: 'not_cached',
        expectBody: 'skip',
      },
      { response: { headers: [FRESH] }, expect, expectBody: expect === 'cached' ? 0 : 2 },
    ],
  };
}

defineCases([
  invalidationCase('POST', 200, 'not_cached'),
  invalidationCase('PUT', 200, 'not_cached'),
  invalidationCase('DELETE', 200, 'not_cached'),
  invalidationCase('PATCH', 200, 'not_cached'),
  invalidationCase('M-SEARCH', 200, 'not_cached', ', an unknown (so unsafe) method'),
  invalidationCase('POST', 204, 'not_cached'),
  invalidationCase('POST', 303, 'not_cached'),
  invalidationCase('POST', 500, 'cached', ', an error'),
  invalidationCase('DELETE', 404, 'cached', ', an error'),
  invalidationCase('OPTIONS', 200, 'cached', ', a safe method'),
  {
    id: 'invalidate-POST-location',
    name: 'a POST answer with a same-origin Location invalidates that URL too (RFC 9111 §4.4)',
    steps: [
      { path: '/target', response: { headers: [FRESH] } },
      {
        method: 'POST',
        body: 'x',
        response: { status: 201, headers: [['Location', '/conf/invalidate-POST-location/target']] },
        expect: 'not_cached',
        expectBody: 'skip',
      },
      { path: '/target', response: { headers: [FRESH] }, expect: 'not_cached' },
    ],
  },
  {
    id: 'invalidate-POST-location-relative',
    name: 'a relative Location is resolved against the request URL before invalidating (RFC 9111 §4.4, RFC 9110 §10.2.2)',
    steps: [
      { path: '/target', response: { headers: [FRESH] } },
      {
        method: 'POST',
        path: '/form',
        body: 'x',
        response: { status: 200, headers: [['Location', 'target']] },
        expect: 'not_cached',
        expectBody: 'skip',
      },
      { path: '/target', response: { headers: [FRESH] }, expect: 'not_cached' },
    ],
  },
  {
    id: 'invalidate-POST-cl',
    name: 'a POST answer with a same-origin Content-Location invalidates that URL too (RFC 9111 §4.4)',
    steps: [
      { path: '/target', response: { headers: [FRESH] } },
      {
        method: 'POST',
        body: 'x',
        response: { status: 200, headers: [['Content-Location', '/conf/invalidate-POST-cl/target']] },
        expect: 'not_cached',
        expectBody: 'skip',
      },
      { path: '/target', response: { headers: [FRESH] }, expect: 'not_cached' },
    ],
  },
  {
    id: 'invalidate-PUT-location',
    name: 'a PUT answer with a same-origin Location invalidates that URL too (RFC 9111 §4.4)',
    steps: [
      { path: '/target', response: { headers: [FRESH] } },
      {
        method: 'PUT',
        body: 'x',
        response: { status: 200, headers: [['Location', '/conf/invalidate-PUT-location/target']] },
        expect: 'not_cached',
        expectBody: 'skip',
      },
      { path: '/target', response: { headers: [FRESH] }, expect: 'not_cached' },
    ],
  },
  {
    id: 'invalidate-POST-other-path',
    name: 'a POST does not invalidate an unrelated URL (RFC 9111 §4.4)',
    steps: [
      { path: '/other', response: { headers: [FRESH] } },
      { method: 'POST', body: 'x', response: { status: 200 }, expect: 'not_cached', expectBody: 'skip' },
      { path: '/other', expect: 'cached', expectBody: 0 },
    ],
  },
  {
    id: 'invalidate-POST-query',
    name: 'a POST to /x does not invalidate /x?q (another URI) but does invalidate /x (RFC 9111 §4.4, §2)',
    steps: [
      { path: '?q=1', response: { headers: [FRESH] } },
      { response: { headers: [FRESH] } },
      { method: 'POST', body: 'x', response: { status: 200 }, expect: 'not_cached', expectBody: 'skip' },
      { path: '?q=1', expect: 'cached', expectBody: 0 },
      { response: { headers: [FRESH] }, expect: 'not_cached' },
    ],
  },
  {
    id: 'invalidate-POST-vary',
    name: 'a POST invalidates every stored variant of the URL (RFC 9111 §4.4, §4.1)',
    steps: [
      { headers: [['Foo', '1']], response: { headers: [FRESH, ['Vary', 'Foo']] } },
      { headers: [['Foo', '2']], response: { headers: [FRESH, ['Vary', 'Foo']] }, expect: 'not_cached' },
      { method: 'POST', body: 'x', response: { status: 200 }, expect: 'not_cached', expectBody: 'skip' },
      { headers: [['Foo', '1']], response: { headers: [FRESH, ['Vary', 'Foo']] }, expect: 'not_cached' },
      { headers: [['Foo', '2']], response: { headers: [FRESH, ['Vary', 'Foo']] }, expect: 'not_cached' },
    ],
  },
  {
    id: 'method-POST',
    name: 'a POST answer with explicit freshness is not used for a later GET (RFC 9111 §3, §4)',
    steps: [
      { method: 'POST', body: 'x', response: { headers: [FRESH] }, expectBody: 'skip' },
      { response: { headers: [FRESH] }, expect: 'not_cached' },
    ],
  },
  {
    id: 'method-POST-not-from-cache',
    name: 'a POST is always forwarded, even with a fresh stored GET response (RFC 9110 §9.3.3, RFC 9111 §4)',
    steps: [
      STORE,
      {
        method: 'POST',
        body: 'x',
        response: { headers: [FRESH] },
        expect: 'not_cached',
        expectBody: 'skip',
        originHeaders: [['content-length', '1']],
      },
    ],
  },

  // HEAD (RFC 9110 §9.3.2, RFC 9111 §4.3.5)
  {
    id: 'head-writethrough',
    name: 'a HEAD is answered from a fresh stored GET response, without content (RFC 9110 §9.3.2, RFC 9111 §4)',
    steps: [
      { response: { headers: [FRESH, ['Content-Type', 'text/plain'], ['Test-Header', 'A']] } },
      {
        method: 'HEAD',
        expect: 'cached',
        status: 200,
        expectBody: '',
        responseHeaders: [
          ['Content-Type', 'text/plain'],
          ['Test-Header', 'A'],
          ['Content-Length', '6'],
        ],
      },
    ],
  },
  {
    id: 'head-not-stored',
    name: 'a HEAD response is not used to answer a GET (RFC 9111 §3, §4)',
    steps: [
      { method: 'HEAD', response: { headers: [FRESH] }, expectBody: '' },
      { response: { headers: [FRESH] }, expect: 'not_cached' },
    ],
  },
  {
    id: 'head-miss-forwarded-as-head',
    name: 'a HEAD the cache cannot answer goes to the origin as HEAD (RFC 9110 §9.3.2)',
    steps: [
      {
        method: 'HEAD',
        response: { headers: [FRESH] },
        expect: 'not_cached',
        expectBody: '',
        check: (_res, run) => assert.equal(run.originRequests(0)[0]?.method, 'HEAD'),
      },
    ],
  },
  {
    id: 'head-200-update',
    name: 'a 200 to HEAD with the same validators updates the stored GET fields (RFC 9111 §4.3.5)',
    steps: [
      { response: { headers: [FRESH, ETAG, ['Test-Header', 'A']] } },
      {
        method: 'HEAD',
        headers: [['Cache-Control', 'no-cache']],
        response: { headers: [FRESH, ETAG, ['Test-Header', 'B']] },
        expect: 'not_cached',
        expectBody: '',
      },
      { expect: 'cached', responseHeaders: [['Test-Header', 'B']], expectBody: 0 },
    ],
  },
  {
    id: 'head-freshness-update',
    name: 'a 200 to HEAD with the same validators refreshes a stale stored GET response (RFC 9111 §4.3.5)',
    steps: [
      { response: { headers: [SHORT, ETAG] } },
      { method: 'HEAD', pauseBeforeSec: 2, response: { headers: [FRESH, ETAG] }, expect: 'not_cached', expectBody: '' },
      { expect: 'cached', expectBody: 0 },
    ],
  },
  {
    id: 'head-410-no-update',
    name: 'a 410 to HEAD does not update the stored GET fields (RFC 9111 §4.3.5)',
    steps: [
      { response: { headers: [FRESH, ETAG, ['Test-Header', 'A']] } },
      {
        method: 'HEAD',
        headers: [['Cache-Control', 'no-cache']],
        response: { status: 410, headers: [FRESH, ETAG, ['Test-Header', 'B']] },
        expect: 'not_cached',
        expectBody: '',
      },
      { check: (res) => assert.notEqual(res.header('test-header'), 'B'), expectBody: 'skip' },
    ],
  },
  {
    id: 'head-etag-mismatch-stale',
    name: 'a 200 to HEAD with another ETag makes the stored GET response stale (RFC 9111 §4.3.5)',
    steps: [
      { response: { headers: [FRESH, ETAG, ['Test-Header', 'A']] } },
      {
        method: 'HEAD',
        headers: [['Cache-Control', 'no-cache']],
        response: { headers: [FRESH, ['ETag', '"changed"'], ['Test-Header', 'B']] },
        expect: 'not_cached',
        expectBody: '',
      },
      // Stale now, so the next GET goes to the origin with the stored validator (a 304 naming it confirms the body).
      { response: { headers: [FRESH, ETAG] }, expect: 'validated' },
    ],
  },
  {
    id: 'head-etag-mismatch-no-update',
    name: 'a 200 to HEAD with another ETag does not update the stored GET fields (RFC 9111 §4.3.5)',
    steps: [
      { response: { headers: [FRESH, ETAG, ['Test-Header', 'A']] } },
      {
        method: 'HEAD',
        headers: [['Cache-Control', 'no-cache']],
        response: { headers: [FRESH, ['ETag', '"changed"'], ['Test-Header', 'B']] },
        expect: 'not_cached',
        expectBody: '',
      },
      {
        response: { headers: [FRESH, ['ETag', '"changed"'], ['Test-Header', 'C']] },
        check: (res) => assert.notEqual(res.header('test-header'), 'B'),
        expectBody: 'skip',
      },
    ],
  },
  {
    id: 'head-content-length-mismatch-stale',
    name: 'a 200 to HEAD with another Content-Length makes the stored GET response stale (RFC 9111 §4.3.5)',
    steps: [
      { response: { headers: [FRESH, ETAG] } },
      {
        method: 'HEAD',
        headers: [['Cache-Control', 'no-cache']],
        response: { headers: [FRESH, ETAG, ['Content-Length', '99']] },
        expect: 'not_cached',
        expectBody: '',
      },
      { response: { headers: [FRESH, ETAG] }, expect: 'validated' },
    ],
  },
]);
