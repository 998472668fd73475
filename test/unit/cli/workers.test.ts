import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type ServedGateway, type SignalTarget } from '../../../src/cli/cli.ts';
import { serveGateway } from '../../../src/cli/serve.ts';
import { buildProxyConfig } from '../../../src/config/proxy-config.ts';
import type { Config } from '../../../src/config/types.ts';
import { CachetError } from '../../../src/errors.ts';

// `--workers` on `run` and `proxy`, and the way the CLI ends an instance whose workers cannot start.

class FakeProcess extends EventEmitter implements SignalTarget {
  exit(): void {}
}

function capture(): { io: Parameters<typeof runCli>[1]; out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
    },
    out: () => stdout,
    err: () => stderr,
  };
}

/** Runs the CLI with a gateway that records its config and answers as if listening, then sends SIGTERM. */
async function workersServed(argv: readonly string[]): Promise<number> {
  const signals = new FakeProcess();
  let served: Config | undefined;
  const gateway: ServedGateway = {
    listen: async () => {
      setImmediate(() => signals.emit('SIGTERM', 'SIGTERM'));
      return { url: 'http://127.0.0.1:8080', adminUrl: undefined };
    },
    close: async () => undefined,
  };
  const { io, err } = capture();
  const code = await runCli(argv, io, {
    signals,
    createGateway: async (config) => {
      served = config;
      return gateway;
    },
  });
  assert.equal(code, 0, err());
  assert.ok(served !== undefined);
  return served.workers;
}

function writeConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-workers-cli-'));
  const path = join(dir, 'cachet.yaml');
  writeFileSync(path, text);
  return path;
}

const FILE = `upstreams: { api: { targets: [http://127.0.0.1:3001] } }
routes: [{ path: /*, upstream: api }]
`;

test('run: `workers` comes from the file, and --workers overrides it (auto is one per core)', async (t) => {
  const plain = writeConfig(FILE);
  const two = writeConfig(`workers: 2\n${FILE}`);
  t.after(() => {
    for (const path of [plain, two]) rmSync(join(path, '..'), { recursive: true, force: true });
  });
  assert.equal(await workersServed(['run', '--config', plain]), 1);
  assert.equal(await workersServed(['run', '--config', two]), 2);
  assert.equal(await workersServed(['run', '--config', two, '--workers', '3']), 3);
  assert.equal(await workersServed(['run', '--config', two, '--workers=auto']), availableParallelism());
  assert.equal(await workersServed(['proxy', '--to', 'http://127.0.0.1:3001', '--workers', '4']), 4);
});

test('--workers that is not auto or 1 to 1024 is a usage error (exit 2)', async () => {
  for (const [command, value] of [
    ['run', '0'],
    ['run', 'many'],
    ['proxy', '1025'],
    ['proxy', '-1'],
  ] as const) {
    const { io, err } = capture();
    const argv =
      command === 'run' ? ['run', '--config', 'x.yaml', `--workers=${value}`] : ['proxy', '--to', 'http://a:1', `--workers=${value}`];
    const code = await runCli(argv, io, { createGateway: () => assert.fail('no gateway for a usage error') });
    assert.deepEqual(
      [code, err()],
      [
        2,
        `cachet: --workers: must be auto or a whole number between 1 and 1024 (got "${value}")\nRun 'cachet help ${command}' for usage.\n`,
      ],
      argv.join(' '),
    );
  }
});

test('cachet check shows how many processes serve', async (t) => {
  const path = writeConfig(`workers: 3\n${FILE}`);
  t.after(() => rmSync(join(path, '..'), { recursive: true, force: true }));
  const { io, out } = capture();
  assert.equal(await runCli(['check', '--config', path], io), 0);
  assert.match(out(), /^ {2}workers 3 processes on one port, under a supervisor$/m);
});

test('an instance whose workers cannot go on is closed: its reason on stderr, exit 1', async () => {
  let fail: (err: Error) => void = () => undefined;
  const calls: string[] = [];
  const gateway: ServedGateway = {
    listen: async () => ({ url: 'http://127.0.0.1:8080', adminUrl: undefined }),
    close: async () => void calls.push('close'),
    failed: new Promise((resolve) => {
      fail = resolve;
    }),
  };
  const signals = new FakeProcess();
  const { io, out, err } = capture();
  const served = serveGateway(buildProxyConfig({ to: 'http://127.0.0.1:3000', workers: 2 }), io, {
    signals,
    createGateway: async () => gateway,
  });
  while (out() === '') await new Promise((resolve) => setImmediate(resolve));
  fail(new CachetError('CACHET_ERR_WORKER_START', 'worker 2 failed to start 5 times in a row: exited with code 1'));
  assert.equal(await served, 1);
  assert.deepEqual(calls, ['close']);
  assert.equal(err(), 'cachet: worker 2 failed to start 5 times in a row: exited with code 1; stopping\n');
  assert.equal(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT'), 0);
});
