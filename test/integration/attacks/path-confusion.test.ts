import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, exchange, rawExchange, readStatuses, startAuthStack } from './harness.ts';

/**
 * Spellings of a protected path (/v1/*, /v1/admin/*) sent raw, so nothing client-side normalises them.
 * Each must be refused (400) or land on the protected route (401 without a token); the upstream sees nothing.
 */
const bypasses: ReadonlyArray<readonly [string, string]> = [
  ['/public/../v1/admin/x', 'dot-segments out of a public prefix (RFC 3986 §5.2.4)'],
  ['/public/%2e%2e/v1/admin/x', 'encoded dot-segments (RFC 3986 §6.2.2.2)'],
  ['/public/%2E%2e/v1/admin/x', 'mixed-case encoded dot-segments (RFC 3986 §6.2.2.1)'],
  ['/public/.%2e/v1/admin/x', 'half-encoded dot-segment'],
  ['/public/..%2fv1/admin/x', 'encoded slash after dot-dot'],
  ['/public/..%2Fv1/admin/x', 'upper-case encoded slash'],
  ['/public/..%5cv1/admin/x', 'encoded backslash'],
  ['/public/..\\v1/admin/x', 'raw backslash'],
  ['/public/..;/v1/admin/x', 'path parameter on dot-dot (Tomcat "..;/")'],
  ['/public/%252e%252e/v1/admin/x', 'double-encoded dot-segments reach /public only'],
  ['/public/%c0%ae%c0%ae/v1/admin/x', 'overlong UTF-8 dots'],
  ['//v1/admin/x', 'doubled leading slash'],
  ['/./v1/admin/x', 'leading dot-segment'],
  ['/public/../../../v1/admin/x', 'dot-dot above the root'],
  ['/%76%31/admin/x', 'encoded unreserved letters (%76%31 = v1)'],
  ['/v1%2fadmin/x', 'encoded slash inside the protected prefix'],
  ['/v1;x/admin/x', 'path parameter on the prefix segment (stripped by Spring/Tomcat)'],
  ['/v1/admin/x%00.css', 'NUL byte before a static-looking suffix'],
  ['/v1/admin/x%0d%0aX-Injected:%201', 'encoded CRLF in the path'],
  ['/v1/admin/x#/public', 'raw fragment in the request target'],
  ['/v1', 'the bare prefix without its slash'],
  ['/v1/', 'the prefix with a trailing slash'],
  ['http://evil.example/v1/admin/x', 'absolute-form with another host (RFC 9112 §3.2.2)'],
  ['http://user:pw@x/v1/admin/x', 'absolute-form with userinfo (RFC 9110 §4.2.4)'],
  ['*', 'asterisk-form on GET (RFC 9112 §3.2.4)'],
  ['v1/admin/x', 'relative target'],
];

test('path confusion: no spelling of a protected path reaches the upstream without a token', async (t) => {
  const stack = await startAuthStack(t);
  const { url, origin } = stack;
  for (const [target, what] of bypasses) {
    await t.test(`${what}: ${target}`, async () => {
      const seen = origin.count();
      const raw = await rawExchange(url, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const [status] = readStatuses(raw);
      if (target.includes('%252e')) {
        // Decoded once only: it stays under /public, which is what the upstream must see.
        assert.equal(status, 200);
        assert.match(origin.requests.at(-1)?.url ?? '', /^\/public\//);
        return;
      }
      assert.ok(status === 400 || status === 401, `answered ${status}`);
      if (status === 401) assert.equal(/\r\nwww-authenticate: ([^\r]*)/i.exec(raw)?.[1], 'Bearer realm="cachet"');
      assert.equal(origin.count(), seen, `the upstream saw ${origin.requests.at(-1)?.url}`);
    });
  }

  await t.test('a valid token on the normalised spelling reaches the canonical path only', async () => {
    const token = stack.pem.token({ scope: 'admin' });
    const raw = await rawExchange(
      url,
      `GET /public/%2e%2e/v1/admin/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    );
    assert.deepEqual(readStatuses(raw), [200]);
    assert.equal(origin.requests.at(-1)?.url, '/v1/admin/x');
  });

  await t.test('a read-scoped token cannot reach /v1/admin through /v1/x/../admin (403, RFC 3986 §5.2.4)', async () => {
    const seen = origin.count();
    const raw = await rawExchange(
      url,
      `GET /v1/x/../admin/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${stack.pem.token()}\r\nConnection: close\r\n\r\n`,
    );
    assert.deepEqual(readStatuses(raw), [403]);
    assert.equal(origin.count(), seen);
  });

  await t.test('X-Original-URL / X-Rewrite-URL cannot re-route a public request to a protected path', {}, async () => {
    await exchange(`${url}/public/x`, {
      fields: [
        ['x-original-url', '/v1/admin/x'],
        ['x-rewrite-url', '/v1/admin/x'],
      ],
    });
    const seenHeaders = origin.requests.at(-1)?.headers;
    assert.equal(seenHeaders?.['x-original-url'], undefined);
    assert.equal(seenHeaders?.['x-rewrite-url'], undefined);
  });

  await t.test('web cache deception: /v1/me/profile;.css and /v1/me/profile/x.css are not shared with others', async () => {
    const alice = stack.pem.token({ sub: 'alice' });
    for (const path of ['/v1/me/profile;.css', '/v1/me/profile/x.css', '/v1/me/profile%3B.css']) {
      const first = await exchange(`${url}${path}`, { fields: bearer(alice) });
      assert.ok(first.status === 200 || first.status === 400, `${path}: ${first.status}`);
      const anonymous = await exchange(`${url}${path}`);
      assert.ok(anonymous.status === 401 || anonymous.status === 400, `${path}: anonymous got ${anonymous.status}`);
      assert.doesNotMatch(anonymous.text, /alice/);
      const mallory = await exchange(`${url}${path}`, { fields: bearer(stack.pem.token({ sub: 'mallory' })) });
      assert.doesNotMatch(mallory.text, /"x-auth-subject":"alice"/);
    }
  });
});
