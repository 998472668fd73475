import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { startOrigin } from '../helpers/origin.ts';
import { startGateway, send, type StartedGateway } from '../helpers/gateway.ts';
import { startIssuer } from '../helpers/tokens.ts';
import { connectH2, sendOnSession, startTlsGateway } from '../helpers/h2.ts';

/** One sample of the gateway's exposition (`name` or `name{labels}`), 0 when absent. */
async function sample(gateway: StartedGateway, series: string): Promise<number> {
  const line = (await gateway.gateway.metrics.render()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Polls a sample until it equals `expected` (responses close just after the client has read them). */
async function waitForSample(gateway: StartedGateway, series: string, expected: number): Promise<void> {
  for (let waited = 0; waited < 2000; waited += 10) {
    if ((await sample(gateway, series)) === expected) return;
    await delay(10);
  }
  assert.equal(await sample(gateway, series), expected, series);
}

const IN_FLIGHT = 'cachet_requests_in_flight';

test('in flight: counted from arrival until the response ends, and until the client goes away, once each', async (t) => {
  const releases: Array<() => void> = [];
  const release = async (): Promise<void> => {
    while (releases.length === 0) await delay(5);
    releases.shift()?.();
  };
  const origin = await startOrigin(t, async (_req, res) => {
    await new Promise<void>((resolve) => releases.push(resolve));
    res.end('slow');
  });
  const gateway = await startGateway(t, [origin.url], { cache: { enabled: false }, routes: [{ path: '/s/*', upstream: 'api' }] });
  assert.equal(await sample(gateway, IN_FLIGHT), 0);

  const answered = send(`${gateway.url}/s/slow`);
  await waitForSample(gateway, IN_FLIGHT, 1);
  await release();
  assert.equal((await answered).status, 200);
  await waitForSample(gateway, IN_FLIGHT, 0);

  // A client that leaves before the answer: out of flight at once, and not counted out again when the origin answers.
  const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
  await once(socket, 'connect');
  socket.write('GET /s/abandoned HTTP/1.1\r\nhost: x\r\n\r\n');
  await waitForSample(gateway, IN_FLIGHT, 1);
  // A reset: a FIN alone is a client that may still read its answer (half-close), so it stays in flight.
  socket.resetAndDestroy();
  await waitForSample(gateway, IN_FLIGHT, 0);
  await release();
  await delay(50);
  assert.equal(await sample(gateway, IN_FLIGHT), 0);

  // Refusals are in flight too while they last, and leave.
  assert.equal((await send(`${gateway.url}/elsewhere`)).status, 404);
  await waitForSample(gateway, IN_FLIGHT, 0);
});

test('bytes served by source and bytes saved: a miss counts upstream, hits count the cache as sent (304 and HEAD none)', async (t) => {
  const body = 'x'.repeat(1000);
  const origin = await startOrigin(t, (req, res) => {
    if (req.url === '/pass') {
      res.setHeader('cache-control', 'no-store');
      res.write('abc');
      res.end('de');
      return;
    }
    res.setHeader('cache-control', 'max-age=60');
    res.setHeader('etag', '"v1"');
    res.end(body);
  });
  const gateway = await startGateway(t, [origin.url]);
  const cacheBytes = 'cachet_bytes_served_total{source="cache"}';
  const upstreamBytes = 'cachet_bytes_served_total{source="upstream"}';
  const saved = 'cachet_cache_bytes_saved_total';

  assert.equal((await send(`${gateway.url}/doc`)).text, body);
  await waitForSample(gateway, upstreamBytes, 1000);
  assert.equal(await sample(gateway, cacheBytes), 0);

  assert.equal((await send(`${gateway.url}/doc`)).text, body);
  await waitForSample(gateway, cacheBytes, 1000);
  assert.equal((await send(`${gateway.url}/doc`, { method: 'HEAD' })).status, 200);
  assert.equal((await send(`${gateway.url}/doc`, { headers: { 'if-none-match': '"v1"' } })).status, 304);
  assert.equal((await send(`${gateway.url}/doc`, { headers: { range: 'bytes=0-9' } })).status, 206);
  await waitForSample(gateway, IN_FLIGHT, 0);
  // The range's part is what it sent: its ten bytes and the multipart-free framing of a single range.
  assert.equal(await sample(gateway, cacheBytes), 1010);
  assert.equal(await sample(gateway, saved), 1010);

  // A pass-through without Content-Length is chunked: its framing is counted as sent.
  assert.equal((await send(`${gateway.url}/pass`)).text, 'abcde');
  await waitForSample(gateway, IN_FLIGHT, 0);
  const passed = (await sample(gateway, upstreamBytes)) - 1000;
  assert.ok(passed >= 5 && passed <= 5 + 20, `chunked body counted as ${passed}`);
  assert.equal(await sample(gateway, saved), 1010);
});

test('auth outcomes: verified, anonymous, missing, invalid, expired and insufficient_scope, none on open routes', async (t) => {
  const issuer = await startIssuer(t);
  const origin = await startOrigin(t);
  const gateway = await startGateway(t, [origin.url], {
    auth: { jwt: { issuer: issuer.issuer, audience: 'cachet-test', jwksUri: issuer.jwksUri, algorithms: ['RS256'] } },
    routes: [
      { path: '/open/*', upstream: 'api', auth: 'none' },
      { path: '/maybe/*', upstream: 'api', auth: 'optional' },
      { path: '/admin/*', upstream: 'api', auth: 'jwt', scopes: ['admin'] },
      { path: '/*', upstream: 'api', auth: 'jwt', scopes: ['read'] },
    ],
  });
  const now = Math.floor(Date.now() / 1000);
  const token = await issuer.sign({ sub: 'alice', scope: 'read' });
  const expired = await issuer.sign({ sub: 'alice', scope: 'read', exp: now - 600, iat: now - 900 });
  const bearer = (value: string): Record<string, string> => ({ authorization: `Bearer ${value}` });

  assert.equal((await send(`${gateway.url}/open/a`)).status, 200);
  assert.equal((await send(`${gateway.url}/maybe/a`)).status, 200);
  assert.equal((await send(`${gateway.url}/a`, { headers: bearer(token) })).status, 200);
  // The second one is answered from the verification cache, synchronously: counted the same.
  assert.equal((await send(`${gateway.url}/b`, { headers: bearer(token) })).status, 200);
  assert.equal((await send(`${gateway.url}/a`)).status, 401);
  assert.equal((await send(`${gateway.url}/a`, { headers: bearer('not-a-token') })).status, 401);
  assert.equal((await send(`${gateway.url}/a`, { headers: bearer(expired) })).status, 401);
  assert.equal((await send(`${gateway.url}/admin/a`, { headers: bearer(token) })).status, 403);

  const outcome = (name: string): Promise<number> => sample(gateway, `cachet_auth_outcomes_total{outcome="${name}"}`);
  assert.equal(await outcome('verified'), 2);
  assert.equal(await outcome('anonymous'), 1);
  assert.equal(await outcome('missing'), 1);
  assert.equal(await outcome('invalid'), 1);
  assert.equal(await outcome('expired'), 1);
  assert.equal(await outcome('insufficient_scope'), 1);
  const total = (await gateway.gateway.metrics.render())
    .split('\n')
    .filter((line) => line.startsWith('cachet_auth_outcomes_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  assert.equal(total, 7, 'the open route is not counted');
});

test('bytes served over HTTP/2: streams sharing a connection count their own bytes, not the connection so far', async (t) => {
  const body = 'y'.repeat(1000);
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=60');
    res.end(body);
  });
  const gateway = await startTlsGateway(t, [origin.url]);
  const session = await connectH2(t, gateway.url);
  assert.equal((await sendOnSession(session, '/doc')).text, body);
  for (let i = 0; i < 4; i++) assert.equal((await sendOnSession(session, '/doc')).text, body);
  await waitForSample(gateway, IN_FLIGHT, 0);
  // Counted from the connection's bytes: HTTP/2 frame and field bytes come with each body, never earlier streams'.
  const fromCache = await sample(gateway, 'cachet_bytes_served_total{source="cache"}');
  assert.ok(fromCache >= 4000 && fromCache <= 4000 + 4 * 400, `four hits of 1000 bytes counted as ${fromCache}`);
  const fromUpstream = await sample(gateway, 'cachet_bytes_served_total{source="upstream"}');
  assert.ok(fromUpstream >= 1000 && fromUpstream <= 1000 + 1000, `one miss of 1000 bytes counted as ${fromUpstream}`);
});

test('bytes served on one kept-alive connection: answers counted at once (hits, 304) and at close (a miss) each count their own body', async (t) => {
  const body = 'y'.repeat(700);
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=60');
    res.setHeader('etag', '"v1"');
    res.end(body);
  });
  const gateway = await startGateway(t, [origin.url]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const sockets = new Set<unknown>();
  const get = (path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = httpGet(`${gateway.url}${path}`, { agent, headers }, (res) => {
        sockets.add(res.socket);
        let text = '';
        res.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
    });

  assert.equal((await get('/a')).text, body, 'miss');
  assert.equal((await get('/a')).text, body, 'hit');
  assert.equal((await get('/a', { 'if-none-match': '"v1"' })).status, 304);
  assert.equal((await get('/b')).text, body, 'another miss');
  assert.equal((await get('/a')).text, body, 'hit');
  assert.equal((await get('/b', { 'if-none-match': '"v1"' })).status, 304);
  assert.equal(sockets.size, 1, 'every exchange on one connection');
  await waitForSample(gateway, IN_FLIGHT, 0);
  await waitForSample(gateway, 'cachet_bytes_served_total{source="upstream"}', 1400);
  assert.equal(await sample(gateway, 'cachet_bytes_served_total{source="cache"}'), 1400);
});
