import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send, type SentResponse } from '../helpers/gateway.ts';

const BIN = new URL('../../bin/cachet.js', import.meta.url).pathname;
export const ADMIN_TOKEN = 'workers-admin-token-0123456789';

/** A test's or a file's `after`: what is started is stopped there. */
export interface Cleanup {
  after(fn: () => unknown): void;
}

export interface Instance {
  readonly url: string;
  readonly adminUrl: string;
  readonly child: ChildProcess;
  /** The exit code of the supervisor. */
  readonly exited: Promise<number | null>;
  readonly stderr: () => string;
  /** Pids of the workers that reported listening, in order (replacements appended). */
  workerPids(): number[];
  /** Resolves once `count` workers have reported listening since start. */
  waitForWorkers(count: number): Promise<number[]>;
  admin(path: string, options?: { method?: string; body?: unknown }): Promise<SentResponse>;
  /** A metric's value summed over its series in the admin `/metrics` exposition. */
  metric(name: string): Promise<number>;
}

/**
 * Runs the real executable (`cachet run`) with `config` lines added to listen and admin sections on free ports
 * (a `listen:` line in `config` replaces the first),
 * and resolves once it prints its `listening` line. Killed after the test if still running.
 */
export async function startInstance(t: Cleanup, config: readonly string[], args: readonly string[] = []): Promise<Instance> {
  const dir = await mkdtemp(join(tmpdir(), 'cachet-workers-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'cachet.yaml');
  await writeFile(
    file,
    [
      ...(config.some((line) => line.startsWith('listen:')) ? [] : ['listen: { host: 127.0.0.1, port: 0 }']),
      `admin: { host: 127.0.0.1, port: 0, token: ${ADMIN_TOKEN} }`,
      'shutdown: { drainTimeoutMs: 2000 }',
      ...config,
    ].join('\n'),
  );
  const child = spawn(process.execPath, [BIN, 'run', '--config', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  const pids: number[] = [];
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    let newline = stdout.indexOf('\n');
    while (newline !== -1) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      if (line.startsWith('{')) {
        const entry = JSON.parse(line) as { msg?: string; workerPid?: number };
        if (entry.msg === 'worker listening' && entry.workerPid !== undefined) pids.push(entry.workerPid);
      } else if (line.includes('listening on')) urlsSeen(line);
      for (const wake of waiters) wake();
      newline = stdout.indexOf('\n');
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let urlsSeen: (line: string) => void = () => undefined;
  const [url, adminUrl] = await new Promise<[string, string]>((resolve, reject) => {
    urlsSeen = (line) => {
      const found = line.match(/http:\/\/[\d.]+:\d+/g) ?? [];
      resolve([found[0] ?? '', found[1] ?? '']);
    };
    void exited.then((code) => reject(new Error(`cachet exited ${code} before listening: ${stderr}`)));
  });

  const admin = (path: string, options: { method?: string; body?: unknown } = {}): Promise<SentResponse> =>
    send(`${adminUrl}${path}`, {
      method: options.method ?? 'GET',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  return {
    url,
    adminUrl,
    child,
    exited,
    stderr: () => stderr,
    workerPids: () => [...pids],
    waitForWorkers: (count) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (pids.length < count) return;
          waiters.delete(check);
          resolve([...pids]);
        };
        waiters.add(check);
        check();
      }),
    admin,
    async metric(name) {
      const text = (await admin('/metrics')).text;
      let total = 0;
      for (const line of text.split('\n'))
        if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
      return total;
    },
  };
}

/** `count` GETs, each on a connection of its own (so the kernel or the supervisor spreads them over the workers). */
export async function sendMany(url: string, count: number, headers: Record<string, string> = {}): Promise<SentResponse[]> {
  const answers: SentResponse[] = [];
  for (let i = 0; i < count; i++) answers.push(await send(url, { headers }));
  return answers;
}

/** Whether a process with this pid still exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
