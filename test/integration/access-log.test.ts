import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startOrigin } from '../helpers/origin.ts';
import { send } from '../helpers/gateway.ts';
import { startIssuer } from '../helpers/tokens.ts';

const BIN = new URL('../../bin/cachet.js', import.meta.url).pathname;

interface Cli {
  readonly url: string;
  /** Every stdout line so far, parsed; a line that is not JSON fails the test when read. */
  lines(): Record<string, unknown>[];
  /** Raw stdout so far. */
  stdout(): string;
  /** Stops the process (SIGTERM) and resolves with its exit code once stdout is drained. */
  stop(): Promise<number | null>;
}

/** Runs `cachet run` on a YAML config and resolves once stdout carries the JSON `listening` line. */
async function startCli(t: TestContext, config: string[]): Promise<Cli> {
  const dir = await mkdtemp(join(tmpdir(), 'cachet-access-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'cachet.yaml');
  await writeFile(file, config.join('\n'));
  const child = spawn(process.execPath, [BIN, 'run', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = once(child, 'close').then(([code]) => code as number | null);
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = (): Record<string, unknown>[] =>
    stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new Error(`stdout line is not JSON: ${line}`);
        }
      });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const listening = lines().find((line) => line.msg === 'listening');
      if (typeof listening?.url === 'string') resolve(listening.url);
    });
    void closed.then((code) => reject(new Error(`exited ${code} before listening: ${stdout}${stderr}`)));
  });
  return {
    url,
    lines,
    stdout: () => stdout,
    async stop() {
      child.kill('SIGTERM');
      return closed;
    },
  };
}

/** Waits until `count` access lines are out (a line is written when its response closes, just after the client reads it). */
async function accessLines(cli: Cli, count: number, withinMs = 2000): Promise<Record<string, unknown>[]> {
  for (const deadline = performance.now() + withinMs; performance.now() < deadline; ) {
    const access = cli.lines().filter((line) => line.msg === 'access');
    if (access.length >= count) return access;
    await delay(10);
  }
  return cli.lines().filter((line) => line.msg === 'access');
}

/** Sends raw bytes on a new connection to `cli`; resolves with everything the gateway wrote before closing it. */
async function sendRaw(cli: Cli, bytes: string): Promise<string> {
  const socket = connect(Number(new URL(cli.url).port), '127.0.0.1');
  socket.end(bytes);
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  await once(socket, 'close');
  return text;
}

function baseConfig(originUrl: string, log: string, routeExtra = ''): string[] {
  return [
    'listen: { host: 127.0.0.1, port: 0 }',
    `log: ${log}`,
    'upstreams:',
    `  api: { targets: [${originUrl}] }`,
    'routes:',
    `  - { path: /v1/*, upstream: api${routeExtra} }`,
  ];
}

test('log.access: every stdout line is JSON, one access line per request with its fields, refusals included', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=60');
    res.end('twelve bytes');
  });
  const cli = await startCli(t, baseConfig(origin.url, '{ access: true }'));
  const miss = await send(`${cli.url}/v1/a?x=1`, { headers: { 'x-request-id': 'req-one' } });
  const hit = await send(`${cli.url}/v1/a?x=1`);
  const missing = await send(`${cli.url}/elsewhere`);
  assert.deepEqual([miss.status, hit.status, missing.status], [200, 200, 404]);

  const access = await accessLines(cli, 3);
  assert.equal(access.length, 3);
  const [first, second, third] = access;
  assert.equal(typeof first?.time, 'number');
  assert.ok(typeof first?.bytes === 'number' && first.bytes > 12, 'head and body bytes written');
  assert.deepEqual(
    { ...first, time: 0, durationMs: 0, pid: 0, hostname: '', bytes: 0 },
    {
      level: 30,
      time: 0,
      pid: 0,
      hostname: '',
      name: 'cachet',
      requestId: 'req-one',
      method: 'GET',
      path: '/v1/a',
      status: 200,
      cache: 'miss',
      route: '/v1/*',
      upstream: 'api',
      target: origin.url,
      durationMs: 0,
      bytes: 0,
      msg: 'access',
    },
  );
  assert.equal(typeof first?.durationMs, 'number');
  // A hit went to no target.
  assert.deepEqual([second?.cache, second?.requestId, second?.target], ['hit', hit.header('x-request-id'), undefined]);
  assert.deepEqual([third?.status, third?.path, third?.requestId], [404, '/elsewhere', missing.header('x-request-id')]);
  assert.equal(await cli.stop(), 0);
  // Stopping adds lines (worker/drain messages): those are JSON too.
  assert.ok(cli.lines().length >= 4);
});

