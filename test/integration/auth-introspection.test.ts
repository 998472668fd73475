import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createAuthenticator } from '../../src/auth/authenticate.ts';
import { createRevocationList } from '../../src/auth/revocation.ts';
import { createManualClock } from '../helpers/clock.ts';
import type { IntrospectionProviderConfig } from '../../src/config/types.ts';
import { startOrigin } from '../helpers/origin.ts';
import { createAuthConfig, createRoute, realm, startAuthStage } from './auth-helpers.ts';

const timeoutMs = 300;
const cacheMaxSec = 120;

/** A real RFC 7662 endpoint: answers by token; `mode` switches it to failures. */
async function startIntrospectionServer(t: TestContext, clock: { now(): number }) {
  let mode: 'answer' | 'fail' | 'hang' | 'bad-json' = 'answer';
  const nowSec = (): number => Math.floor(clock.now() / 1000);
  const startSec = nowSec();
  const origin = await startOrigin(t, (_req, res, body) => {
    if (mode === 'hang') return new Promise<void>((resolve) => res.on('close', resolve));
    if (mode === 'fail') {
      res.statusCode = 500;
      res.end();
      return undefined;
    }
    res.setHeader('content-type', 'application/json');
    if (mode === 'bad-json') {
      res.end('{"active": tru');
      return undefined;
    }
    const token = new URLSearchParams(body.toString()).get('token') ?? '';
    const answers: Record<string, object> = {
      'active-token': {
        active: true,
        sub: 'erin',
        scope: 'read write',
        exp: nowSec() + 600,
        iat: nowSec(),
        iss: 'https://as.test',
        aud: 'cachet-test',
        client_id: 'app',
        jti: 'op-1',
      },
      'short-lived': {
        active: true,
        sub: 'frank',
        scope: 'read',
        exp: startSec + cacheMaxSec + 10,
        iss: 'https://as.test',
        aud: ['x', 'cachet-test'],
      },
      'other-issuer': { active: true, sub: 'gina', exp: nowSec() + 600, iss: 'https://elsewhere.test', aud: 'cachet-test' },
      'other-audience': { active: true, sub: 'gina', exp: nowSec() + 600, iss: 'https://as.test', aud: 'someone-else' },
      expired: { active: true, sub: 'gina', exp: nowSec() - 1, iss: 'https://as.test', aud: 'cachet-test' },
      'bad-types': { active: true, sub: 5, exp: nowSec() + 600, iss: 'https://as.test', aud: 'cachet-test' },
      'a.b.c': { active: true, sub: 'jwt-shaped', exp: nowSec() + 600, iss: 'https://as.test', aud: 'cachet-test' },
    };
    res.end(JSON.stringify(answers[token] ?? { active: false }));
    return undefined;
  });
  return {
    origin,
    setMode: (next: typeof mode) => {
      mode = next;
    },
  };
}

async function startStage(t: TestContext) {
  const clock = createManualClock();
  const server = await startIntrospectionServer(t, clock);
  const provider: IntrospectionProviderConfig = {
    kind: 'introspection',
    name: 'as',
    endpoint: `${server.origin.url}/introspect`,
    clientId: 'cachet gw',
    clientSecret: 's3cret:x',
    issuer: 'https://as.test',
    audience: ['cachet-test'],
    cacheMaxSec,
    timeoutMs,
  };
  const revocations = createRevocationList();
  const authenticator = createAuthenticator(createAuthConfig([provider]), { clock, revocations });
  const stage = await startAuthStage(t, authenticator, {
    '*': createRoute(),
    '/v1/write': createRoute({ scopes: ['read', 'write'] }),
    '/v1/admin': createRoute({ scopes: ['admin'] }),
  });
  return { clock, server, stage, revocations };
}

const invalidToken = (description: string): string => `Bearer realm="${realm}", error="invalid_token", error_description="${description}"`;
const unavailable = { status: 503, code: 'CACHET_ERR_AUTH_UNAVAILABLE', challenge: undefined };

function summarize(answer: { status: number; code: string | undefined; challenge: string | undefined }) {
  return { status: answer.status, code: answer.code, challenge: answer.challenge };
}

