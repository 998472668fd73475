import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { createAuthenticator } from '../../src/auth/authenticate.ts';
import { createRevocationList } from '../../src/auth/revocation.ts';
import { createManualClock } from '../helpers/clock.ts';
import type { JwtProviderConfig } from '../../src/config/types.ts';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { createAuthConfig, createRoute, createTokenFactory, realm, startAuthStage } from './auth-helpers.ts';

const issuer = 'https://jwks.test';
const cooldownMs = 30_000;
const maxAgeMs = 300_000;
const timeoutMs = 300;

async function createSigningKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { privateKey, jwk, kid };
}

type SigningKey = Awaited<ReturnType<typeof createSigningKey>>;

/** A JWKS endpoint whose behaviour a test switches: serve the keys, fail with 500, hang, or serve a huge body. */
async function startJwksServer(t: TestContext, keys: JWK[]) {
  let mode: 'serve' | 'fail' | 'hang' | 'huge' = 'serve';
  const origin: Origin = await startOrigin(t, (_req, res) => {
    if (mode === 'hang') return new Promise<void>((resolve) => res.on('close', resolve));
    if (mode === 'fail') {
      res.statusCode = 500;
      res.end();
      return undefined;
    }
    res.setHeader('content-type', 'application/json');
    res.end(mode === 'huge' ? JSON.stringify({ keys, pad: 'x'.repeat(1024 * 1024) }) : JSON.stringify({ keys }));
    return undefined;
  });
  return {
    origin,
    keys,
    setMode: (next: typeof mode) => {
      mode = next;
    },
  };
}

async function startStage(t: TestContext, jwksUri: string) {
  const clock = createManualClock();
  const provider: JwtProviderConfig = {
    kind: 'jwt',
    name: 'jwks',
    issuer,
    audience: ['cachet-test'],
    algorithms: ['ES256'],
    clockToleranceSec: 0,
    keys: { type: 'jwks', uri: jwksUri, cooldownMs, maxAgeMs, timeoutMs },
  };
  const authenticator = createAuthenticator(createAuthConfig([provider]), { clock, revocations: createRevocationList() });
  const stage = await startAuthStage(t, authenticator, { '*': createRoute() });
  const tokens = createTokenFactory(clock, issuer);
  let serial = 0;
  /** Every token is distinct, so none is answered from the verification cache. */
  /** `kid: null` leaves the kid header out. */
  const sign = (key: SigningKey, kid: string | null = key.kid) =>
    tokens.sign(key.privateKey, 'ES256', { jti: `t-${serial++}` }, kid === null ? {} : { kid });
  return { clock, stage, sign };
}

const unavailable = { status: 503, code: 'CACHET_ERR_AUTH_UNAVAILABLE', challenge: undefined };
const noMatchingKey = {
  status: 401,
  code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
  challenge: `Bearer realm="${realm}", error="invalid_token", error_description="no matching key"`,
};

function summarize(answer: { status: number; code: string | undefined; challenge: string | undefined }) {
  return { status: answer.status, code: answer.code, challenge: answer.challenge };
}

test('JWKS: one fetch serves concurrent first requests (single flight), then the cached set', async (t) => {
  const key = await createSigningKey('key-1');
  const jwks = await startJwksServer(t, [key.jwk]);
  const { stage, sign } = await startStage(t, `${jwks.origin.url}/jwks.json`);
  const tokens = await Promise.all(Array.from({ length: 5 }, () => sign(key)));
  const answers = await Promise.all(tokens.map((token) => stage.bearer(token)));
  assert.deepEqual(
    answers.map((answer) => answer.status),
    [200, 200, 200, 200, 200],
  );
  assert.equal((await stage.bearer(await sign(key))).status, 200);
  assert.equal(jwks.origin.count(), 1);
});

test('JWKS: a flood of unknown kids costs at most one fetch per cooldown', async (t) => {
  const key = await createSigningKey('key-1');
  const jwks = await startJwksServer(t, [key.jwk]);
  const { clock, stage, sign } = await startStage(t, `${jwks.origin.url}/jwks.json`);
  assert.equal((await stage.bearer(await sign(key))).status, 200);
  clock.advance(cooldownMs);
  const flood = await Promise.all(Array.from({ length: 20 }, (_, index) => sign(key, `random-${index}`)));
  const answers = await Promise.all(flood.map((token) => stage.bearer(token)));
  for (const answer of answers) assert.deepEqual(summarize(answer), noMatchingKey);
  assert.equal(jwks.origin.count(), 2, 'one initial fetch and one refetch for the whole flood');
  for (const token of flood) assert.deepEqual(summarize(await stage.bearer(token)), noMatchingKey);
  assert.equal(jwks.origin.count(), 2, 'no fetch inside the cooldown');
  clock.advance(cooldownMs);
  assert.deepEqual(summarize(await stage.bearer(await sign(key, 'random-after'))), noMatchingKey);
  assert.equal(jwks.origin.count(), 3, 'one more fetch once the cooldown has passed');
});

