import assert from 'node:assert/strict';
import { defineCases, reuseCase, type Field } from './harness.ts';

// CDN-Cache-Control (cache-tests: cdn-cache-control; RFC 9213) and partial content (cache-tests: partial).
// cachet obeys `CDN-Cache-Control` by default; it answers ranges from complete responses (fetching the
// whole response on a miss). It stores a 206 only when it forwarded the client's Range (a response too
// large to keep whole, see cache-partial.test.ts), so the 206s here pass through and never disturb the
// stored complete response.

const CDN = (value: string): Field => ['CDN-Cache-Control', value];
const CC = (value: string): Field => ['Cache-Control', value];

defineCases([
  reuseCase('cdn-max-age', 'CDN-Cache-Control: max-age=3600 is reused (RFC 9213 §2.1)', [CDN('max-age=3600')], 'cached'),
  reuseCase(
    'cdn-max-age-0',
    'CDN-Cache-Control: max-age=0 overrides Cache-Control: max-age=3600 (RFC 9213 §2.1)',
    [CC('max-age=3600'), CDN('max-age=0')],
    'not_cached',
  ),
  reuseCase(
    'cdn-max-age-cc-max-age-0',
    'CDN-Cache-Control: max-age=3600 overrides Cache-Control: max-age=0 (RFC 9213 §2.1)',
    [CC('max-age=0'), CDN('max-age=3600')],
    'cached',
  ),
  reuseCase(
    'cdn-max-age-cc-no-store',
    'CDN-Cache-Control: max-age=3600 overrides Cache-Control: no-store (RFC 9213 §2.1)',
    [CC('no-store'), CDN('max-age=3600')],
    'cached',
  ),
  reuseCase(
    'cdn-max-age-cc-private',
    'CDN-Cache-Control: max-age=3600 overrides Cache-Control: private (RFC 9213 §2.1)',
    [CC('private'), CDN('max-age=3600')],
    'cached',
  ),
  reuseCase(
    'cdn-no-store-cc-fresh',
    'CDN-Cache-Control: no-store overrides Cache-Control: max-age=3600 (RFC 9213 §2.1)',
    [CC('max-age=3600'), CDN('no-store')],
    'not_cached',
  ),
  reuseCase(
    'cdn-private',
    'CDN-Cache-Control: private is not stored (RFC 9213 §2.1, RFC 9111 §5.2.2.7)',
    [CC('max-age=3600'), CDN('private')],
    'not_cached',
  ),
  reuseCase(
    'cdn-no-cache',
    'CDN-Cache-Control: no-cache revalidates (RFC 9213 §2.1, RFC 9111 §5.2.2.4)',
    [CC('max-age=3600'), CDN('no-cache'), ['ETag', '"a"']],
    'etag_validated',
  ),
  reuseCase(
    'cdn-max-age-0-expires',
    'CDN-Cache-Control: max-age=0 overrides a future Expires (RFC 9213 §2.1)',
    [['Expires', 3600], CDN('max-age=0')],
    'not_cached',
  ),
  reuseCase(
    'cdn-max-age-expires',
    'CDN-Cache-Control: max-age=3600 overrides a past Expires (RFC 9213 §2.1)',
    [['Expires', -3600], CDN('max-age=3600')],
    'cached',
  ),
  reuseCase(
    'cdn-expires-ignored',
    'with CDN-Cache-Control present, a future Expires is ignored (RFC 9213 §2.1)',
    [['Expires', 3600], CDN('must-revalidate')],
    'not_cached',
  ),
  reuseCase(
    'cdn-max-age-age',
    'CDN-Cache-Control: max-age=3600 with Age: 7200 is stale (RFC 9213 §2.1, RFC 9111 §4.2.3)',
    [CDN('max-age=3600'), ['Age', '7200']],
    'not_cached',
  ),
  reuseCase(
    'cdn-max-age-extension',
    'an unknown CDN-Cache-Control member is ignored (RFC 9213 §2.1)',
    [CDN('max-age=3600, foo=bar, baz')],
    'cached',
  ),
  reuseCase(
    'cdn-max-age-long-cc-max-age-short',
    'CDN max-age=3600 wins over Cache-Control max-age=1 (RFC 9213 §2.1)',
    [CC('max-age=1'), CDN('max-age=3600')],
    'cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'cdn-max-age-short-cc-max-age-long',
    'CDN max-age=1 wins over Cache-Control max-age=3600 (RFC 9213 §2.1)',
    [CC('max-age=3600'), CDN('max-age=1')],
    'not_cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'cdn-s-maxage',
    'CDN-Cache-Control: s-maxage=3600 is reused (RFC 9213 §2.1, RFC 9111 §5.2.2.10)',
    [CDN('s-maxage=3600')],
    'cached',
  ),
  reuseCase(
    'cdn-max-age-case-field',
    'the field name is case-insensitive: cdn-cache-control (RFC 9110 §5.1)',
    [['cdn-cache-control', 'max-age=3600']],
    'cached',
  ),
  reuseCase(
    'cdn-max-age-space-before-equals',
    'an invalid CDN-Cache-Control is ignored: falls back to Cache-Control max-age=3600 (RFC 9213 §2.1)',
    [CC('max-age=3600'), CDN('max-age =0')],
    'cached',
  ),
  reuseCase(
    'cdn-invalid-no-cc',
    'an invalid CDN-Cache-Control alone gives no freshness (RFC 9213 §2.1)',
    [CDN('max-age =3600')],
    'not_cached',
  ),
  reuseCase(
    'cdn-empty-falls-back',
    'an empty CDN-Cache-Control is ignored: Cache-Control no-store applies (RFC 9213 §2.1)',
    [CC('no-store'), CDN('')],
    'not_cached',
  ),
  reuseCase(
    'cdn-max-age-two-lines',
    'CDN-Cache-Control across two lines is one dictionary (RFC 9213 §2.1, RFC 9651 §4.2)',
    [CC('no-store'), CDN('must-revalidate'), CDN('max-age=3600')],
    'cached',
  ),
  {
    id: 'cdn-stale-while-revalidate',
    name: 'CDN-Cache-Control: stale-while-revalidate serves stale and revalidates in the background (RFC 9213 §2.1, RFC 5861 §3)',
    steps: [
      { response: { headers: [CDN('max-age=1, stale-while-revalidate=3600')] } },
      {
        pauseBeforeSec: 2,
        response: { headers: [CDN('max-age=3600')] },
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
    'cdn-other-target-ignored',
    'a field targeted at another cache (Other-CDN-Cache-Control) is ignored (RFC 9213 §2)',
    [CC('max-age=3600'), ['Other-CDN-Cache-Control', 'no-store']],
    'cached',
  ),

  // Partial content (RFC 9110 §14, §15.3.7; RFC 9111 §3.3, §3.4)
  {
    id: 'partial-miss-fetches-whole',
    name: 'a Range request with nothing stored asks the origin for the whole response, stores it and answers 206 from it (RFC 9110 §14.2, §15.3.7)',
    steps: [
      {
        headers: [['Range', 'bytes=0-4']],
        response: { headers: [CC('max-age=3600')], body: '0123456789' },
        expect: 'not_cached',
        status: 206,
        expectBody: '01234',
        responseHeaders: [['Content-Range', 'bytes 0-4/10']],
        absentOriginHeaders: ['range'],
      },
      { expect: 'cached', status: 200, expectBody: '0123456789' },
    ],
  },
  {
    id: 'partial-store-complete-range-request',
    name: 'a Range request with a complete response stored gets a correct answer and leaves the stored response intact (RFC 9111 §3.4, §4)',
    steps: [
      { response: { headers: [CC('max-age=3600')], body: '0123456789' } },
      {
        headers: [['Range', 'bytes=5-']],
        expect: 'cached',
        status: 206,
        expectBody: '56789',
        responseHeaders: [['Content-Range', 'bytes 5-9/10']],
      },
      { expect: 'cached', expectBody: '0123456789' },
    ],
  },
  {
    id: 'partial-206-not-stored-as-complete',
    name: 'a 206 is never served to a later request without Range (RFC 9111 §3.3)',
    steps: [
      {
        headers: [['Range', 'bytes=0-4']],
        response: { status: 206, headers: [CC('max-age=3600'), ['Content-Range', 'bytes 0-4/10']], body: '01234' },
        expectBody: '01234',
      },
      {
        headers: [['Range', 'bytes=0-4']],
        response: { status: 206, headers: [CC('max-age=3600'), ['Content-Range', 'bytes 0-4/10']], body: '01234' },
        expect: 'not_cached',
        expectBody: '01234',
      },
      { response: { headers: [CC('max-age=3600')], body: '0123456789' }, expect: 'not_cached', status: 200, expectBody: '0123456789' },
    ],
  },
  {
    id: 'partial-if-range-miss',
    name: 'If-Range is evaluated by the cache against the whole response it fetched (RFC 9110 §13.1.5)',
    steps: [
      {
        headers: [
          ['Range', 'bytes=0-4'],
          ['If-Range', '"abc"'],
        ],
        response: { headers: [CC('max-age=3600'), ['ETag', '"abc"']], body: '0123456789' },
        expect: 'not_cached',
        status: 206,
        expectBody: '01234',
        absentOriginHeaders: ['range', 'if-range'],
      },
      {
        headers: [
          ['Range', 'bytes=0-4'],
          ['If-Range', '"older"'],
        ],
        expect: 'cached',
        status: 200,
        expectBody: '0123456789',
      },
    ],
  },
]);