test('introspection: active token → identity; the request follows RFC 7662 §2.1', async (t) => {
  const { server, stage } = await startStage(t);
  const answer = await stage.bearer('active-token');
  assert.deepEqual([answer.status, answer.subject], [200, 'erin']);
  const [call] = server.origin.requests;
  assert.ok(call);
  assert.equal(call.method, 'POST');
  assert.equal(call.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(call.headers['accept'], 'application/json');
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
  assert.equal(call.headers['authorization'], `Basic ${Buffer.from('cachet+gw:s3cret%3Ax').toString('base64')}`);
  assert.equal(call.body.toString(), 'token=active-token&token_type_hint=access_token');
  assert.equal((await stage.bearer('active-token', '/v1/write')).status, 200, 'scopes come from the space-separated scope');
  const denied = await stage.bearer('active-token', '/v1/admin');
  assert.deepEqual([denied.status, denied.code], [403, 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE']);
});

test('introspection: active results are cached until min(exp, now + cacheMaxSec)', async (t) => {
  const { clock, server, stage } = await startStage(t);
  assert.equal((await stage.bearer('active-token')).sync, false);
  const hit = await stage.bearer('active-token');
  assert.deepEqual([hit.status, hit.sync, server.origin.count()], [200, true, 1]);
  clock.advance(cacheMaxSec * 1000);
  assert.deepEqual([(await stage.bearer('active-token')).sync, server.origin.count()], [false, 2], 'cacheMaxSec bounds the entry');

  assert.equal((await stage.bearer('short-lived')).status, 200);
  assert.equal((await stage.bearer('short-lived')).sync, true);
  clock.advance(10_000); // reaches the token exp, well before cacheMaxSec
  const expired = await stage.bearer('short-lived');
  assert.equal(server.origin.count(), 4, 'the entry ended at the token exp, so the endpoint was asked again');
  assert.deepEqual(summarize(expired), { status: 401, code: 'CACHET_ERR_AUTH_EXPIRED', challenge: invalidToken('token expired') });
});

test('introspection: inactive tokens are refused and the refusal is cached briefly (≤ 30 s)', async (t) => {
  const { clock, server, stage } = await startStage(t);
  const refusal = { status: 401, code: 'CACHET_ERR_AUTH_INVALID_TOKEN', challenge: invalidToken('token is not active') };
  assert.deepEqual(summarize(await stage.bearer('unknown-token')), refusal);
  const again = await stage.bearer('unknown-token');
  assert.deepEqual([summarize(again), again.sync, server.origin.count()], [refusal, true, 1]);
  clock.advance(30_000);
  assert.deepEqual(summarize(await stage.bearer('unknown-token')), refusal);
  assert.equal(server.origin.count(), 2);
});

test('introspection: active tokens failing local checks are refused', async (t) => {
  const { stage } = await startStage(t);
  const rows: Array<[string, string, string]> = [
    ['other-issuer', 'CACHET_ERR_AUTH_INVALID_TOKEN', 'unexpected iss'],
    ['other-audience', 'CACHET_ERR_AUTH_INVALID_TOKEN', 'unexpected aud'],
    ['expired', 'CACHET_ERR_AUTH_EXPIRED', 'token expired'],
    ['bad-types', 'CACHET_ERR_AUTH_INVALID_TOKEN', 'sub must be a string'],
  ];
  for (const [token, code, description] of rows) {
    assert.deepEqual(summarize(await stage.bearer(token)), { status: 401, code, challenge: invalidToken(description) }, token);
  }
});

test('introspection: revocation applies to introspected identities too', async (t) => {
  const { clock, stage, revocations } = await startStage(t);
  assert.equal((await stage.bearer('active-token')).status, 200);
  revocations.add({ jti: 'op-1', exp: Math.floor(clock.now() / 1000) + 600 }, Math.floor(clock.now() / 1000));
  assert.deepEqual(summarize(await stage.bearer('active-token')), {
    status: 401,
    code: 'CACHET_ERR_AUTH_REVOKED',
    challenge: invalidToken('token revoked'),
  });
});

test('introspection: concurrent requests with one token share one call (single flight)', async (t) => {
  const { server, stage } = await startStage(t);
  const answers = await Promise.all(Array.from({ length: 5 }, () => stage.bearer('active-token')));
  assert.deepEqual(
    answers.map((answer) => answer.status),
    [200, 200, 200, 200, 200],
  );
  assert.equal(server.origin.count(), 1);
});

test('introspection: with no JWT provider, JWT-shaped tokens are introspected too', async (t) => {
  const { stage } = await startStage(t);
  const answer = await stage.bearer('a.b.c');
  assert.deepEqual([answer.status, answer.subject], [200, 'jwt-shaped']);
});

test('introspection endpoint down, failing, hanging or answering garbage → 503 quickly, never cached', async (t) => {
  const { server, stage } = await startStage(t);
  for (const mode of ['fail', 'bad-json', 'hang'] as const) {
    server.setMode(mode);
    const startedAt = performance.now();
    assert.deepEqual(summarize(await stage.bearer('active-token')), unavailable, mode);
    assert.ok(performance.now() - startedAt < timeoutMs + 700, `${mode}: answered within the timeout`);
  }
  server.setMode('answer');
  assert.equal((await stage.bearer('active-token')).status, 200, 'the outage was not cached');
  await server.origin.close();
  assert.equal((await stage.bearer('active-token')).status, 200, 'a cached result survives the outage');
  assert.deepEqual(summarize(await stage.bearer('another-token')), unavailable, 'refused connection');
});
