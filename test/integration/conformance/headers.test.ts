import assert from 'node:assert/strict';
import { defineCases, reuseCase, type ConformanceCase, type Field } from './harness.ts';

// Fields stored and returned (cache-tests: headers, other), Age and Date on hits, Via, and the Cache-Status
// field. RFC 9111 §3.1, §4, §5.1; RFC 9110 §6.6.1, §7.6; RFC 9211.

const FRESH: Field = ['Cache-Control', 'max-age=3600'];

const endToEnd: readonly Field[] = [
  ['Test-Header', 'A'],
  ['X-Test-Header', 'A'],
  ['Content-Foo', 'A'],
  ['X-Content-Foo', 'A'],
  ['Content-Type', 'text/plain;charset=utf-8'],
  ['Content-Language', 'en'],
  ['Content-Location', '/conf/elsewhere'],
  ['Content-Disposition', 'attachment; filename="a.txt"'],
  ['Content-Security-Policy', "default-src 'self'"],
  ['Clear-Site-Data', '"cache"'],
  ['Link', '</style.css>; rel=preload'],
  ['Set-Cookie', 'a=1; Path=/'],
  ['Set-Cookie2', 'b=2'],
  ['Strict-Transport-Security', 'max-age=600'],
  ['X-Frame-Options', 'deny'],
  ['X-XSS-Protection', '1'],
  ['Last-Modified', 'Thu, 01 Jan 2015 00:00:00 GMT'],
  ['ETag', '"abcdef"'],
  ['Expires', 'Thu, 01 Jan 2099 00:00:00 GMT'],
];

const hopByHop: readonly Field[] = [
  ['Connection', 'x-hop'],
  ['Keep-Alive', 'timeout=30'],
  ['Proxy-Authenticate', 'Basic realm="proxy"'],
  ['Proxy-Authentication-Info', 'nextnonce="a"'],
  ['Proxy-Authorization', 'Basic YTpi'],
  ['Proxy-Connection', 'keep-alive'],
  ['TE', 'trailers'],
  ['Upgrade', 'foo/2'],
];

const cases: ConformanceCase[] = [];

for (const [name, value] of endToEnd) {
  cases.push(
    reuseCase(`headers-store-${name}`, `${name} is stored and returned on a hit (RFC 9111 §3.1)`, [FRESH, [name, value]], 'cached', {
      then: { responseHeaders: [[name, value]] },
    }),
  );
}
for (const [name, value] of hopByHop) {
  // The gateway's own connection may carry Connection / Keep-Alive; the origin's value must not come through.
  cases.push(
    reuseCase(
      `headers-omit-${name}`,
      `hop-by-hop ${name} is neither stored nor forwarded (RFC 9111 §3.1, RFC 9110 §7.6.1)`,
      [FRESH, [name, value]],
      'cached',
      {
        then: { check: (res) => assert.notEqual(res.header(name), value, `${name} came from the origin`) },
      },
    ),
  );
}

