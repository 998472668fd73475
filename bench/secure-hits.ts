/**
 * `hit-1k-tls` and `hit-1k-h2`: cache hits of 1 KiB over HTTP/1.1 over TLS and over HTTP/2, next to plain
 * HTTP/1.1 hits, all three loaded by h2load (nghttp2-client) so the loader is the same and only the protocol
 * changes. One cachet (`listen.tls` with a certificate made for the run, `http2: true`) serves all three rows:
 * plain HTTP/1.1 from a second cachet without TLS. Skipped, with a line saying so, without h2load or openssl.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CorePlan } from './processes.ts';
import { ORIGIN_COUNT_PATH } from './servers.ts';
import { readTreeCpuSec, spawnNode, stopProcess, waitForLine, type BenchProcess } from './processes.ts';

export const SECURE_ROW_IDS = ['hit-1k-tls', 'hit-1k-h2'] as const;
export const SECURE_SKIP_REASON = 'h2load (Debian package nghttp2-client) or openssl not found on PATH';

const CACHET_ENTRY = fileURLToPath(new URL('../bin/cachet.js', import.meta.url));
const SERVERS_ENTRY = fileURLToPath(new URL('./servers.ts', import.meta.url));
const LISTENING = /listening on (https?:\/\/\S+)/;
const START_TIMEOUT_MS = 20_000;
const PATH = '/hit-1k';

export interface SecureRow {
  readonly id: 'hit-1k-h1' | 'hit-1k-tls' | 'hit-1k-h2';
  readonly label: string;
  readonly reqPerSec: number;
  readonly meanMs: number;
  /** Requests h2load counted as failed or errored, or answered other than 2xx. */
  readonly failed: number;
  /** Requests the origin served during the run: 0 when every measured request was a hit. */
  readonly originRequests?: number;
  /** cachet's CPU over the h2load run (warm-up included), in % of one core. */
  readonly serverCpuPct: number | undefined;
  /** req/s divided by the share of a core cachet used: what a row costs, whatever the loader could send. */
  readonly reqPerCpuSec: number | undefined;
}

export interface SecureSettings {
  readonly cores: CorePlan;
  readonly connections: number;
  /** Concurrent streams per HTTP/2 connection (h2load `-m`); HTTP/1.1 rows send one request at a time. */
  readonly streams: number;
  readonly warmupSec: number;
  readonly durationSec: number;
}

