import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideStorability, isUnderstoodStatus } from '../../../../src/cache/policy/storability.ts';
import { parseRequestDirectives, parseResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';
import { parseTargetedDirectives } from '../../../../src/cache/policy/targeted.ts';
import type { ResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';
import { httpDate } from './fixtures.ts';

interface StoreCase {
  name: string;
  method?: string;
  status?: number;
  requestCacheControl?: string;
  authorization?: boolean;
  cacheControl?: string;
  directives?: ResponseDirectives;
  headers?: Record<string, string>;
  expected: string;
}

const cases: StoreCase[] = [
  { name: 'RFC 9111 §3: a fresh 200 to GET is stored', cacheControl: 'max-age=60', expected: 'stored' },
  { name: 'RFC 9111 §3: HEAD responses are not stored (GET only)', method: 'HEAD', cacheControl: 'max-age=60', expected: 'method' },
  { name: 'RFC 9111 §3: POST responses are not stored (GET only)', method: 'POST', cacheControl: 'max-age=60', expected: 'method' },
  { name: 'RFC 9111 §3: method names are case-sensitive (get)', method: 'get', cacheControl: 'max-age=60', expected: 'method' },
  { name: 'RFC 9111 §3: a non-final status is not stored', status: 103, cacheControl: 'max-age=60', expected: 'status' },
  { name: 'RFC 9111 §3.3: 206 is never stored as a complete response', status: 206, cacheControl: 'max-age=60', expected: 'status' },
  { name: 'RFC 9111 §3: 304 is not stored', status: 304, cacheControl: 'max-age=60', expected: 'status' },
  {
    name: 'RFC 9111 §3: an unknown final status with explicit freshness is stored (299)',
    status: 299,
    cacheControl: 'max-age=60',
    expected: 'stored',
  },
  { name: 'RFC 9111 §3: a 500 with explicit freshness is stored', status: 500, cacheControl: 'max-age=60', expected: 'stored' },
  { name: 'RFC 9111 §5.2.2.5: no-store', cacheControl: 'no-store', expected: 'no-store' },
  {
    name: 'RFC 9111 §5.2.2.5: no-store beats max-age (max-age=3600, no-store)',
    cacheControl: 'max-age=3600, no-store',
    expected: 'no-store',
  },
  { name: 'RFC 9111 §5.2.1.5: request no-store', requestCacheControl: 'no-store', cacheControl: 'max-age=60', expected: 'no-store' },
  {
    name: 'RFC 9111 §5.2.1.5: request no-store is not overridden by must-understand',
    requestCacheControl: 'no-store',
    cacheControl: 'must-understand, no-store, max-age=60',
    expected: 'no-store',
  },
  {
    name: 'RFC 9111 §5.2.2.3: must-understand overrides no-store for an understood status',
    cacheControl: 'must-understand, no-store, max-age=60',
    expected: 'stored',
  },
  {
    name: 'RFC 9111 §5.2.2.3: must-understand with an unknown status is not stored',
    status: 299,
    cacheControl: 'must-understand, no-store, max-age=60',
    expected: 'must-understand',
  },
  {
    name: 'RFC 9111 §5.2.2.3: must-understand alone with an unknown status is not stored',
    status: 599,
    cacheControl: 'must-understand, max-age=60',
    expected: 'must-understand',
  },
  { name: 'RFC 9111 §5.2.2.7: bare private is never stored by a shared cache', cacheControl: 'private, max-age=60', expected: 'private' },
  { name: 'RFC 9111 §5.2.2.7: private beats s-maxage', cacheControl: 'private, s-maxage=3600', expected: 'private' },
  {
    name: 'RFC 9111 §5.2.2.7: qualified private is stored (without the fields)',
    cacheControl: 'private="set-cookie", max-age=60',
    expected: 'stored',
  },
  {
    name: 'RFC 9111 §3.5: a request with Authorization is not stored with max-age alone',
    authorization: true,
    cacheControl: 'max-age=60',
    expected: 'authorization',
  },
  {
    name: 'RFC 9111 §3.5: public allows storing a response to Authorization',
    authorization: true,
    cacheControl: 'public, max-age=60',
    expected: 'stored',
  },
  {
    name: 'RFC 9111 §3.5: s-maxage allows storing a response to Authorization',
    authorization: true,
    cacheControl: 's-maxage=60',
    expected: 'stored',
  },
  {
    name: 'RFC 9111 §3.5: must-revalidate allows storing a response to Authorization',
    authorization: true,
    cacheControl: 'must-revalidate, max-age=60',
    expected: 'stored',
  },
  {
    name: 'RFC 9111 §3.5: proxy-revalidate does not allow storing a response to Authorization',
    authorization: true,
    cacheControl: 'proxy-revalidate, max-age=60',
    expected: 'authorization',
  },
  { name: 'RFC 9111 §4.1: Vary: * is never stored', cacheControl: 'max-age=60', headers: { vary: '*' }, expected: 'vary-star' },
  {
    name: 'RFC 9111 §4.1: a Vary list containing * is never stored',
    cacheControl: 'max-age=60',
    headers: { vary: 'Accept, *' },
    expected: 'vary-star',
  },
  { name: 'RFC 9111 §3: a 200 without explicit freshness is heuristically cacheable', expected: 'stored' },
  { name: 'RFC 9111 §3: a 404 without explicit freshness is heuristically cacheable', status: 404, expected: 'stored' },
  { name: 'RFC 9111 §3: a 302 without freshness information is not stored', status: 302, expected: 'no-freshness' },
  { name: 'RFC 9111 §3: a 201 without freshness information is not stored', status: 201, expected: 'no-freshness' },
  { name: 'RFC 9111 §3: Expires makes a 302 storable', status: 302, headers: { expires: httpDate(60) }, expected: 'stored' },
  {
    name: 'RFC 9111 §3: an invalid Expires still makes a 302 storable (stored stale)',
    status: 302,
    headers: { expires: '0' },
    expected: 'stored',
  },
  { name: 'RFC 9111 §3: public makes a 302 storable', status: 302, cacheControl: 'public', expected: 'stored' },
  { name: 'RFC 9111 §3: s-maxage makes a 307 storable', status: 307, cacheControl: 's-maxage=60', expected: 'stored' },
  { name: 'RFC 9111 §3: max-age makes a 303 storable', status: 303, cacheControl: 'max-age=60', expected: 'stored' },
  { name: 'RFC 9111 §5.2.2.4: no-cache responses are stored (and revalidated on every use)', cacheControl: 'no-cache', expected: 'stored' },
  {
    name: 'RFC 9213 §2.1: under targeted directives Expires does not make a 302 storable',
    status: 302,
    directives: parseTargetedDirectives('must-revalidate'),
    headers: { expires: httpDate(60) },
    expected: 'no-freshness',
  },
  {
    name: 'RFC 9213 §2.1: targeted directives decide, not Cache-Control (no-store ignored)',
    directives: parseTargetedDirectives('max-age=60'),
    headers: { 'cache-control': 'no-store' },
    expected: 'stored',
  },
];

for (const testCase of cases) {
  test(`decideStorability: ${testCase.name}`, () => {
    const decision = decideStorability({
      method: testCase.method ?? 'GET',
      status: testCase.status ?? 200,
      requestDirectives: parseRequestDirectives(
        testCase.requestCacheControl === undefined ? {} : { 'cache-control': testCase.requestCacheControl },
      ),
      hasAuthorization: testCase.authorization ?? false,
      directives: testCase.directives ?? parseResponseDirectives(testCase.cacheControl),
      headers: testCase.headers ?? {},
    });
    assert.equal(decision.storable ? 'stored' : decision.reason, testCase.expected);
  });
}

test('isUnderstoodStatus: RFC 9111 §5.2.2.3: the RFC 9110 codes we implement (206 as a partial response, §3.3), not 304, 416 or unknown ones', () => {
  for (const status of [200, 203, 204, 206, 301, 404, 410, 500, 503]) assert.equal(isUnderstoodStatus(status), true, String(status));
  for (const status of [100, 299, 304, 407, 416, 599]) assert.equal(isUnderstoodStatus(status), false, String(status));
});
