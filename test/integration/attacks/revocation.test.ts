import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN } from '../../helpers/gateway.ts';
import { INVALID_TOKEN, bearer, exchange, nowSec, startAuthStack, type FieldLines } from './harness.ts';

const admin: FieldLines = [
  ['authorization', `Bearer ${ADMIN_TOKEN}`],
  ['content-type', 'application/json'],
];

test('revocation: a revoked token is refused at once, even when verified and cached before', async (t) => {
  const stack = await startAuthStack(t);
  const { url, adminUrl, origin } = stack;
  const revoke = (body: unknown, fields: FieldLines = admin): ReturnType<typeof exchange> =>
    exchange(`${adminUrl}/revocations`, { method: 'POST', fields, body: JSON.stringify(body) });
  const get = (token: string, path = '/v1/things'): ReturnType<typeof exchange> => exchange(`${url}${path}`, { fields: bearer(token) });

  await t.test('revoking a jti refuses that token with invalid_token, others still pass (RFC 7009 §2)', async () => {
    const token = stack.pem.token({ jti: 'jti-1', sub: 'alice' });
    const other = stack.pem.token({ jti: 'jti-2', sub: 'alice' });
    assert.equal((await get(token)).status, 200);
    assert.equal((await revoke({ jti: 'jti-1', exp: nowSec() + 600 })).status, 201);
    const seen = origin.count();
    const refused = await get(token);
    assert.equal(refused.status, 401);
    assert.match(refused.header('www-authenticate') ?? '', INVALID_TOKEN);
    assert.equal(origin.count(), seen);
    assert.equal((await get(other)).status, 200);
  });

  await t.test('a revoked token cannot read a response cached for it (per-user cache)', async () => {
    const token = stack.pem.token({ jti: 'jti-cached', sub: 'carol' });
    assert.equal((await get(token, '/v1/me/inbox')).status, 200);
    assert.match((await get(token, '/v1/me/inbox')).header('cache-status') ?? '', /hit/);
    await revoke({ jti: 'jti-cached', exp: nowSec() + 600 });
    const res = await get(token, '/v1/me/inbox');
    assert.equal(res.status, 401);
    assert.doesNotMatch(res.text, /carol/);
  });

  await t.test('revoking a subject refuses tokens issued before `before`, not those issued after', async () => {
    const old = stack.pem.token({ sub: 'dave', iat: nowSec() - 100 });
    const fresh = stack.pem.token({ sub: 'dave', iat: nowSec() + 5 });
    assert.equal((await get(old)).status, 200);
    assert.equal((await revoke({ sub: 'dave', before: nowSec() })).status, 201);
    assert.equal((await get(old)).status, 401);
    assert.equal((await get(fresh)).status, 200);
  });

  await t.test('a subject revocation also refuses a token without iat (its age is unknown)', async () => {
    const noIat = stack.pem.token({ sub: 'erin', iat: undefined });
    assert.equal((await get(noIat)).status, 200);
    await revoke({ sub: 'erin', before: nowSec() });
    assert.equal((await get(noIat)).status, 401);
  });

  await t.test('revocation requests without the admin token are refused and change nothing', async () => {
    const token = stack.pem.token({ jti: 'jti-guarded' });
    for (const fields of [
      [['content-type', 'application/json']],
      [
        ['authorization', 'Bearer wrong'],
        ['content-type', 'application/json'],
      ],
      [['authorization', `Bearer ${token}`]],
    ] as FieldLines[]) {
      const res = await revoke({ jti: 'jti-guarded', exp: nowSec() + 600 }, fields);
      assert.equal(res.status, 401);
      assert.match(res.header('www-authenticate') ?? '', /^Bearer realm="cachet-admin"/);
    }
    assert.equal((await get(token)).status, 200);
  });

  await t.test('POST /revocations on the proxy port is forwarded or refused, never executed', async () => {
    const token = stack.pem.token({ jti: 'jti-proxy', sub: 'frank' });
    await exchange(`${url}/revocations`, {
      method: 'POST',
      fields: admin,
      body: JSON.stringify({ jti: 'jti-proxy', exp: nowSec() + 600 }),
    });
    await exchange(`${url}/revocations`, { method: 'POST', fields: admin, body: JSON.stringify({ sub: 'frank', before: nowSec() + 60 }) });
    assert.equal((await get(token)).status, 200);
  });

  await t.test('malformed revocations are refused with 400: ms timestamps, long ids, unknown fields', async () => {
    for (const body of [
      { jti: 'x', exp: Date.now() },
      { jti: 'x'.repeat(257), exp: nowSec() + 60 },
      { jti: 'x', exp: nowSec() + 60, sub: 'y' },
      { sub: 'y' },
      { jti: '', exp: nowSec() + 60 },
      ['jti'],
    ]) {
      assert.equal((await revoke(body)).status, 400, JSON.stringify(body).slice(0, 60));
    }
  });

  await t.test('un-revoking restores access (DELETE /revocations/jti/<id>)', async () => {
    const token = stack.pem.token({ jti: 'jti/with slash' });
    await revoke({ jti: 'jti/with slash', exp: nowSec() + 600 });
    assert.equal((await get(token)).status, 401);
    const removed = await exchange(`${adminUrl}/revocations/jti/${encodeURIComponent('jti/with slash')}`, {
      method: 'DELETE',
      fields: admin,
    });
    assert.equal(removed.status, 200);
    assert.equal((await get(token)).status, 200);
  });
});
