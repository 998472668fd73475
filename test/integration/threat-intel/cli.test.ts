import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTempDbPath } from './helpers.ts';

const ROOT = new URL('../../../', import.meta.url);

/** Starts an example CLI and resolves its base URL from the `listening on` line. */
function startCli(
  t: TestContext,
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match !== null) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${output}`)));
  });
}

function runToExit(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }));
}

test('CLI: issuer and origin print "listening on", serve, and exit 0 on SIGTERM', async (t) => {
  const dbPath = createTempDbPath(t);
  const [issuer, origin] = await Promise.all([
    startCli(t, 'examples/threat-intel/issuer.ts', ['--port', '0', '--db', dbPath]),
    startCli(t, 'examples/threat-intel/server.ts', ['--port', '0', '--db', dbPath, '--instance', 'cli-1'], { DEFINITIONS_BYTES: '64KiB' }),
  ]);
  assert.equal((await fetch(`${issuer.url}/health`)).status, 200);
  const definitions = await fetch(`${origin.url}/v1/virus-definitions`, { method: 'HEAD' });
  assert.equal(definitions.headers.get('content-length'), String(64 * 1024));
  assert.equal(definitions.headers.get('x-origin-instance'), 'cli-1');
  for (const { child } of [issuer, origin]) {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  }
});

test('CLI: a bad port exits 2 and a busy port exits 1, each with a one-line message', async (t) => {
  const bad = await runToExit('examples/threat-intel/server.ts', ['--port', '70000', '--db', createTempDbPath(t)]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--port must be an integer from 0 to 65535/);

  const blocker = http.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const port = String((blocker.address() as AddressInfo).port);
  const busy = await runToExit('examples/threat-intel/issuer.ts', ['--port', port, '--db', createTempDbPath(t)]);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /port already in use/);
});
