import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';

/**
 * Private `redis-server` processes for tests: a standalone server or a 3-node Redis Cluster on free ports of
 * 127.0.0.1, without persistence, each in its own temporary directory, stopped when the test file ends.
 */

export const REDIS_MISSING = 'redis-server not found: apt-get install redis-server';

const READY_TIMEOUT_MS = 10_000;

/** The `redis-server` and `redis-cli` binaries on PATH, or undefined when either is missing. */
export function findRedisBinaries(): { readonly server: string; readonly cli: string } | undefined {
  const server = findOnPath('redis-server');
  const cli = findOnPath('redis-cli');
  return server === undefined || cli === undefined ? undefined : { server, cli };
}

/**
 * True when Redis can be started; otherwise registers one test that skips loudly with the install hint, so a
 * machine without Redis reports a skip, never a silent pass.
 */
export function hasRedisOrSkip(): boolean {
  if (findRedisBinaries() !== undefined) return true;
  test('redis tests', (t) => t.skip(REDIS_MISSING));
  return false;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** SIGKILL: connections drop at once, as on a crash. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server keeps its connections open but answers nothing (a hung or overloaded Redis). */
  pause(): void;
  resume(): void;
  /** Starts the server again on the same port (after `kill`), empty. */
  restart(): Promise<void>;
  /** Runs a command through redis-cli and answers its output. */
  cli(...args: string[]): string;
  close(): Promise<void>;
}

/** Starts a standalone server for the current test file; it is stopped when the file's tests end. */
export async function startRedis(): Promise<RedisServer> {
  const binaries = requireBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'cachet-redis-'));
  const port = await findFreePort();
  let child = await launch(binaries.server, dir, port, []);
  let closed = false;

  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => stopProcess(child, 'SIGKILL'),
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    async restart() {
      child = await launch(binaries.server, dir, port, []);
    },
    cli: (...args) => runCli(binaries.cli, port, args),
    async close() {
      if (closed) return;
      closed = true;
      child.kill('SIGCONT');
      await stopProcess(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  after(() => server.close());
  return server;
}

export interface RedisCluster {
  /** One `redis://` URL per master node. */
  readonly urls: readonly string[];
  readonly ports: readonly number[];
  /** Runs a command through redis-cli against one node (`-c` follows redirections). */
  cli(port: number, ...args: string[]): string;
  close(): Promise<void>;
}

/**
 * Starts a 3-master Redis Cluster (`--cluster-enabled yes` + `redis-cli --cluster create`), waits until every
 * node reports `cluster_state:ok`, and stops it when the test file ends.
 */
export async function startRedisCluster(nodeCount = 3): Promise<RedisCluster> {
  const binaries = requireBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'cachet-redis-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  let closed = false;
  const cluster: RedisCluster = {
    urls: [],
    ports,
    cli: (port, ...args) => runCli(binaries.cli, port, args),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(children.map((child) => stopProcess(child, 'SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  after(() => cluster.close());

  for (let i = 0; i < nodeCount; i++) {
    const port = await findFreePort(ports);
    ports.push(port);
    children.push(
      await launch(binaries.server, dir, port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
      ]),
    );
  }
  const create = spawnSync(
    binaries.cli,
    ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8', timeout: READY_TIMEOUT_MS },
  );
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  await waitFor(
    () => ports.every((port) => runCli(binaries.cli, port, ['cluster', 'info']).includes('cluster_state:ok')),
    'cluster_state:ok',
  );
  (cluster.urls as string[]).push(...ports.map((port) => `redis://127.0.0.1:${port}`));
  return cluster;
}

function requireBinaries(): { readonly server: string; readonly cli: string } {
  const binaries = findRedisBinaries();
  if (binaries === undefined) throw new Error(REDIS_MISSING);
  return binaries;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** Starts one server and resolves once it accepts connections; rejects with its output when it exits first. */
function launch(binary: string, dir: string, port: number, extra: readonly string[]): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'notice',
    ...extra,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} did not start in ${READY_TIMEOUT_MS} ms:\n${output}`));
    }, READY_TIMEOUT_MS);
    const onData = (data: Buffer): void => {
      output += data.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        // Keep draining, so a chatty server never blocks on a full pipe.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

function runCli(binary: string, port: number, args: readonly string[]): string {
  const result = spawnSync(binary, ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });
  return `${result.stdout}${result.stderr}`;
}

/** A port free right now (the OS picks it), not among `taken`, and whose cluster bus port (+10000) is valid. */
async function findFreePort(taken: readonly number[] = []): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    if (port > 0 && port + 10_000 <= 65_535 && !taken.includes(port)) return port;
  }
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
