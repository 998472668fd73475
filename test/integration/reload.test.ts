/**
 * Live reload of the config file (`POST /reload`; SIGHUP is tested with the CLI in reload-cli.test.ts): a valid
 * file replaces routes, upstreams, auth and policies without dropping connections or the cache; an invalid one
 * is refused with every problem and the old config serves on.
 */
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startOrigin } from '../helpers/origin.ts';
import { send, type SentResponse } from '../helpers/http.ts';

const ADMIN_TOKEN = 'reload-admin-token-0123456789';
const METRICS_TOKEN = 'reload-metrics-token-0123456789';
const SECRET = 'reload-test-secret-that-is-32-bytes-long!';

interface Reloadable {
  readonly gateway: Gateway;
  readonly url: string;
  readonly adminUrl: string;
  /** Replaces the config file (the listen and admin sections are added). */
  write(raw: Record<string, unknown>): Promise<void>;
  reload(token?: string): Promise<SentResponse>;
  logs(): string;
}

/** A gateway started from a file in a temporary folder, with its log captured; `POST /reload` reads the file again. */
async function startFromFile(t: TestContext, raw: Record<string, unknown>): Promise<Reloadable> {
  const dir = await mkdtemp(join(tmpdir(), 'cachet-reload-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'cachet.yaml');
  const write = (next: Record<string, unknown>): Promise<void> =>
    writeFile(
      file,
      JSON.stringify({
        listen: { host: '127.0.0.1', port: 0 },
        admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN, metricsToken: METRICS_TOKEN },
        log: { level: 'info' },
        ...next,
      }),
    );
  await write(raw);
  let logged = '';
  const logger = createLogger('info', {
    write: (line: string) => {
      logged += line;
    },
  });
  const loadConfig = () => loadConfigFile(file);
  const gateway = await createGateway(await loadConfig(), { logger, loadConfig });
  const { url, adminUrl } = await gateway.listen();
  t.after(() => gateway.close());
  return {
    gateway,
    url,
    adminUrl: adminUrl ?? '',
    write,
    reload: (token = ADMIN_TOKEN) => send(`${adminUrl}/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }),
    logs: () => logged,
  };
}

/** GETs on one keep-alive connection: answers with whether each reused the connection of the one before. */
function createKeepAliveClient(t: TestContext, base: string): (path: string) => Promise<{ status: number; body: string; reused: boolean }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  return (path) =>
    new Promise((resolve, reject) => {
      const req = http.get(`${base}${path}`, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
      });
      req.on('error', reject);
    });
}

function assertReloaded(answer: SentResponse): void {
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(JSON.parse(answer.text), { reloaded: true });
}

function answerWith(name: string): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    res.writeHead(200, { 'cache-control': req.url?.includes('cached') ? 'max-age=60' : 'no-store' });
    res.end(`${name} ${req.url}`);
  };
}

test('a keep-alive connection opened before the reload stays open, and its next request follows the new routes and target', async (t) => {
  const before = await startOrigin(t, answerWith('before'));
  const after = await startOrigin(t, answerWith('after'));
  const gw = await startFromFile(t, {
    upstreams: { api: { targets: [before.url] } },
    routes: [{ path: '/v1/*', upstream: 'api' }],
  });
  const get = createKeepAliveClient(t, gw.url);
  assert.equal((await get('/v1/a')).body, 'before /v1/a');
  assert.equal((await get('/v2/a')).status, 404, 'no /v2 route yet');

  await gw.write({
    upstreams: { api: { targets: [after.url] } },
    routes: [
      { path: '/v1/*', upstream: 'api' },
      { path: '/v2/*', upstream: 'api' },
    ],
  });
  const reloaded = await gw.reload();
  assert.equal(reloaded.status, 200);
  assert.deepEqual(JSON.parse(reloaded.text), { reloaded: true });

  const v2 = await get('/v2/a');
  assert.equal(v2.reused, true, 'the same connection');
  assert.equal(v2.status, 200);
  assert.equal(v2.body, 'after /v2/a', 'the new route, to the new target');
  assert.equal((await send(`${gw.url}/v1/b`)).text, 'after /v1/b', 'new connections too');
  assert.equal(before.count('/v1/b'), 0);
});

test('the cache survives a reload: a hit before is a hit after, on the same route', async (t) => {
  const before = await startOrigin(t, answerWith('before'));
  const after = await startOrigin(t, answerWith('after'));
  const gw = await startFromFile(t, { upstreams: { api: { targets: [before.url] } }, routes: [{ path: '/*', upstream: 'api' }] });
  await send(`${gw.url}/cached`);
  assert.match((await send(`${gw.url}/cached`)).header('cache-status') ?? '', /hit/);

  await gw.write({
    upstreams: { api: { targets: [after.url] } },
    routes: [{ path: '/*', upstream: 'api', responseHeaders: { set: { 'x-config': 'two' } } }],
  });
  assertReloaded(await gw.reload());
  const hit = await send(`${gw.url}/cached`);
  assert.match(hit.header('cache-status') ?? '', /hit/);
  assert.equal(hit.text, 'before /cached', 'served from the store the first config filled');
  assert.equal(hit.header('x-config'), 'two', 'with the new route’s response edits');
  assert.equal(after.count('/cached'), 0);
});

test('auth turned on by a reload: a request without a token gets 401, one with a valid token passes', async (t) => {
  const origin = await startOrigin(t, answerWith('origin'));
  const gw = await startFromFile(t, { upstreams: { api: { targets: [origin.url] } }, routes: [{ path: '/*', upstream: 'api' }] });
  assert.equal((await send(`${gw.url}/private`)).status, 200);

  await gw.write({
    upstreams: { api: { targets: [origin.url] } },
    routes: [{ path: '/*', upstream: 'api', auth: 'jwt' }],
    auth: { jwt: { issuer: 'https://issuer.test', audience: 'api', secret: SECRET, algorithms: ['HS256'] } },
  });
  assertReloaded(await gw.reload());
  const refused = await send(`${gw.url}/private`);
  assert.equal(refused.status, 401);
  assert.equal(JSON.parse(refused.text).code, 'CACHET_ERR_AUTH_MISSING');
  const token = await new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://issuer.test')
    .setAudience('api')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
  assert.equal((await send(`${gw.url}/private`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
});

test('an invalid file is refused with every problem, logged and answered, and the old config serves on', async (t) => {
  const origin = await startOrigin(t, answerWith('origin'));
  const gw = await startFromFile(t, { upstreams: { api: { targets: [origin.url] } }, routes: [{ path: '/v1/*', upstream: 'api' }] });

  await gw.write({
    upstreams: { api: { targets: [origin.url], balancer: 'random' } },
    routes: [{ path: '/v2/*', upstream: 'missing' }],
  });
  const refused = await gw.reload();
  assert.equal(refused.status, 422);
  assert.equal(refused.header('content-type'), 'application/problem+json');
  const problem = JSON.parse(refused.text) as { code: string; problems: string[] };
  assert.equal(problem.code, 'CACHET_ERR_CONFIG_RELOAD_REFUSED');
  assert.equal(problem.problems.length, 2, problem.problems.join('\n'));
  assert.ok(problem.problems.some((line) => line.startsWith('upstreams.api.balancer:')));
  assert.ok(problem.problems.some((line) => line.startsWith('routes[0].upstream:')));
  for (const line of problem.problems) assert.ok(gw.logs().includes(JSON.stringify(line).slice(1, -1)), `logged: ${line}`);

  assert.equal((await send(`${gw.url}/v1/a`)).text, 'origin /v1/a', 'the old routes serve on');
  assert.equal((await send(`${gw.url}/v2/a`)).status, 404);

  await gw.write({
    listen: { host: '127.0.0.1', port: 1 },
    upstreams: { api: { targets: [origin.url] } },
    routes: [{ path: '/*', upstream: 'api' }],
  });
  const restart = JSON.parse((await gw.reload()).text) as { problems: string[] };
  assert.deepEqual(restart.problems, ['listen.port changed (0 → 1): needs a restart']);
  assert.equal((await send(`${gw.url}/v2/a`)).status, 404, 'refused as a whole: the new routes are not in force either');

  const metrics = (await send(`${gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text;
  assert.match(metrics, /cachet_config_reloads_total\{result="refused"\} 2/);
  assert.match(metrics, /cachet_config_reloads_total\{result="ok"\} 0/);
  assert.match(metrics, /cachet_config_last_reload_success_timestamp_seconds \d/);
});

test('POST /reload takes the admin token only, and a reload rotates the admin tokens', async (t) => {
  const origin = await startOrigin(t, answerWith('origin'));
  const gw = await startFromFile(t, { upstreams: { api: { targets: [origin.url] } }, routes: [{ path: '/*', upstream: 'api' }] });
  assert.equal((await gw.reload(METRICS_TOKEN)).status, 403);
  assert.equal((await gw.reload('wrong')).status, 401);
  assert.equal((await send(`${gw.adminUrl}/reload`)).status, 401);

  await gw.write({
    admin: { host: '127.0.0.1', port: 0, token: 'rotated-admin-token-0123456789' },
    upstreams: { api: { targets: [origin.url] } },
    routes: [{ path: '/*', upstream: 'api' }],
  });
  assertReloaded(await gw.reload());
  assert.equal((await gw.reload()).status, 401, 'the old token is refused');
  assert.equal((await gw.reload(METRICS_TOKEN)).status, 401, 'the metrics token is gone');
  assert.equal((await gw.reload('rotated-admin-token-0123456789')).status, 200);
});

test('a request in flight on the old config completes after the reload replaced its upstream', async (t) => {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrived: () => void = () => undefined;
  const slowArrived = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const before = await startOrigin(t, async (req, res) => {
    if (req.url === '/slow') {
      arrived();
      res.writeHead(200, { 'cache-control': 'no-store' });
      res.write('first half, ');
      await released;
    }
    res.end(`before ${req.url}`);
  });
  const after = await startOrigin(t, answerWith('after'));
  const gw = await startFromFile(t, { upstreams: { api: { targets: [before.url] } }, routes: [{ path: '/*', upstream: 'api' }] });
  const slow = send(`${gw.url}/slow`);
  await slowArrived;

  await gw.write({ upstreams: { api: { targets: [after.url] } }, routes: [{ path: '/*', upstream: 'api' }] });
  assertReloaded(await gw.reload());
  assert.equal((await send(`${gw.url}/next`)).text, 'after /next');
  release();
  const answer = await slow;
  assert.equal(answer.status, 200);
  assert.equal(answer.text, 'first half, before /slow');
});

test('concurrent reloads are answered one after the other; rate limits and idempotency are rebuilt each time', async (t) => {
  const origin = await startOrigin(t, answerWith('origin'));
  const raw = (limit: number) => ({
    upstreams: { api: { targets: [origin.url] } },
    rateLimits: { burst: { limit, windowSec: 60, by: 'ip' } },
    routes: [
      { path: '/orders', methods: ['POST'], upstream: 'api', idempotency: { required: false, ttlSec: 60 } },
      { path: '/*', upstream: 'api', rateLimit: 'burst' },
    ],
  });
  const gw = await startFromFile(t, raw(100));
  assert.equal((await send(`${gw.url}/x`)).status, 200);
  await gw.write(raw(1));
  const answers = await Promise.all([gw.reload(), gw.reload(), gw.reload()]);
  for (const answer of answers) assertReloaded(answer);
  const metrics = (await send(`${gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text;
  assert.match(metrics, /cachet_config_reloads_total\{result="ok"\} 3/);
  assert.equal(metrics.match(/^# TYPE cachet_rate_limit_requests_total /gm)?.length, 1, 'the new limiter’s counters, once');
  assert.equal(metrics.match(/^# TYPE cachet_idempotency_requests_total /gm)?.length, 1);
  assert.equal((await send(`${gw.url}/y`)).status, 200);
  assert.equal((await send(`${gw.url}/y`)).status, 429, 'the new limit is in force');
});
