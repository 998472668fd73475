import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../src/cli/cli.ts';

const BIN = fileURLToPath(new URL('../../../bin/cachet.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const TOKEN = 'admin-token-0123456789';

const GOOD = `listen: { host: 127.0.0.1, port: 8080 }
admin:  { host: 127.0.0.1, port: 9901, token: \${CACHET_ADMIN_TOKEN} }
store:  { type: memory, maxBytes: 256MiB }
upstreams:
  api:
    targets: [http://127.0.0.1:3001, http://127.0.0.1:3002]
    healthCheck: { path: /health, intervalMs: 2000 }
routes:
  - { path: /v1/public/*, upstream: api }
  - { path: /v1/*, methods: [GET, HEAD], upstream: api, cache: false }
`;

const BAD = `listen: { port: 70000 }
upstreams:
  api: { targets: [http://127.0.0.1:3001], balancer: random }
routes:
  - { path: /*, upstream: apii, foo: 1 }
  - { path: /v1/*, upstream: api, auth: jwt }
`;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/cachet.js in a child Node (the one running the tests, so Node 24 type stripping applies). */
function runBin(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const { CACHET_ADMIN_TOKEN: _ignored, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** runCli in this process, capturing its output. */
async function runInProcess(argv: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
      },
    },
    env,
  });
  return { code, stdout, stderr };
}

