import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/load.ts';
import { DemoError } from '../../../examples/demo/errors.ts';
import { renderCachetConfig, type DemoGatewayPlan } from '../../../examples/demo/cachet-config.ts';
import { DEFAULT_PORTS, findDuplicatePorts, parsePort, resolvePorts } from '../../../examples/demo/ports.ts';
import { parseStartOptions, START_USAGE } from '../../../examples/demo/start-options.ts';
import { parseLoadOptions, parseShare } from '../../../examples/demo/load/options.ts';
import { startDemoStack } from '../../../examples/demo/stack.ts';
import { spawnChild } from '../../../examples/demo/children.ts';
import { FREE_PORTS } from './helpers.ts';

const START_SCRIPT = new URL('../../../examples/demo/start.ts', import.meta.url).pathname;

test('parsePort: digits 0-65535 only (RFC 6335 §6 port range)', () => {
  const cases: [string, number | undefined][] = [
    ['8080', 8080],
    ['0', 0],
    ['65535', 65535],
    [' 3000 ', 3000],
    ['65536', undefined],
    ['-1', undefined],
    ['80a', undefined],
    ['', undefined],
    ['8e3', undefined],
    ['1.5', undefined],
    ['0x50', undefined],
  ];
  for (const [text, expected] of cases) {
    const parsed = parsePort(text);
    assert.deepEqual(parsed.ok ? parsed.port : undefined, expected, JSON.stringify(text));
  }
});

test('findDuplicatePorts: one port for two roles is a problem; zeros never clash', () => {
  assert.deepEqual(findDuplicatePorts(DEFAULT_PORTS), []);
  assert.deepEqual(findDuplicatePorts({ ...DEFAULT_PORTS, cachet: 0, admin: 0 }), []);
  const problems = findDuplicatePorts({ ...DEFAULT_PORTS, admin: 8080 });
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /port 8080 is given to both cachet and admin/);
});

test('resolvePorts: a busy port is one clear line naming the setting to change, and zeros become distinct free ports', async (t) => {
  const blocker = createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.after(() => blocker.close());
  const busy = (blocker.address() as { port: number }).port;
  const result = await resolvePorts('127.0.0.1', { ...FREE_PORTS, issuer: busy });
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.problems.length, 1);
    assert.match(
      result.problems[0] ?? '',
      new RegExp(`cannot use port ${busy} for issuer on 127\\.0\\.0\\.1: address already in use; set --issuer-port or ISSUER_PORT`),
    );
  }
  const free = await resolvePorts('127.0.0.1', FREE_PORTS);
  assert.ok(free.ok);
  if (free.ok) {
    const ports = Object.values(free.ports);
    assert.equal(new Set(ports).size, ports.length);
    assert.ok(ports.every((port) => port > 0));
  }
});

test('startDemoStack refuses a busy port with CACHET_ERR_DEMO_PORT before spawning anything', async (t) => {
  const blocker = createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.after(() => blocker.close());
  const busy = (blocker.address() as { port: number }).port;
  const startedAt = performance.now();
  await assert.rejects(startDemoStack({ ports: { ...FREE_PORTS, cachet: busy } }), (err: unknown) => {
    assert.ok(err instanceof DemoError);
    assert.equal(err.code, 'CACHET_ERR_DEMO_PORT');
    assert.match(err.message, /address already in use/);
    return true;
  });
  // No child was started: generating definitions alone would take longer than this.
  assert.ok(performance.now() - startedAt < 1000);
});

test('parseStartOptions: flags win over the environment, which wins over defaults; every problem is listed', () => {
  const ok = parseStartOptions(['--port', '0', '--origin-ports', '4001,4002,4003'], {
    CACHET_PORT: '9000',
    ISSUER_PORT: '4000',
    DEFINITIONS_BYTES: '512KiB',
  });
  assert.equal(ok.kind, 'ok');
  if (ok.kind === 'ok') {
    assert.deepEqual(ok.options.ports, {
      cachet: 0,
      admin: 9901,
      issuer: 4000,
      'origin-1': 4001,
      'origin-2': 4002,
      'origin-3': 4003,
      'cachet-2': 8081,
      'admin-2': 9902,
      redis: 0,
    });
    assert.equal(ok.options.redis, undefined, 'without --redis: one instance on the memory store, as before');
    assert.equal(ok.options.definitionsBytes, 512 * 1024);
  }
  assert.equal(parseStartOptions(['--help'], {}).kind, 'help');
  const bad = parseStartOptions(['--port', 'http', '--origin-ports', '1,2'], {
    CACHET_ADMIN_PORT: '70000',
    DEFINITIONS_BYTES: '5Mb',
    CACHET_ADMIN_TOKEN: 'short',
  });
  assert.equal(bad.kind, 'error');
  if (bad.kind === 'error') {
    assert.equal(bad.problems.length, 5);
    assert.match(bad.problems.join('\n'), /--port: expected an integer from 0 to 65535 \(got "http"\)/);
    assert.match(bad.problems.join('\n'), /CACHET_ADMIN_PORT: expected an integer/);
  }
  const unknown = parseStartOptions(['--prot', '1'], {});
  assert.equal(unknown.kind, 'error');
});

