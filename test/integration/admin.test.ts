import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminServer, MAX_ADMIN_BODY_BYTES, type AdminDeps, type AdminHealth } from '../../src/admin/server.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

const TOKEN = 'integration-admin-token-42';
const AUTH = { authorization: `Bearer ${TOKEN}` };

type Selector = Parameters<AdminDeps['purge']>[0];

interface Admin {
  readonly url: string;
  readonly purges: Array<{ selector: Selector; soft: boolean }>;
  setHealth(health: AdminHealth): void;
}

async function startAdmin(t: TestContext, options: { purgeCount?: number; failPurge?: boolean } = {}): Promise<Admin> {
  const purges: Array<{ selector: Selector; soft: boolean }> = [];
  let health: AdminHealth = { status: 'ok', upstreams: [{ name: 'api', healthy: 2, total: 2 }] };
  const metrics = createMetrics();
  metrics.recordRequest('/v1/*', 'GET', 200, 'hit', 0.001);
  metrics.recordRequest('/v1/*', 'GET', 200, 'miss', 0.02);
  const server = createAdminServer({
    token: TOKEN,
    async purge(selector, soft) {
      if (options.failPurge === true) throw new Error('store down');
      purges.push({ selector, soft });
      return options.purgeCount ?? 2;
    },
    health: () => health,
    readiness: () => ({ ready: true, notReady: [] }),
    metrics,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    purges,
    setHealth: (next) => {
      health = next;
    },
  };
}

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  json(): Record<string, unknown>;
}

/** One request on a fresh connection; `body` chunks are written one by one (chunked unless content-length is set). */
function call(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | string[] } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(`${base}${path}`, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
      });
      res.on('error', reject);
    });
    // The server may answer and close before an oversized body is fully written; the response decides.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const body = options.body;
    for (const chunk of typeof body === 'string' ? [body] : (body ?? [])) req.write(chunk);
    req.end();
  });
}