function writeTemp(t: TestContext, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('bin/cachet.js is an executable node script', () => {
  assert.match(readFileSync(BIN, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  assert.doesNotThrow(() => accessSync(BIN, constants.X_OK));
});

test('cachet --version prints the package.json version', async () => {
  const run = await runBin(['--version']);
  assert.deepEqual(run, { code: 0, stdout: `${VERSION}\n`, stderr: '' });
});

test('cachet --help lists every command; help <command> lists its options', async () => {
  const general = await runBin(['--help']);
  assert.equal(general.code, 0);
  assert.equal(general.stderr, '');
  for (const usage of [
    'cachet proxy --to <origin-url>',
    'cachet run --config <file.yaml>',
    'cachet check --config <file.yaml>',
    'cachet --version',
  ]) {
    assert.ok(general.stdout.includes(usage), usage);
  }
  const proxy = await runInProcess(['help', 'proxy']);
  assert.equal(proxy.code, 0);
  for (const flag of ['--to <origin-url>', '--port <port>', '--host <host>', '--admin-port <port>', '--admin-token <token>'])
    assert.ok(proxy.stdout.includes(flag), flag);
  assert.deepEqual(await runInProcess(['proxy', '--help']), proxy);
  assert.equal((await runInProcess(['help'])).stdout, general.stdout);
});

test('cachet check of a good file: exit 0 and a config OK summary', async (t) => {
  const path = writeTemp(t, 'good.yaml', GOOD);
  const run = await runBin(['check', '--config', path], { CACHET_ADMIN_TOKEN: TOKEN });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.equal(run.stdout.split('\n')[0], `config OK: ${path}`);
  assert.match(run.stdout, /listen {2}http:\/\/127\.0\.0\.1:8080/);
  assert.match(run.stdout, /admin {3}http:\/\/127\.0\.0\.1:9901 \(token set\)/);
  assert.match(run.stdout, /store {3}memory, 256MiB \(objects up to 64MiB\)/);
  assert.match(
    run.stdout,
    /api: http:\/\/127\.0\.0\.1:3001, http:\/\/127\.0\.0\.1:3002 \(round-robin, health check \/health every 2000 ms\)/,
  );
  assert.match(run.stdout, /GET,HEAD \/v1\/\* -> api \(not cached\)/);
  assert.ok(!run.stdout.includes(TOKEN), 'the admin token is never printed');
});

test('cachet check of a bad file: exit 1 listing every problem', async (t) => {
  const path = writeTemp(t, 'bad.yaml', BAD);
  const run = await runBin(['check', '--config', path]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.equal(
    run.stderr,
    [
      `cachet: invalid configuration in ${path} (6 problems):`,
      '  - listen.port: must be between 0 and 65535 (got 70000)',
      '  - upstreams.api.balancer: must be one of round-robin, least-connections (got "random")',
      '  - routes[0].upstream: names no upstream, expected one of api (got "apii")',
      '  - routes[0].foo: unknown key, expected one of path, methods, upstream, rateLimit, auth, scopes, claims, tokenCookie, accessLog, cors, idempotency, cache, stripPrefix, upstreamHost, requestHeaders, responseHeaders',
      '  - routes[1].path: is never reached: routes[0] (/*) matches every path and comes first (first match wins), expected this route above routes[0], or removed',
      "  - routes[1].auth: 'jwt' needs a token provider, expected an auth section with jwt or providers",
      '',
    ].join('\n'),
  );
});

test('cachet check: missing variable, YAML error and missing file each exit 1 with one clear message', async (t) => {
  const good = writeTemp(t, 'good.yaml', GOOD);
  const env = await runInProcess(['check', '-c', good]);
  assert.equal(env.code, 1);
  assert.equal(
    env.stderr,
    `cachet: cannot expand variables in ${good}: admin.token: environment variable CACHET_ADMIN_TOKEN is not set, expected it set or a default as in \${CACHET_ADMIN_TOKEN:-value}\n`,
  );

  const broken = writeTemp(t, 'broken.yaml', 'listen:\n  port: 1\n  port: 2\n');
  const parse = await runInProcess(['check', '--config', broken]);
  assert.equal(parse.code, 1);
  assert.match(
    parse.stderr,
    new RegExp(`^cachet: cannot parse ${broken.replaceAll('.', '\\.')} as YAML: line 3, column 3: Map keys must be unique`),
  );

  const missing = await runInProcess(['check', '--config', '/nonexistent/cachet.yaml']);
  assert.deepEqual(missing, { code: 1, stdout: '', stderr: 'cachet: cannot read config file: /nonexistent/cachet.yaml: no such file\n' });
});

test('unknown commands and flags are usage errors: exit 2', async () => {
  const command = await runBin(['serve']);
  assert.deepEqual(command, {
    code: 2,
    stdout: '',
    stderr: "cachet: unknown command 'serve', expected proxy, run, check or help\nRun 'cachet help' for usage.\n",
  });
  const flag = await runBin(['check', '--config', 'x.yaml', '--strict']);
  assert.deepEqual(flag, {
    code: 2,
    stdout: '',
    stderr: "cachet: unknown option --strict for 'cachet check'\nRun 'cachet help check' for usage.\n",
  });
  assert.equal((await runInProcess([])).code, 2);
  assert.equal((await runInProcess(['help', 'nope'])).code, 2);
});

test('cachet proxy: bad flag values are usage errors naming the flags, before anything listens', async () => {
  const cases: Array<[string[], Record<string, string>, string[]]> = [
    [
      ['proxy', '--to', 'ftp://origin'],
      {},
      ['cachet: --to: has scheme ftp, expected an http(s) origin such as http://127.0.0.1:3000 (got "ftp://origin")'],
    ],
    [['proxy', '--to', 'http://a:1', '--port', 'http'], {}, ['cachet: --port: must be a port number between 0 and 65535 (got "http")']],
    [
      ['proxy', '--to', 'http://a:1', '--port', '70000', '--admin-port', '-'],
      {},
      [
        'cachet: --port: must be a port number between 0 and 65535 (got "70000")',
        'cachet: --admin-port: must be a port number between 0 and 65535 (got "-")',
      ],
    ],
    [
      ['proxy', '--to', 'http://a:1', '--admin-port', '9901'],
      {},
      ['cachet: --admin-token: must be at least 16 characters long when the admin API is on (got none)'],
    ],
    [
      ['proxy', '--to', 'http://a:1', '--admin-port', '9901', '--admin-token', 'short'],
      { CACHET_ADMIN_TOKEN: TOKEN },
      ['cachet: --admin-token: must be at least 16 characters long when the admin API is on (got 5)'],
    ],
    [
      ['proxy', '--to', 'http://a:1', '--admin-token', TOKEN],
      {},
      ['cachet: --admin-token: is set but the admin port is not, expected both or neither'],
    ],
    [
      ['proxy', '--to', 'http://a:1', '--host', 'bad host!'],
      {},
      ['cachet: --host: must be an IP address or a host name (got "bad host!")'],
    ],
    [
      ['proxy', '--to', 'http://a:1', '--log-level', 'loud'],
      {},
      ['cachet: --log-level: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    ],
  ];
  for (const [argv, env, lines] of cases) {
    const run = await runInProcess(argv, env);
    assert.deepEqual(run, { code: 2, stdout: '', stderr: `${lines.join('\n')}\nRun 'cachet help proxy' for usage.\n` }, argv.join(' '));
  }
});
