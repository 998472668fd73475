import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminServer } from '../../src/admin/server.ts';
import type { Revocation, RevocationList } from '../../src/auth/types.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

const TOKEN = 'integration-admin-token-42';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const JSON_AUTH = { ...AUTH, 'content-type': 'application/json' };
const NOW_SEC = 1_767_225_600; // 2026-01-01T00:00:00Z

/** A small RevocationList over Maps that records what the admin API asked of it (the real one lives in src/auth/). */
function createMapRevocations(): RevocationList & { readonly calls: string[] } {
  const byJti = new Map<string, Revocation>();
  const bySub = new Map<string, Revocation>();
  const calls: string[] = [];
  return {
    calls,
    isRevoked: () => false,
    add(entry, nowSec) {
      calls.push(`add@${nowSec}`);
      if ('jti' in entry) byJti.set(entry.jti, entry);
      else bySub.set(entry.sub, entry);
    },
    remove(selector) {
      return 'jti' in selector ? byJti.delete(selector.jti) : bySub.delete(selector.sub);
    },
    list(nowSec) {
      calls.push(`list@${nowSec}`);
      return [...byJti.values(), ...bySub.values()];
    },
  };
}

interface Admin {
  readonly url: string;
  readonly revocations: ReturnType<typeof createMapRevocations>;
}

async function startAdmin(t: TestContext, withRevocations = true): Promise<Admin> {
  const revocations = createMapRevocations();
  const server = createAdminServer({
    token: TOKEN,
    purge: async () => 0,
    health: () => ({ status: 'ok', upstreams: [] }),
    readiness: () => ({ ready: true, notReady: [] }),
    metrics: createMetrics(),
    ...(withRevocations ? { revocations, now: () => NOW_SEC * 1000 + 999 } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, revocations };
}

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  json(): Record<string, unknown>;
}

function call(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Node frames no body on DELETE by default; say its length so the server reads it.
    const headers =
      options.body === undefined ? options.headers : { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) };
    const req = http.request(`${base}${path}`, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const post = (base: string, body: unknown): Promise<Reply> =>
  call(base, '/revocations', { method: 'POST', headers: JSON_AUTH, body: JSON.stringify(body) });
const del = (base: string, body: unknown): Promise<Reply> =>
  call(base, '/revocations', { method: 'DELETE', headers: JSON_AUTH, body: JSON.stringify(body) });

function assertProblem(reply: Reply, status: number, code: string): Record<string, unknown> {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.headers['content-type'], 'application/problem+json');
  assert.equal(reply.headers['cache-control'], 'no-store');
  const problem = reply.json();
  assert.equal(problem['code'], code);
  return problem;
}

test('revocations: POST {jti, exp} and {sub, before[, exp]} → 201 {"revoked"}, then GET lists them', async (t) => {
  const admin = await startAdmin(t);
  const entries = [
    { jti: 'token-1', exp: NOW_SEC + 3600 },
    { sub: 'alice', before: NOW_SEC },
    { sub: 'bob', before: NOW_SEC, exp: NOW_SEC + 60 },
  ];
  for (const entry of entries) {
    const reply = await post(admin.url, entry);
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.equal(reply.headers['cache-control'], 'no-store');
    assert.deepEqual(reply.json(), { revoked: entry });
  }
  const list = await call(admin.url, '/revocations', { headers: AUTH });
  assert.equal(list.status, 200);
  assert.deepEqual(list.json(), { revocations: entries });
  // The injected clock reaches the list in whole unix seconds.
  assert.deepEqual(admin.revocations.calls, [`add@${NOW_SEC}`, `add@${NOW_SEC}`, `add@${NOW_SEC}`, `list@${NOW_SEC}`]);
});

test('revocations: DELETE with a body or a path (percent-decoded) → {"removed": true|false}', async (t) => {
  const admin = await startAdmin(t);
  await post(admin.url, { jti: 'a/b c', exp: NOW_SEC + 60 });
  await post(admin.url, { sub: 'alice@example.test', before: NOW_SEC });
  await post(admin.url, { jti: 'plain', exp: NOW_SEC + 60 });
  assert.deepEqual((await call(admin.url, `/revocations/jti/${encodeURIComponent('a/b c')}`, { method: 'DELETE', headers: AUTH })).json(), {
    removed: true,
  });
  assert.deepEqual((await call(admin.url, '/revocations/jti/a%2Fb%20c', { method: 'DELETE', headers: AUTH })).json(), { removed: false });
  assert.deepEqual((await call(admin.url, '/revocations/sub/alice%40example.test', { method: 'DELETE', headers: AUTH })).json(), {
    removed: true,
  });
  const body = await del(admin.url, { jti: 'plain' });
  assert.equal(body.status, 200);
  assert.deepEqual(body.json(), { removed: true });
  assert.deepEqual((await del(admin.url, { sub: 'nobody' })).json(), { removed: false });
  assert.deepEqual((await call(admin.url, '/revocations', { headers: AUTH })).json(), { revocations: [] });
});

for (const [method, path] of [
  ['GET', '/revocations'],
  ['POST', '/revocations'],
  ['DELETE', '/revocations'],
  ['DELETE', '/revocations/jti/x'],
] as const) {
  test(`revocations: ${method} ${path} without the admin token is 401 and changes nothing (RFC 6750 §3.1)`, async (t) => {
    const admin = await startAdmin(t);
    const reply = await call(admin.url, path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : '{"jti":"x","exp":1767225700}',
    });
    assertProblem(reply, 401, 'CACHET_ERR_ADMIN_UNAUTHORIZED');
    assert.equal(reply.headers['www-authenticate'], 'Bearer realm="cachet-admin"');
    const wrong = await call(admin.url, path, {
      method,
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : '{"jti":"x","exp":1767225700}',
    });
    assertProblem(wrong, 401, 'CACHET_ERR_ADMIN_UNAUTHORIZED');
    assert.deepEqual(admin.revocations.calls, []);
  });
}

