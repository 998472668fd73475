import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { startOrigin, type Origin, type OriginHandler } from '../helpers/origin.ts';
import { ADMIN_TOKEN, send, startGateway, type SentResponse, type StartedGateway } from '../helpers/gateway.ts';
import { rawExchange } from '../helpers/raw.ts';

/** draft-ietf-httpapi-idempotency-key-header-06 at the gateway, with the memory store (records per process). */

const SECRET = 'idempotency-test-secret-0123456789abcdef';
const ISSUER = 'https://issuer.idempotency.test';

interface Stage {
  readonly origin: Origin;
  readonly gateway: StartedGateway;
}

/** An origin that creates an order per request it sees, behind a gateway with Idempotency-Key routes. */
async function startStage(t: TestContext, handler?: OriginHandler, idempotency: Record<string, unknown> = {}): Promise<Stage> {
  const origin = await startOrigin(
    t,
    handler ??
      ((req, res, body, count) => {
        res.writeHead(201, { 'content-type': 'application/json', location: `/v1/orders/${count}`, 'x-order': String(count) });
        res.end(JSON.stringify({ id: count, method: req.method, received: body.toString() }));
      }),
  );
  const gateway = await startGateway(t, [origin.url], {
    upstream: { timeouts: { responseMs: 2000 } },
    auth: { jwt: { issuer: ISSUER, audience: 'orders', secret: SECRET, algorithms: ['HS256'] } },
    routes: [
      { path: '/v1/orders', methods: ['POST', 'GET'], upstream: 'api', idempotency: { required: true, ttlSec: 60, ...idempotency } },
      { path: '/v1/orders/*', methods: ['PATCH', 'PUT'], upstream: 'api', idempotency: { required: false, ttlSec: 60 } },
      { path: '/v1/users/*', methods: ['POST'], upstream: 'api', auth: 'jwt', idempotency: { required: true, ttlSec: 60 } },
    ],
  });
  return { origin, gateway };
}

function post(
  stage: Stage,
  key: string | undefined,
  body: string,
  path = '/v1/orders',
  extra: Record<string, string> = {},
): Promise<SentResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extra };
  if (key !== undefined) headers['idempotency-key'] = key;
  return send(`${stage.gateway.url}${path}`, { method: 'POST', headers, body });
}

function codeOf(answer: SentResponse): string {
  assert.equal(answer.header('content-type'), 'application/problem+json');
  return (JSON.parse(answer.text) as { code: string }).code;
}

function sign(subject: string): Promise<string> {
  return new SignJWT({ sub: subject })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience('orders')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
}

