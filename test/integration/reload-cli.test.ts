/**
 * SIGHUP to the real executable: `cachet run` reloads its config file (one process and `workers: 2`) and keeps
 * serving when the file is invalid; `cachet proxy` has no file and says so. The signal never ends the process.
 */
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOrigin } from '../helpers/origin.ts';
import { send } from '../helpers/http.ts';

const BIN = new URL('../../bin/cachet.js', import.meta.url).pathname;
const ADMIN_TOKEN = 'reload-cli-admin-token-0123456789';

interface Running {
  readonly url: string;
  readonly adminUrl: string;
  readonly child: ChildProcess;
  /** Resolves once stderr holds `text` (after `from` characters). */
  waitForStderr(text: string, from?: number): Promise<string>;
  /** Resolves once stdout (the JSON log lines) holds `text`. */
  waitForStdout(text: string): Promise<string>;
  stderr(): string;
  stdout(): string;
}

async function startCli(t: TestContext, args: readonly string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const wake of waiters) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const wake of waiters) wake();
  });
  const until = (found: () => string | undefined): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const value = found();
        if (value === undefined) return;
        waiters.delete(check);
        resolve(value);
      };
      waiters.add(check);
      void exited.then(() => reject(new Error(`cachet exited: ${stderr}`)));
      check();
    });
  const line = await until(() => stdout.split('\n').find((l) => l.includes('listening on')));
  const [url = '', adminUrl = ''] = line.match(/http:\/\/[\d.]+:\d+/g) ?? [];
  return {
    url,
    adminUrl,
    child,
    waitForStderr: (text, from = 0) => until(() => (stderr.indexOf(text, from) === -1 ? undefined : stderr)),
    waitForStdout: (text) => until(() => (stdout.includes(text) ? stdout : undefined)),
    stderr: () => stderr,
    stdout: () => stdout,
  };
}

async function writeConfig(
  t: TestContext,
  lines: readonly string[],
): Promise<{ file: string; write(next: readonly string[]): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cachet-reload-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'cachet.yaml');
  const write = (next: readonly string[]): Promise<void> =>
    writeFile(
      file,
      [
        'listen: { host: 127.0.0.1, port: 0 }',
        `admin: { host: 127.0.0.1, port: 0, token: ${ADMIN_TOKEN} }`,
        'shutdown: { drainTimeoutMs: 1000 }',
        ...next,
      ].join('\n'),
    );
  await write(lines);
  return { file, write };
}

test('cachet run: SIGHUP reloads the file (new routes in force), and an invalid file is refused with every problem while the old config serves on', async (t) => {
  const origin = await startOrigin(t, (req, res) => res.end(`origin ${req.url}`));
  const upstreams = [`upstreams: { api: { targets: ['${origin.url}'] } }`];
  const config = await writeConfig(t, [...upstreams, "routes: [{ path: '/v1/*', upstream: api }]"]);
  const cli = await startCli(t, ['run', '--config', config.file]);
  assert.equal((await send(`${cli.url}/v2/a`)).status, 404);

  await config.write([...upstreams, "routes: [{ path: '/v1/*', upstream: api }, { path: '/v2/*', upstream: api }]"]);
  cli.child.kill('SIGHUP');
  await cli.waitForStderr('SIGHUP: config reloaded');
  assert.equal((await send(`${cli.url}/v2/a`)).text, 'origin /v2/a');

  const mark = cli.stderr().length;
  await config.write([...upstreams, "routes: [{ path: '/v3/*', upstream: nowhere, cache: maybe }]"]);
  cli.child.kill('SIGHUP');
  const stderr = await cli.waitForStderr('config reload refused', mark);
  assert.match(stderr.slice(mark), /\(2 problem\(s\)\)/);
  assert.match(stderr.slice(mark), /routes\[0\]\.upstream: /);
  assert.match(stderr.slice(mark), /routes\[0\]\.cache: /);
  // The log line too (written asynchronously, so possibly after the stderr line).
  assert.match(await cli.waitForStdout('config reload refused'), /routes\[0\]\.upstream: /);
  assert.equal((await send(`${cli.url}/v2/a`)).text, 'origin /v2/a', 'the old config serves on');
  assert.equal((await send(`${cli.url}/v3/a`)).status, 404);
  assert.equal(cli.child.exitCode, null, 'still running');
});

test('cachet proxy: SIGHUP says there is nothing to reload and keeps serving', async (t) => {
  const origin = await startOrigin(t, (req, res) => res.end(`origin ${req.url}`));
  const cli = await startCli(t, ['proxy', '--to', origin.url, '--port', '0']);
  cli.child.kill('SIGHUP');
  await cli.waitForStderr('nothing to reload');
  assert.equal((await send(`${cli.url}/a`)).text, 'origin /a');
  assert.equal(cli.child.exitCode, null);
});

test('workers: 2: SIGHUP and POST /reload swap every worker (a response header the new route sets is on every answer)', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    res.writeHead(200, { 'cache-control': 'no-store' });
    res.end(`origin ${req.url}`);
  });
  const base = ['workers: 2', `upstreams: { api: { targets: ['${origin.url}'] } }`];
  const config = await writeConfig(t, [...base, "routes: [{ path: '/*', upstream: api }]"]);
  const cli = await startCli(t, ['run', '--config', config.file]);
  const generationsSeen = async (): Promise<Set<string>> => {
    const seen = new Set<string>();
    // Each on a connection of its own, so the kernel spreads them over both workers.
    for (let i = 0; i < 16; i++) seen.add((await send(`${cli.url}/x`)).header('x-config') ?? 'none');
    return seen;
  };
  assert.deepEqual([...(await generationsSeen())], ['none']);

  await config.write([...base, "routes: [{ path: '/*', upstream: api, responseHeaders: { set: { x-config: two } } }]"]);
  cli.child.kill('SIGHUP');
  await cli.waitForStderr('SIGHUP: config reloaded');
  assert.deepEqual([...(await generationsSeen())], ['two']);

  await config.write([...base, "routes: [{ path: '/*', upstream: api, responseHeaders: { set: { x-config: three } } }]"]);
  const answer = await send(`${cli.adminUrl}/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(JSON.parse(answer.text), { reloaded: true });
  assert.deepEqual([...(await generationsSeen())], ['three'], 'in force in every worker once answered');

  // A worker replaced after the reload starts with the config in force.
  const listening = (): number[] =>
    cli
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"worker listening"'))
      .map((line) => (JSON.parse(line) as { workerPid: number }).workerPid);
  const [firstPid, secondPid] = listening();
  assert.ok(firstPid !== undefined && secondPid !== undefined);
  // SIGHUP to the whole group reaches the workers too: they leave it to the supervisor.
  process.kill(secondPid, 'SIGHUP');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.doesNotThrow(() => process.kill(secondPid, 0), 'a worker outlives SIGHUP');
  process.kill(firstPid, 'SIGKILL');
  for (let i = 0; i < 100 && listening().length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(listening().length, 3, 'replaced');
  assert.deepEqual([...(await generationsSeen())], ['three']);

  await config.write(['workers: 3', ...base.slice(1), "routes: [{ path: '/*', upstream: api }]"]);
  const refused = await send(`${cli.adminUrl}/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(refused.status, 422);
  assert.deepEqual(JSON.parse(refused.text).problems, ['workers changed (2 → 3): needs a restart']);
  assert.deepEqual([...(await generationsSeen())], ['three']);
});