const badPosts: ReadonlyArray<[string, unknown, RegExp]> = [
  ['neither jti nor sub', { exp: NOW_SEC }, /exactly one of jti or sub/],
  ['both jti and sub', { jti: 'a', sub: 'b', exp: NOW_SEC }, /not both/],
  ['jti without exp', { jti: 'a' }, /exp is required/],
  ['sub without before', { sub: 'a' }, /before is required/],
  ['exp as a string', { jti: 'a', exp: String(NOW_SEC) }, /exp must be a positive integer/],
  ['exp fractional', { jti: 'a', exp: NOW_SEC + 0.5 }, /exp must be a positive integer/],
  ['exp zero', { jti: 'a', exp: 0 }, /exp must be a positive integer/],
  ['exp negative', { jti: 'a', exp: -5 }, /exp must be a positive integer/],
  ['exp in milliseconds', { jti: 'a', exp: NOW_SEC * 1000 }, /looks like milliseconds/],
  ['before not a number', { sub: 'a', before: null }, /before must be a positive integer/],
  ['sub entry exp not an integer', { sub: 'a', before: NOW_SEC, exp: 'soon' }, /exp must be a positive integer/],
  ['empty jti', { jti: '', exp: NOW_SEC }, /jti must be a string of 1 to 256/],
  ['jti over 256 characters', { jti: 'x'.repeat(257), exp: NOW_SEC }, /jti must be a string of 1 to 256/],
  ['jti not a string', { jti: 7, exp: NOW_SEC }, /jti must be a string/],
  ['before on a jti entry', { jti: 'a', exp: NOW_SEC, before: NOW_SEC }, /Unknown field "before"/],
  ['an unknown field', { sub: 'a', before: NOW_SEC, iat: 1 }, /Unknown field "iat"/],
  ['an array', [{ jti: 'a', exp: NOW_SEC }], /JSON object/],
];