describe('Idempotency-Key at the gateway (memory store)', () => {
  it('runs the first request upstream and replays its response to a repeat, with Idempotent-Replayed: true, without the upstream', async (t) => {
    const stage = await startStage(t);
    const first = await post(stage, '"order-1"', '{"item":"a"}');
    assert.equal(first.status, 201);
    assert.equal(first.header('idempotent-replayed'), undefined);
    assert.match(first.header('cache-status') ?? '', /fwd=method; fwd-status=201/);
    const repeat = await post(stage, '"order-1"', '{"item":"a"}');
    assert.equal(repeat.status, 201);
    assert.equal(repeat.header('idempotent-replayed'), 'true');
    assert.equal(repeat.text, first.text);
    assert.equal(repeat.header('location'), '/v1/orders/1');
    assert.equal(repeat.header('x-order'), '1');
    assert.equal(repeat.header('content-type'), 'application/json');
    assert.equal(repeat.header('cache-status'), 'cachet; detail=idempotent-replay');
    assert.notEqual(repeat.header('x-request-id'), first.header('x-request-id'));
    assert.equal(stage.origin.count('/v1/orders'), 1);
    // The upstream saw the body as the client sent it.
    assert.equal(stage.origin.requests[0]?.body.toString(), '{"item":"a"}');
    const metrics = await send(`${stage.gateway.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.match(metrics.text, /^cachet_idempotency_requests_total\{route="\/v1\/orders",outcome="forwarded"\} 1$/m);
    assert.match(metrics.text, /^cachet_idempotency_requests_total\{route="\/v1\/orders",outcome="replayed"\} 1$/m);
  });

  it('answers 422 to the same key with another body, and keeps the first response for the right one', async (t) => {
    const stage = await startStage(t);
    assert.equal((await post(stage, '"order-2"', '{"item":"a"}')).status, 201);
    const reused = await post(stage, '"order-2"', '{"item":"b"}');
    assert.equal(reused.status, 422);
    assert.equal(codeOf(reused), 'CACHET_ERR_IDEMPOTENCY_KEY_REUSED');
    assert.equal((await post(stage, '"order-2"', '{"item":"a"}')).header('idempotent-replayed'), 'true');
    assert.equal(stage.origin.count(), 1);
  });

  it('answers 409 to a repeat while the first request is in flight, and replays once it is done', async (t) => {
    const { promise: released, resolve: release } = Promise.withResolvers<void>();
    const stage = await startStage(t, async (_req, res) => {
      await released;
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end('created');
    });
    const first = post(stage, '"slow"', 'x');
    await waitFor(() => stage.origin.count() === 1);
    const during = await post(stage, '"slow"', 'x');
    assert.equal(during.status, 409);
    assert.equal(codeOf(during), 'CACHET_ERR_IDEMPOTENCY_IN_FLIGHT');
    assert.equal(during.header('retry-after'), '1');
    release();
    assert.equal((await first).status, 201);
    const after = await post(stage, '"slow"', 'x');
    assert.equal(after.status, 201);
    assert.equal(after.header('idempotent-replayed'), 'true');
    assert.equal(stage.origin.count(), 1);
  });

  it('refuses a POST without a key on a route that requires one (400), and forwards it where the key is optional', async (t) => {
    const stage = await startStage(t);
    const missing = await post(stage, undefined, '{}');
    assert.equal(missing.status, 400);
    assert.equal(codeOf(missing), 'CACHET_ERR_IDEMPOTENCY_KEY_MISSING');
    assert.equal(stage.origin.count(), 0);
    const patch = await send(`${stage.gateway.url}/v1/orders/7`, { method: 'PATCH', body: '{}' });
    assert.equal(patch.status, 201);
    assert.equal(stage.origin.count(), 1);
  });

  it('refuses invalid keys with 400 before the upstream: a bare token, empty, over 255 characters, bad escapes, two field lines', async (t) => {
    const stage = await startStage(t);
    const invalid = ['order-1', '""', `"${'k'.repeat(256)}"`, '"a\\b"', '"unterminated', '"a" trailing', '"caf\u00e9"'];
    for (const key of invalid) {
      const answer = await post(stage, key, '{}');
      assert.equal(answer.status, 400, key);
      assert.equal(codeOf(answer), 'CACHET_ERR_IDEMPOTENCY_KEY_INVALID', key);
    }
    const twice = await send(`${stage.gateway.url}/v1/orders`, {
      method: 'POST',
      headers: [
        ['idempotency-key', '"a"'],
        ['idempotency-key', '"b"'],
      ],
      body: '{}',
    });
    assert.equal(twice.status, 400);
    assert.equal(stage.origin.count(), 0);
    // 255 characters, escapes and parameters are a valid key.
    assert.equal((await post(stage, `"${'k'.repeat(255)}"`, '{}')).status, 201);
    assert.equal((await post(stage, '"quote\\"and\\\\slash";v=1', '{}')).status, 201);
    assert.equal(stage.origin.count(), 2);
  });

  it('a refusal before the body was read closes the connection: nothing pipelined behind it is acted on', async (t) => {
    const stage = await startStage(t);
    const request = 'POST /v1/orders HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}';
    const raw = await rawExchange(stage.gateway.url, request + request);
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.match(raw, /connection: close/i);
    assert.equal(raw.match(/HTTP\/1\.1/g)?.length, 1);
    assert.equal(stage.origin.count(), 0);
  });

  it('keeps keys apart per method and route, per subject, and per request target on a prefix route', async (t) => {
    const stage = await startStage(t);
    const alice = { authorization: `Bearer ${await sign('alice')}` };
    const bob = { authorization: `Bearer ${await sign('bob')}` };
    assert.equal((await post(stage, '"k"', '{}', '/v1/users/me', alice)).status, 201);
    const bobs = await post(stage, '"k"', '{}', '/v1/users/me', bob);
    assert.equal(bobs.status, 201);
    assert.equal(bobs.header('idempotent-replayed'), undefined);
    assert.equal((await post(stage, '"k"', '{}', '/v1/users/me', alice)).header('idempotent-replayed'), 'true');
    // Another route with the same key and body is another operation.
    assert.equal((await post(stage, '"k"', '{}')).header('idempotent-replayed'), undefined);
    const patch = (path: string): Promise<SentResponse> =>
      send(`${stage.gateway.url}${path}`, { method: 'PATCH', headers: { 'idempotency-key': '"p"' }, body: '{}' });
    assert.equal((await patch('/v1/orders/1')).status, 201);
    // The same key for another resource under the prefix is a different request (the target is fingerprinted).
    assert.equal((await patch('/v1/orders/2')).status, 422);
    assert.equal(stage.origin.count(), 4);
  });

  it('leaves other methods alone: PUT and GET on an Idempotency-Key route go as they came', async (t) => {
    const stage = await startStage(t);
    const put = (): Promise<SentResponse> =>
      send(`${stage.gateway.url}/v1/orders/3`, { method: 'PUT', headers: { 'idempotency-key': 'not-checked' }, body: '{}' });
    assert.equal((await put()).status, 201);
    assert.equal((await put()).status, 201);
    assert.equal((await send(`${stage.gateway.url}/v1/orders`)).status, 201);
    assert.equal(stage.origin.count(), 3);
  });

  it('keeps a 4xx answer (the operation ran and refused), releases the key on a 5xx and on 408, 409, 425, 429', async (t) => {
    let status = 400;
    const stage = await startStage(t, (_req, res) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`status ${status}`);
    });
    assert.equal((await post(stage, '"bad"', 'x')).status, 400);
    const kept = await post(stage, '"bad"', 'x');
    assert.equal(kept.status, 400);
    assert.equal(kept.header('idempotent-replayed'), 'true');
    assert.equal(stage.origin.count(), 1);
    for (const retryable of [500, 503, 408, 409, 425, 429]) {
      status = retryable;
      const key = `"s${retryable}"`;
      assert.equal((await post(stage, key, 'x')).status, retryable);
      status = 201;
      const retried = await post(stage, key, 'x');
      assert.equal(retried.status, 201, `${retryable} released the key`);
      assert.equal(retried.header('idempotent-replayed'), undefined);
    }
    assert.equal(stage.origin.count(), 13);
  });

  it('releases the key when the upstream cannot be reached, so the retry runs', async (t) => {
    const origin = await startOrigin(t);
    const port = origin.port;
    await origin.close();
    const gateway = await startGateway(t, [`http://127.0.0.1:${port}`], {
      upstream: { retries: 0, timeouts: { connectMs: 500 } },
      routes: [{ path: '/v1/orders', upstream: 'api', idempotency: { required: true } }],
    });
    const headers = { 'idempotency-key': '"down"' };
    // The request fails (a 502, or the connection closed): either way no response head came back.
    const failed = await send(`${gateway.url}/v1/orders`, { method: 'POST', headers, body: 'x' }).catch(() => undefined);
    assert.notEqual(failed?.status, 200);
    const back = await startOrigin(t, (_req, res) => res.end('created'), port);
    const retried = await send(`${gateway.url}/v1/orders`, { method: 'POST', headers, body: 'x' });
    assert.equal(retried.status, 200);
    assert.equal(retried.header('idempotent-replayed'), undefined);
    assert.equal(back.count(), 1);
  });

  it('a response larger than maxResponseBytes reaches the client whole; its repeats are refused (409), never run again', async (t) => {
    const big = 'b'.repeat(64 * 1024);
    const stage = await startStage(
      t,
      (_req, res) => {
        res.writeHead(201, { 'content-type': 'text/plain' });
        res.write(big.slice(0, 1000));
        setTimeout(() => res.end(big.slice(1000)), 20);
      },
      { maxResponseBytes: 4096 },
    );
    const first = await post(stage, '"big"', 'x');
    assert.equal(first.status, 201);
    assert.equal(first.text, big);
    const repeat = await post(stage, '"big"', 'x');
    assert.equal(repeat.status, 409);
    assert.equal(codeOf(repeat), 'CACHET_ERR_IDEMPOTENCY_NOT_REPLAYABLE');
    assert.equal(stage.origin.count(), 1);
    // The same key with another body is still a misuse.
    assert.equal((await post(stage, '"big"', 'y')).status, 422);
  });

  it('an upstream body that breaks off is a 502 for the client; the operation ran, so its repeats are refused (409)', async (t) => {
    const stage = await startStage(t, (_req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('half');
      setTimeout(() => res.destroy(), 20);
    });
    const first = await post(stage, '"broken"', 'x');
    assert.equal(first.status, 502);
    assert.equal(codeOf(first), 'CACHET_ERR_UPSTREAM_RESPONSE');
    const repeat = await post(stage, '"broken"', 'x');
    assert.equal(repeat.status, 409);
    assert.equal(codeOf(repeat), 'CACHET_ERR_IDEMPOTENCY_NOT_REPLAYABLE');
    assert.equal(stage.origin.count(), 1);
  });

  it('without a verified subject the key belongs to the client address (X-Forwarded-For behind a trusted proxy)', async (t) => {
    const origin = await startOrigin(t, (_req, res) => res.end('created'));
    const gateway = await startGateway(t, [origin.url], {
      proxy: { trustedProxies: ['127.0.0.1'] },
      routes: [{ path: '/v1/orders', upstream: 'api', idempotency: { required: true } }],
    });
    const from = (address: string): Promise<SentResponse> =>
      send(`${gateway.url}/v1/orders`, { method: 'POST', headers: { 'idempotency-key': '"k"', 'x-forwarded-for': address }, body: 'x' });
    assert.equal((await from('192.0.2.1')).header('idempotent-replayed'), undefined);
    assert.equal((await from('192.0.2.2')).header('idempotent-replayed'), undefined);
    assert.equal((await from('192.0.2.1')).header('idempotent-replayed'), 'true');
    assert.equal(origin.count(), 2);
  });

  it('a chunked body over limits.maxBodyBytes is refused with 413 and takes no key', async (t) => {
    const origin = await startOrigin(t);
    const gateway = await startGateway(t, [origin.url], {
      limits: { maxBodyBytes: 1024 },
      routes: [{ path: '/v1/orders', upstream: 'api', idempotency: { required: true } }],
    });
    const chunk = 'x'.repeat(2000);
    const raw = await rawExchange(
      gateway.url,
      `POST /v1/orders HTTP/1.1\r\nHost: a\r\nIdempotency-Key: "big-body"\r\nTransfer-Encoding: chunked\r\n\r\n${(2000).toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    assert.match(raw, /^HTTP\/1\.1 413 /);
    assert.equal(origin.count(), 0);
    const small = await send(`${gateway.url}/v1/orders`, { method: 'POST', headers: { 'idempotency-key': '"big-body"' }, body: 'x' });
    assert.equal(small.status, 200);
    assert.equal(origin.count(), 1);
  });

  it('100 concurrent identical POSTs with one key: exactly one reaches the upstream, the others get 409 or the replay', async (t) => {
    const stage = await startStage(t, async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end('once');
    });
    const answers = await Promise.all(Array.from({ length: 100 }, () => post(stage, '"burst"', '{"n":1}')));
    assert.equal(stage.origin.count(), 1);
    const statuses = answers.map((answer) => (answer.header('idempotent-replayed') === 'true' ? 'replay' : String(answer.status)));
    assert.equal(statuses.filter((s) => s === '201').length, 1);
    assert.ok(
      statuses.every((s) => s === '201' || s === '409' || s === 'replay'),
      statuses.join(' '),
    );
  });
});

async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