test('parseStartOptions: --redis starts a private redis-server, --redis-url uses a running one; scale-out flags need one of them', () => {
  const private_ = parseStartOptions(['--redis', '--port-2', '8181', '--admin-port-2', '0'], { REDIS_PORT: '6390' });
  assert.equal(private_.kind, 'ok');
  if (private_.kind === 'ok') {
    assert.equal(private_.options.redis, 'private');
    assert.equal(private_.options.ports['cachet-2'], 8181);
    assert.equal(private_.options.ports['admin-2'], 0);
    assert.equal(private_.options.ports.redis, 6390);
  }
  const external = parseStartOptions(['--redis-url', 'redis://:secret@10.0.0.5:6380/0'], {});
  assert.deepEqual(external.kind === 'ok' ? external.options.redis : undefined, { url: 'redis://:secret@10.0.0.5:6380/0' });
  const bad = parseStartOptions(['--redis-url', 'http://10.0.0.5:6379', '--redis-port', '1'], {});
  assert.deepEqual(bad.kind === 'error' ? bad.problems : [], [
    '--redis-port: not used with --redis-url (no redis-server is started)',
    '--redis-url: expected redis://host:port or rediss://host:port (got "http://10.0.0.5:6379")',
  ]);
  const stray = parseStartOptions(['--port-2', '8081'], {});
  assert.deepEqual(stray.kind === 'error' ? stray.problems : [], ['--port-2: only used with --redis or --redis-url']);
  // The environment alone never turns scale-out on, nor complains when it is off.
  assert.equal(parseStartOptions([], { CACHET_PORT_2: '8181', REDIS_PORT: '7000' }).kind, 'ok');
  assert.match(START_USAGE, /--redis +start a private redis-server .*apt-get install redis-server/);
});

