import { defineCases, reuseCase, type Field } from './harness.ts';

// Request Cache-Control directives and Pragma (cache-tests: cc-request, pragma), RFC 9111 §5.2.1, §5.4.

const ETAG: Field = ['ETag', '"abcdef"'];
const LAST_MODIFIED: Field = ['Last-Modified', -100_000];
const fresh = (...extra: Field[]): Field[] => [['Cache-Control', 'max-age=3600'], ...extra];
const cc = (value: string): Field[] => [['Cache-Control', value]];

defineCases([
  reuseCase('ccreq-ma0', 'request max-age=0 is not answered from cache (RFC 9111 §5.2.1.1)', fresh(), 'not_cached', {
    requestHeaders: cc('max-age=0'),
  }),
  reuseCase(
    'ccreq-ma0-etag',
    'request max-age=0 revalidates with the stored ETag (RFC 9111 §5.2.1.1, §4.3.1)',
    fresh(ETAG),
    'etag_validated',
    { requestHeaders: cc('max-age=0') },
  ),
  reuseCase(
    'ccreq-ma0-lm',
    'request max-age=0 revalidates with the stored Last-Modified (RFC 9111 §5.2.1.1, §4.3.1)',
    fresh(LAST_MODIFIED),
    'lm_validated',
    { requestHeaders: cc('max-age=0') },
  ),
  reuseCase('ccreq-ma1', 'request max-age=1 refuses a response 2s old (RFC 9111 §5.2.1.1)', fresh(), 'not_cached', {
    pauseSec: 2,
    requestHeaders: cc('max-age=1'),
  }),
  reuseCase('ccreq-magreaterage', 'request max-age=3600 accepts a response 2s old (RFC 9111 §5.2.1.1)', fresh(), 'cached', {
    pauseSec: 2,
    requestHeaders: cc('max-age=3600'),
  }),
  reuseCase('ccreq-ma-invalid', 'an invalid request max-age is ignored (RFC 9111 §5.2.1.1, §1.2.2)', fresh(), 'cached', {
    pauseSec: 2,
    requestHeaders: cc('max-age=a'),
  }),
  reuseCase('ccreq-ma-case', 'request directive names are case-insensitive: MAX-AGE=0 (RFC 9111 §5.2)', fresh(), 'not_cached', {
    requestHeaders: cc('MAX-AGE=0'),
  }),
  reuseCase('ccreq-max-stale', 'request max-stale=1000 accepts a response 1s stale (RFC 9111 §5.2.1.2)', cc('max-age=1'), 'cached', {
    pauseSec: 2,
    requestHeaders: cc('max-stale=1000'),
  }),
  reuseCase('ccreq-max-stale-bare', 'bare request max-stale accepts any staleness (RFC 9111 §5.2.1.2)', cc('max-age=1'), 'cached', {
    pauseSec: 5000,
    requestHeaders: cc('max-stale'),
  }),
  reuseCase(
    'ccreq-max-stale-age',
    'request max-stale=1000 accepts max-age=1500 with Age: 2000 (RFC 9111 §5.2.1.2, §4.2.3)',
    [
      ['Cache-Control', 'max-age=1500'],
      ['Age', '2000'],
    ],
    'cached',
    { requestHeaders: cc('max-stale=1000') },
  ),
  reuseCase(
    'ccreq-max-stale-exceeded',
    'request max-stale=5 refuses a response 19s stale (RFC 9111 §5.2.1.2)',
    cc('max-age=1'),
    'not_cached',
    { pauseSec: 20, requestHeaders: cc('max-stale=5') },
  ),
  reuseCase('ccreq-min-fresh', 'request min-fresh=2000 refuses max-age=1500 (RFC 9111 §5.2.1.3)', cc('max-age=1500'), 'not_cached', {
    requestHeaders: cc('min-fresh=2000'),
  }),
  reuseCase('ccreq-min-fresh-ok', 'request min-fresh=1 accepts max-age=1500 (RFC 9111 §5.2.1.3)', cc('max-age=1500'), 'cached', {
    requestHeaders: cc('min-fresh=1'),
  }),
  reuseCase(
    'ccreq-min-fresh-age',
    'request min-fresh=1000 refuses max-age=1500 with Age: 1000 (RFC 9111 §5.2.1.3, §4.2.3)',
    [
      ['Cache-Control', 'max-age=1500'],
      ['Age', '1000'],
    ],
    'not_cached',
    { requestHeaders: cc('min-fresh=1000') },
  ),
  reuseCase('ccreq-no-cache', 'request no-cache is not answered from cache (RFC 9111 §5.2.1.4)', fresh(), 'not_cached', {
    requestHeaders: cc('no-cache'),
  }),
  reuseCase('ccreq-no-cache-etag', 'request no-cache revalidates with If-None-Match (RFC 9111 §5.2.1.4)', fresh(ETAG), 'etag_validated', {
    requestHeaders: cc('no-cache'),
  }),
  reuseCase(
    'ccreq-no-cache-lm',
    'request no-cache revalidates with If-Modified-Since (RFC 9111 §5.2.1.4)',
    fresh(LAST_MODIFIED),
    'lm_validated',
    { requestHeaders: cc('no-cache') },
  ),
  reuseCase(
    'ccreq-no-cache-second-line',
    'request no-cache on a second Cache-Control line is obeyed (RFC 9111 §5.2)',
    fresh(),
    'not_cached',
    {
      requestHeaders: [
        ['Cache-Control', 'max-age=3600'],
        ['Cache-Control', 'no-cache'],
      ],
    },
  ),
  {
    id: 'ccreq-no-store',
    name: 'a response to a request with no-store is not stored (RFC 9111 §5.2.1.5)',
    steps: [
      { headers: cc('no-store'), response: { headers: fresh() } },
      { response: { headers: fresh() }, expect: 'not_cached' },
    ],
  },
  {
    id: 'ccreq-no-cache-refreshes',
    name: 'the full response to a request no-cache replaces the stored one (RFC 9111 §4.3.3)',
    steps: [
      { response: { headers: fresh() } },
      { headers: cc('no-cache'), response: { headers: fresh() }, expect: 'not_cached' },
      { expect: 'cached', expectBody: 1 },
    ],
  },
  {
    id: 'ccreq-oic',
    name: 'only-if-cached with nothing stored answers 504 without contacting the origin (RFC 9111 §5.2.1.7)',
    steps: [{ headers: cc('only-if-cached'), response: { headers: fresh() }, expect: 'cached', status: 504 }],
  },
  reuseCase('ccreq-oic-fresh', 'only-if-cached is answered from a fresh stored response (RFC 9111 §5.2.1.7)', fresh(), 'cached', {
    requestHeaders: cc('only-if-cached'),
  }),
  reuseCase(
    'ccreq-oic-stale',
    'only-if-cached with only a stale stored response answers 504 (RFC 9111 §5.2.1.7)',
    cc('max-age=1'),
    'cached',
    { pauseSec: 2, requestHeaders: cc('only-if-cached'), then: { status: 504 } },
  ),
  reuseCase(
    'ccreq-oic-max-stale',
    'only-if-cached with max-stale is answered from a stale stored response (RFC 9111 §5.2.1.2, §5.2.1.7)',
    cc('max-age=1'),
    'cached',
    { pauseSec: 2, requestHeaders: cc('only-if-cached, max-stale=3600') },
  ),
  {
    id: 'ccreq-oic-vary-miss',
    name: 'only-if-cached with no matching variant answers 504 (RFC 9111 §4.1, §5.2.1.7)',
    steps: [
      { headers: [['Foo', '1']], response: { headers: fresh(['Vary', 'Foo']) } },
      {
        headers: [
          ['Foo', '2'],
          ['Cache-Control', 'only-if-cached'],
        ],
        expect: 'cached',
        status: 504,
      },
    ],
  },

  // Pragma (RFC 9111 §5.4; RFC 7234 §5.4 for its no-cache meaning when Cache-Control is absent)
  reuseCase(
    'pragma-request-no-cache',
    'request Pragma: no-cache without Cache-Control is not answered from cache (RFC 9111 §5.4)',
    fresh(),
    'not_cached',
    { requestHeaders: [['Pragma', 'no-cache']] },
  ),
  reuseCase(
    'pragma-request-no-cache-etag',
    'request Pragma: no-cache revalidates with the stored ETag (RFC 9111 §5.4)',
    fresh(ETAG),
    'etag_validated',
    { requestHeaders: [['Pragma', 'no-cache']] },
  ),
  reuseCase('pragma-request-cc-wins', 'request Cache-Control takes precedence over Pragma (RFC 9111 §5.4)', fresh(), 'cached', {
    requestHeaders: [
      ['Pragma', 'no-cache'],
      ['Cache-Control', 'max-age=3600'],
    ],
  }),
  reuseCase('pragma-request-extension', 'an unknown request Pragma is ignored (RFC 9111 §5.4)', fresh(), 'cached', {
    requestHeaders: [['Pragma', 'foo']],
  }),
]);
