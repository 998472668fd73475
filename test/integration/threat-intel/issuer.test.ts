import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { createManualClock } from '../../helpers/clock.ts';
import { createTempDbPath, startTestIssuer } from './helpers.ts';

interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

async function requestToken(issuerUrl: string, fields: Record<string, string>, asForm = false): Promise<Response> {
  return fetch(`${issuerUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': asForm ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: asForm ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
  });
}

async function fetchJwks(issuerUrl: string): Promise<{ response: Response; jwks: JSONWebKeySet }> {
  const response = await fetch(`${issuerUrl}/.well-known/jwks.json`);
  return { response, jwks: (await response.json()) as JSONWebKeySet };
}

test('issuer: client credentials (JSON) give an RS256 JWT that verifies against the published JWKS (RFC 6749 §4.4, RFC 7517)', async (t) => {
  const issuer = await startTestIssuer(t, { dbPath: createTempDbPath(t) });
  const response = await requestToken(issuer.url, { client_id: 'analyst', client_secret: 'analyst-secret' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const body = (await response.json()) as TokenBody;
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 300);
  assert.equal(body.scope, 'threats:read threats:write scans:read scans:write definitions:read');

  const { response: jwksResponse, jwks } = await fetchJwks(issuer.url);
  assert.equal(jwksResponse.headers.get('cache-control'), 'public, max-age=60');
  assert.equal(jwks.keys.length, 1);
  const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
    issuer: issuer.issuer,
    audience: 'cachet-demo',
    algorithms: ['RS256'],
  });
  assert.equal(protectedHeader.kid, jwks.keys[0]!.kid);
  assert.equal(payload.sub, 'analyst');
  assert.equal(payload['scope'], body.scope);
  assert.equal(typeof payload.jti, 'string');
  assert.equal(payload.exp! - payload.iat!, 300);
  assert.equal(issuer.issuer, `http://127.0.0.1:${new URL(issuer.url).port}`);
});

