import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin } from '../../helpers/origin.ts';
import { startGateway } from '../../helpers/gateway.ts';
import { exchange, startAuthStack, type FieldLines } from './harness.ts';

const ALLOWED = 'https://app.example.test';

const preflight = (origin: string, method = 'GET', headers?: string): FieldLines => [
  ['origin', origin],
  ['access-control-request-method', method],
  ...(headers === undefined ? [] : [['access-control-request-headers', headers] as const]),
];

const refusedPreflights: ReadonlyArray<readonly [string, FieldLines]> = [
  ['an unlisted origin', preflight('https://evil.example')],
  ['the "null" origin (sandboxed iframes, file:)', preflight('null')],
  ['a suffix-match origin', preflight('https://app.example.test.evil.example')],
  ['a prefix-match origin', preflight('https://evilapp.example.test')],
  ['the http scheme of the allowed host', preflight('http://app.example.test')],
  ['another port of the allowed host', preflight('https://app.example.test:8443')],
  ['the allowed origin with a trailing slash', preflight(`${ALLOWED}/`)],
  ['the allowed origin in upper case', preflight('https://APP.example.test')],
  ['an unlisted method', preflight(ALLOWED, 'DELETE')],
  ['a lower-case method (methods are case-sensitive, RFC 9110 §9.1)', preflight(ALLOWED, 'post')],
  ['an unlisted request header', preflight(ALLOWED, 'GET', 'authorization, x-evil')],
];

test('CORS: refused preflights answer 403 without Access-Control-Allow-Origin and never reach the upstream', async (t) => {
  const { url, origin } = await startAuthStack(t);
  for (const [what, fields] of refusedPreflights) {
    await t.test(`preflight from ${what} → 403 (Fetch §3.2.3)`, async () => {
      const seen = origin.count();
      const res = await exchange(`${url}/cors/data`, { method: 'OPTIONS', fields });
      assert.equal(res.status, 403);
      assert.equal(res.header('access-control-allow-origin'), undefined);
      assert.equal(res.header('access-control-allow-credentials'), undefined);
      assert.equal(origin.count(), seen);
    });
  }

  await t.test('an allowed preflight names the origin, never "*" with credentials (Fetch §3.2.5)', async () => {
    const res = await exchange(`${url}/cors/data`, {
      method: 'OPTIONS',
      fields: preflight(ALLOWED, 'POST', 'Authorization, Content-Type'),
    });
    assert.equal(res.status, 204);
    assert.equal(res.header('access-control-allow-origin'), ALLOWED);
    assert.equal(res.header('access-control-allow-credentials'), 'true');
    assert.match(res.header('vary') ?? '', /origin/i);
  });

  await t.test(
    'actual responses: the allowed origin is echoed with Vary: Origin; others get no ACAO but still Vary (Fetch §3.2.5)',
    async () => {
      const ok = await exchange(`${url}/cors/data`, { fields: [['origin', ALLOWED]] });
      assert.equal(ok.header('access-control-allow-origin'), ALLOWED);
      assert.match(ok.header('vary') ?? '', /origin/i);
      for (const other of ['https://evil.example', 'null']) {
        const res = await exchange(`${url}/cors/data`, { fields: [['origin', other]] });
        assert.equal(res.header('access-control-allow-origin'), undefined, other);
        assert.equal(res.header('access-control-allow-credentials'), undefined, other);
        assert.match(res.header('vary') ?? '', /origin/i, other);
      }
      const none = await exchange(`${url}/cors/data`);
      assert.match(none.header('vary') ?? '', /origin/i);
    },
  );
});

test("CORS: a cached response never carries another origin's Access-Control-Allow-Origin", async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=60');
    res.end('shared');
  });
  const { url } = await startGateway(t, [origin.url], {
    routes: [{ path: '/*', upstream: 'api', cors: { origins: [ALLOWED], credentials: true } }],
  });
  const first = await exchange(`${url}/c`, { fields: [['origin', ALLOWED]] });
  assert.equal(first.header('access-control-allow-origin'), ALLOWED);
  const evil = await exchange(`${url}/c`, { fields: [['origin', 'https://evil.example']] });
  assert.equal(evil.header('access-control-allow-origin'), undefined);
  const anonymous = await exchange(`${url}/c`);
  assert.equal(anonymous.header('access-control-allow-origin'), undefined);
});

test('CORS: an origin that sets its own wildcard with credentials is not passed through (Fetch §3.2.5)', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-credentials', 'true');
    res.end('x');
  });
  const { url } = await startGateway(t, [origin.url], { routes: [{ path: '/*', upstream: 'api', cors: { origins: [ALLOWED] } }] });
  const res = await exchange(`${url}/w`, { fields: [['origin', 'https://evil.example']] });
  assert.ok(!(res.header('access-control-allow-origin') === '*' && res.header('access-control-allow-credentials') === 'true'));
  assert.notEqual(res.header('access-control-allow-origin'), 'https://evil.example');
});
