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
    children.push(await launchClusterNode(binaries.server, dir, port, 2000));
  }
  createCluster(binaries.cli, ports, 0);
  await waitFor(
    () => ports.every((port) => runCli(binaries.cli, port, ['cluster', 'info']).includes('cluster_state:ok')),
    'cluster_state:ok',
  );
  (cluster.urls as string[]).push(...ports.map((port) => `redis://127.0.0.1:${port}`));
  return cluster;
}

export interface RedisClusterWithReplicas extends RedisCluster {
  /** The port of the master serving `slot` right now (as the cluster itself reports it). */
  masterOf(slot: number): number;
  /** Every slot range with the port of the master serving it right now. */
  slotRanges(): { readonly start: number; readonly end: number; readonly master: number }[];
  /** The slot of `key`, hash tags included, as CLUSTER KEYSLOT answers it (computed here, no round trip). */
  slotOf(key: string): number;
  /** SIGKILLs one node, as on a crash: its replica is promoted after `nodeTimeoutMs`. Resolves once it is gone. */
  kill(port: number): Promise<void>;
  /** Resolves once every live node reports `cluster_state:ok` and `slot` is served by a master other than `deadPort`. */
  waitForFailover(slot: number, deadPort: number): Promise<void>;
  readonly nodeTimeoutMs: number;
}

/**
 * Starts a Redis Cluster of 3 masters, each with one replica (`--cluster-replicas 1`) and a short
 * `cluster-node-timeout`, so a killed master is replaced by its replica within about a second or two.
 * `urls` names the masters as created; `ports` every node. Stopped when the test file ends.
 */
export async function startRedisClusterWithReplicas(nodeTimeoutMs = 1000): Promise<RedisClusterWithReplicas> {
  const binaries = requireBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'cachet-redis-failover-'));
  const ports: number[] = [];
  const children = new Map<number, ChildProcess>();
  const cli = (port: number, ...args: string[]): string => runCli(binaries.cli, port, args);
  const live = (): number[] =>
    ports.filter((port) => {
      const child = children.get(port);
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    });
  let closed = false;
  const cluster: RedisClusterWithReplicas = {
    urls: [],
    ports,
    nodeTimeoutMs,
    cli,
    slotOf: keySlot,
    slotRanges() {
      // CLUSTER SLOTS, raw: start, end, then ip, port, id (and, from Redis 7, a metadata map) per node, master first.
      const lines = cli(live()[0]!, 'cluster', 'slots')
        .split('\n')
        .map((line) => line.trim());
      const ranges: { start: number; end: number; master: number }[] = [];
      for (let i = 0; i + 3 < lines.length; i++) {
        if (/^\d+$/.test(lines[i]!) && /^\d+$/.test(lines[i + 1]!) && lines[i + 2] === '127.0.0.1') {
          ranges.push({ start: Number(lines[i]), end: Number(lines[i + 1]), master: Number(lines[i + 3]) });
        }
      }
      return ranges;
    },
    masterOf(slot) {
      const range = cluster.slotRanges().find(({ start, end }) => start <= slot && slot <= end);
      if (range === undefined) throw new Error(`no master for slot ${slot}`);
      return range.master;
    },
    kill: (port) => stopProcess(children.get(port)!, 'SIGKILL'),
    async waitForFailover(slot, deadPort) {
      await waitFor(() => {
        const nodes = live();
        if (!nodes.every((port) => cli(port, 'cluster', 'info').includes('cluster_state:ok'))) return false;
        try {
          const master = cluster.masterOf(slot);
          return master !== deadPort && nodes.includes(master);
        } catch {
          return false;
        }
      }, `a replica promoted for slot ${slot}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...children.values()].map((child) => stopProcess(child, 'SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  after(() => cluster.close());

  for (let i = 0; i < 6; i++) {
    const port = await findFreePort(ports);
    ports.push(port);
    children.set(port, await launchClusterNode(binaries.server, dir, port, nodeTimeoutMs));
  }
  createCluster(binaries.cli, ports, 1);
  // Ready when every node says ok and every replica has finished its first sync with its master.
  await waitFor(
    () =>
      ports.every((port) => {
        const info = cli(port, 'cluster', 'info');
        if (!info.includes('cluster_state:ok')) return false;
        const replication = cli(port, 'info', 'replication');
        return replication.includes('role:master') || replication.includes('master_link_status:up');
      }),
    'cluster_state:ok with replicas in sync',
  );
  const masters = cli(ports[0]!, 'cluster', 'nodes')
    .split('\n')
    .filter((line) => line.includes('master'))
    .map((line) => Number(/127\.0\.0\.1:(\d+)@/.exec(line)?.[1]));
  (cluster.urls as string[]).push(...masters.map((port) => `redis://127.0.0.1:${port}`));
  return cluster;
}

/** Redis Cluster key slot: CRC16 (XMODEM) of the hash tag when there is a non-empty one, else of the key, mod 16384. */
function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  const hashed = Buffer.from(close > open + 1 ? key.slice(open + 1, close) : key);
  let crc = 0;
  for (const byte of hashed) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** One node of a cluster, not yet joined to the others. */
function launchClusterNode(binary: string, dir: string, port: number, nodeTimeoutMs: number): Promise<ChildProcess> {
  return launch(binary, dir, port, [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
  ]);
}

/** `redis-cli --cluster create` over `ports`, with `replicas` replicas per master. */
function createCluster(cli: string, ports: readonly number[], replicas: number): void {
  const create = spawnSync(
    cli,
    ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
    { encoding: 'utf8', timeout: READY_TIMEOUT_MS },
  );
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
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