cases.push(
  {
    id: 'headers-omit-headers-listed-in-Connection',
    name: 'fields named in Connection are neither stored nor forwarded (RFC 9111 §3.1, RFC 9110 §7.6.1)',
    steps: [
      {
        response: { headers: [FRESH, ['Connection', 'a, B'], ['A', '1'], ['b', '2'], ['C', '3']] },
        absentHeaders: ['a', 'b'],
        responseHeaders: [['C', '3']],
      },
      { expect: 'cached', absentHeaders: ['a', 'b'], responseHeaders: [['C', '3']] },
    ],
  },
  {
    id: 'headers-omit-connection-named-uncached',
    name: 'fields named in Connection are not forwarded on an uncacheable response (RFC 9110 §7.6.1)',
    steps: [
      {
        response: {
          headers: [
            ['Cache-Control', 'no-store'],
            ['Connection', 'x-hop'],
            ['X-Hop', '1'],
          ],
        },
        expect: 'not_cached',
        absentHeaders: ['x-hop'],
      },
    ],
  },
  {
    id: 'headers-transfer-encoding-chunked',
    name: 'a chunked response is stored and served whole (RFC 9111 §3.1, RFC 9112 §7.1)',
    steps: [{ response: { headers: [FRESH, ['Transfer-Encoding', 'chunked']] } }, { expect: 'cached', expectBody: 0 }],
  },
  reuseCase(
    'headers-set-cookie-multiple',
    'several Set-Cookie lines are all returned on a hit (RFC 9111 §3.1, RFC 9110 §5.3)',
    [FRESH, ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']],
    'cached',
    {
      then: { check: (res) => assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']) },
    },
  ),
  reuseCase(
    'headers-repeated-field',
    'a repeated field keeps its lines on a hit (RFC 9111 §3.1)',
    [FRESH, ['Test-Header', 'a'], ['Test-Header', 'b']],
    'cached',
    {
      then: { responseHeaders: [['Test-Header', 'a, b']] },
    },
  ),
  reuseCase(
    'headers-content-encoding',
    'Content-Encoding and the encoded body are kept byte for byte (RFC 9111 §3.1, §5.2.2.6)',
    [FRESH, ['Content-Encoding', 'x-custom']],
    'cached',
    {
      then: { responseHeaders: [['Content-Encoding', 'x-custom']] },
    },
  ),
  {
    id: 'other-cookie',
    name: 'a request Cookie does not prevent storing or reuse (RFC 9111 §3)',
    steps: [
      { headers: [['Cookie', 'a=b']], response: { headers: [FRESH] } },
      { headers: [['Cookie', 'c=d']], expect: 'cached' },
    ],
  },

  // Age (RFC 9111 §4, §5.1, §4.2.3) and Date (RFC 9110 §6.6.1)
  reuseCase('other-age-gen', 'a hit carries an Age of its resident time (RFC 9111 §4, §5.1)', [FRESH], 'cached', {
    pauseSec: 3,
    then: { responseHeaders: [['Age', '3']] },
  }),
  reuseCase(
    'other-age-update-max-age',
    'a hit adds resident time to the Age it arrived with (RFC 9111 §4.2.3)',
    [FRESH, ['Age', '30']],
    'cached',
    { pauseSec: 3, then: { responseHeaders: [['Age', '33']] } },
  ),
  reuseCase(
    'other-age-update-expires',
    'with Expires, a hit adds resident time to the Age it arrived with (RFC 9111 §4.2.3)',
    [
      ['Expires', 3600],
      ['Age', '30'],
    ],
    'cached',
    { pauseSec: 3, then: { responseHeaders: [['Age', '33']] } },
  ),
  reuseCase(
    'other-age-apparent',
    'a Date in the past counts as apparent age in the served Age (RFC 9111 §4.2.3)',
    [FRESH, ['Date', -60]],
    'cached',
    { pauseSec: 3, then: { responseHeaders: [['Age', '63']] } },
  ),
  {
    id: 'other-age-miss',
    name: "a response fetched for this very request carries no Age of the cache's making (RFC 9111 §5.1: Age implies it was not generated for this request)",
    steps: [
      { response: { headers: [FRESH] }, absentHeaders: ['age'] },
      { pauseBeforeSec: 1, expect: 'cached', responseHeaders: [['Age', '1']] },
    ],
  },
  reuseCase(
    'other-age-miss-passed-on',
    'an Age the origin sent is passed on with the response fetched for this request (RFC 9111 §5.1)',
    [FRESH, ['Age', '10']],
    'cached',
    {
      pauseSec: 1,
      then: { responseHeaders: [['Age', '11']] },
    },
  ),
  reuseCase('other-date-update', 'a hit keeps the stored Date (RFC 9110 §6.6.1, RFC 9111 §4)', [FRESH], 'cached', {
    pauseSec: 3,
    then: { check: (res, run) => assert.equal(res.header('date'), run.originSent(0)['date']) },
  }),
  reuseCase('other-date-update-expires', 'a hit keeps the stored Date and Expires (RFC 9111 §4)', [['Expires', 3600]], 'cached', {
    pauseSec: 3,
    then: {
      check: (res, run) => {
        assert.equal(res.header('date'), run.originSent(0)['date']);
        assert.equal(res.header('expires'), run.originSent(0)['expires']);
      },
    },
  }),
  {
    id: 'other-date-generated',
    name: 'a stored response without Date gets the time it was received, on the miss and on hits (RFC 9110 §6.6.1)',
    steps: [
      {
        response: { headers: [FRESH], noDate: true },
        check: (res) => assert.equal(res.header('date'), new Date(Date.parse(res.header('date') ?? '')).toUTCString()),
      },
      {
        pauseBeforeSec: 5,
        expect: 'cached',
        responseHeaders: [['Age', '5']],
        check: (res) => assert.ok(res.header('date') !== undefined && Date.parse(res.header('date') as string) <= Date.now()),
      },
    ],
  },
  reuseCase(
    'other-fresh-content-disposition-attachment',
    'a fresh response with Content-Disposition: attachment is reused (RFC 9111 §3)',
    [FRESH, ['Content-Disposition', 'attachment']],
    'cached',
  ),
  reuseCase(
    'other-heuristic-content-disposition-attachment',
    'a heuristically fresh attachment is reused (RFC 9111 §4.2.2)',
    [
      ['Last-Modified', -100_000],
      ['Content-Disposition', 'attachment'],
    ],
    'cached',
  ),

  // Via (RFC 9110 §7.6.3)
  {
    id: 'via-added',
    name: "misses and hits carry the gateway in Via, after the origin's own entries (RFC 9110 §7.6.3)",
    steps: [
      { response: { headers: [FRESH, ['Via', '1.1 upstream']] }, responseHeaders: [['Via', '1.1 upstream, 1.1 cachet']] },
      { expect: 'cached', responseHeaders: [['Via', '1.1 upstream, 1.1 cachet']] },
    ],
  },
  {
    id: 'via-request',
    name: 'the origin sees the gateway in the request Via (RFC 9110 §7.6.3)',
    steps: [
      {
        headers: [['Via', '1.1 client-proxy']],
        response: { headers: [FRESH] },
        expect: 'not_cached',
        originHeaders: [['via', '1.1 client-proxy, 1.1 cachet']],
      },
    ],
  },
);

// Cache-Status (RFC 9211 §2): one list member per cache, our name, then parameters.
const CACHE_STATUS =
  /^cachet(?:; (?:hit|stored|collapsed|fwd=(?:bypass|method|uri-miss|vary-miss|miss|request|stale|partial)|fwd-status=\d{3}|ttl=-?\d+|key=\S+|detail=(?:[A-Za-z*][\w!#$%&'*+.^`|~:/-]*|"[^"]*")))*$/;

function statusCase(
  id: string,
  name: string,
  steps: ConformanceCase['steps'],
  patterns: readonly (RegExp | undefined)[],
  todo?: string,
): ConformanceCase {
  return {
    id,
    name,
    ...(todo === undefined ? {} : { todo }),
    steps: steps.map((step, index) => {
      const pattern = patterns[index];
      if (pattern === undefined) return step;
      return {
        ...step,
        check: (res) => {
          const value = res.header('cache-status') ?? '';
          const ours = value.split(/,\s*/).at(-1) ?? '';
          assert.match(ours, CACHE_STATUS, `Cache-Status is an RFC 9211 member: ${value}`);
          assert.match(ours, pattern, `Cache-Status: ${value}`);
        },
      };
    }),
  };
}

cases.push(
  statusCase(
    'cache-status-miss-hit',
    'Cache-Status on a stored miss and a hit (RFC 9211 §2.1-§2.5)',
    [{ response: { headers: [FRESH] } }, { pauseBeforeSec: 10, expect: 'cached' }],
    [/^cachet; fwd=uri-miss; fwd-status=200; ttl=3600; stored$/, /^cachet; hit; ttl=3590$/],
  ),
  statusCase(
    'cache-status-not-stored',
    'Cache-Status on a response that is not stored (RFC 9211 §2.2, §2.8)',
    [{ response: { headers: [['Cache-Control', 'no-store']] } }],
    [/^cachet; fwd=uri-miss; fwd-status=200(?:; detail=no-store)?$/],
  ),
  statusCase(
    'cache-status-stale-validated',
    'Cache-Status on a stale response revalidated with a 304 (RFC 9211 §2.2, §2.3)',
    [
      {
        response: {
          headers: [
            ['Cache-Control', 'max-age=1'],
            ['ETag', '"a"'],
          ],
        },
      },
      { pauseBeforeSec: 2, response: { headers: [FRESH, ['ETag', '"a"']] }, expect: 'etag_validated' },
    ],
    [undefined, /^cachet; fwd=stale; fwd-status=304(?:; ttl=3600)?(?:; stored)?$/],
  ),
  statusCase(
    'cache-status-request',
    'Cache-Status when the request forced a forward (RFC 9211 §2.2 fwd=request)',
    [
      { response: { headers: [FRESH] } },
      { headers: [['Cache-Control', 'no-cache']], response: { headers: [FRESH] }, expect: 'not_cached' },
    ],
    [undefined, /^cachet; fwd=request; fwd-status=200/],
  ),
  statusCase(
    'cache-status-vary-miss',
    'Cache-Status when a stored response did not match Vary (RFC 9211 §2.2 fwd=vary-miss)',
    [
      { headers: [['Foo', '1']], response: { headers: [FRESH, ['Vary', 'Foo']] } },
      { headers: [['Foo', '2']], response: { headers: [FRESH, ['Vary', 'Foo']] }, expect: 'not_cached' },
    ],
    [undefined, /^cachet; fwd=vary-miss; fwd-status=200/],
  ),
  statusCase(
    'cache-status-method',
    'Cache-Status on an unsafe method (RFC 9211 §2.2 fwd=method)',
    [{ method: 'POST', body: 'x', response: {} }],
    [/^cachet; fwd=method; fwd-status=200/],
  ),
  statusCase(
    'cache-status-304-to-client',
    'Cache-Status on a 304 answered from cache (RFC 9211 §2.1)',
    [{ response: { headers: [FRESH, ['ETag', '"a"']] } }, { headers: [['If-None-Match', '"a"']], expect: 'cached', status: 304 }],
    [undefined, /^cachet; hit/],
  ),
  statusCase(
    'cache-status-chain-miss',
    'an upstream Cache-Status is kept and ours appended on a pass-through miss (RFC 9211 §2)',
    [
      {
        response: {
          headers: [
            ['Cache-Control', 'no-store'],
            ['Cache-Status', 'upstream; fwd=uri-miss'],
          ],
        },
        check: (res) => assert.match(res.header('cache-status') ?? '', /^upstream; fwd=uri-miss, cachet; /),
      },
    ],
    [],
  ),
  statusCase(
    'cache-status-chain-hit',
    'an upstream Cache-Status is kept and ours appended on a hit (RFC 9211 §2)',
    [
      { response: { headers: [FRESH, ['Cache-Status', 'upstream; fwd=uri-miss']] } },
      { expect: 'cached', check: (res) => assert.match(res.header('cache-status') ?? '', /^upstream; fwd=uri-miss, cachet; hit/) },
    ],
    [],
  ),
);

defineCases(cases);
