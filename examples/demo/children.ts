import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DemoError } from './errors.ts';

interface ChildBase {
  /** Shown in messages: `origin-2`, `cachet`. */
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the ready line (default 20 s). */
  readonly readyTimeoutMs?: number;
}

/** A Node script of this repository: `node <script> ...args`, ready once it prints `listening on http://…`. */
export interface ScriptSpec extends ChildBase {
  readonly script: string;
}

/** Another program (`redis-server`): ready once it prints a line matching `readyLine`; it then serves `url`. */
export interface ProgramSpec extends ChildBase {
  readonly program: string;
  readonly readyLine: RegExp;
  readonly url: string;
}

/** What to run, and the line that means it is ready. */
export type ChildSpec = ScriptSpec | ProgramSpec;

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A started service process. */
export interface DemoProcess {
  readonly name: string;
  /** The first URL on its `listening` line (a program's: the URL its spec names). */
  readonly url: string;
  readonly pid: number;
  /** Resolves when the process has exited, however that happened. */
  readonly exited: Promise<ChildExit>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL once `graceMs` has passed; resolves when the process is gone. */
  stop(graceMs?: number): Promise<ChildExit>;
  /** Sends a signal without waiting (tests kill an origin with SIGKILL). */
  kill(signal: NodeJS.Signals): void;
  /** The last lines the process wrote (both streams), for error messages. */
  recentOutput(): string[];
}

export interface ChildHooks {
  /** Every line the child writes after it is ready (logs: cachet's on stdout, the examples' on stderr). */
  readonly onOutput?: (name: string, line: string) => void;
}

const READY_LINE = /listening on (https?:\/\/[^\s)]+)/;
const KEPT_LINES = 20;
export const DEFAULT_STOP_GRACE_MS = 5000;

/** Children still running, killed synchronously if this process exits without stopping them. */
const running = new Set<ChildProcess>();
let isExitHookInstalled = false;

/**
 * Spawns `node <script>` (or the spec's program) in its own process group (so a terminal's Ctrl-C reaches
 * only the demo, which then stops the children in order) and resolves once it prints its ready line.
 * Rejects with `CACHET_ERR_DEMO_START` and the child's last output when it exits or stays silent first.
 */
export async function spawnChild(spec: ChildSpec, hooks: ChildHooks = {}): Promise<DemoProcess> {
  installExitHook();
  const isProgram = 'program' in spec;
  const readyLine = isProgram ? spec.readyLine : READY_LINE;
  const command = isProgram ? spec.program : process.execPath;
  const child = spawn(command, isProgram ? [...spec.args] : [spec.script, ...spec.args], {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  const recent: string[] = [];
  let isReady = false;
  const remember = (line: string): void => {
    recent.push(line);
    if (recent.length > KEPT_LINES) recent.shift();
  };
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const expected = isProgram ? readyLine.source : 'listening';
      reject(startError(spec.name, `printed no "${expected}" line within ${spec.readyTimeoutMs ?? 20000} ms`, recent));
    }, spec.readyTimeoutMs ?? 20000);
    const onLine = (line: string): void => {
      remember(line);
      if (isReady) {
        hooks.onOutput?.(spec.name, line);
        return;
      }
      const match = readyLine.exec(line);
      const url = isProgram ? spec.url : match?.[1];
      if (match === null || url === undefined) return;
      isReady = true;
      clearTimeout(timer);
      resolve(url);
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      // Lines still buffered in readline arrive before 'close'; give them one turn.
      setImmediate(() => reject(startError(spec.name, `exited (${signal ?? `code ${code}`}) before it was ready`, recent)));
    });
    void spawnFailed.then((err) => {
      clearTimeout(timer);
      reject(startError(spec.name, `could not be started: ${err.message}`, recent));
    });
  });

  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    name: spec.name,
    url,
    pid: child.pid ?? -1,
    exited,
    isRunning,
    kill(signal) {
      if (isRunning()) child.kill(signal);
    },
    async stop(graceMs = DEFAULT_STOP_GRACE_MS) {
      if (!isRunning()) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (isRunning()) child.kill('SIGKILL');
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    recentOutput: () => [...recent],
  };
}

function startError(name: string, what: string, recent: readonly string[]): DemoError {
  const tail = recent.length === 0 ? '' : `; its last output:\n  ${recent.slice(-8).join('\n  ')}`;
  return new DemoError('CACHET_ERR_DEMO_START', `${name} ${what}${tail}`);
}

function installExitHook(): void {
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  // Detached children would outlive a crashed parent; 'exit' listeners must be synchronous, and kill() is.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}
