import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../src/config/validate.ts';
import { issuesOf } from '../../helpers/config.ts';

const upstreams = { api: { targets: ['http://127.0.0.1:3001'] } };
const auth = { jwt: { issuer: 'https://issuer.test', audience: 'a', secret: 's'.repeat(32), algorithms: ['HS256'] } };

function config(rateLimits: unknown, routes: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { upstreams, rateLimits, routes, ...extra };
}

describe('config: rateLimits', () => {
  it('builds policies with defaults, a route name or list as a list, header names lower-cased', () => {
    const built = validateConfig(
      config(
        {
          'per-user': { limit: 100, windowSec: '1m', by: 'subject' },
          'per-key': { limit: 10, windowSec: 1, by: 'header:X-Api-Key', onStoreError: 'deny' },
          tenant: { limit: 7, windowSec: '1h', by: 'claim:tenant', localLimit: 3 },
        },
        [
          { path: '/a', upstream: 'api', auth: 'jwt', rateLimit: 'per-user' },
          { path: '/b', upstream: 'api', auth: 'jwt', rateLimit: ['per-key', 'tenant'] },
          { path: '/c', upstream: 'api' },
        ],
        { auth, workers: 4 },
      ),
    );
    assert.deepEqual(built.rateLimits, {
      'per-user': { name: 'per-user', limit: 100, windowSec: 60, by: { kind: 'subject' }, onStoreError: 'local', localLimit: 25 },
      'per-key': {
        name: 'per-key',
        limit: 10,
        windowSec: 1,
        by: { kind: 'header', name: 'x-api-key' },
        onStoreError: 'deny',
        localLimit: 2,
      },
      tenant: { name: 'tenant', limit: 7, windowSec: 3600, by: { kind: 'claim', name: 'tenant' }, onStoreError: 'local', localLimit: 3 },
    });
    assert.deepEqual(
      built.routes.map((route) => route.rateLimit),
      [['per-user'], ['per-key', 'tenant'], undefined],
    );
    assert.equal('rateLimit' in (built.routes[2] as object), false, 'a route without rateLimit has no such key');
    assert.equal('rateLimits' in validateConfig({ upstreams, routes: [{ path: '/*', upstream: 'api' }] }), false);
  });

  it('refuses unknown policy names, with the names that exist', () => {
    assert.deepEqual(
      issuesOf(
        config({ 'per-ip': { limit: 1, windowSec: 1, by: 'ip' } }, [
          { path: '/a', upstream: 'api', rateLimit: 'per-user' },
          { path: '/b', upstream: 'api', rateLimit: ['per-ip', 'nope'] },
        ]),
      ),
      [
        'routes[0].rateLimit: names no rate limit policy, expected one of per-ip (got "per-user")',
        'routes[1].rateLimit[1]: names no rate limit policy, expected one of per-ip (got "nope")',
      ],
    );
    assert.deepEqual(issuesOf({ upstreams, routes: [{ path: '/*', upstream: 'api', rateLimit: 'x' }] }), [
      'routes[0].rateLimit: names no rate limit policy, expected a policy of a rateLimits section (got "x")',
    ]);
  });

  it('refuses a policy by subject or claim on a route without authentication, saying why', () => {
    const issues = issuesOf(
      config({ u: { limit: 1, windowSec: 1, by: 'subject' }, t: { limit: 1, windowSec: 1, by: 'claim:tenant' } }, [
        { path: '/a', upstream: 'api', rateLimit: 'u' },
        { path: '/b', upstream: 'api', auth: 'none', rateLimit: ['t'] },
      ]),
    );
    assert.equal(issues.length, 2);
    assert.match(issues[0] ?? '', /^routes\[0\]\.rateLimit: policy u counts by subject, which a route with auth: none never has/);
    assert.match(issues[1] ?? '', /^routes\[1\]\.rateLimit\[0\]: policy t counts by claim:tenant, .*expected auth: jwt \(or optional\)/);
    // With auth (required or optional) the same policies are fine.
    validateConfig(
      config({ u: { limit: 1, windowSec: 1, by: 'subject' } }, [{ path: '/a', upstream: 'api', auth: 'optional', rateLimit: 'u' }], {
        auth,
      }),
    );
  });

  it('refuses limits and windows that are not positive, bad by forms, names and local limits', () => {
    const issues = issuesOf(
      config(
        {
          zero: { limit: 0, windowSec: 0, by: 'ip' },
          odd: { limit: 1, windowSec: 1, by: 'cookie:x' },
          badHeader: { limit: 1, windowSec: 1, by: 'header:x y' },
          noClaim: { limit: 1, windowSec: 1, by: 'claim:' },
          local: { limit: 2, windowSec: 1, by: 'ip', localLimit: 3, onStoreError: 'maybe' },
          'bad name': { limit: 1, windowSec: 1, by: 'ip' },
          fast: { limit: 2_000_000, windowSec: 1, by: 'ip' },
          missing: { limit: 1 },
        },
        [{ path: '/*', upstream: 'api' }],
      ),
    );
    assert.deepEqual(issues, [
      'rateLimits.zero.limit: must be between 1 and 1000000000 (got 0)',
      'rateLimits.zero.windowSec: must be between 1 and 31622400 (got 0)',
      'rateLimits.odd.by: must be subject, ip, header:<name> or claim:<name> (got "cookie:x")',
      'rateLimits.badHeader.by: must be subject, ip, header:<name> or claim:<name>, with a field name (RFC 9110 §5.1) after header: (got "header:x y")',
      'rateLimits.noClaim.by: must be subject, ip, header:<name> or claim:<name>, with a claim name after claim: (got "claim:")',
      "rateLimits.local.localLimit: must not exceed limit (2): it is one process's share of it (got 3)",
      'rateLimits.local.onStoreError: must be one of allow, deny, local (got "maybe")',
      'rateLimits["bad name"]: is not a valid policy name, expected letters, digits, ".", "_" and "-", starting with a letter or digit',
      'rateLimits.fast.limit: must be at most one request per microsecond of the window (1000000) (got 2000000)',
      'rateLimits.missing.windowSec: is required',
      'rateLimits.missing.by: is required, expected subject, ip, header:<name> or claim:<name>',
    ]);
  });
});
