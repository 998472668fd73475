import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { CachetError } from '../../../src/errors.ts';
import { buildProxyConfig } from '../../../src/config/proxy-config.ts';
import { serveGateway, type ServedGateway, type SignalTarget } from '../../../src/cli/serve.ts';
import { runCli } from '../../../src/cli/cli.ts';

// The real gateway is exercised end to end by test/integration/cli.test.ts; here it is a fake so the CLI's
// start, signal and drain sequence is checked without sockets.

class FakeProcess extends EventEmitter implements SignalTarget {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
  signalListeners(): number {
    return this.listenerCount('SIGINT') + this.listenerCount('SIGTERM');
  }
}

interface FakeGateway extends ServedGateway {
  readonly calls: string[];
  finishClose(): void;
}

function createFakeGateway(listen: () => Promise<{ url: string; adminUrl: string | undefined }>): FakeGateway {
  const calls: string[] = [];
  let finish: () => void = () => undefined;
  return {
    calls,
    listen: () => {
      calls.push('listen');
      return listen();
    },
    close: () => {
      calls.push('close');
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
    finishClose: () => finish(),
  };
}

function createIo(): {
  io: { stdout: { write(t: string): void }; stderr: { write(t: string): void }; env: Record<string, string> };
  out: () => string;
  err: () => string;
} {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      stdout: {
        write: (t) => {
          stdout += t;
        },
      },
      stderr: {
        write: (t) => {
          stderr += t;
        },
      },
      env: {},
    },
    out: () => stdout,
    err: () => stderr,
  };
}

const config = buildProxyConfig({ to: 'http://127.0.0.1:3000', port: 0 });

/** Resolves once `predicate` holds, checking after each turn of the event loop. */
async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !predicate(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(predicate(), 'condition never held');
}

test('prints the listening line, drains on SIGTERM and exits 0', async () => {
  const proc = new FakeProcess();
  const gateway = createFakeGateway(async () => ({ url: 'http://127.0.0.1:8080', adminUrl: 'http://127.0.0.1:9901' }));
  const { io, out, err } = createIo();
  const served = serveGateway(config, io, { signals: proc, createGateway: async () => gateway });
  await until(() => out() !== '');
  assert.equal(out(), 'cachet listening on http://127.0.0.1:8080 (admin http://127.0.0.1:9901)\n');
  assert.equal(proc.signalListeners(), 2);

  proc.emit('SIGTERM', 'SIGTERM');
  await until(() => gateway.calls.includes('close'));
  gateway.finishClose();
  assert.equal(await served, 0);
  assert.deepEqual(gateway.calls, ['listen', 'close']);
  assert.deepEqual(proc.exits, []);
  assert.equal(proc.signalListeners(), 0, 'signal listeners are removed');
  assert.match(err(), /SIGTERM: draining for up to 10000 ms/);
});

test('a second signal during the drain exits at once (128 + signal number)', async () => {
  const proc = new FakeProcess();
  const gateway = createFakeGateway(async () => ({ url: 'http://127.0.0.1:8080', adminUrl: undefined }));
  const { io, out } = createIo();
  const served = serveGateway(config, io, { signals: proc, createGateway: async () => gateway });
  await until(() => out() !== '');
  assert.equal(out(), 'cachet listening on http://127.0.0.1:8080\n');
  proc.emit('SIGINT', 'SIGINT');
  await until(() => gateway.calls.includes('close'));
  proc.emit('SIGINT', 'SIGINT');
  assert.deepEqual(proc.exits, [130]);
  gateway.finishClose();
  assert.equal(await served, 0);
  assert.equal(proc.signalListeners(), 0);
});

test('a listen failure is one line on stderr, exit 1, and the gateway is closed', async () => {
  const proc = new FakeProcess();
  const gateway = createFakeGateway(async () => {
    throw new CachetError('CACHET_ERR_LISTEN', 'cannot listen on 127.0.0.1:8080: address already in use');
  });
  const { io, out, err } = createIo();
  const served = serveGateway(config, io, { signals: proc, createGateway: async () => gateway });
  await until(() => gateway.calls.includes('close'));
  gateway.finishClose();
  assert.equal(await served, 1);
  assert.equal(out(), '');
  assert.equal(err(), 'cachet: cannot listen on 127.0.0.1:8080: address already in use\n');
  assert.equal(proc.signalListeners(), 0);
});

test('a gateway that cannot be created exits 1 with its reason', async () => {
  const proc = new FakeProcess();
  const { io, err } = createIo();
  const code = await serveGateway(config, io, {
    signals: proc,
    createGateway: async () => {
      throw new Error('store unavailable');
    },
  });
  assert.equal(code, 1);
  assert.equal(err(), 'cachet: cannot start: store unavailable\n');
  assert.equal(proc.signalListeners(), 0);
});

test('cachet proxy builds the zero-config gateway from its flags', async () => {
  const proc = new FakeProcess();
  const { io, out } = createIo();
  let seen: unknown;
  const gateway = createFakeGateway(async () => ({ url: 'http://127.0.0.1:8181', adminUrl: 'http://127.0.0.1:9902' }));
  const done = runCli(
    ['proxy', '--to', 'http://127.0.0.1:3000', '--port', '8181', '--admin-port', '9902'],
    { ...io, env: { CACHET_ADMIN_TOKEN: 'admin-token-0123456789' } },
    {
      signals: proc,
      createGateway: async (c) => {
        seen = c;
        return gateway;
      },
    },
  );
  await until(() => out() !== '');
  assert.deepEqual(
    seen,
    buildProxyConfig({ to: 'http://127.0.0.1:3000', port: 8181, adminPort: 9902, adminToken: 'admin-token-0123456789' }),
  );
  proc.emit('SIGTERM', 'SIGTERM');
  await until(() => gateway.calls.includes('close'));
  gateway.finishClose();
  assert.equal(await done, 0);
});