test('log.access: the verified subject is logged, never the token', async (t) => {
  const issuer = await startIssuer(t);
  const origin = await startOrigin(t, (_req, res) => res.end('private'));
  const cli = await startCli(t, [
    ...baseConfig(origin.url, '{ access: true }', ', auth: jwt'),
    'auth:',
    '  jwt:',
    `    issuer: ${issuer.issuer}`,
    `    jwksUri: ${issuer.jwksUri}`,
    '    audience: cachet-test',
    '    algorithms: [RS256]',
  ]);
  const token = await issuer.sign({ sub: 'alice' });
  assert.equal((await send(`${cli.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  assert.equal((await send(`${cli.url}/v1/me`, { headers: { authorization: 'Bearer not-a-valid-token-xyz' } })).status, 401);
  const access = await accessLines(cli, 2);
  assert.deepEqual(
    access.map((line) => [line.status, line.subject]),
    [
      [200, 'alice'],
      [401, undefined],
    ],
  );
  assert.ok(!cli.stdout().includes(token.split('.')[2] ?? token), 'no token signature on stdout');
  assert.ok(!cli.stdout().includes('not-a-valid-token-xyz'));
  assert.equal(await cli.stop(), 0);
});

test('log.access: accessSample 0 and a route with accessLog: false write no access line', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('ok'));
  for (const [log, routeExtra] of [
    ['{ access: true, accessSample: 0 }', ''],
    ['{ access: true }', ', accessLog: false'],
  ] as const) {
    const cli = await startCli(t, baseConfig(origin.url, log, routeExtra));
    for (let i = 0; i < 5; i++) assert.equal((await send(`${cli.url}/v1/n${i}`)).status, 200);
    // Sampling covers requests the parser refuses too; a route's switch cannot (they have no route).
    if (routeExtra === '') assert.match(await sendRaw(cli, 'GET /v1/x HTTP/1.1\r\nbad header\r\n\r\n'), /^HTTP\/1\.1 400 /);
    await delay(100);
    assert.deepEqual(
      cli.lines().filter((line) => line.msg === 'access'),
      [],
    );
    assert.equal(await cli.stop(), 0);
  }
});

test('log.access: a client that goes away mid-response is logged with aborted: true', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    // Ends well after the client has gone, which the gateway notices on its next write.
    let sent = 0;
    const ticks = setInterval(() => (++sent === 25 ? res.end('end') : res.write('more ')), 20);
    res.on('close', () => clearInterval(ticks));
  });
  const cli = await startCli(t, baseConfig(origin.url, '{ access: true }'));
  const socket = connect(Number(new URL(cli.url).port), '127.0.0.1');
  socket.write('GET /v1/slow HTTP/1.1\r\nhost: example.test\r\n\r\n');
  const [head] = (await once(socket, 'data')) as [Buffer];
  assert.match(head.toString(), /^HTTP\/1\.1 200/);
  socket.destroy();
  const [line] = await accessLines(cli, 1);
  assert.deepEqual([line?.path, line?.status, line?.aborted], ['/v1/slow', 200, true]);
  assert.ok(typeof line?.bytes === 'number' && line.bytes > 0);
  assert.equal(await cli.stop(), 0);
});

test('log.access: upgrades are logged: a tunnel with status 101 when it closes, a declined or refused upgrade when answered', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    res.end('websocket only on /v1/ws');
  });
  origin.server.on('upgrade', (req, socket) => {
    if (req.url !== '/v1/ws') {
      socket.end('HTTP/1.1 426 Upgrade Required\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (data: Buffer) => socket.write(`echo:${data.toString()}`));
    socket.on('end', () => socket.end());
  });
  const cli = await startCli(t, baseConfig(origin.url, '{ access: true }'));
  const port = Number(new URL(cli.url).port);
  const upgradeRequest = (path: string): string =>
    `GET ${path} HTTP/1.1\r\nhost: example.test\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n`;
  /** Writes `request` on a new connection; resolves with that connection and what arrived until `until` matched. */
  const open = async (
    request: string,
    until: RegExp,
    allowHalfOpen = false,
  ): Promise<{ socket: ReturnType<typeof connect>; text: string }> => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen });
    t.after(() => socket.destroy());
    socket.write(request);
    let text = '';
    for (;;) {
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      text += chunk.toString();
      if (until.test(text)) return { socket, text };
    }
  };

  // A tunnel: no line while it is open, one with status 101 once it closes, counting the bytes it carried.
  const tunnel = await open(upgradeRequest('/v1/ws'), /\r\n\r\n/);
  assert.match(tunnel.text, /^HTTP\/1\.1 101 /);
  tunnel.socket.write('ping');
  await once(tunnel.socket, 'data');
  await delay(100);
  assert.deepEqual(
    cli.lines().filter((line) => line.msg === 'access'),
    [],
    'no line while the tunnel is open',
  );
  tunnel.socket.end();
  const [tunnelled] = await accessLines(cli, 1);
  assert.deepEqual(
    [tunnelled?.method, tunnelled?.path, tunnelled?.status, tunnelled?.cache, tunnelled?.route, tunnelled?.upstream, tunnelled?.aborted],
    ['GET', '/v1/ws', 101, 'bypass', '/v1/*', 'api', undefined],
  );
  assert.ok(typeof tunnelled?.bytes === 'number' && tunnelled.bytes > Buffer.byteLength(tunnel.text) - 1, 'the 101 head and echo');
  assert.equal(tunnelled?.requestId, /x-request-id: ([^\r]+)/i.exec(tunnel.text)?.[1]);

  // Declined by the origin: logged when the answer is out; the connection goes back to HTTP and its next request is logged too.
  const declined = await open(upgradeRequest('/v1/chat'), /\r\n\r\n/);
  assert.match(declined.text, /^HTTP\/1\.1 426 /);
  declined.socket.write('GET /v1/after HTTP/1.1\r\nhost: example.test\r\n\r\n');
  // Refused by the gateway (no route): logged at once, not when its connection closes. This client keeps its side
  // open, so the gateway's side lingers for two seconds.
  const refused = await open(upgradeRequest('/elsewhere'), /\r\n\r\n/, true);
  assert.match(refused.text, /^HTTP\/1\.1 404 /);
  const lines = await accessLines(cli, 4, 1000);
  const byPath = new Map(lines.map((line) => [line.path, line]));
  assert.deepEqual(
    ['/v1/chat', '/v1/after', '/elsewhere'].map((path) => [byPath.get(path)?.status, byPath.get(path)?.cache]),
    [
      [426, 'bypass'],
      [426, 'miss'],
      [404, undefined],
    ],
  );
  assert.equal(byPath.get('/v1/chat')?.target, origin.url);
  refused.socket.destroy();
  assert.equal(await cli.stop(), 0);
});

test('log.access: requests the HTTP parser refuses are logged with their status, code and answer bytes', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('ok'));
  const cli = await startCli(t, [...baseConfig(origin.url, '{ access: true }'), 'limits: { maxHeaderBytes: 2048 }']);
  const malformed = await sendRaw(cli, 'GET /v1/x HTTP/1.1\r\nhost: example.test\r\nbad header\r\n\r\n');
  const oversized = await sendRaw(cli, `GET /v1/x HTTP/1.1\r\nhost: example.test\r\nx-filler: ${'a'.repeat(4096)}\r\n\r\n`);
  assert.match(malformed, /^HTTP\/1\.1 400 /);
  assert.match(oversized, /^HTTP\/1\.1 431 /);
  const lines = await accessLines(cli, 2);
  assert.deepEqual(
    lines.map(({ status, code, bytes, path }) => ({ status, code, bytes, path })),
    [
      { status: 400, code: 'CACHET_ERR_REQUEST_MALFORMED', bytes: Buffer.byteLength(malformed), path: undefined },
      { status: 431, code: 'CACHET_ERR_REQUEST_HEADERS_TOO_LARGE', bytes: Buffer.byteLength(oversized), path: undefined },
    ],
  );
  assert.equal(await cli.stop(), 0);
});
