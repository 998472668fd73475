import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const LOAD = new URL('../../../examples/demo/load.ts', import.meta.url).pathname;

test('npm run demo:load smoke run: 20 devices through a stack of its own, with a report of measured numbers', async (t) => {
  const child = spawn(
    process.execPath,
    [LOAD, '--devices', '20', '--rounds', '2', '--interval', '400ms', '--fresh', '10%', '--definitions-bytes', '256KiB'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, stderr);
  // 20 devices × (1 token + 2 checks × 3 requests).
  assert.match(stdout, /Requests through cachet: 140 \(0 errors\)/);
  assert.match(stdout, /definitions +40 .* 200 × 2, 304 × 38/, 'two new devices download, every other check is a 304');
  assert.match(stdout, /from cachet \/metrics +\d+\.\d+% \(cachet_cache_hits_total \+\d+/);
  assert.match(stdout, /reached an origin .*origin-1 \d+, origin-2 \d+, origin-3 \d+/);
  assert.match(stdout, /latency p50 [\d.]+ ms +p99 [\d.]+ ms/);
  assert.match(stdout, /\[ok\] a 304 replaces a 256 KiB download: 38 × 304/);
  // Progress goes to stderr; stdout keeps only the report.
  assert.match(stderr, /100% +140\/140 requests/);
});
