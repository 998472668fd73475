import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin } from '../../helpers/origin.ts';
import { ADMIN_TOKEN, startGateway } from '../../helpers/gateway.ts';
import { exchange, rawExchange, readStatuses, type FieldLines } from './harness.ts';

const PATHS: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/metrics'],
  ['POST', '/purge'],
  ['GET', '/revocations'],
  ['POST', '/revocations'],
  ['DELETE', '/revocations'],
  ['DELETE', '/revocations/jti/x'],
  ['GET', '/nonexistent'],
  ['GET', '/health/../metrics'],
  ['GET', '/metrics?x=/health'],
  ['GET', '/HEALTH'],
];

const CREDENTIALS: ReadonlyArray<readonly [string, FieldLines]> = [
  ['no token', []],
  ['a wrong token of the same length', [['authorization', `Bearer ${'x'.repeat(ADMIN_TOKEN.length)}`]]],
  ['a shorter prefix of the token', [['authorization', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`]]],
  ['the token plus a suffix', [['authorization', `Bearer ${ADMIN_TOKEN}x`]]],
  ['the token under Basic', [['authorization', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`]]],
  ['the token in the query only', []],
  ['the token in a cookie', [['cookie', `token=${ADMIN_TOKEN}`]]],
];

test('admin API: every path but /health needs the exact token (RFC 6750 §3.1)', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=60');
    res.end('cached body');
  });
  const { url, adminUrl, gateway } = await startGateway(t, [origin.url]);
  const admin = adminUrl as string;
  await exchange(`${url}/v1/cached`);

  for (const [what, fields] of CREDENTIALS) {
    await t.test(`${what} → 401 on every admin path`, async () => {
      for (const [method, path] of PATHS) {
        const target = what.includes('query') ? `${path}${path.includes('?') ? '&' : '?'}token=${ADMIN_TOKEN}` : path;
        const res = await exchange(`${admin}${target}`, {
          method,
          fields: [...fields, ['content-type', 'application/json']],
          body: method === 'GET' ? undefined : JSON.stringify({ prefix: '/' }),
        });
        assert.equal(res.status, 401, `${method} ${target}`);
        assert.match(res.header('www-authenticate') ?? '', /^Bearer realm="cachet-admin"/);
        assert.doesNotMatch(res.text, /cachet_|# HELP/);
      }
      assert.match((await exchange(`${url}/v1/cached`)).header('cache-status') ?? '', /hit/, 'a purge ran without the token');
    });
  }

  await t.test('/health answers without the token and reveals no configuration', async () => {
    const res = await exchange(`${admin}/health`);
    assert.equal(res.status, 200);
    assert.ok(!res.text.includes(ADMIN_TOKEN));
    assert.ok(!res.text.includes(String(origin.port)), 'the upstream port leaked');
    assert.doesNotMatch(res.text, /127\.0\.0\.1|http:\/\/|token|password/i);
  });

  await t.test('/health takes no writes: POST /health → 405, nothing purged', async () => {
    const res = await exchange(`${admin}/health`, {
      method: 'POST',
      fields: [['content-type', 'application/json']],
      body: '{"prefix":"/"}',
    });
    assert.equal(res.status, 405);
    assert.match((await exchange(`${url}/v1/cached`)).header('cache-status') ?? '', /hit/);
  });

  await t.test('admin paths on the proxy port: forwarded or refused, never executed by the gateway', async () => {
    const fields: FieldLines = [
      ['authorization', `Bearer ${ADMIN_TOKEN}`],
      ['content-type', 'application/json'],
    ];
    await exchange(`${url}/purge`, { method: 'POST', fields, body: '{"prefix":"/"}' });
    await exchange(`${url}/purge`, { method: 'POST', fields, body: '{"url":"/v1/cached"}' });
    // PURGE on the cached URI itself would invalidate it under RFC 9111 §4.4 once the origin says 2xx; aim elsewhere.
    await exchange(`${url}/v1/other`, { method: 'PURGE', fields, body: '{"prefix":"/"}' });
    const metrics = await exchange(`${url}/metrics`, { fields });
    assert.doesNotMatch(metrics.text, /# HELP cachet_/);
    assert.match((await exchange(`${url}/v1/cached`)).header('cache-status') ?? '', /hit/, 'the proxy port executed a purge');
    assert.ok(
      origin.requests.some((r) => r.url === '/purge'),
      "the proxy's /* route forwards /purge like any path",
    );
    assert.ok(
      origin.requests.some((r) => r.method === 'PURGE'),
      'PURGE is forwarded like any method',
    );
  });

  await t.test('the right token works (control), and purges', async () => {
    const res = await exchange(`${admin}/purge`, {
      method: 'POST',
      fields: [
        ['authorization', `Bearer ${ADMIN_TOKEN}`],
        ['content-type', 'application/json'],
      ],
      body: '{"url":"/v1/cached"}',
    });
    assert.equal(res.status, 200);
    assert.doesNotMatch((await exchange(`${url}/v1/cached`)).header('cache-status') ?? '', /hit/);
  });

  await t.test('admin request smuggling shapes → 400, nothing executed', async () => {
    await exchange(`${url}/v1/cached`);
    const raw = await rawExchange(
      admin,
      `POST /purge HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nPOST /purge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Length: 14\r\n\r\n{"prefix":"/"}`,
    );
    assert.equal(readStatuses(raw)[0], 400);
    assert.match((await exchange(`${url}/v1/cached`)).header('cache-status') ?? '', /hit/);
    void gateway;
  });
});