export function hasSecureTools(): boolean {
  return ['h2load', 'openssl'].every((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
}

/** Starts an origin and two cachets (plain, TLS with HTTP/2), loads each row with h2load, stops everything. */
export async function measureSecureHits(settings: SecureSettings): Promise<SecureRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-bench-tls-'));
  const started: BenchProcess[] = [];
  const loaderCore = settings.cores.pinned ? settings.cores.loader : undefined;
  const serverCore = settings.cores.pinned ? settings.cores.server : undefined;
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-days',
        '1',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const origin = await start('origin', loaderCore, [
      SERVERS_ENTRY,
      'origin',
      '--size',
      '1024',
      '--cache-control',
      'public, max-age=3600',
    ]);
    started.push(origin.proc);
    const config = join(dir, 'tls.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        listen: { host: '127.0.0.1', port: 0, tls: { cert, key }, http2: true },
        upstreams: { origin: { targets: [origin.url] } },
        routes: [{ path: '/*', upstream: 'origin' }],
      }),
    );
    const rows: SecureRow[] = [];
    const served = async (): Promise<number> =>
      ((await (await fetch(`${origin.url}${ORIGIN_COUNT_PATH}`)).json()) as { served: number }).served;
    const measure = async (...args: Parameters<typeof load>): Promise<SecureRow> => {
      const before = await served();
      const row = await load(...args);
      return { ...row, originRequests: (await served()) - before };
    };
    const plain = await start('cachet', serverCore, [CACHET_ENTRY, 'proxy', '--to', origin.url, '--port', '0']);
    started.push(plain.proc);
    await fetch(`${plain.url}${PATH}`).then((res) => res.arrayBuffer());
    rows.push(
      await measure('hit-1k-h1', 'cachet hit 1 KiB, HTTP/1.1 (h2load)', `${plain.url}${PATH}`, ['--h1'], settings, loaderCore, plain.proc),
    );
    await stopProcess(plain.proc);
    const secure = await start('cachet', serverCore, [CACHET_ENTRY, 'run', '--config', config]);
    started.push(secure.proc);
    await primeOverH2(`${secure.url}`);
    rows.push(
      await measure(
        'hit-1k-tls',
        'cachet hit 1 KiB, HTTP/1.1 over TLS 1.3',
        `${secure.url}${PATH}`,
        ['--h1'],
        settings,
        loaderCore,
        secure.proc,
      ),
    );
    rows.push(
      await measure(
        'hit-1k-h2',
        `cachet hit 1 KiB, HTTP/2 (-m ${settings.streams})`,
        `${secure.url}${PATH}`,
        ['-m', String(settings.streams)],
        settings,
        loaderCore,
        secure.proc,
      ),
    );
    return rows;
  } finally {
    for (const proc of started.reverse()) await stopProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function start(name: string, core: number | undefined, args: string[]): Promise<{ proc: BenchProcess; url: string }> {
  const proc = spawnNode({ name, core, args });
  const match = await waitForLine(proc, LISTENING, START_TIMEOUT_MS);
  return { proc, url: match[1] ?? '' };
}

/** One request over HTTP/2 (certificate not checked: made for this run), so the measured window is all hits. */
async function primeOverH2(origin: string): Promise<void> {
  const session = http2.connect(origin, { rejectUnauthorized: false });
  try {
    await new Promise<void>((resolve, reject) => {
      const stream = session.request({ ':path': PATH });
      stream.on('error', reject);
      stream.resume();
      stream.on('end', () => resolve());
    });
  } finally {
    session.close();
  }
}

/** One h2load window; h2load reports req/s and the mean request time, which is what a row shows. */
function load(
  id: SecureRow['id'],
  label: string,
  url: string,
  protocolFlags: string[],
  settings: SecureSettings,
  core: number | undefined,
  server: BenchProcess,
): Promise<SecureRow> {
  const args = [
    '-c',
    String(settings.connections),
    ...protocolFlags,
    `--warm-up-time=${settings.warmupSec}`,
    '-D',
    String(settings.durationSec),
    url,
  ];
  const [command, argv] = core === undefined ? ['h2load', args] : ['taskset', ['-c', String(core), 'h2load', ...args]];
  const cpuBefore = readTreeCpuSec(server.pid);
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', () => {
      const result = parseH2loadOutput(output);
      const cpuAfter = readTreeCpuSec(server.pid);
      const wallSec = (performance.now() - startedAt) / 1000;
      const serverCpuPct = cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) / wallSec) * 100;
      if (result === undefined) reject(new Error(`h2load gave no result for ${id}: ${output.slice(-400)}`));
      else
        resolve({ id, label, ...result, serverCpuPct, reqPerCpuSec: serverCpuPct ? result.reqPerSec / (serverCpuPct / 100) : undefined });
    });
  });
}

/** req/s, mean request time and failures (failed, errored or not 2xx) from h2load's summary; undefined without one. */
export function parseH2loadOutput(output: string): { reqPerSec: number; meanMs: number; failed: number } | undefined {
  const reqPerSec = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(output)?.[1]);
  if (!Number.isFinite(reqPerSec)) return undefined;
  const requests = /requests: .*?(\d+) failed, (\d+) errored/.exec(output);
  const statuses = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(output);
  const failed =
    Number(requests?.[1] ?? 0) +
    Number(requests?.[2] ?? 0) +
    Number(statuses?.[2] ?? 0) +
    Number(statuses?.[3] ?? 0) +
    Number(statuses?.[4] ?? 0);
  const mean = /time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(output);
  const meanMs = mean === null ? Number.NaN : Number(mean[1]) * (mean[2] === 'us' ? 0.001 : mean[2] === 'ms' ? 1 : 1000);
  return { reqPerSec, meanMs, failed };
}
