import test from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { answerPreflight, corsResponseHeaders, isPreflight } from '../../../src/auth/cors.ts';
import type { CorsConfig } from '../../../src/config/types.ts';

const APP = 'https://app.example.test';
const listed: CorsConfig = {
  origins: [APP, 'http://localhost:5173'],
  methods: ['GET', 'POST', 'PUT'],
  headers: ['authorization', 'content-type'],
  exposeHeaders: ['x-request-id', 'etag'],
  credentials: true,
  maxAgeSec: 600,
};
const wildcard: CorsConfig = { origins: ['*'], methods: ['GET'], headers: [], exposeHeaders: [], credentials: false, maxAgeSec: 60 };
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

test('isPreflight: OPTIONS with Origin and Access-Control-Request-Method only (Fetch §3.2.2)', () => {
  const cases: Array<[string, IncomingHttpHeaders, boolean]> = [
    ['OPTIONS', { origin: APP, 'access-control-request-method': 'PUT' }, true],
    ['OPTIONS', { origin: APP }, false],
    ['OPTIONS', { 'access-control-request-method': 'PUT' }, false],
    ['GET', { origin: APP, 'access-control-request-method': 'PUT' }, false],
    // RFC 9110 §9.1: method names are case-sensitive.
    ['options', { origin: APP, 'access-control-request-method': 'PUT' }, false],
  ];
  for (const [method, headers, expected] of cases)
    assert.equal(isPreflight(method, headers), expected, `${method} ${JSON.stringify(headers)}`);
});

test('answerPreflight: allowed origin, method and headers get the full answer (Fetch §3.2.3)', () => {
  assert.deepEqual(
    answerPreflight(listed, {
      origin: APP,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'Content-Type, authorization',
    }),
    {
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST, PUT',
      'access-control-allow-headers': 'content-type, authorization',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '600',
      vary: PREFLIGHT_VARY,
    },
  );
  assert.deepEqual(answerPreflight(wildcard, { origin: 'https://any.test', 'access-control-request-method': 'GET' }), {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET',
    'access-control-max-age': '60',
    vary: PREFLIGHT_VARY,
  });
});

test('answerPreflight: refusals answer undefined (then 403 without Access-Control-Allow-Origin)', () => {
  const cases: Array<[string, CorsConfig, IncomingHttpHeaders]> = [
    ['unlisted origin (Fetch §3.2.5: exact match)', listed, { origin: 'https://evil.test', 'access-control-request-method': 'GET' }],
    ['origin differing only by a trailing slash', listed, { origin: `${APP}/`, 'access-control-request-method': 'GET' }],
    [
      'origin differing by case (serialised origins are lower-case)',
      listed,
      { origin: 'https://APP.example.test', 'access-control-request-method': 'GET' },
    ],
    ['origin with a suffix', listed, { origin: `${APP}.evil.test`, 'access-control-request-method': 'GET' }],
    ['origin "null"', listed, { origin: 'null', 'access-control-request-method': 'GET' }],
    ['unlisted method', listed, { origin: APP, 'access-control-request-method': 'DELETE' }],
    ['method in another case (RFC 9110 §9.1)', listed, { origin: APP, 'access-control-request-method': 'put' }],
    [
      'one unlisted header among allowed ones',
      listed,
      { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, x-debug' },
    ],
    [
      'a header on a wildcard route that lists none',
      wildcard,
      { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    ],
    ['* ignored when credentials are on', { ...wildcard, credentials: true }, { origin: APP, 'access-control-request-method': 'GET' }],
  ];
  for (const [name, cors, headers] of cases) assert.equal(answerPreflight(cors, headers), undefined, name);
});

test('answerPreflight: empty entries in Access-Control-Request-Headers ask for nothing', () => {
  const answer = answerPreflight(listed, { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': ' , ' });
  assert.equal(answer?.['access-control-allow-headers'], undefined);
  assert.equal(answer?.['access-control-allow-origin'], APP);
});

test('corsResponseHeaders: actual responses (Fetch §3.2.3) and Vary: Origin (RFC 9111 §4.1)', () => {
  const cases: Array<[string, CorsConfig, string | undefined, Record<string, string>]> = [
    [
      'listed origin is echoed, with credentials and exposed headers',
      listed,
      APP,
      {
        'access-control-allow-origin': APP,
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'x-request-id, etag',
        vary: 'Origin',
      },
    ],
    ['unlisted origin: no ACAO, but the answer depended on Origin', listed, 'https://evil.test', { vary: 'Origin' }],
    ['no Origin at all on a listed-origin route', listed, undefined, { vary: 'Origin' }],
    [
      'wildcard without credentials: *, and no Vary (same for every origin)',
      wildcard,
      'https://any.test',
      { 'access-control-allow-origin': '*' },
    ],
    ['wildcard for a request without Origin', wildcard, undefined, { 'access-control-allow-origin': '*' }],
    ['* is never sent with credentials (Fetch §3.2.5)', { ...wildcard, credentials: true }, 'https://any.test', { vary: 'Origin' }],
    [
      'without credentials no Allow-Credentials',
      { ...listed, credentials: false, exposeHeaders: [] },
      APP,
      { 'access-control-allow-origin': APP, vary: 'Origin' },
    ],
  ];
  for (const [name, cors, origin, expected] of cases) assert.deepEqual(corsResponseHeaders(cors, origin), expected, name);
});
