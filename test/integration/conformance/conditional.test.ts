import assert from 'node:assert/strict';
import type { RecordedRequest } from '../../helpers/origin.ts';
import { defineCases, reuseCase, rfc850Date, type ConformanceCase, type Field } from './harness.ts';

// Conditional requests (cache-tests: conditional-etag, conditional-lm, update304): the client's own
// validators against stored responses (RFC 9111 §4.3.2, RFC 9110 §13), the cache's validation of stale
// responses (RFC 9111 §4.3.1, §4.3.3), and how a 304 updates what is stored (RFC 9111 §3.2, §4.3.4).

const FRESH: Field = ['Cache-Control', 'max-age=3600'];
const SHORT: Field = ['Cache-Control', 'max-age=1'];
const ETAG: Field = ['ETag', '"abcdef"'];
// Absolute, so a 304 sent seconds later repeats the stored value exactly.
const LM_AT = Math.floor(Date.now() / 1000) * 1000 - 3_000_000;
const lmPlus = (sec: number): string => new Date(LM_AT + sec * 1000).toUTCString();
const LAST_MODIFIED: Field = ['Last-Modified', lmPlus(0)];
/** Re-sends after a 304 the cache cannot attribute (RFC 9111 §4.3.4), as counted in `/metrics`. */
const UNMATCHED_304 = 'cachet_upstream_retries_total{upstream="api",reason="unmatched-304"}';

/** A fresh stored response with `stored` fields, then a client request with `request` fields. */
function clientCase(
  id: string,
  name: string,
  stored: readonly Field[],
  request: readonly Field[],
  status: 200 | 304,
  more: Partial<ConformanceCase['steps'][number]> = {},
): ConformanceCase {
  return reuseCase(id, name, [FRESH, ...stored], 'cached', { requestHeaders: request, then: { status, ...more } });
}

/** The first request was the conditional one the 304 answered; the second, unconditional, got the full response. */
function assertRefetched(seen: readonly RecordedRequest[]): void {
  assert.equal(seen.length, 2, 'a conditional request, then an unconditional one');
  assert.equal(seen[0]?.headers['if-none-match'], '"abcdef"');
  assert.equal(seen[1]?.headers['if-none-match'], undefined);
}