function purge(base: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return call(base, '/purge', {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** RFC 9457 §3: a problem+json body with the stable code, never stored. */
function assertProblem(reply: Reply, status: number, code: string): Record<string, unknown> {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.headers['content-type'], 'application/problem+json');
  assert.equal(reply.headers['cache-control'], 'no-store');
  assert.equal(Number(reply.headers['content-length']), Buffer.byteLength(reply.text));
  const problem = reply.json();
  assert.equal(problem['type'], 'about:blank');
  assert.equal(problem['status'], status);
  assert.equal(problem['code'], code);
  assert.equal(typeof problem['title'], 'string');
  assert.equal(typeof problem['detail'], 'string');
  return problem;
}

test('admin: GET /health needs no token and reveals no configuration', async (t) => {
  const admin = await startAdmin(t);
  const reply = await call(admin.url, '/health');
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['cache-control'], 'no-store');
  assert.deepEqual(reply.json(), { status: 'ok', upstreams: [{ name: 'api', healthy: 2, total: 2 }] });
  assert.doesNotMatch(reply.text, /http:|127\.0\.0\.1|token/i);
});

test('admin: /health copies only name, healthy and total, and answers 503 when down', async (t) => {
  const admin = await startAdmin(t);
  const leaky = { name: 'api', healthy: 0, total: 1, targets: ['http://10.0.0.1:8080'] };
  admin.setHealth({ status: 'down', upstreams: [leaky] });
  const reply = await call(admin.url, '/health');
  assert.equal(reply.status, 503);
  assert.deepEqual(reply.json(), { status: 'down', upstreams: [{ name: 'api', healthy: 0, total: 1 }] });
  admin.setHealth({ status: 'degraded', upstreams: [{ name: 'api', healthy: 1, total: 2 }] });
  assert.equal((await call(admin.url, '/health')).status, 200);
});

test('admin: HEAD /health is allowed, POST /health is 405 with Allow (RFC 9110 §15.5.6)', async (t) => {
  const admin = await startAdmin(t);
  const head = await call(admin.url, '/health', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  const post = await call(admin.url, '/health', { method: 'POST' });
  assertProblem(post, 405, 'CACHET_ERR_ADMIN_METHOD');
  assert.equal(post.headers['allow'], 'GET, HEAD');
});

for (const [method, path] of [
  ['GET', '/metrics'],
  ['POST', '/purge'],
  ['GET', '/nope'],
  ['DELETE', '/metrics'],
] as const) {
  test(`admin: ${method} ${path} without a token is 401 with a Bearer challenge (RFC 9110 §11.6.1)`, async (t) => {
    const admin = await startAdmin(t);
    const reply = await call(admin.url, path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'POST' ? '{"tag":"x"}' : undefined,
    });
    assertProblem(reply, 401, 'CACHET_ERR_ADMIN_UNAUTHORIZED');
    assert.equal(reply.headers['www-authenticate'], 'Bearer realm="cachet-admin"');
    assert.equal(admin.purges.length, 0);
  });
}

test('admin: a wrong token is 401 with error="invalid_token" (RFC 6750 §3.1) and purges nothing', async (t) => {
  const admin = await startAdmin(t);
  const reply = await purge(admin.url, { tag: 'x' }, { authorization: 'Bearer wrong' });
  assertProblem(reply, 401, 'CACHET_ERR_ADMIN_UNAUTHORIZED');
  assert.equal(reply.headers['www-authenticate'], 'Bearer realm="cachet-admin", error="invalid_token"');
  assert.equal(admin.purges.length, 0);
  const basic = await call(admin.url, '/metrics', { headers: { authorization: `Basic ${Buffer.from(`a:${TOKEN}`).toString('base64')}` } });
  assertProblem(basic, 401, 'CACHET_ERR_ADMIN_UNAUTHORIZED');
});

test('admin: GET /metrics is Prometheus text with the hit ratio first', async (t) => {
  const admin = await startAdmin(t);
  const reply = await call(admin.url, '/metrics', { headers: AUTH });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal(reply.headers['cache-control'], 'no-store');
  const firstSample = reply.text.split('\n').find((line) => line !== '' && !line.startsWith('#'));
  assert.equal(firstSample, 'cachet_cache_hit_ratio 0.5');
  assert.match(reply.text, /^cachet_requests_total\{route="\/v1\/\*",method="GET",status="200",cache="hit"\} 1$/m);
});

test('admin: unknown path with a token is 404; wrong method on /purge is 405 with Allow: POST', async (t) => {
  const admin = await startAdmin(t);
  assertProblem(await call(admin.url, '/nope', { headers: AUTH }), 404, 'CACHET_ERR_ADMIN_NOT_FOUND');
  const get = await call(admin.url, '/purge', { headers: AUTH });
  assertProblem(get, 405, 'CACHET_ERR_ADMIN_METHOD');
  assert.equal(get.headers['allow'], 'POST');
  assert.equal((await call(admin.url, '/metrics', { method: 'POST', headers: AUTH })).headers['allow'], 'GET, HEAD');
});

const selectors: ReadonlyArray<[unknown, Array<{ selector: Selector; soft: boolean }>, number]> = [
  [{ url: '/v1/threats/1' }, [{ selector: { url: '/v1/threats/1' }, soft: false }], 2],
  [{ prefix: '/v1/threats' }, [{ selector: { prefix: '/v1/threats' }, soft: false }], 2],
  [{ tag: 'threats' }, [{ selector: { tag: 'threats' }, soft: false }], 2],
  [{ tag: 'threats', soft: true }, [{ selector: { tag: 'threats' }, soft: true }], 2],
  [{ prefix: '/v1/', soft: true }, [{ selector: { prefix: '/v1/' }, soft: true }], 2],
  [
    { tags: ['a', 'b'], soft: true },
    [
      { selector: { tag: 'a' }, soft: true },
      { selector: { tag: 'b' }, soft: true },
    ],
    4,
  ],
];

for (const [body, expected, purged] of selectors) {
  test(`admin: POST /purge ${JSON.stringify(body)} → {"purged": ${purged}}`, async (t) => {
    const admin = await startAdmin(t);
    const reply = await purge(admin.url, body);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.deepEqual(reply.json(), { purged });
    assert.deepEqual(admin.purges, expected);
  });
}

const badBodies: ReadonlyArray<[string, string, RegExp]> = [
  ['invalid JSON', '{"tag":', /not valid JSON/],
  ['an empty body', '', /not valid JSON/],
  ['no selector', '{}', /exactly one of/],
  ['several selectors', '{"url":"/a","prefix":"/b"}', /Only one selector/],
  ['a wrong type', '{"tag":5}', /tag must be/],
  ['soft not boolean', '{"tag":"a","soft":"true"}', /soft must be/],
  ['an array', '[]', /JSON object/],
];

for (const [name, body, detail] of badBodies) {
  test(`admin: POST /purge with ${name} is 400 problem+json`, async (t) => {
    const admin = await startAdmin(t);
    const reply = await call(admin.url, '/purge', { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body });
    const problem = assertProblem(reply, 400, 'CACHET_ERR_ADMIN_BAD_REQUEST');
    assert.match(String(problem['detail']), detail);
    assert.equal(admin.purges.length, 0);
  });
}

test('admin: POST /purge without a JSON content type is 415 (RFC 9110 §15.5.16)', async (t) => {
  const admin = await startAdmin(t);
  assertProblem(await purge(admin.url, { tag: 'a' }, { 'content-type': 'text/plain' }), 415, 'CACHET_ERR_ADMIN_MEDIA_TYPE');
  assertProblem(await purge(admin.url, { tag: 'a' }, { 'content-encoding': 'gzip' }), 415, 'CACHET_ERR_ADMIN_MEDIA_TYPE');
  assert.equal(admin.purges.length, 0);
});

test('admin: a purge body over 64 KiB is 413, declared or streamed', async (t) => {
  const admin = await startAdmin(t);
  const big = JSON.stringify({ tag: 'x'.repeat(MAX_ADMIN_BODY_BYTES) });
  const declared = await call(admin.url, '/purge', {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json', 'content-length': String(big.length) },
    body: big,
  });
  assertProblem(declared, 413, 'CACHET_ERR_ADMIN_BODY_TOO_LARGE');
  assert.equal(declared.headers['connection'], 'close');
  const chunk = 'x'.repeat(16 * 1024);
  const streamed = await call(admin.url, '/purge', {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: ['{"tag":"', chunk, chunk, chunk, chunk, chunk, '"}'],
  });
  assertProblem(streamed, 413, 'CACHET_ERR_ADMIN_BODY_TOO_LARGE');
  assert.equal(admin.purges.length, 0);
});

test('admin: a body just under the limit is accepted', async (t) => {
  const admin = await startAdmin(t);
  const tag = 'x'.repeat(MAX_ADMIN_BODY_BYTES - '{"tag":""}'.length);
  const reply = await purge(admin.url, { tag });
  assert.equal(reply.status, 200, reply.text);
  assert.equal(admin.purges.length, 1);
});

test('admin: a failing purge is 500 problem+json without internals', async (t) => {
  const admin = await startAdmin(t, { failPurge: true });
  const reply = await purge(admin.url, { tag: 'a' });
  const problem = assertProblem(reply, 500, 'CACHET_ERR_ADMIN_INTERNAL');
  assert.doesNotMatch(String(problem['detail']), /store down/);
});