test('JWKS: a rotated-in key is picked up on its unknown kid once the cooldown allows', async (t) => {
  const key1 = await createSigningKey('key-1');
  const key2 = await createSigningKey('key-2');
  const jwks = await startJwksServer(t, [key1.jwk]);
  const { clock, stage, sign } = await startStage(t, `${jwks.origin.url}/jwks.json`);
  assert.equal((await stage.bearer(await sign(key1))).status, 200);
  jwks.keys.push(key2.jwk);
  assert.deepEqual(summarize(await stage.bearer(await sign(key2))), noMatchingKey, 'inside the cooldown');
  clock.advance(cooldownMs);
  assert.equal((await stage.bearer(await sign(key2))).status, 200);
  assert.equal(jwks.origin.count(), 2);
});

test('JWKS: when the endpoint goes down the last good set keeps serving (stale)', async (t) => {
  const key = await createSigningKey('key-1');
  const jwks = await startJwksServer(t, [key.jwk]);
  const { clock, stage, sign } = await startStage(t, `${jwks.origin.url}/jwks.json`);
  assert.equal((await stage.bearer(await sign(key))).status, 200);
  jwks.setMode('fail');
  clock.advance(maxAgeMs + 1);
  assert.equal((await stage.bearer(await sign(key))).status, 200, 'stale set serves while the refresh fails');
  assert.equal((await stage.bearer(await sign(key, 'unknown'))).status, 401, 'an unknown kid is still refused');
  clock.advance(cooldownMs);
  assert.equal((await stage.bearer(await sign(key))).status, 200);
  assert.ok(jwks.origin.count() >= 2, 'refreshes were attempted');
});

test('JWKS: never fetched successfully → 503 without a challenge', async (t) => {
  const key = await createSigningKey('key-1');
  const jwks = await startJwksServer(t, [key.jwk]);
  jwks.setMode('fail');
  const { clock, stage, sign } = await startStage(t, `${jwks.origin.url}/jwks.json`);
  assert.deepEqual(summarize(await stage.bearer(await sign(key))), unavailable);
  assert.deepEqual(summarize(await stage.bearer(await sign(key))), unavailable);
  assert.equal(jwks.origin.count(), 1, 'a failed fetch also starts the cooldown');
  jwks.setMode('serve');
  clock.advance(cooldownMs);
  assert.equal((await stage.bearer(await sign(key))).status, 200, 'recovers once the endpoint answers');
});

test('JWKS: a hanging endpoint gives 503 within timeoutMs, an oversized set is refused', async (t) => {
  const key = await createSigningKey('key-1');
  const jwks = await startJwksServer(t, [key.jwk]);
  jwks.setMode('hang');
  const { clock, stage, sign } = await startStage(t, `${jwks.origin.url}/jwks.json`);
  const startedAt = performance.now();
  assert.deepEqual(summarize(await stage.bearer(await sign(key))), unavailable);
  assert.ok(performance.now() - startedAt < timeoutMs + 700, 'answered close to timeoutMs');
  jwks.setMode('huge');
  clock.advance(cooldownMs);
  assert.deepEqual(summarize(await stage.bearer(await sign(key))), unavailable);
  assert.equal(jwks.origin.count(), 2);
});

test('JWKS: a refused connection gives 503', async (t) => {
  const key = await createSigningKey('key-1');
  const jwks = await startJwksServer(t, [key.jwk]);
  const uri = `${jwks.origin.url}/jwks.json`;
  await jwks.origin.close();
  const { stage, sign } = await startStage(t, uri);
  assert.deepEqual(summarize(await stage.bearer(await sign(key))), unavailable);
});

test('JWKS: a token without kid is tried against every usable key of the set', async (t) => {
  const key1 = await createSigningKey('key-1');
  const key2 = await createSigningKey('key-2');
  const jwks = await startJwksServer(t, [key1.jwk, key2.jwk]);
  const { stage, sign } = await startStage(t, `${jwks.origin.url}/jwks.json`);
  assert.equal((await stage.bearer(await sign(key2, null))).status, 200);
  const stranger = await createSigningKey('key-1');
  const refused = await stage.bearer(await sign(stranger, null));
  assert.deepEqual([refused.status, refused.code], [401, 'CACHET_ERR_AUTH_INVALID_TOKEN']);
});
