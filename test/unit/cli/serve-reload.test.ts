import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { buildProxyConfig } from '../../../src/config/proxy-config.ts';
import { serveGateway, type ServedGateway, type SignalTarget } from '../../../src/cli/serve.ts';
import type { ReloadOutcome } from '../../../src/reload/reloader.ts';

// SIGHUP with a fake gateway: the CLI reloads, reports on stderr, and the signal never ends serving.

class FakeProcess extends EventEmitter implements SignalTarget {
  exit(): void {
    assert.fail('SIGHUP must not exit');
  }
}

const config = buildProxyConfig({ to: 'http://127.0.0.1:3000', port: 0 });

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !predicate(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(predicate(), 'condition never held');
}

function serveWith(outcomes: ReloadOutcome[], loadConfig: (() => Promise<typeof config>) | undefined) {
  const signals = new FakeProcess();
  let stderr = '';
  let reloads = 0;
  const gateway: ServedGateway = {
    listen: async () => ({ url: 'http://127.0.0.1:1', adminUrl: undefined }),
    close: async () => undefined,
    reload: async () => outcomes[reloads++] ?? { reloaded: true },
  };
  const io = { stdout: { write: () => undefined }, stderr: { write: (text: string) => void (stderr += text) }, env: {} };
  const served = serveGateway(config, io, { signals, createGateway: async () => gateway }, loadConfig);
  return { signals, served, stderr: () => stderr, reloads: () => reloads };
}

test('SIGHUP reloads through the gateway and reports each outcome on stderr; the listener goes when serving ends', async () => {
  const run = serveWith(
    [{ reloaded: true }, { reloaded: false, problems: ['routes[0].upstream: unknown', 'listen.port changed (1 → 2): needs a restart'] }],
    async () => config,
  );
  await until(() => run.signals.listenerCount('SIGTERM') === 1);
  run.signals.emit('SIGHUP', 'SIGHUP');
  await until(() => run.stderr().includes('config reloaded'));
  run.signals.emit('SIGHUP', 'SIGHUP');
  await until(() => run.stderr().includes('refused'));
  assert.match(run.stderr(), /\(2 problem\(s\)\):\n {2}- routes\[0\]\.upstream: unknown\n {2}- listen\.port changed/);
  assert.equal(run.reloads(), 2);
  run.signals.emit('SIGTERM', 'SIGTERM');
  assert.equal(await run.served, 0);
  assert.equal(run.signals.listenerCount('SIGHUP'), 0);
});

test('SIGHUP without a config file (cachet proxy) reloads nothing and says so', async () => {
  const run = serveWith([], undefined);
  await until(() => run.signals.listenerCount('SIGTERM') === 1);
  run.signals.emit('SIGHUP', 'SIGHUP');
  await until(() => run.stderr().includes('nothing to reload'));
  assert.equal(run.reloads(), 0);
  run.signals.emit('SIGTERM', 'SIGTERM');
  assert.equal(await run.served, 0);
});
