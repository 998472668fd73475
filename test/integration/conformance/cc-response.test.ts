import assert from 'node:assert/strict';
import { defineCases, reuseCase, type Field } from './harness.ts';

// Response Cache-Control directives as a shared cache obeys them (cache-tests: cc-response, pragma,
// authorization, stale), RFC 9111 §5.2.2, RFC 5861, RFC 8246.

const ETAG: Field = ['ETag', '"abcdef"'];
const LAST_MODIFIED: Field = ['Last-Modified', -100_000];
const AUTH: Field = ['Authorization', 'Basic dXNlcjpwYXNz'];

defineCases([
  // no-store (§5.2.2.5)
  reuseCase('cc-resp-no-store', 'no-store is not stored (RFC 9111 §5.2.2.5)', [['Cache-Control', 'no-store']], 'not_cached'),
  reuseCase(
    'cc-resp-no-store-case-insensitive',
    'No-Store is not stored (RFC 9111 §5.2, §5.2.2.5)',
    [['Cache-Control', 'No-Store, max-age=3600']],
    'not_cached',
  ),
  reuseCase(
    'cc-resp-no-store-fresh',
    'max-age=3600, no-store is not stored (RFC 9111 §5.2.2.5)',
    [['Cache-Control', 'max-age=3600, no-store']],
    'not_cached',
  ),
  reuseCase(
    'cc-resp-no-store-old-max-age',
    'no-store, max-age=3600 is not stored (RFC 9111 §5.2.2.5)',
    [['Cache-Control', 'no-store, max-age=3600']],
    'not_cached',
  ),
  reuseCase(
    'cc-resp-no-store-separate-line',
    'no-store on a second Cache-Control line is obeyed (RFC 9111 §5.2, §5.2.2.5)',
    [
      ['Cache-Control', 'max-age=3600'],
      ['Cache-Control', 'no-store'],
    ],
    'not_cached',
  ),
  reuseCase(
    'cc-resp-no-store-expires',
    'no-store wins over a future Expires (RFC 9111 §5.2.2.5)',
    [
      ['Expires', 3600],
      ['Cache-Control', 'no-store'],
    ],
    'not_cached',
  ),

  // no-cache (§5.2.2.4)
  reuseCase(
    'cc-resp-no-cache',
    'no-cache without validators is not reused (RFC 9111 §5.2.2.4)',
    [['Cache-Control', 'no-cache']],
    'not_cached',
  ),
  reuseCase(
    'cc-resp-no-cache-case-insensitive',
    'No-Cache with max-age=3600 is not reused (RFC 9111 §5.2, §5.2.2.4)',
    [['Cache-Control', 'max-age=3600, No-Cache']],
    'not_cached',
  ),
  reuseCase(
    'cc-resp-no-cache-revalidate',
    'no-cache with an ETag is revalidated with If-None-Match, then the stored body served (RFC 9111 §5.2.2.4, §4.3.1)',
    [['Cache-Control', 'no-cache'], ETAG],
    'etag_validated',
    {
      then: { originHeaders: [['if-none-match', '"abcdef"']] },
    },
  ),
  reuseCase(
    'cc-resp-no-cache-revalidate-fresh',
    'max-age=3600, no-cache with an ETag is still revalidated (RFC 9111 §5.2.2.4)',
    [['Cache-Control', 'max-age=3600, no-cache'], ETAG],
    'etag_validated',
  ),
  reuseCase(
    'cc-resp-no-cache-lm',
    'no-cache with Last-Modified is revalidated with If-Modified-Since (RFC 9111 §5.2.2.4, §4.3.1)',
    [['Cache-Control', 'no-cache'], LAST_MODIFIED],
    'lm_validated',
  ),
  reuseCase(
    'cc-resp-no-cache-field',
    'no-cache="Test-Header": the rest is reused, the named field is not sent (RFC 9111 §5.2.2.4)',
    [
      ['Cache-Control', 'no-cache="Test-Header", max-age=3600'],
      ['Test-Header', 'secret'],
      ['Other-Header', 'kept'],
    ],
    'cached',
    {
      then: { absentHeaders: ['test-header'], responseHeaders: [['Other-Header', 'kept']] },
    },
  ),
  reuseCase(
    'cc-resp-no-cache-field-case',
    'no-cache="TEST-header" names a field case-insensitively (RFC 9111 §5.2.2.4)',
    [
      ['Cache-Control', 'no-cache="TEST-header", max-age=3600'],
      ['Test-Header', 'secret'],
    ],
    'cached',
    {
      then: { absentHeaders: ['test-header'] },
    },
  ),
  {
    id: 'cc-resp-no-cache-field-first-answer',
    name: 'the answer that stores a no-cache="Test-Header" response still carries the field; hits do not (RFC 9111 §5.2.2.4)',
    steps: [
      {
        response: {
          headers: [
            ['Cache-Control', 'no-cache="Test-Header", max-age=3600'],
            ['Test-Header', 'secret'],
          ],
        },
        responseHeaders: [['Test-Header', 'secret']],
      },
      { expect: 'cached', absentHeaders: ['test-header'] },
    ],
  },

  // private (§5.2.2.7)
  reuseCase(
    'cc-resp-private-shared',
    'private is not stored by a shared cache (RFC 9111 §5.2.2.7)',
    [['Cache-Control', 'private, max-age=3600']],
    'not_cached',
  ),
  reuseCase(
    'cc-resp-private-case',
    'Private is not stored by a shared cache (RFC 9111 §5.2, §5.2.2.7)',
    [['Cache-Control', 'max-age=3600, Private']],
    'not_cached',
  ),
  reuseCase(
    'cc-resp-private-separate-line',
    'private on a second Cache-Control line is obeyed (RFC 9111 §5.2.2.7)',
    [
      ['Cache-Control', 's-maxage=3600'],
      ['Cache-Control', 'private'],
    ],
    'not_cached',
  ),
  reuseCase(
    'cc-resp-private-field',
    'private="Test-Header": stored without the named field (RFC 9111 §5.2.2.7)',
    [
      ['Cache-Control', 'private="Test-Header", max-age=3600'],
      ['Test-Header', 'secret'],
      ['Other-Header', 'kept'],
    ],
    'cached',
    {
      then: { absentHeaders: ['test-header'], responseHeaders: [['Other-Header', 'kept']] },
    },
  ),
  {
    id: 'cc-resp-private-field-set-cookie-first-answer',
    name: 'private="Set-Cookie": the user whose request stored the response gets its Set-Cookie; hits do not (RFC 9111 §5.2.2.7)',
    steps: [
      {
        response: {
          headers: [
            ['Cache-Control', 'private="Set-Cookie", max-age=3600'],
            ['Set-Cookie', 'session=1'],
          ],
        },
        responseHeaders: [['Set-Cookie', 'session=1']],
      },
      { expect: 'cached', absentHeaders: ['set-cookie'] },
    ],
  },
  reuseCase(
    'cc-resp-private-field-list',
    'private="Test-Header, Set-Cookie": both fields dropped (RFC 9111 §5.2.2.7)',
    [
      ['Cache-Control', 'private="Test-Header, Set-Cookie", max-age=3600'],
      ['Test-Header', 'secret'],
      ['Set-Cookie', 'a=b'],
    ],
    'cached',
    {
      then: { absentHeaders: ['test-header', 'set-cookie'] },
    },
  ),

  // must-revalidate, proxy-revalidate, s-maxage (§5.2.2.2, §5.2.2.8, §5.2.2.10)
  reuseCase(
    'cc-resp-must-revalidate-fresh',
    'must-revalidate does not affect a fresh response (RFC 9111 §5.2.2.2)',
    [['Cache-Control', 'max-age=3600, must-revalidate']],
    'cached',
  ),
  reuseCase(
    'cc-resp-must-revalidate-stale',
    'a stale must-revalidate response is not reused (RFC 9111 §5.2.2.2)',
    [['Cache-Control', 'max-age=1, must-revalidate']],
    'not_cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'cc-resp-must-revalidate-stale-etag',
    'a stale must-revalidate response is revalidated with its ETag (RFC 9111 §5.2.2.2, §4.3.1)',
    [['Cache-Control', 'max-age=1, must-revalidate'], ETAG],
    'etag_validated',
    { pauseSec: 2 },
  ),
  reuseCase(
    'cc-resp-must-revalidate-max-stale',
    'request max-stale does not let a must-revalidate response be served stale (RFC 9111 §5.2.2.2)',
    [['Cache-Control', 'max-age=1, must-revalidate']],
    'not_cached',
    {
      pauseSec: 2,
      requestHeaders: [['Cache-Control', 'max-stale=3600']],
    },
  ),
  reuseCase(
    'cc-resp-proxy-revalidate-max-stale',
    'a shared cache treats proxy-revalidate as must-revalidate (RFC 9111 §5.2.2.8)',
    [['Cache-Control', 'max-age=1, proxy-revalidate']],
    'not_cached',
    {
      pauseSec: 2,
      requestHeaders: [['Cache-Control', 'max-stale=3600']],
    },
  ),
  reuseCase(
    'cc-resp-s-maxage-max-stale',
    's-maxage implies proxy-revalidate: not served stale under max-stale (RFC 9111 §5.2.2.10)',
    [['Cache-Control', 's-maxage=1']],
    'not_cached',
    {
      pauseSec: 2,
      requestHeaders: [['Cache-Control', 'max-stale=3600']],
    },
  ),
  reuseCase(
    'cc-resp-max-stale-control',
    'without must-revalidate, request max-stale=3600 allows a stale response (RFC 9111 §5.2.1.2)',
    [['Cache-Control', 'max-age=1']],
    'cached',
    {
      pauseSec: 2,
      requestHeaders: [['Cache-Control', 'max-stale=3600']],
    },
  ),

  // public (§5.2.2.9), immutable (RFC 8246), no-transform (§5.2.2.6), extensions (§5.2.3)
  reuseCase(
    'cc-resp-public-max-age',
    'public, max-age=3600 is reused (RFC 9111 §5.2.2.9)',
    [['Cache-Control', 'public, max-age=3600']],
    'cached',
  ),
  reuseCase(
    'cc-resp-public-lm',
    'public with Last-Modified is heuristically fresh (RFC 9111 §4.2.2, §5.2.2.9)',
    [['Cache-Control', 'public'], LAST_MODIFIED],
    'cached',
  ),
  reuseCase(
    'cc-resp-public-private',
    'private wins over public (RFC 9111 §5.2.2.7)',
    [['Cache-Control', 'public, private, max-age=3600']],
    'not_cached',
  ),
  reuseCase(
    'cc-resp-immutable-fresh',
    'a fresh immutable response is reused (RFC 8246 §2)',
    [['Cache-Control', 'max-age=3600, immutable']],
    'cached',
  ),
  reuseCase(
    'cc-resp-immutable-reload',
    'a fresh immutable response answers a max-age=0 reload (RFC 8246 §2)',
    [['Cache-Control', 'max-age=3600, immutable']],
    'cached',
    {
      requestHeaders: [['Cache-Control', 'max-age=0']],
    },
  ),
  reuseCase(
    'cc-resp-immutable-stale',
    'immutable does not extend freshness (RFC 8246 §2)',
    [['Cache-Control', 'max-age=1, immutable']],
    'not_cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'cc-resp-immutable-no-cache-request',
    'request no-cache still revalidates an immutable response (RFC 9111 §5.2.1.4)',
    [['Cache-Control', 'max-age=3600, immutable'], ETAG],
    'etag_validated',
    {
      requestHeaders: [['Cache-Control', 'no-cache']],
    },
  ),
  reuseCase(
    'cc-resp-no-transform',
    'no-transform responses are reused unchanged (RFC 9111 §5.2.2.6)',
    [
      ['Cache-Control', 'max-age=3600, no-transform'],
      ['Content-Type', 'text/plain'],
    ],
    'cached',
    {
      then: {
        responseHeaders: [
          ['Content-Type', 'text/plain'],
          ['Cache-Control', 'max-age=3600, no-transform'],
        ],
      },
    },
  ),
  reuseCase(
    'cc-resp-extension',
    'unknown extension directives are ignored (RFC 9111 §5.2.3)',
    [['Cache-Control', 'max-age=3600, community="UCI", foo']],
    'cached',
  ),
  reuseCase(
    'cc-resp-extension-no-store-arg',
    'no-store with an argument is still no-store (RFC 9111 §5.2.2.5)',
    [['Cache-Control', 'max-age=3600, no-store="x"']],
    'not_cached',
  ),

  // Pragma in responses has no defined meaning (RFC 9111 §5.4)
  reuseCase(
    'pragma-response-no-cache',
    'a response Pragma: no-cache does not stop reuse of max-age=3600 (RFC 9111 §5.4)',
    [
      ['Cache-Control', 'max-age=3600'],
      ['Pragma', 'no-cache'],
    ],
    'cached',
  ),
  reuseCase(
    'pragma-response-no-cache-expires',
    'a response Pragma: no-cache does not stop reuse with a future Expires (RFC 9111 §5.4)',
    [
      ['Expires', 3600],
      ['Pragma', 'no-cache'],
    ],
    'cached',
  ),

  // Authorization (§3.5)
  {
    id: 'other-authorization',
    name: 'a response to a request with Authorization is not reused by a shared cache (RFC 9111 §3.5)',
    steps: [
      { headers: [AUTH], response: { headers: [['Cache-Control', 'max-age=3600']] } },
      { headers: [AUTH], response: { headers: [['Cache-Control', 'max-age=3600']] }, expect: 'not_cached' },
    ],
  },
  {
    id: 'other-authorization-anonymous-next',
    name: 'a response to an Authorization request is not served to a later anonymous request (RFC 9111 §3.5)',
    steps: [
      { headers: [AUTH], response: { headers: [['Cache-Control', 'max-age=3600']] } },
      { response: { headers: [['Cache-Control', 'max-age=3600']] }, expect: 'not_cached' },
    ],
  },
  ...(['public, max-age=3600', 'must-revalidate, max-age=3600', 's-maxage=3600'] as const).map((cc) => ({
    id: `other-authorization-${cc.split(/[,=]/)[0] as string}`,
    name: `"${cc}" allows a shared cache to reuse a response to an Authorization request (RFC 9111 §3.5)`,
    steps: [
      { headers: [AUTH], response: { headers: [['Cache-Control', cc] as Field] } },
      { headers: [AUTH], expect: 'cached' as const },
    ],
  })),

  // stale-while-revalidate and stale-if-error (RFC 5861)
  {
    id: 'stale-while-revalidate',
    name: 'within stale-while-revalidate the stale body is served and refreshed in the background (RFC 5861 §3)',
    steps: [
      { response: { headers: [['Cache-Control', 'max-age=1, stale-while-revalidate=3600']] } },
      {
        pauseBeforeSec: 2,
        response: { headers: [['Cache-Control', 'max-age=3600']] },
        expectBody: 0,
        settleMs: 50,
        check: (res, run) => {
          assert.equal(res.status, 200);
          assert.equal(run.originRequests(1).length, 1, 'one background revalidation');
        },
      },
      { expect: 'cached', expectBody: 1 },
    ],
  },
  reuseCase(
    'stale-while-revalidate-expired',
    'past the stale-while-revalidate window the response is fetched (RFC 5861 §3)',
    [['Cache-Control', 'max-age=1, stale-while-revalidate=5']],
    'not_cached',
    { pauseSec: 20 },
  ),
  {
    id: 'stale-if-error-503',
    name: 'within stale-if-error a 503 from the origin is answered with the stale response (RFC 5861 §4)',
    steps: [
      { response: { headers: [['Cache-Control', 'max-age=1, stale-if-error=3600']] } },
      { pauseBeforeSec: 2, response: { status: 503 }, expect: 'not_cached', status: 200, expectBody: 0 },
    ],
  },
  {
    id: 'stale-if-error-expired',
    name: 'past the stale-if-error window the 503 is passed on (RFC 5861 §4)',
    steps: [
      { response: { headers: [['Cache-Control', 'max-age=1, stale-if-error=5']] } },
      { pauseBeforeSec: 20, response: { status: 503 }, expect: 'not_cached', status: 503, expectBody: 1 },
    ],
  },
  {
    id: 'stale-if-error-request',
    name: 'a request stale-if-error lets a stale response answer a 500 (RFC 5861 §4)',
    steps: [
      { response: { headers: [['Cache-Control', 'max-age=1']] } },
      {
        pauseBeforeSec: 2,
        headers: [['Cache-Control', 'stale-if-error=3600']],
        response: { status: 500 },
        expect: 'not_cached',
        status: 200,
        expectBody: 0,
      },
    ],
  },
  {
    id: 'stale-if-error-must-revalidate',
    name: 'must-revalidate forbids stale-if-error: the 503 is passed on (RFC 9111 §5.2.2.2)',
    steps: [
      { response: { headers: [['Cache-Control', 'max-age=1, must-revalidate, stale-if-error=3600']] } },
      { pauseBeforeSec: 2, response: { status: 503 }, expect: 'not_cached', status: 503, expectBody: 1 },
    ],
  },
]);
