import { defineCases, reuseCase, type ConformanceCase, type Field } from './harness.ts';

// Status codes (cache-tests: status, heuristic-freshness). A shared cache may store any final status it
// understands when the response has explicit freshness (RFC 9111 §3), and may assign heuristic freshness
// only to heuristically cacheable statuses or `public` responses (RFC 9111 §4.2.2, RFC 9110 §15.1).

const LAST_MODIFIED: Field = ['Last-Modified', -100_000];

/** Fields a status needs to be a well-formed answer (a redirect has a Location). */
function extraFields(status: number): Field[] {
  return status >= 300 && status < 400 && status !== 304 ? [['Location', '/redirected']] : [];
}

const explicitlyFresh = [200, 203, 204, 299, 300, 301, 302, 303, 307, 308, 400, 403, 404, 405, 410, 414, 499, 500, 501, 502, 503, 504, 599];
const heuristicallyCacheable = [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501];
const notHeuristicallyCacheable = [201, 202, 302, 303, 307, 400, 403, 500, 502, 503, 504, 599];

const cases: ConformanceCase[] = [];

for (const status of explicitlyFresh) {
  cases.push(
    reuseCase(
      `status-${status}-fresh`,
      `a ${status} with max-age=3600 is reused (RFC 9111 §3, §4.2.1)`,
      [['Cache-Control', 'max-age=3600'], ...extraFields(status)],
      'cached',
      { status },
    ),
  );
}
for (const status of [200, 404, 410, 503]) {
  cases.push(
    reuseCase(
      `status-${status}-expires`,
      `a ${status} with a future Expires is reused (RFC 9111 §3, §5.3)`,
      [['Expires', 3600], ...extraFields(status)],
      'cached',
      { status },
    ),
  );
}
for (const status of heuristicallyCacheable) {
  cases.push(
    reuseCase(
      `heuristic-${status}-cached`,
      `a ${status} with Last-Modified and no explicit freshness gets heuristic freshness (RFC 9111 §4.2.2, RFC 9110 §15.1)`,
      [LAST_MODIFIED, ...extraFields(status)],
      'cached',
      { status },
    ),
  );
}
for (const status of notHeuristicallyCacheable) {
  cases.push(
    reuseCase(
      `heuristic-${status}-not_cached`,
      `a ${status} with Last-Modified is not heuristically cacheable: not reused (RFC 9111 §4.2.2)`,
      [LAST_MODIFIED, ...extraFields(status)],
      'not_cached',
      { status },
    ),
  );
}

cases.push(
  reuseCase(
    'heuristic-public-403',
    'public makes a 403 with Last-Modified heuristically cacheable (RFC 9111 §4.2.2, §5.2.2.9)',
    [LAST_MODIFIED, ['Cache-Control', 'public']],
    'cached',
    { status: 403 },
  ),
  reuseCase('heuristic-200-no-lm', 'a 200 without Last-Modified or explicit freshness is not reused (RFC 9111 §4.2.2)', [], 'not_cached'),
  reuseCase(
    'heuristic-lm-future',
    'Last-Modified after Date gives no heuristic freshness (RFC 9111 §4.2.2)',
    [['Last-Modified', 3600]],
    'not_cached',
  ),
  reuseCase(
    'heuristic-fraction-fresh',
    'heuristic lifetime is 10% of Date - Last-Modified: fresh after 5000s of 10000s (RFC 9111 §4.2.2)',
    [LAST_MODIFIED],
    'cached',
    { pauseSec: 5000 },
  ),
  reuseCase(
    'heuristic-fraction-stale',
    'heuristic lifetime is 10% of Date - Last-Modified: stale after 20000s of 10000s (RFC 9111 §4.2.2)',
    [LAST_MODIFIED],
    'not_cached',
    { pauseSec: 20_000 },
  ),
  reuseCase(
    'heuristic-age-exceeds',
    'an Age larger than the heuristic lifetime makes the response stale (RFC 9111 §4.2.3)',
    [LAST_MODIFIED, ['Age', '20000']],
    'not_cached',
  ),
  reuseCase(
    'heuristic-no-cache',
    'no-cache prevents reuse of a heuristically fresh response (RFC 9111 §5.2.2.4)',
    [LAST_MODIFIED, ['Cache-Control', 'no-cache']],
    'lm_validated',
    { then: { response: { headers: [LAST_MODIFIED] } } },
  ),
  reuseCase(
    'status-206-not-stored',
    'a 206 to a request without Range is not stored as a complete response (RFC 9111 §3.3, §3.4)',
    [
      ['Cache-Control', 'max-age=3600'],
      ['Content-Range', 'bytes 0-5/10'],
    ],
    'not_cached',
    { status: 206 },
  ),
  reuseCase(
    'status-must-understand-200',
    'must-understand with a 200 lets the cache ignore no-store (RFC 9111 §5.2.2.3)',
    [['Cache-Control', 'must-understand, no-store, max-age=3600']],
    'cached',
  ),
  reuseCase(
    'status-must-understand-299',
    'must-understand with an unknown status 299 is not stored (RFC 9111 §5.2.2.3)',
    [['Cache-Control', 'must-understand, no-store, max-age=3600']],
    'not_cached',
    { status: 299 },
  ),
  reuseCase(
    'status-must-understand-404',
    'must-understand with a 404 lets the cache ignore no-store (RFC 9111 §5.2.2.3)',
    [['Cache-Control', 'must-understand, no-store, max-age=3600']],
    'cached',
    { status: 404 },
  ),
  reuseCase(
    'status-must-understand-no-no-store',
    'must-understand alone with max-age=3600 is reused (RFC 9111 §5.2.2.3)',
    [['Cache-Control', 'must-understand, max-age=3600']],
    'cached',
  ),
);

defineCases(cases);