const cases: ConformanceCase[] = [
  // --- the client's validators against a fresh stored response ---
  clientCase(
    'conditional-etag-strong-respond',
    'If-None-Match with the stored strong ETag is answered 304 from cache (RFC 9111 §4.3.2, RFC 9110 §13.1.2)',
    [ETAG],
    [['If-None-Match', '"abcdef"']],
    304,
  ),
  clientCase(
    'conditional-etag-weak-respond',
    'If-None-Match with the stored weak ETag is answered 304 (RFC 9110 §13.1.2 weak comparison)',
    [['ETag', 'W/"abcdef"']],
    [['If-None-Match', 'W/"abcdef"']],
    304,
  ),
  clientCase(
    'conditional-etag-weak-respond-strong-request',
    'If-None-Match "abcdef" matches a stored W/"abcdef" by weak comparison (RFC 9110 §8.8.3.2)',
    [['ETag', 'W/"abcdef"']],
    [['If-None-Match', '"abcdef"']],
    304,
  ),
  clientCase(
    'conditional-etag-strong-respond-multiple-first',
    'If-None-Match list with the stored ETag first: 304 (RFC 9110 §13.1.2)',
    [ETAG],
    [['If-None-Match', '"abcdef", "1234", "5678"']],
    304,
  ),
  clientCase(
    'conditional-etag-strong-respond-multiple-second',
    'If-None-Match list with the stored ETag second: 304 (RFC 9110 §13.1.2)',
    [ETAG],
    [['If-None-Match', '"1234", "abcdef", "5678"']],
    304,
  ),
  clientCase(
    'conditional-etag-strong-respond-multiple-last',
    'If-None-Match list with the stored ETag last: 304 (RFC 9110 §13.1.2)',
    [ETAG],
    [['If-None-Match', '"1234", "5678", "abcdef"']],
    304,
  ),
  clientCase(
    'conditional-etag-strong-respond-two-lines',
    'If-None-Match over two field lines: 304 (RFC 9110 §5.3, §13.1.2)',
    [ETAG],
    [
      ['If-None-Match', '"1234"'],
      ['If-None-Match', '"abcdef"'],
    ],
    304,
  ),
  clientCase(
    'conditional-etag-star',
    'If-None-Match: * is answered 304 when a response is stored (RFC 9110 §13.1.2)',
    [ETAG],
    [['If-None-Match', '*']],
    304,
  ),
  clientCase(
    'conditional-etag-no-match',
    'If-None-Match without the stored ETag gets the full stored response (RFC 9110 §13.1.2)',
    [ETAG],
    [['If-None-Match', '"1234"']],
    200,
  ),
  clientCase(
    'conditional-etag-unquoted',
    'an unquoted If-None-Match abcdef does not match "abcdef" (RFC 9110 §8.8.3)',
    [ETAG],
    [['If-None-Match', 'abcdef']],
    200,
  ),
  clientCase(
    'conditional-etag-no-stored-etag',
    'If-None-Match against a stored response without ETag gets the full response (RFC 9110 §13.1.2)',
    [],
    [['If-None-Match', '"abcdef"']],
    200,
  ),
  clientCase('conditional-304-etag', 'a 304 from cache carries the ETag (RFC 9110 §15.4.5)', [ETAG], [['If-None-Match', '"abcdef"']], 304, {
    responseHeaders: [['ETag', '"abcdef"']],
    expectBody: '',
  }),
  clientCase(
    'conditional-304-fields',
    'a 304 from cache carries Cache-Control, Expires, Vary and Content-Location (RFC 9110 §15.4.5)',
    [ETAG, ['Expires', 3600], ['Vary', 'Foo'], ['Content-Location', '/conf/here']],
    [['If-None-Match', '"abcdef"']],
    304,
    {
      responseHeaders: [
        ['Cache-Control', 'max-age=3600'],
        ['Vary', 'Foo'],
        ['Content-Location', '/conf/here'],
      ],
      presentHeaders: ['expires', 'date', 'age'],
    },
  ),
  clientCase(
    'conditional-304-no-content-fields',
    'a 304 from cache omits other representation metadata such as Content-Type (RFC 9110 §15.4.5)',
    [ETAG, ['Content-Type', 'text/plain']],
    [['If-None-Match', '"abcdef"']],
    304,
    { absentHeaders: ['content-type'] },
  ),
  clientCase(
    'conditional-etag-precedence',
    'If-None-Match takes precedence over a matching If-Modified-Since (RFC 9110 §13.1.3, §13.2.2)',
    [ETAG, LAST_MODIFIED],
    [
      ['If-None-Match', '"1234"'],
      ['If-Modified-Since', lmPlus(0)],
    ],
    200,
  ),
  clientCase(
    'conditional-lm-fresh',
    'If-Modified-Since equal to the stored Last-Modified is answered 304 (RFC 9110 §13.1.3)',
    [LAST_MODIFIED],
    [['If-Modified-Since', lmPlus(0)]],
    304,
  ),
  clientCase(
    'conditional-lm-fresh-newer',
    'If-Modified-Since after the stored Last-Modified is answered 304 (RFC 9110 §13.1.3)',
    [LAST_MODIFIED],
    [['If-Modified-Since', lmPlus(1000)]],
    304,
  ),
  clientCase(
    'conditional-lm-fresh-older',
    'If-Modified-Since before the stored Last-Modified gets the full response (RFC 9110 §13.1.3)',
    [LAST_MODIFIED],
    [['If-Modified-Since', lmPlus(-1000)]],
    200,
  ),
  clientCase(
    'conditional-lm-fresh-rfc850',
    'If-Modified-Since in RFC 850 format is understood (RFC 9110 §5.6.7, §13.1.3)',
    [LAST_MODIFIED],
    [['If-Modified-Since', () => rfc850Date(0)(LM_AT)]],
    304,
  ),
  clientCase(
    'conditional-lm-fresh-no-lm',
    'without Last-Modified, If-Modified-Since is compared with Date (RFC 9111 §4.3.2)',
    [],
    [['If-Modified-Since', 0]],
    304,
  ),
  clientCase(
    'conditional-lm-no-lm-modified',
    'without Last-Modified, If-Modified-Since before the stored Date gets the full response (RFC 9111 §4.3.2, RFC 9110 §13.1.3)',
    [],
    [['If-Modified-Since', -60]],
    200,
  ),
  clientCase(
    'conditional-lm-no-lm-head',
    'without Last-Modified, a HEAD with If-Modified-Since at the stored Date is answered 304 (RFC 9111 §4.3.2, RFC 9110 §13.1.3)',
    [],
    [['If-Modified-Since', 0]],
    304,
    { method: 'HEAD' },
  ),
  clientCase(
    'conditional-lm-invalid',
    'an invalid If-Modified-Since is ignored (RFC 9110 §13.1.3)',
    [LAST_MODIFIED],
    [['If-Modified-Since', 'yesterday']],
    200,
  ),
  clientCase(
    'conditional-304-lm-fields',
    'a 304 for If-Modified-Since carries Cache-Control and Date (RFC 9110 §15.4.5)',
    [LAST_MODIFIED],
    [['If-Modified-Since', lmPlus(0)]],
    304,
    {
      responseHeaders: [['Cache-Control', 'max-age=3600']],
      presentHeaders: ['date'],
    },
  ),
  {
    id: 'conditional-etag-vary-mismatch',
    name: 'If-None-Match is not answered from a stored response of another variant (RFC 9111 §4.1, §4.3.2)',
    steps: [
      { headers: [['Foo', '1']], response: { headers: [FRESH, ETAG, ['Vary', 'Foo']] } },
      {
        headers: [
          ['Foo', '2'],
          ['If-None-Match', '"abcdef"'],
        ],
        response: { headers: [FRESH, ['ETag', '"xyz"'], ['Vary', 'Foo']] },
        expect: 'not_cached',
        status: 200,
      },
    ],
  },
  {
    id: 'conditional-etag-stale',
    name: 'a client If-None-Match on a stale response: the cache validates, then answers 304 (RFC 9111 §4.3.2, §4.3.3)',
    steps: [
      { response: { headers: [SHORT, ETAG] } },
      {
        pauseBeforeSec: 2,
        headers: [['If-None-Match', '"abcdef"']],
        response: { headers: [FRESH, ETAG] },
        expect: 'etag_validated',
        status: 304,
      },
    ],
  },
  {
    id: 'conditional-lm-stale',
    name: 'a client If-Modified-Since on a stale response: the cache validates, then answers 304 (RFC 9111 §4.3.2, §4.3.3)',
    steps: [
      { response: { headers: [SHORT, LAST_MODIFIED] } },
      {
        pauseBeforeSec: 2,
        headers: [['If-Modified-Since', lmPlus(0)]],
        response: { headers: [FRESH, LAST_MODIFIED] },
        expect: 'lm_validated',
        status: 304,
      },
    ],
  },
  {
    id: 'conditional-etag-forward',
    name: 'with nothing stored, the client If-None-Match reaches the origin (RFC 9111 §4.3.2, RFC 9110 §13.2.1)',
    steps: [
      {
        headers: [['If-None-Match', '"abcdef"']],
        response: { status: 304, headers: [FRESH, ETAG] },
        expect: 'not_cached',
        status: 304,
        originHeaders: [['if-none-match', '"abcdef"']],
      },
    ],
  },
  {
    id: 'conditional-lm-forward',
    name: 'with nothing stored, the client If-Modified-Since reaches the origin (RFC 9111 §4.3.2, RFC 9110 §13.2.1)',
    steps: [
      {
        headers: [['If-Modified-Since', lmPlus(0)]],
        response: { status: 304, headers: [FRESH, LAST_MODIFIED] },
        expect: 'not_cached',
        status: 304,
        originHeaders: [['if-modified-since', true]],
      },
    ],
  },
  {
    id: 'conditional-forward-miss-correct',
    name: 'with nothing stored, a client If-None-Match still gets a correct full response (RFC 9110 §13.1.2)',
    steps: [
      { headers: [['If-None-Match', '"other"']], response: { headers: [FRESH, ETAG] }, expect: 'not_cached', status: 200 },
      { expect: 'cached', expectBody: 0 },
    ],
  },

  // --- the cache's own validation (RFC 9111 §4.3.1, §4.3.3) ---
  reuseCase(
    'validate-etag',
    'a stale response is validated with If-None-Match carrying its ETag (RFC 9111 §4.3.1)',
    [SHORT, ETAG],
    'etag_validated',
    {
      pauseSec: 2,
      then: { originHeaders: [['if-none-match', '"abcdef"']], status: 200 },
    },
  ),
  reuseCase(
    'validate-weak-etag',
    'a stale response is validated with its weak ETag (RFC 9111 §4.3.1)',
    [SHORT, ['ETag', 'W/"abcdef"']],
    'etag_validated',
    {
      pauseSec: 2,
      then: { originHeaders: [['if-none-match', 'W/"abcdef"']] },
    },
  ),
  reuseCase(
    'validate-lm',
    'a stale response is validated with If-Modified-Since carrying its Last-Modified (RFC 9111 §4.3.1)',
    [SHORT, LAST_MODIFIED],
    'lm_validated',
    { pauseSec: 2 },
  ),
  reuseCase(
    'validate-both',
    'a stale response with ETag and Last-Modified is validated with both (RFC 9111 §4.3.1)',
    [SHORT, ETAG, LAST_MODIFIED],
    'etag_validated',
    {
      pauseSec: 2,
      then: {
        originHeaders: [
          ['if-none-match', '"abcdef"'],
          ['if-modified-since', true],
        ],
      },
    },
  ),
  reuseCase(
    'validate-no-validator',
    'a stale response without validators is fetched unconditionally (RFC 9111 §4.3.1)',
    [SHORT],
    'not_cached',
    {
      pauseSec: 2,
      then: { absentOriginHeaders: ['if-none-match', 'if-modified-since'] },
    },
  ),
  {
    id: 'validate-304-freshens',
    name: 'a 304 with new freshness makes the stored response fresh again (RFC 9111 §4.3.4)',
    steps: [
      { response: { headers: [SHORT, ETAG] } },
      { pauseBeforeSec: 2, response: { headers: [FRESH, ETAG] }, expect: 'etag_validated' },
      { pauseBeforeSec: 2, expect: 'cached', expectBody: 0 },
    ],
  },
  {
    id: 'validate-200-replaces',
    name: 'a full 200 to a validation replaces the stored response (RFC 9111 §4.3.3)',
    steps: [
      { response: { headers: [SHORT, ETAG] } },
      { pauseBeforeSec: 2, response: { headers: [FRESH, ['ETag', '"new"']] }, expect: 'not_cached', expectBody: 1 },
      { expect: 'cached', expectBody: 1, responseHeaders: [['ETag', '"new"']] },
    ],
  },
  {
    id: 'validate-5xx-not-stale',
    name: 'a 500 to a validation without stale-if-error is passed on (RFC 9111 §4.3.3)',
    steps: [
      { response: { headers: [SHORT, ETAG] } },
      { pauseBeforeSec: 2, response: { status: 500 }, expect: 'not_cached', status: 500, expectBody: 1 },
    ],
  },
  {
    id: 'validate-304-no-etag',
    name: "a 304 without ETag to the cache's If-None-Match freshens the stored response: one origin request (RFC 9110 §15.4.5, RFC 9111 §4.3.4)",
    steps: [
      { response: { headers: [SHORT, ETAG, ['Test-Header', 'A']] } },
      {
        pauseBeforeSec: 2,
        response: { status: 304, headers: [FRESH, ['Test-Header', 'B']] },
        expect: 'etag_validated',
        expectBody: 0,
        responseHeaders: [
          ['Test-Header', 'B'],
          ['ETag', '"abcdef"'],
        ],
        check: async (_res, run) => assert.equal(await run.metricLine(UNMATCHED_304), undefined),
      },
      { pauseBeforeSec: 2, expect: 'cached', expectBody: 0, responseHeaders: [['Test-Header', 'B']] },
    ],
  },
  {
    id: 'validate-304-no-validators-lm',
    name: "a 304 without validators to the cache's If-Modified-Since freshens the stored response: one origin request (RFC 9110 §15.4.5)",
    steps: [
      { response: { headers: [SHORT, LAST_MODIFIED, ['Test-Header', 'A']] } },
      {
        pauseBeforeSec: 2,
        response: { status: 304, headers: [FRESH, ['Test-Header', 'B']] },
        expect: 'lm_validated',
        expectBody: 0,
        responseHeaders: [['Test-Header', 'B']],
      },
      { expect: 'cached', expectBody: 0 },
    ],
  },
  {
    id: 'validate-304-no-etag-vary',
    name: "a 304 without ETag freshens the Vary'd stored response that was validated: one origin request (RFC 9110 §15.4.5, RFC 9111 §4.1)",
    steps: [
      { headers: [['Foo', '1']], response: { headers: [SHORT, ['ETag', '"one"'], ['Vary', 'Foo']] } },
      { headers: [['Foo', '2']], response: { headers: [SHORT, ['ETag', '"two"'], ['Vary', 'Foo']] }, expect: 'not_cached' },
      {
        pauseBeforeSec: 2,
        headers: [['Foo', '2']],
        response: { status: 304, headers: [FRESH, ['Vary', 'Foo']] },
        expect: 'etag_validated',
        status: 200,
        expectBody: 1,
        responseHeaders: [['ETag', '"two"']],
        originHeaders: [['if-none-match', '"two", "one"']],
      },
      { headers: [['Foo', '2']], expect: 'cached', expectBody: 1 },
      {
        headers: [['Foo', '1']],
        response: { headers: [FRESH, ['ETag', '"one"'], ['Vary', 'Foo']] },
        expect: 'etag_validated',
        expectBody: 0,
      },
    ],
  },
  {
    id: 'validate-304-weak-other-etag',
    name: 'a 304 with a weak ETag no stored response matches updates nothing; a full response is fetched, and counted (RFC 9111 §4.3.4)',
    steps: [
      { response: { headers: [SHORT, ETAG, ['Test-Header', 'A']] } },
      {
        pauseBeforeSec: 2,
        response: { status: 304, headers: [FRESH, ['ETag', 'W/"other"'], ['Test-Header', 'B']] },
        status: 200,
        expectBody: 1,
        check: async (_res, run) => {
          assertRefetched(run.originRequests(1));
          assert.equal(await run.metricLine(UNMATCHED_304), `${UNMATCHED_304} 1`);
        },
      },
    ],
  },
  {
    id: 'validate-304-other-etag',
    name: 'a 304 with a strong ETag no stored response has updates nothing; a full response is fetched (RFC 9111 §4.3.4)',
    steps: [
      { response: { headers: [SHORT, ETAG, ['Test-Header', 'A']] } },
      {
        pauseBeforeSec: 2,
        response: { status: 304, headers: [FRESH, ['ETag', '"other"'], ['Test-Header', 'B']] },
        status: 200,
        expectBody: 1,
        responseHeaders: [['ETag', '"other"']],
        check: async (_res, run) => {
          assertRefetched(run.originRequests(1));
          assert.equal(await run.metricLine(UNMATCHED_304), `${UNMATCHED_304} 1`);
        },
      },
      { expect: 'cached', expectBody: 1, responseHeaders: [['ETag', '"other"']] },
    ],
  },
];

