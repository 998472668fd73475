import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { base64url, generateKeyPair } from 'jose';
import { createAuthenticator } from '../../src/auth/authenticate.ts';
import { createRevocationList } from '../../src/auth/revocation.ts';
import { createManualClock } from '../helpers/clock.ts';
import type { JwtAlgorithm, JwtProviderConfig } from '../../src/config/types.ts';
import { isCachetError } from '../../src/errors.ts';
import { craftToken, createAuthConfig, createRoute, createTokenFactory, realm, startAuthStage } from './auth-helpers.ts';

const invalidToken = (description: string): string => `Bearer realm="${realm}", error="invalid_token", error_description="${description}"`;
const invalidRequest = (description: string): string =>
  `Bearer realm="${realm}", error="invalid_request", error_description="${description}"`;

function createJwtProvider(
  name: string,
  algorithms: JwtAlgorithm[],
  keys: JwtProviderConfig['keys'],
  extra: Partial<JwtProviderConfig> = {},
): JwtProviderConfig {
  return {
    kind: 'jwt',
    name,
    issuer: `https://${name}.test`,
    audience: ['cachet-test', 'other-api'],
    algorithms,
    clockToleranceSec: 30,
    keys,
    ...extra,
  };
}

function exportPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

const hmacSecret = randomBytes(48).toString('base64url');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const ed25519 = generateKeyPairSync('ed25519');
const rsaPem = exportPem(rsa.publicKey);

