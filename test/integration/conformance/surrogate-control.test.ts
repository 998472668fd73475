import { defineCases, reuseCase, type Field } from './harness.ts';

// Surrogate-Control (W3C Edge Architecture Specification 1.0), as origins written for Varnish, Fastly or
// Akamai send it: obeyed by this cache before Cache-Control, after the RFC 9213 targeted field, and never
// shown to clients.

const SC_FRESH: Field = ['Surrogate-Control', 'max-age=3600'];
const EDGE = 'W3C Edge Architecture 1.0';

defineCases([
  reuseCase(
    'surrogate-max-age',
    `Surrogate-Control max-age=3600 over Cache-Control: no-store is reused; Cache-Control still reaches the client (${EDGE})`,
    [SC_FRESH, ['Cache-Control', 'no-store']],
    'cached',
    { then: { responseHeaders: [['Cache-Control', 'no-store']], absentHeaders: ['surrogate-control'] } },
  ),
  {
    id: 'surrogate-hidden',
    name: `Surrogate-Control is kept from clients, on the miss that stores and on hits (${EDGE})`,
    steps: [
      { response: { headers: [SC_FRESH] }, expect: 'not_cached', absentHeaders: ['surrogate-control'] },
      { expect: 'cached', absentHeaders: ['surrogate-control'] },
      { method: 'HEAD', expect: 'cached', absentHeaders: ['surrogate-control'] },
    ],
  },
  reuseCase(
    'surrogate-no-store',
    `Surrogate-Control: no-store over Cache-Control: max-age=3600 is not stored (${EDGE})`,
    [
      ['Surrogate-Control', 'no-store'],
      ['Cache-Control', 'max-age=3600'],
    ],
    'not_cached',
    { then: { absentHeaders: ['surrogate-control'] } },
  ),
  reuseCase(
    'surrogate-under-targeted',
    `CDN-Cache-Control wins over Surrogate-Control: max-age=0 there is stale (RFC 9213 §2.1, ${EDGE})`,
    [['CDN-Cache-Control', 'max-age=0'], SC_FRESH, ['Cache-Control', 'max-age=3600']],
    'not_cached',
  ),
  reuseCase(
    'surrogate-over-cache-control',
    `Surrogate-Control max-age=1 wins over Cache-Control: max-age=3600: stale after 2s (${EDGE})`,
    [
      ['Surrogate-Control', 'max-age=1'],
      ['Cache-Control', 'max-age=3600'],
    ],
    'not_cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'surrogate-device-token',
    `directives for this cache (;cachet) set aside the untargeted no-store meant for other surrogates (${EDGE})`,
    [['Surrogate-Control', 'no-store, max-age=3600;cachet']],
    'cached',
  ),
  reuseCase(
    'surrogate-other-device',
    `a no-store for another surrogate (;other) does not apply to this cache (${EDGE})`,
    [
      ['Surrogate-Control', 'no-store;other'],
      ['Cache-Control', 'max-age=3600'],
    ],
    'cached',
  ),
  reuseCase(
    'surrogate-esi-only',
    `Surrogate-Control with only content="ESI/1.0" leaves Cache-Control in charge (${EDGE})`,
    [
      ['Surrogate-Control', 'content="ESI/1.0"'],
      ['Cache-Control', 'max-age=3600'],
    ],
    'cached',
    { then: { absentHeaders: ['surrogate-control'] } },
  ),
  {
    id: 'surrogate-stale-on-error',
    name: `max-age=1+60: within the 60 s after it goes stale, the response answers when the origin fails (${EDGE}, RFC 5861 §4)`,
    steps: [
      { response: { headers: [['Surrogate-Control', 'max-age=1+60']] } },
      { pauseBeforeSec: 10, response: { status: 500 }, expect: 'not_cached', status: 200, expectBody: 0 },
    ],
  },
  reuseCase(
    'surrogate-off',
    'with cache.surrogateControl off, Surrogate-Control is ignored and passed on to clients',
    [
      ['Surrogate-Control', 'no-store'],
      ['Cache-Control', 'max-age=3600'],
    ],
    'cached',
    { config: { cache: { surrogateControl: false } }, then: { responseHeaders: [['Surrogate-Control', 'no-store']] } },
  ),
]);