// --- 304 updates stored fields (RFC 9111 §3.2, §4.3.4; cache-tests update304) ---
const updated: readonly (readonly [string, string, string])[] = [
  ['Test-Header', 'A', 'B'],
  ['X-Test-Header', 'A', 'B'],
  ['Content-Foo', 'A', 'B'],
  ['X-Content-Foo', 'A', 'B'],
  ['Content-Type', 'text/plain', 'text/plain;charset=utf-8'],
  ['Content-Language', 'en', 'fr'],
  ['Content-Location', '/a', '/b'],
  ['Content-Disposition', 'inline', 'attachment'],
  ['Content-Security-Policy', "default-src 'self'", "default-src 'none'"],
  ['Set-Cookie', 'a=1', 'a=2'],
  ['Link', '</a>; rel=preload', '</b>; rel=preload'],
  ['X-Frame-Options', 'deny', 'sameorigin'],
  ['Content-Encoding', 'x-old-coding', 'x-new-coding'],
  ['Content-MD5', 'Q2hlY2sgSW50ZWdyaXR5IQ==', 'bmV3IGJvZHk='],
  ['Expires', 'Thu, 01 Jan 2099 00:00:00 GMT', 'Fri, 02 Jan 2099 00:00:00 GMT'],
  ['Cache-Control', 'max-age=1', 'max-age=3600'],
];

