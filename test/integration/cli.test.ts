import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOrigin } from '../helpers/origin.ts';
import { send } from '../helpers/gateway.ts';

const BIN = new URL('../../bin/cachet.js', import.meta.url).pathname;

/** Starts the real executable and resolves with the first URL it prints on its `listening` line. */
async function startCli(
  t: import('node:test').TestContext,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ url: string; exited: Promise<number | null>; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.includes('listening'));
      const match = line?.match(/http:\/\/[\d.]+:\d+/);
      if (match) resolve(match[0]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`exited ${code}: ${output}`)));
  });
  return { url, exited, child };
}

test('cachet proxy --to caches, and SIGTERM drains and exits 0', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=60');
    res.end('from origin');
  });
  const { url, exited, child } = await startCli(t, ['proxy', '--to', origin.url, '--port', '0']);
  assert.equal((await send(`${url}/x`)).text, 'from origin');
  const hit = await send(`${url}/x`);
  assert.match(hit.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(origin.count('/x'), 1);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('cachet run --config serves the configured routes and admin API', async (t) => {
  const origin = await startOrigin(t, (req, res) => res.end(`seen ${req.url}`));
  const dir = await mkdtemp(join(tmpdir(), 'cachet-'));
  const file = join(dir, 'cachet.yaml');
  await writeFile(
    file,
    [
      'listen: { host: 127.0.0.1, port: 0 }',
      'admin: { host: 127.0.0.1, port: 0, token: ${TEST_ADMIN_TOKEN} }',
      'upstreams:',
      '  api:',
      `    targets: [${origin.url}]`,
      'routes:',
      '  - path: /v1/*',
      '    upstream: api',
    ].join('\n'),
  );
  const { url, exited, child } = await startCli(t, ['run', '--config', file], { TEST_ADMIN_TOKEN: 'a-very-long-admin-token' });
  assert.equal((await send(`${url}/v1/a`)).text, 'seen /v1/a');
  assert.equal((await send(`${url}/other`)).status, 404);
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});

test('cachet check and cachet run refuse a config whose routes shadow one another, naming both routes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cachet-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'cachet.yaml');
  await writeFile(
    file,
    [
      'listen: { host: 127.0.0.1, port: 0 }',
      'upstreams:',
      '  api: { targets: [http://127.0.0.1:3001] }',
      '  legacy: { targets: [http://127.0.0.1:3002] }',
      'routes:',
      '  - { path: /v1/x, upstream: api }',
      '  - { path: /v1/x, upstream: legacy }',
    ].join('\n'),
  );
  const expected = [
    `cachet: invalid configuration in ${file}: routes[1].path: is never reached: routes[0] (/v1/x) has the same path and comes first`,
    ' (first match wins), expected one of the two removed, or their methods made distinct\n',
  ].join('');
  for (const command of ['check', 'run']) {
    const child = spawn(process.execPath, [BIN, command, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'close');
    assert.deepEqual([command, code, stderr], [command, 1, expected]);
  }
});
