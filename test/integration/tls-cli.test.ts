import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOrigin } from '../helpers/origin.ts';
import { sendH2, TLS_CERT_PATH, TLS_KEY_PATH } from '../helpers/h2.ts';

const BIN = new URL('../../bin/cachet.js', import.meta.url).pathname;

async function writeTlsConfig(
  t: import('node:test').TestContext,
  cert: string,
  originUrl = 'http://127.0.0.1:3001',
): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cachet-tls-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await copyFile(TLS_CERT_PATH, join(dir, 'site.pem'));
  await copyFile(TLS_KEY_PATH, join(dir, 'site.key'));
  const file = join(dir, 'cachet.yaml');
  await writeFile(
    file,
    [
      `listen: { host: 127.0.0.1, port: 0, tls: { cert: ${cert}, key: ./site.key }, http2: true }`,
      `upstreams: { api: { targets: [${originUrl}] } }`,
      'routes: [{ path: /*, upstream: api }]',
      'log: { level: warn }',
    ].join('\n'),
  );
  return { dir, file };
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
}

test('cachet check names a certificate file it cannot read, and describes the TLS listener of a good config', async (t) => {
  const good = await writeTlsConfig(t, './site.pem');
  const checked = await runCli(['check', '--config', good.file]);
  assert.equal(checked.code, 0);
  assert.match(
    checked.stdout,
    /^ {2}listen {2}https:\/\/127\.0\.0\.1:0 \(TLSv1\.3 or later, HTTP\/2 and HTTP\/1\.1, session tickets per process\)$/m,
  );

  const { dir, file } = await writeTlsConfig(t, './missing.pem');
  const { code, stderr } = await runCli(['check', '--config', file]);
  assert.equal(code, 1);
  assert.equal(
    stderr,
    `cachet: invalid configuration in ${file}: listen.tls.cert: cannot read ${join(dir, 'missing.pem')}: no such file\n`,
  );
});

for (const workers of ['1', '2']) {
  test(`cachet run --workers ${workers} serves HTTP/2 over TLS with the files its config names, and says https on its listening line`, async (t) => {
    const origin = await startOrigin(t, (_req, res) => res.end('over h2'));
    const { file } = await writeTlsConfig(t, './site.pem', origin.url);
    const child = spawn(process.execPath, [BIN, 'run', '--config', file, '--workers', workers], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (https:\/\/[\d.]+:\d+)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    const res = await sendH2(`${url}/hello`);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'over h2');
    child.kill('SIGTERM');
    await once(child, 'exit');
  });
}