for (const [name, a, b] of updated) {
  const id = `304-etag-update-response-${name}`;
  const isCc = name === 'Cache-Control';
  cases.push({
    id,
    name: `a 304 updates the stored ${name} (RFC 9111 §3.2)`,
    steps: [
      { response: { headers: [...(isCc ? [] : [SHORT]), ETAG, [name, a]] } },
      {
        pauseBeforeSec: 2,
        response: { headers: [...(isCc ? [] : [FRESH]), ETAG, [name, b]] },
        expect: 'etag_validated',
        responseHeaders: [[name, b]],
      },
      { expect: 'cached', responseHeaders: [[name, b]], expectBody: 0 },
    ],
  });
}

cases.push(
  {
    id: '304-etag-update-keeps-absent',
    name: 'a field absent from the 304 keeps its stored value (RFC 9111 §3.2)',
    steps: [
      { response: { headers: [SHORT, ETAG, ['Test-Header', 'A'], ['Content-Type', 'text/plain']] } },
      {
        pauseBeforeSec: 2,
        response: { headers: [FRESH, ETAG] },
        expect: 'etag_validated',
        responseHeaders: [
          ['Test-Header', 'A'],
          ['Content-Type', 'text/plain'],
        ],
      },
      { expect: 'cached', responseHeaders: [['Test-Header', 'A']] },
    ],
  },
  {
    id: '304-etag-update-content-length',
    name: 'a 304 does not update the stored Content-Length (RFC 9111 §3.2)',
    steps: [
      { response: { headers: [SHORT, ETAG] } },
      {
        pauseBeforeSec: 2,
        response: { headers: [FRESH, ETAG, ['Content-Length', '100']] },
        expect: 'etag_validated',
        responseHeaders: [['Content-Length', '6']],
      },
      { expect: 'cached', responseHeaders: [['Content-Length', '6']], expectBody: 0 },
    ],
  },
  {
    id: '304-etag-update-hop-by-hop',
    name: 'fields a 304 names in Connection are not stored (RFC 9111 §3.2, §3.1)',
    steps: [
      { response: { headers: [SHORT, ETAG] } },
      {
        pauseBeforeSec: 2,
        response: { headers: [FRESH, ETAG, ['Connection', 'x-hop'], ['X-Hop', '1']] },
        expect: 'etag_validated',
        absentHeaders: ['x-hop'],
      },
      { expect: 'cached', absentHeaders: ['x-hop'] },
    ],
  },
  {
    id: '304-etag-update-age',
    name: 'an Age on the 304 is not stored; the served Age is computed (RFC 9111 §3.1, §4.2.3)',
    steps: [
      { response: { headers: [SHORT, ETAG] } },
      { pauseBeforeSec: 2, response: { headers: [FRESH, ETAG, ['Age', '30']] }, expect: 'etag_validated' },
      { pauseBeforeSec: 10, expect: 'cached', responseHeaders: [['Age', '40']] },
    ],
  },
  {
    id: '304-etag-update-date',
    name: 'the 304 Date replaces the stored Date (RFC 9111 §3.2)',
    steps: [
      { response: { headers: [SHORT, ETAG] } },
      {
        pauseBeforeSec: 2,
        response: { headers: [FRESH, ETAG] },
        expect: 'etag_validated',
        check: (res, run) => assert.equal(res.header('date'), run.originSent(1)['date']),
      },
      { expect: 'cached', check: (res, run) => assert.equal(res.header('date'), run.originSent(1)['date']) },
    ],
  },
  {
    id: '304-etag-update-no-store',
    name: 'a 304 that makes the stored response no-store removes it (RFC 9111 §3.2, §5.2.2.5)',
    steps: [
      { response: { headers: [SHORT, ETAG] } },
      { pauseBeforeSec: 2, response: { headers: [['Cache-Control', 'no-store'], ETAG] }, expect: 'etag_validated' },
      { response: { headers: [FRESH] }, expect: 'not_cached' },
    ],
  },
  {
    id: '304-lm-update',
    name: 'a 304 to If-Modified-Since updates the stored fields (RFC 9111 §3.2, §4.3.4)',
    steps: [
      { response: { headers: [SHORT, LAST_MODIFIED, ['Test-Header', 'A']] } },
      {
        pauseBeforeSec: 2,
        response: { headers: [FRESH, LAST_MODIFIED, ['Test-Header', 'B']] },
        expect: 'lm_validated',
        responseHeaders: [['Test-Header', 'B']],
      },
      { expect: 'cached', responseHeaders: [['Test-Header', 'B']], expectBody: 0 },
    ],
  },
  {
    id: '304-weak-etag-update',
    name: 'a 304 with a weak ETag updates the matching stored response (RFC 9111 §4.3.4)',
    steps: [
      { response: { headers: [SHORT, ['ETag', 'W/"abcdef"'], ['Test-Header', 'A']] } },
      {
        pauseBeforeSec: 2,
        response: { headers: [FRESH, ['ETag', 'W/"abcdef"'], ['Test-Header', 'B']] },
        expect: 'etag_validated',
        responseHeaders: [['Test-Header', 'B']],
      },
      { expect: 'cached', responseHeaders: [['Test-Header', 'B']] },
    ],
  },
  {
    id: '304-vary-update',
    name: 'a 304 updates the variant that was validated (RFC 9111 §4.1, §4.3.4)',
    steps: [
      { headers: [['Foo', '1']], response: { headers: [SHORT, ETAG, ['Vary', 'Foo'], ['Test-Header', 'A']] } },
      {
        pauseBeforeSec: 2,
        headers: [['Foo', '1']],
        response: { headers: [FRESH, ETAG, ['Vary', 'Foo'], ['Test-Header', 'B']] },
        expect: 'etag_validated',
        responseHeaders: [['Test-Header', 'B']],
      },
      { headers: [['Foo', '1']], expect: 'cached', responseHeaders: [['Test-Header', 'B']] },
    ],
  },
);

defineCases(cases);