test('issuer: form-encoded and HTTP Basic client authentication, scope narrowing (RFC 6749 §2.3.1, §3.3)', async (t) => {
  const issuer = await startTestIssuer(t, { dbPath: createTempDbPath(t) });
  const form = await requestToken(
    issuer.url,
    { grant_type: 'client_credentials', client_id: 'device-001', client_secret: 'device-secret' },
    true,
  );
  assert.equal(form.status, 200);
  assert.equal(((await form.json()) as TokenBody).scope, 'threats:read definitions:read');

  const basic = await fetch(`${issuer.url}/auth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('alice:alice-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=scans:read',
  });
  assert.equal(basic.status, 200);
  assert.equal(((await basic.json()) as TokenBody).scope, 'scans:read');

  const tooMuch = await requestToken(issuer.url, { client_id: 'bob', client_secret: 'bob-secret', scope: 'threats:write' });
  assert.equal(tooMuch.status, 400);
  assert.equal(((await tooMuch.json()) as { error: string }).error, 'invalid_scope');
});

test('issuer: wrong secrets, unknown clients and other grant types are refused (RFC 6749 §5.2)', async (t) => {
  const issuer = await startTestIssuer(t, { dbPath: createTempDbPath(t) });
  const cases: Array<{ fields: Record<string, string>; status: number; error: string }> = [
    { fields: { client_id: 'analyst', client_secret: 'wrong' }, status: 401, error: 'invalid_client' },
    { fields: { client_id: 'mallory', client_secret: 'analyst-secret' }, status: 401, error: 'invalid_client' },
    { fields: { client_id: 'analyst' }, status: 401, error: 'invalid_client' },
    {
      fields: { grant_type: 'password', client_id: 'analyst', client_secret: 'analyst-secret' },
      status: 400,
      error: 'unsupported_grant_type',
    },
  ];
  for (const { fields, status, error } of cases) {
    const response = await requestToken(issuer.url, fields);
    assert.equal(response.status, status, JSON.stringify(fields));
    assert.equal(((await response.json()) as { error: string }).error, error);
  }
});

test('issuer: rotation publishes current + previous key, so tokens signed before it still verify', async (t) => {
  const issuer = await startTestIssuer(t, { dbPath: createTempDbPath(t), adminToken: 'rotate-me-please-0123' });
  const before = ((await (await requestToken(issuer.url, { client_id: 'alice', client_secret: 'alice-secret' })).json()) as TokenBody)
    .access_token;
  const oldKid = decodeProtectedHeader(before).kid;

  const refused = await fetch(`${issuer.url}/admin/rotate`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
  assert.equal(refused.status, 401);
  const rotated = await fetch(`${issuer.url}/admin/rotate`, { method: 'POST', headers: { authorization: 'Bearer rotate-me-please-0123' } });
  assert.equal(rotated.status, 200);
  const { kid, previousKid } = (await rotated.json()) as { kid: string; previousKid: string };
  assert.equal(previousKid, oldKid);
  assert.notEqual(kid, oldKid);

  const after = ((await (await requestToken(issuer.url, { client_id: 'alice', client_secret: 'alice-secret' })).json()) as TokenBody)
    .access_token;
  assert.equal(decodeProtectedHeader(after).kid, kid);
  const { jwks } = await fetchJwks(issuer.url);
  assert.deepEqual(
    jwks.keys.map((key) => key.kid),
    [kid, oldKid],
  );
  const keySet = createLocalJWKSet(jwks);
  for (const token of [before, after]) {
    const { payload } = await jwtVerify(token, keySet, { issuer: issuer.issuer, audience: 'cachet-demo' });
    assert.equal(payload.sub, 'alice');
  }
});

test('issuer: without an admin token the rotate endpoint does not exist; rotateKeys() still works in-process', async (t) => {
  const issuer = await startTestIssuer(t, { dbPath: createTempDbPath(t) });
  assert.equal((await fetch(`${issuer.url}/admin/rotate`, { method: 'POST' })).status, 404);
  const { kid, previousKid } = await issuer.rotateKeys();
  assert.notEqual(kid, previousKid);
});

test('issuer: keys persist in the database, so a restarted issuer keeps its kid and old tokens verify', async (t) => {
  const dbPath = createTempDbPath(t);
  const first = await startTestIssuer(t, { dbPath });
  const token = ((await (await requestToken(first.url, { client_id: 'bob', client_secret: 'bob-secret' })).json()) as TokenBody)
    .access_token;
  const issuerName = first.issuer;
  await first.close();

  const second = await startTestIssuer(t, { dbPath, issuer: issuerName });
  const { jwks } = await fetchJwks(second.url);
  assert.deepEqual(
    jwks.keys.map((key) => key.kid),
    [decodeProtectedHeader(token).kid],
  );
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: issuerName, audience: 'cachet-demo' });
  assert.equal(payload.sub, 'bob');
});

test('issuer: the injected clock sets iat/exp; JWKS answers 304 to its own ETag (RFC 9110 §13.1.2)', async (t) => {
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  const issuer = await startTestIssuer(t, { dbPath: createTempDbPath(t), clock, tokenTtlSec: 120, issuer: 'https://auth.example.test' });
  const body = (await (await requestToken(issuer.url, { client_id: 'analyst', client_secret: 'analyst-secret' })).json()) as TokenBody;
  assert.equal(body.expires_in, 120);
  const { jwks, response } = await fetchJwks(issuer.url);
  const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
    issuer: 'https://auth.example.test',
    currentDate: new Date(clock.now()),
  });
  assert.equal(payload.iat, Date.UTC(2026, 5, 1) / 1000);
  assert.equal(payload.exp, Date.UTC(2026, 5, 1) / 1000 + 120);
  const etag = response.headers.get('etag') ?? '';
  const revalidated = await fetch(`${issuer.url}/.well-known/jwks.json`, { headers: { 'if-none-match': etag } });
  assert.equal(revalidated.status, 304);
});