test('npm start -- --redis without redis-server on PATH exits 1 with how to get one, before starting anything', async () => {
  const child = spawn(process.execPath, [START_SCRIPT, '--redis'], {
    env: { ...process.env, PATH: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 1, stderr);
  assert.match(stderr, /demo: redis-server was not found on PATH/);
  assert.match(stderr, /apt-get install redis-server/);
  assert.match(stderr, /--redis-url redis:\/\/127\.0\.0\.1:6379/);
  assert.doesNotMatch(stderr, /\[(issuer|origin-\d|cachet)/, 'nothing was started');
});

test('startDemoStack with a Redis URL nothing answers at is CACHET_ERR_DEMO_REDIS before spawning anything', async () => {
  const closed = createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve));
  const ports = { ...FREE_PORTS, 'cachet-2': 0, 'admin-2': 0 };
  const attempt = startDemoStack({ ports, definitionsBytes: 1024, redis: { url: `redis://127.0.0.1:${port}` } }).then(async (stack) => {
    await stack.stop();
    throw new Error('the stack started without a reachable Redis');
  });
  await assert.rejects(attempt, (err: unknown) => {
    assert.ok(err instanceof DemoError);
    assert.equal(err.code, 'CACHET_ERR_DEMO_REDIS');
    assert.match(err.message, new RegExp(`cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    return true;
  });
});

test('parseLoadOptions: defaults reproduce the claims run (1,000 devices); bad values are listed', () => {
  const defaults = parseLoadOptions([], {});
  assert.equal(defaults.kind, 'ok');
  if (defaults.kind === 'ok') {
    assert.equal(defaults.options.devices, 1000);
    assert.equal(defaults.options.definitionsBytes, 50 * 1024 * 1024);
    assert.equal(defaults.options.gatewayUrl, undefined);
  }
  const custom = parseLoadOptions(['--devices', '20', '--interval', '500ms', '--fresh', '10%', '--gateway', 'http://127.0.0.1:8080/'], {
    DEMO_ROUNDS: '2',
  });
  assert.equal(custom.kind, 'ok');
  if (custom.kind === 'ok') {
    assert.deepEqual(
      [custom.options.devices, custom.options.rounds, custom.options.intervalMs, custom.options.freshShare, custom.options.gatewayUrl],
      [20, 2, 500, 0.1, 'http://127.0.0.1:8080'],
    );
  }
  const bad = parseLoadOptions(['--devices', '0', '--interval', 'soon', '--fresh', '150%', '--gateway', 'ftp://x'], {});
  assert.equal(bad.kind, 'error');
  if (bad.kind === 'error') assert.equal(bad.problems.length, 4);
});

test('parseShare: a fraction or a percentage between 0 and 1', () => {
  const cases: [string, number | undefined][] = [
    ['0.02', 0.02],
    ['2%', 0.02],
    ['0', 0],
    ['1', 1],
    ['100%', 1],
    ['1.5', undefined],
    ['-1', undefined],
    ['lots', undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parseShare(text), expected, text);
});

const GATEWAY_PLAN: DemoGatewayPlan = {
  host: '127.0.0.1',
  port: 8080,
  adminPort: 9901,
  issuerUrl: 'http://127.0.0.1:3000',
  originUrls: ['http://127.0.0.1:3001', 'http://127.0.0.1:3002', 'http://127.0.0.1:3003'],
  definitionsBytes: 80 * 1024 * 1024,
  logLevel: 'warn',
};

test("renderCachetConfig: the generated file passes cachet's own validation, with the routes and scopes the tour relies on", () => {
  const yaml = renderCachetConfig(GATEWAY_PLAN);
  assert.doesNotMatch(yaml, /a-long-enough-admin-token/, 'the token stays out of the file');
  const config = parseConfig(yaml, { CACHET_ADMIN_TOKEN: 'a-long-enough-admin-token' });
  assert.equal(config.admin?.token, 'a-long-enough-admin-token');
  assert.deepEqual(config.upstreams['api']?.targets, ['http://127.0.0.1:3001', 'http://127.0.0.1:3002', 'http://127.0.0.1:3003']);
  assert.ok(config.upstreams['api']?.healthCheck !== undefined);
  assert.ok(config.store.maxObjectBytes > 80 * 1024 * 1024, 'the definitions fit in one entry');
  const scopesOf = (path: string, method: string): readonly string[] | undefined =>
    config.routes.find((route) => route.path === path && (route.methods?.includes(method) ?? true))?.scopes;
  assert.deepEqual(scopesOf('/v1/virus-definitions', 'GET'), ['definitions:read']);
  assert.deepEqual(scopesOf('/v1/threats/*', 'GET'), ['threats:read']);
  assert.deepEqual(scopesOf('/v1/threats/*', 'PUT'), ['threats:write']);
  assert.deepEqual(scopesOf('/v1/users/me/*', 'POST'), ['scans:write']);
  assert.equal(config.routes.find((route) => route.path === '/auth/*')?.cache, false);
});

test('renderCachetConfig with a Redis URL: the redis store, the definitions fitting in one entry and in the memory tier', () => {
  const yaml = renderCachetConfig({ ...GATEWAY_PLAN, redisUrl: 'redis://127.0.0.1:6390' });
  const { store } = parseConfig(yaml, { CACHET_ADMIN_TOKEN: 'a-long-enough-admin-token' });
  assert.equal(store.type, 'redis');
  if (store.type === 'redis') {
    assert.equal(store.url, 'redis://127.0.0.1:6390');
    assert.ok(store.maxObjectBytes > 80 * 1024 * 1024);
    assert.ok(store.memory.maxBytes >= 2 * store.maxObjectBytes, 'the memory tier holds the definitions');
  }
});

test('spawnChild: a child that dies before its listening line is CACHET_ERR_DEMO_START with its last output; a ready one stops on SIGTERM', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cachet-demo-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const failing = join(dir, 'failing.mjs');
  await writeFile(failing, 'console.error("cannot open the database: disk full"); process.exit(3);\n');
  await assert.rejects(spawnChild({ name: 'origin-9', script: failing, args: [] }), (err: unknown) => {
    assert.ok(err instanceof DemoError);
    assert.equal(err.code, 'CACHET_ERR_DEMO_START');
    assert.match(err.message, /^origin-9 exited \(code 3\) before it was ready/);
    assert.match(err.message, /cannot open the database: disk full/);
    return true;
  });
  const serving = join(dir, 'serving.mjs');
  await writeFile(
    serving,
    [
      'import http from "node:http";',
      'const server = http.createServer((req, res) => res.end("ok")).listen(0, "127.0.0.1", () => console.log(`svc listening on http://127.0.0.1:${server.address().port}`));',
      'process.on("SIGTERM", () => server.close(() => process.exit(0)));',
    ].join('\n'),
  );
  const child = await spawnChild({ name: 'svc', script: serving, args: [] });
  t.after(() => child.stop());
  assert.match(child.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await (await fetch(child.url)).text(), 'ok');
  assert.deepEqual(await child.stop(), { code: 0, signal: null });
  assert.equal(child.isRunning(), false);
});