for (const [name, body, detail] of badPosts) {
  test(`revocations: POST with ${name} is 400 problem+json and adds nothing`, async (t) => {
    const admin = await startAdmin(t);
    const problem = assertProblem(await post(admin.url, body), 400, 'CACHET_ERR_ADMIN_BAD_REQUEST');
    assert.match(String(problem['detail']), detail);
    assert.deepEqual(admin.revocations.calls, []);
  });
}

test('revocations: a 256-character id is accepted (the bound is inclusive)', async (t) => {
  const admin = await startAdmin(t);
  assert.equal((await post(admin.url, { sub: 's'.repeat(256), before: NOW_SEC })).status, 201);
});

test('revocations: bad DELETE bodies and paths are 400; invalid JSON too', async (t) => {
  const admin = await startAdmin(t);
  assert.match(String(assertProblem(await del(admin.url, {}), 400, 'CACHET_ERR_ADMIN_BAD_REQUEST')['detail']), /exactly one of jti or sub/);
  assert.match(
    String(assertProblem(await del(admin.url, { jti: 'a', exp: 1 }), 400, 'CACHET_ERR_ADMIN_BAD_REQUEST')['detail']),
    /Unknown field "exp"/,
  );
  assertProblem(
    await call(admin.url, '/revocations', { method: 'DELETE', headers: JSON_AUTH, body: '{"jti":' }),
    400,
    'CACHET_ERR_ADMIN_BAD_REQUEST',
  );
  assertProblem(
    await call(admin.url, '/revocations/jti/%E0%A4%A', { method: 'DELETE', headers: AUTH }),
    400,
    'CACHET_ERR_ADMIN_BAD_REQUEST',
  );
  assertProblem(
    await call(admin.url, `/revocations/sub/${'s'.repeat(257)}`, { method: 'DELETE', headers: AUTH }),
    400,
    'CACHET_ERR_ADMIN_BAD_REQUEST',
  );
});

test('revocations: methods, media type and unknown sub-paths', async (t) => {
  const admin = await startAdmin(t);
  const put = await call(admin.url, '/revocations', { method: 'PUT', headers: JSON_AUTH, body: '{}' });
  assertProblem(put, 405, 'CACHET_ERR_ADMIN_METHOD');
  assert.equal(put.headers['allow'], 'GET, HEAD, POST, DELETE');
  const getOne = await call(admin.url, '/revocations/jti/x', { headers: AUTH });
  assertProblem(getOne, 405, 'CACHET_ERR_ADMIN_METHOD');
  assert.equal(getOne.headers['allow'], 'DELETE');
  assertProblem(await call(admin.url, '/revocations/kid/x', { method: 'DELETE', headers: AUTH }), 404, 'CACHET_ERR_ADMIN_NOT_FOUND');
  assertProblem(await call(admin.url, '/revocations/jti/a/b', { method: 'DELETE', headers: AUTH }), 404, 'CACHET_ERR_ADMIN_NOT_FOUND');
  assertProblem(
    await call(admin.url, '/revocations', { method: 'POST', headers: { ...AUTH, 'content-type': 'text/plain' }, body: '{}' }),
    415,
    'CACHET_ERR_ADMIN_MEDIA_TYPE',
  );
  const head = await call(admin.url, '/revocations', { method: 'HEAD', headers: AUTH });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
});

test('revocations: without a revocation list the path does not exist (404)', async (t) => {
  const admin = await startAdmin(t, false);
  assertProblem(await call(admin.url, '/revocations', { headers: AUTH }), 404, 'CACHET_ERR_ADMIN_NOT_FOUND');
  assertProblem(await post(admin.url, { jti: 'a', exp: NOW_SEC }), 404, 'CACHET_ERR_ADMIN_NOT_FOUND');
});