const providers: JwtProviderConfig[] = [
  createJwtProvider('hs', ['HS256', 'HS384', 'HS512'], { type: 'secret', secret: hmacSecret }),
  createJwtProvider('rsa', ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'], { type: 'public-key', key: rsaPem }),
  createJwtProvider('es256', ['ES256'], { type: 'public-key', key: exportPem(p256.publicKey) }),
  createJwtProvider('es384', ['ES384'], { type: 'public-key', key: exportPem(p384.publicKey) }),
  createJwtProvider('es512', ['ES512'], { type: 'public-key', key: exportPem(p521.publicKey) }),
  // A public key given as JWK JSON text rather than PEM.
  createJwtProvider('ed', ['EdDSA'], { type: 'public-key', key: JSON.stringify(ed25519.publicKey.export({ format: 'jwk' })) }),
];

async function startStage(t: import('node:test').TestContext, overrides: Parameters<typeof createAuthConfig>[1] = {}) {
  const clock = createManualClock();
  const revocations = createRevocationList();
  const authenticator = createAuthenticator(createAuthConfig(providers, overrides), { clock, revocations });
  const stage = await startAuthStage(t, authenticator, {
    '/v1/x': createRoute(),
    '/v1/write': createRoute({ scopes: ['write'] }),
    '/v1/read': createRoute({ scopes: ['read'] }),
    '/v1/threats': createRoute({ scopes: ['threats:read'] }),
    '/v1/tenant': createRoute({ claims: { tenant: 'acme', level: 1 } }),
    '/v1/optional': createRoute({ auth: 'optional' }),
    '/v1/open': createRoute({ auth: 'none' }),
    '/v1/cookie': createRoute({ tokenCookie: 'access' }),
  });
  const rsaTokens = createTokenFactory(clock, 'https://rsa.test');
  const signRsa = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    rsaTokens.sign(rsa.privateKey, 'RS256', claims, header);
  return { clock, revocations, stage, rsaTokens, signRsa };
}

test('every supported algorithm family verifies (RFC 7518 §3.1), each through its own provider', async (t) => {
  const { stage, clock } = await startStage(t);
  const cases: Array<[string, string, Parameters<ReturnType<typeof createTokenFactory>['sign']>[0]]> = [
    ['hs', 'HS256', new TextEncoder().encode(hmacSecret)],
    ['hs', 'HS384', new TextEncoder().encode(hmacSecret)],
    ['hs', 'HS512', new TextEncoder().encode(hmacSecret)],
    ['rsa', 'RS256', rsa.privateKey],
    ['rsa', 'RS384', rsa.privateKey],
    ['rsa', 'RS512', rsa.privateKey],
    ['rsa', 'PS256', rsa.privateKey],
    ['rsa', 'PS384', rsa.privateKey],
    ['rsa', 'PS512', rsa.privateKey],
    ['es256', 'ES256', p256.privateKey],
    ['es384', 'ES384', p384.privateKey],
    ['es512', 'ES512', p521.privateKey],
    ['ed', 'EdDSA', ed25519.privateKey],
  ];
  for (const [provider, alg, key] of cases) {
    const token = await createTokenFactory(clock, `https://${provider}.test`).sign(key, alg, { sub: `user-${alg}` });
    const answer = await stage.bearer(token);
    assert.equal(answer.status, 200, `${alg}: ${answer.code}`);
    assert.equal(answer.subject, `user-${alg}`);
  }
});

test('refusals carry status, code and the RFC 6750 §3 challenge', async (t) => {
  const { stage, clock, signRsa, rsaTokens } = await startStage(t);
  const now = rsaTokens.nowSec();
  const valid = await signRsa();
  const [validHeader, validPayload, validSignature] = valid.split('.') as [string, string, string];
  const attacker = await generateKeyPair('RS256', { extractable: true });
  const attackerJwk = { kty: 'RSA', n: 'x', e: 'AQAB' };
  const zeroEcdsa = craftToken(
    { alg: 'ES256', typ: 'JWT' },
    { iss: 'https://es256.test', aud: 'cachet-test', sub: 'alice', exp: now + 300 },
    base64url.encode(new Uint8Array(64)),
  );
  const tamperedPayload = `${validHeader}.${base64url.encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(base64url.decode(validPayload))), sub: 'mallory' }))}.${validSignature}`;
  const flipped = validSignature.startsWith('A') ? `B${validSignature.slice(1)}` : `A${validSignature.slice(1)}`;
  const noneClaims = { iss: 'https://rsa.test', aud: 'cachet-test', sub: 'alice', exp: now + 300 };

  const rows: Array<{
    name: string;
    token: () => Promise<string> | string;
    path?: string;
    status: number;
    code: string;
    challenge: string;
  }> = [
    {
      name: 'expired beyond tolerance (RFC 7519 §4.1.4)',
      token: () => signRsa({ exp: now - 31 }),
      status: 401,
      code: 'CACHET_ERR_AUTH_EXPIRED',
      challenge: invalidToken('token expired'),
    },
    {
      name: 'not yet valid (RFC 7519 §4.1.5)',
      token: () => signRsa({ nbf: now + 120 }),
      status: 401,
      code: 'CACHET_ERR_AUTH_NOT_YET_VALID',
      challenge: invalidToken('token not yet valid'),
    },
    {
      name: 'issuer of no provider (RFC 7519 §4.1.1)',
      token: () => signRsa({ iss: 'https://evil.test' }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('unknown issuer'),
    },
    {
      name: 'issued by one provider, signed with another provider key',
      token: () => createTokenFactory(clock, 'https://es256.test').sign(rsa.privateKey, 'RS256'),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('algorithm not allowed'),
    },
    {
      name: 'wrong audience (RFC 7519 §4.1.3)',
      token: () => signRsa({ aud: ['someone-else'] }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('unexpected aud'),
    },
    {
      name: 'missing exp',
      token: () => signRsa({ exp: undefined }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('invalid exp claim'),
    },
    {
      name: 'tampered payload (RFC 7515 §5.2)',
      token: () => tamperedPayload,
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('invalid signature'),
    },
    {
      name: 'tampered signature (RFC 7515 §5.2)',
      token: () => `${validHeader}.${validPayload}.${flipped}`,
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('invalid signature'),
    },
    ...['none', 'None', 'NONE', 'nOnE'].map((alg) => ({
      name: `alg "${alg}" (RFC 8725 §3.1)`,
      token: () => craftToken({ alg, typ: 'JWT' }, noneClaims),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('algorithm not allowed'),
    })),
    {
      name: 'HS256 signed with the RSA public key PEM as secret (RFC 8725 §2.1)',
      token: () => rsaTokens.sign(new TextEncoder().encode(rsaPem), 'HS256'),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('algorithm not allowed'),
    },
    ...(['jwk', 'jku', 'x5u', 'x5c'] as const).map((name) => ({
      name: `embedded key header "${name}" (RFC 8725 §3.10)`,
      token: () =>
        rsaTokens.sign(
          attacker.privateKey,
          'RS256',
          {},
          { [name]: name === 'jwk' ? attackerJwk : name === 'x5c' ? ['MIIB'] : 'http://127.0.0.1:1/keys' },
        ),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('embedded keys are not accepted'),
    })),
    {
      name: 'unknown crit parameter (RFC 7515 §4.1.11)',
      token: () => signRsa({}, { crit: ['urn:example:must'], 'urn:example:must': true }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('malformed token'),
    },
    {
      name: 'ECDSA signature of zeros (CVE-2022-21449)',
      token: () => zeroEcdsa,
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('invalid signature'),
    },
    {
      name: 'exp as a string (RFC 7519 §2 NumericDate)',
      token: () => signRsa({ exp: String(now + 300) }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('invalid exp claim'),
    },
    {
      name: 'nbf as a string',
      token: () => signRsa({ nbf: String(now) }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('invalid nbf claim'),
    },
    {
      name: 'iat as a string',
      token: () => signRsa({ iat: String(now) }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('invalid iat claim'),
    },
    {
      name: 'sub as a number (RFC 7519 §4.1.2)',
      token: () => signRsa({ sub: 42 }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('sub must be a string'),
    },
    {
      name: 'jti as a number (RFC 7519 §4.1.7)',
      token: () => signRsa({ jti: 7 }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('jti must be a string'),
    },
    {
      name: 'scope as an array (RFC 8693 §4.2)',
      token: () => signRsa({ scope: ['read'] }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('scope must be a string'),
    },
    {
      name: 'scp as a string',
      token: () => signRsa({ scope: undefined, scp: 'read' }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('scp must be an array of strings'),
    },
    {
      name: 'iat in the future beyond tolerance',
      token: () => signRsa({ iat: now + 600, exp: now + 900 }),
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('iat in the future'),
    },
    {
      name: 'not a JWT and no introspection provider',
      token: () => 'opaque-token-value',
      status: 401,
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      challenge: invalidToken('unsupported token format'),
    },
    {
      name: 'oversized token',
      token: () => 'a'.repeat(8193),
      status: 401,
      code: 'CACHET_ERR_AUTH_TOO_LARGE',
      challenge: invalidToken('token too large'),
    },
    {
      name: 'missing scope (RFC 6750 §3.1)',
      token: () => signRsa({ scope: 'read' }),
      path: '/v1/write',
      status: 403,
      code: 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE',
      challenge: `Bearer realm="${realm}", error="insufficient_scope", error_description="insufficient scope", scope="write"`,
    },
    {
      name: '"reader" is not "read"',
      token: () => signRsa({ scope: 'reader' }),
      path: '/v1/read',
      status: 403,
      code: 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE',
      challenge: `Bearer realm="${realm}", error="insufficient_scope", error_description="insufficient scope", scope="read"`,
    },
    {
      name: '"threats:readwrite" is not "threats:read"',
      token: () => signRsa({ scope: 'threats:readwrite' }),
      path: '/v1/threats',
      status: 403,
      code: 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE',
      challenge: `Bearer realm="${realm}", error="insufficient_scope", error_description="insufficient scope", scope="threats:read"`,
    },
    {
      name: 'scp array lacking the scope',
      token: () => signRsa({ scope: undefined, scp: ['read:all'] }),
      path: '/v1/read',
      status: 403,
      code: 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE',
      challenge: `Bearer realm="${realm}", error="insufficient_scope", error_description="insufficient scope", scope="read"`,
    },
    {
      name: 'claim match with the wrong value',
      token: () => signRsa({ tenant: 'evil', level: 1 }),
      path: '/v1/tenant',
      status: 403,
      code: 'CACHET_ERR_AUTH_CLAIM_MISMATCH',
      challenge: `Bearer realm="${realm}", error="insufficient_scope", error_description="a required claim does not match"`,
    },
    {
      name: 'claim match is type-sensitive ("1" is not 1)',
      token: () => signRsa({ tenant: 'acme', level: '1' }),
      path: '/v1/tenant',
      status: 403,
      code: 'CACHET_ERR_AUTH_CLAIM_MISMATCH',
      challenge: `Bearer realm="${realm}", error="insufficient_scope", error_description="a required claim does not match"`,
    },
    {
      name: 'optional route with a bad token',
      token: () => signRsa({ exp: now - 60 }),
      path: '/v1/optional',
      status: 401,
      code: 'CACHET_ERR_AUTH_EXPIRED',
      challenge: invalidToken('token expired'),
    },
  ];
  for (const row of rows) {
    await t.test(row.name, async () => {
      const answer = await stage.bearer(await row.token(), row.path);
      assert.deepEqual([answer.status, answer.code, answer.challenge], [row.status, row.code, row.challenge]);
    });
  }
});

test('tokens that pass: tolerance, aud arrays, scp arrays, exact scopes and claims', async (t) => {
  const { stage, signRsa, rsaTokens } = await startStage(t);
  const now = rsaTokens.nowSec();
  const rows: Array<{ name: string; token: () => Promise<string>; path?: string }> = [
    { name: 'expired within clockToleranceSec (RFC 7519 §4.1.4 leeway)', token: () => signRsa({ exp: now - 20 }) },
    { name: 'nbf within clockToleranceSec', token: () => signRsa({ nbf: now + 20 }) },
    { name: 'aud array containing an accepted audience (RFC 7519 §4.1.3)', token: () => signRsa({ aud: ['x', 'other-api'] }) },
    { name: 'scope list containing the required scope', token: () => signRsa({ scope: 'reader read' }), path: '/v1/read' },
    { name: 'scp array containing the required scope', token: () => signRsa({ scope: undefined, scp: ['read'] }), path: '/v1/read' },
    { name: 'claim matches with equal values and types', token: () => signRsa({ tenant: 'acme', level: 1 }), path: '/v1/tenant' },
  ];
  for (const row of rows) {
    await t.test(row.name, async () => {
      const answer = await stage.bearer(await row.token(), row.path);
      assert.deepEqual([answer.status, answer.code], [200, undefined]);
    });
  }
});

test('token sources: Authorization only, query never read, cookie per route (RFC 6750 §2)', async (t) => {
  const { stage, signRsa } = await startStage(t);
  const token = await signRsa();
  const rows: Array<{ name: string; path: string; headers: string[]; status: number; code?: string; challenge?: string }> = [
    {
      name: 'no credentials: challenge without error (RFC 6750 §3.1)',
      path: '/v1/x',
      headers: [],
      status: 401,
      code: 'CACHET_ERR_AUTH_MISSING',
      challenge: `Bearer realm="${realm}"`,
    },
    {
      name: 'other scheme is treated as no bearer credentials (RFC 6750 §3.1)',
      path: '/v1/x',
      headers: ['authorization', 'Basic YTpi'],
      status: 401,
      code: 'CACHET_ERR_AUTH_MISSING',
      challenge: `Bearer realm="${realm}"`,
    },
    { name: 'scheme is case-insensitive (RFC 9110 §11.1)', path: '/v1/x', headers: ['authorization', `bEaReR ${token}`], status: 200 },
    {
      name: 'a valid token only in ?access_token= is not read: no credentials (RFC 6750 §2.3, §3.1)',
      path: `/v1/x?access_token=${token}`,
      headers: [],
      status: 401,
      code: 'CACHET_ERR_AUTH_MISSING',
      challenge: `Bearer realm="${realm}"`,
    },
    {
      name: 'a token in the query and in Authorization: two methods, invalid_request (RFC 6750 §3.1)',
      path: `/v1/x?a=1&access%5Ftoken=${token}`,
      headers: ['authorization', `Bearer ${token}`],
      status: 400,
      code: 'CACHET_ERR_AUTH_INVALID_REQUEST',
      challenge: invalidRequest('a token in the query string and in a header'),
    },
    {
      name: 'access_token in the query on an optional route: no token, no identity',
      path: '/v1/optional?access_token=abc',
      headers: [],
      status: 200,
    },
    {
      name: 'two Authorization fields (RFC 6750 §3.1 invalid_request)',
      path: '/v1/x',
      headers: ['authorization', `Bearer ${token}`, 'authorization', `Bearer ${token}`],
      status: 400,
      code: 'CACHET_ERR_AUTH_INVALID_REQUEST',
      challenge: invalidRequest('several authorization headers'),
    },
    {
      name: 'two tokens in one field (RFC 6750 §2.1: one b64token)',
      path: '/v1/x',
      headers: ['authorization', `Bearer ${token} ${token}`],
      status: 400,
      code: 'CACHET_ERR_AUTH_INVALID_REQUEST',
      challenge: invalidRequest('several values in the authorization header'),
    },
    {
      name: 'Bearer without a token: no authentication information, no error code (RFC 6750 §3.1)',
      path: '/v1/x',
      headers: ['authorization', 'Bearer'],
      status: 401,
      code: 'CACHET_ERR_AUTH_MISSING',
      challenge: `Bearer realm="${realm}"`,
    },
    {
      name: '"Bearer " with nothing after it: no error code (RFC 6750 §3.1)',
      path: '/v1/x',
      headers: ['authorization', 'Bearer '],
      status: 401,
      code: 'CACHET_ERR_AUTH_MISSING',
      challenge: `Bearer realm="${realm}"`,
    },
    {
      name: '"Bearer " on an optional route: no token, no identity',
      path: '/v1/optional',
      headers: ['authorization', 'Bearer '],
      status: 200,
    },
    {
      name: 'a scheme that is not a token is a malformed field (RFC 9110 §11.1)',
      path: '/v1/x',
      headers: ['authorization', `Bearer\t${token}`],
      status: 400,
      code: 'CACHET_ERR_AUTH_INVALID_REQUEST',
      challenge: invalidRequest('malformed authorization header'),
    },
    {
      name: 'oversized Authorization value',
      path: '/v1/x',
      headers: ['authorization', `Bearer ${'a'.repeat(9000)}`],
      status: 401,
      code: 'CACHET_ERR_AUTH_TOO_LARGE',
      challenge: invalidToken('token too large'),
    },
    { name: 'cookie on a route with tokenCookie', path: '/v1/cookie', headers: ['cookie', `theme=dark; access=${token}`], status: 200 },
    {
      name: 'cookie on a route without tokenCookie',
      path: '/v1/x',
      headers: ['cookie', `access=${token}`],
      status: 401,
      code: 'CACHET_ERR_AUTH_MISSING',
      challenge: `Bearer realm="${realm}"`,
    },
    {
      name: 'two token cookies',
      path: '/v1/cookie',
      headers: ['cookie', `access=${token}; access=${token}`],
      status: 400,
      code: 'CACHET_ERR_AUTH_INVALID_REQUEST',
      challenge: invalidRequest('several token cookies'),
    },
    { name: 'optional route without a token', path: '/v1/optional', headers: [], status: 200 },
    { name: 'auth none ignores even a broken header', path: '/v1/open', headers: ['authorization', 'Bearer a b c'], status: 200 },
  ];
  for (const row of rows) {
    await t.test(row.name, async () => {
      const answer = await stage.send(row.path, row.headers);
      assert.deepEqual([answer.status, answer.code, answer.challenge], [row.status, row.code, row.challenge]);
    });
  }
});

test('a token that is not a well-formed JWT is invalid_token 401, never invalid_request 400 (RFC 6750 §3.1, RFC 7515 §7.1)', async (t) => {
  const { stage, signRsa } = await startStage(t);
  const valid = await signRsa();
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  const encode = (value: unknown): string => base64url.encode(JSON.stringify(value));
  // Every row passes the b64token syntax of RFC 6750 §2.1 except the last ones, which are single malformed values.
  const rows: Array<[string, string]> = [
    ['"=" padding after a valid signature', `${valid}==`],
    ['"=" padding after the header segment', `${header}=.${payload}.${signature}`],
    ['"+" (base64, not base64url) in the header', `${header.slice(0, -1)}+.${payload}.${signature}`],
    ['"/" in the payload', `${header}.${payload.slice(0, -1)}/.${signature}`],
    ['"~" in the signature', `${header}.${payload}.${signature}~`],
    ['a header segment of impossible length (4n + 1)', `${header}A.${payload}.${signature}`],
    ['an empty header segment', `.${payload}.${signature}`],
    ['empty segments only', '..'],
    ['two segments', `${header}.${payload}`],
    ['four segments', `${valid}.${signature}`],
    ['one segment', 'opaque-but-no-introspection'],
    ['a header that is not JSON', `${base64url.encode('not json')}.${payload}.${signature}`],
    ['a header that is a JSON array', `${encode(['RS256'])}.${payload}.${signature}`],
    ['a payload that is not JSON', `${header}.${base64url.encode('not json')}.${signature}`],
    ['a payload that is a JSON string', `${header}.${encode('alice')}.${signature}`],
    ['"=" inside the token (outside b64token)', `${header}.${payload}=x.${signature}`],
    ['"!" in the token (outside b64token)', `${header}!.${payload}.${signature}`],
    ['a comma after the token (outside b64token)', `${valid},`],
  ];
  for (const [name, token] of rows) {
    await t.test(name, async () => {
      const answer = await stage.bearer(token);
      assert.equal(answer.status, 401);
      assert.match(answer.challenge ?? '', /^Bearer realm="cachet-test", error="invalid_token", error_description="/);
    });
  }
});

test('verification cache: a repeat is synchronous, still revocation-checked, and ends at exp', async (t) => {
  const { stage, clock, revocations, signRsa, rsaTokens } = await startStage(t);
  const now = rsaTokens.nowSec();
  const token = await signRsa({ jti: 'token-1', sub: 'bob', exp: now + 100 });
  const miss = await stage.bearer(token);
  assert.deepEqual([miss.status, miss.sync], [200, false]);
  const hit = await stage.bearer(token);
  assert.deepEqual([hit.status, hit.sync], [200, true]);
  // Scopes are checked per route even on a hit.
  assert.equal((await stage.bearer(token, '/v1/write')).status, 403);

  revocations.add({ jti: 'token-1', exp: now + 100 }, now);
  const revoked = await stage.bearer(token);
  assert.deepEqual(
    [revoked.status, revoked.code, revoked.challenge, revoked.sync],
    [401, 'CACHET_ERR_AUTH_REVOKED', invalidToken('token revoked'), true],
  );
  assert.equal(revocations.remove({ jti: 'token-1' }), true);
  assert.equal((await stage.bearer(token)).status, 200);

  clock.advance(131_000); // past exp + clockToleranceSec (30 s)
  const expired = await stage.bearer(token);
  assert.deepEqual([expired.status, expired.code, expired.sync], [401, 'CACHET_ERR_AUTH_EXPIRED', false]);
});

test('revocation by subject refuses tokens issued before `before`, and a token without iat', async (t) => {
  const { stage, clock, revocations, signRsa, rsaTokens } = await startStage(t);
  const now = rsaTokens.nowSec();
  const old = await signRsa({ sub: 'carol' });
  const noIat = await signRsa({ sub: 'carol', iat: undefined });
  assert.equal((await stage.bearer(old)).status, 200);
  revocations.add({ sub: 'carol', before: now + 1 }, now);
  for (const token of [old, noIat]) {
    const answer = await stage.bearer(token);
    assert.deepEqual([answer.status, answer.code, answer.challenge], [401, 'CACHET_ERR_AUTH_REVOKED', invalidToken('token revoked')]);
  }
  clock.advance(1000);
  assert.equal((await stage.bearer(await signRsa({ sub: 'carol' }))).status, 200, 'a token issued at `before` passes');
  assert.equal((await stage.bearer(await signRsa({ sub: 'dave', iat: now - 5 }))).status, 200, 'other subjects pass');
});

test('authenticator creation refuses unsafe key configuration (CACHET_ERR_CONFIG_INVALID)', () => {
  const clock = createManualClock();
  const revocations = createRevocationList();
  const rows: Array<[string, JwtProviderConfig[]]> = [
    ['HS secret under 32 bytes (RFC 7518 §3.2)', [createJwtProvider('short', ['HS256'], { type: 'secret', secret: 'x'.repeat(31) })]],
    ['HS algorithm on a public key (key confusion)', [createJwtProvider('mixed', ['RS256', 'HS256'], { type: 'public-key', key: rsaPem })]],
    ['RS algorithm on a secret', [createJwtProvider('mixed', ['RS256'], { type: 'secret', secret: hmacSecret })]],
    ['ES256 on an RSA key', [createJwtProvider('mismatch', ['ES256'], { type: 'public-key', key: rsaPem })]],
    ['unreadable public key', [createJwtProvider('bad', ['RS256'], { type: 'public-key', key: 'not a key' })]],
    [
      'HS algorithm on a JWKS',
      [createJwtProvider('jwks', ['HS256'], { type: 'jwks', uri: 'http://127.0.0.1:1/jwks', cooldownMs: 1, maxAgeMs: 1, timeoutMs: 1 })],
    ],
    ['two providers with one issuer', [providers[1] as JwtProviderConfig, providers[1] as JwtProviderConfig]],
  ];
  for (const [name, configured] of rows) {
    assert.throws(
      () => createAuthenticator(createAuthConfig(configured), { clock, revocations }),
      (error: unknown) => isCachetError(error) && error.code === 'CACHET_ERR_CONFIG_INVALID',
      name,
    );
  }
  createAuthenticator(createAuthConfig([createJwtProvider('ok', ['HS256'], { type: 'secret', secret: 'x'.repeat(32) })]), {
    clock,
    revocations,
  }).close();
});
