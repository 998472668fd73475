import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { Redis } from 'ioredis';
import { startOrigin } from '../helpers/origin.ts';
import { send } from '../helpers/gateway.ts';
import { hasRedisOrSkip, startRedis } from '../helpers/redis.ts';
import { admin, startSharedGateway, waitUntil } from '../helpers/shared-gateways.ts';

// Revocations shared through Redis: stored there with the token's expiry, loaded by an instance before it
// listens, and carried to running instances by the stream; each request is checked against the local list.

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const AUTH = {
  auth: { jwt: { issuer: 'https://issuer.test', audience: 'api', algorithms: ['HS256'], secret: SECRET } },
  routes: [{ path: '/*', upstream: 'api', auth: 'jwt' }],
};

function signToken(claims: { jti: string; sub: string }, exp: number): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://issuer.test')
    .setAudience('api')
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(SECRET));
}

if (hasRedisOrSkip()) {
  const server = await startRedis();

  describe('revocations shared through Redis', () => {
    it('a revocation through one instance is refused by the other, a later instance loads it before it listens, and an unrevoke reaches all', async (t) => {
      const origin = await startOrigin(t, (_req, res) => res.end('ok'));
      const prefix = `rev-${randomBytes(4).toString('hex')}:`;
      const one = await startSharedGateway(t, [origin.url], { url: server.url }, prefix, AUTH);
      const two = await startSharedGateway(t, [origin.url], { url: server.url }, prefix, AUTH);
      const exp = Math.floor(Date.now() / 1000) + 300;
      const token = await signToken({ jti: 'token-1', sub: 'alice' }, exp);
      const other = await signToken({ jti: 'token-2', sub: 'bob' }, exp);
      const statusOn = async (gateway: { url: string }, bearer = token): Promise<number> =>
        (await send(`${gateway.url}/me`, { headers: { authorization: `Bearer ${bearer}` } })).status;
      assert.deepEqual([await statusOn(one), await statusOn(two)], [200, 200]);

      const revoked = await admin(one, '/revocations', { jti: 'token-1', exp });
      assert.equal(revoked.status, 201);
      assert.deepEqual(JSON.parse(revoked.text), { revoked: { jti: 'token-1', exp }, shared: true });
      assert.equal(await statusOn(one), 401, 'refused at once by the instance that took it');
      const ms = await waitUntil(async () => (await statusOn(two)) === 401, 'the other instance to refuse the token', 2000);
      assert.ok(ms < 500, `${ms} ms`);
      const subject = await admin(two, '/revocations', { sub: 'bob', before: Math.floor(Date.now() / 1000) + 1 });
      assert.equal(subject.status, 201);
      await waitUntil(async () => (await statusOn(one, other)) === 401, 'the subject cut-off on the first instance', 2000);

      // Stored with the token's expiry: Redis drops it when the token could no longer be used anyway.
      const redis = new Redis(server.url);
      t.after(() => redis.disconnect());
      const members = await redis.zrange(`${prefix}{revocations}`, '0', '-1');
      assert.equal(members.length, 2);
      const jtiKey = `${prefix}{revocations}:${members.find((m) => m.startsWith('j:'))}`;
      assert.equal(await redis.pexpiretime(jtiKey), exp * 1000);
      const subKey = `${prefix}{revocations}:${members.find((m) => m.startsWith('s:'))}`;
      assert.ok((await redis.pexpiretime(subKey)) > Date.now() + 86_000_000, 'a subject cut-off lives as long as the longest token');

      const third = await startSharedGateway(t, [origin.url], { url: server.url }, prefix, AUTH);
      assert.equal(await statusOn(third), 401, 'loaded before the instance listened');
      assert.equal(await statusOn(third, other), 401);
      const listed = JSON.parse(
        (await send(`${third.adminUrl}/revocations`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } })).text,
      );
      assert.equal(listed.revocations.length, 2);

      const removed = await admin(third, '/revocations', { jti: 'token-1' }, 'DELETE');
      assert.deepEqual(JSON.parse(removed.text), { removed: true, shared: true });
      await waitUntil(async () => (await statusOn(one)) === 200 && (await statusOn(two)) === 200, 'the removal everywhere', 2000);
      assert.deepEqual(
        await redis.zrange(`${prefix}{revocations}`, '0', '-1'),
        members.filter((m) => m.startsWith('s:')),
      );
    });
  });
}
