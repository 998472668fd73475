/**
 * Child processes of the benchmark: spawning node pinned to one core, waiting for a line on stdout,
 * reading a process's CPU time, and killing every child on the way out (normal end, error or Ctrl-C).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** The two cores the run uses: servers under test on `server`, the load generator on `loader`. */
export interface CorePlan {
  /** False when `taskset` is missing or fewer than two cores are allowed: processes then run unpinned. */
  readonly pinned: boolean;
  readonly server: number;
  readonly loader: number;
  readonly note: string;
}

/** A running child, its stdout lines so far, and the tail of its stderr (kept for error messages). */
export interface BenchProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly stdoutLines: readonly string[];
  /** Lines before this index were already matched by `waitForLine`. */
  consumedLines: number;
  /** Called after each new stdout line. */
  readonly onStdoutLine: Set<() => void>;
  readStderr(): string;
}

export interface SpawnOptions {
  readonly name: string;
  readonly core: number | undefined;
  readonly args: readonly string[];
  readonly nodeFlags?: readonly string[];
  /** A command node runs under, e.g. `['valgrind', '--tool=callgrind']`; it must exec in place or keep the pid its own. */
  readonly wrapper?: readonly string[];
}

const STDERR_KEPT_CHARS = 4000;
const live = new Set<ChildProcess>();

/** Finds the cores this process may use (`taskset -cp`) and picks the first two. */
export function planCores(): CorePlan {
  let output: string;
  try {
    output = execFileSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return { pinned: false, server: 0, loader: 0, note: 'taskset not found: processes are NOT pinned to cores' };
  }
  const cores = parseCpuList(output.slice(output.lastIndexOf(':') + 1));
  const [server, loader] = cores;
  if (server === undefined || loader === undefined) {
    return { pinned: false, server: 0, loader: 0, note: `only ${cores.length} core allowed: processes are NOT pinned` };
  }
  return {
    pinned: true,
    server,
    loader,
    note: `taskset: servers under test on core ${server}, load generator and origins on core ${loader}`,
  };
}

/** Parses a Linux CPU list such as `0-3,6`. */
export function parseCpuList(list: string): number[] {
  const cores: number[] = [];
  for (const part of list.trim().split(',')) {
    if (part === '') continue;
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) continue;
    for (let core = from; core <= (to ?? from); core++) cores.push(core);
  }
  return cores;
}

/** Starts `node <nodeFlags> <args>` (through `taskset -c <core>` when a core is given, under `wrapper` when one is). */
export function spawnNode(options: SpawnOptions): BenchProcess {
  const command = [...(options.wrapper ?? []), process.execPath, ...(options.nodeFlags ?? []), ...options.args];
  // taskset execs node, so the child's pid is node's own and /proc/<pid>/stat measures the server.
  const [file, ...args] = options.core === undefined ? command : ['taskset', '-c', String(options.core), ...command];
  const child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`cannot start ${options.name}`);
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT_CHARS);
  });
  const stdoutLines: string[] = [];
  const onStdoutLine = new Set<() => void>();
  if (child.stdout !== null) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdoutLines.push(line);
      for (const listener of onStdoutLine) listener();
    });
  }
  return { name: options.name, child, pid: child.pid, stdoutLines, consumedLines: 0, onStdoutLine, readStderr: () => stderr };
}

/**
 * Resolves with the first stdout line of `proc` not matched before that matches `pattern` (lines printed
 * before the call count too). Rejects if the process exits first or nothing matches within `timeoutMs`.
 */
export function waitForLine(proc: BenchProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const { child } = proc;
  return new Promise((resolve, reject) => {
    const finish = (error: Error | undefined, match?: RegExpMatchArray): void => {
      clearTimeout(timer);
      child.off('close', onClose);
      proc.onStdoutLine.delete(scan);
      if (error !== undefined) reject(error);
      else if (match !== undefined) resolve(match);
    };
    const scan = (): void => {
      while (proc.consumedLines < proc.stdoutLines.length) {
        const match = pattern.exec(proc.stdoutLines[proc.consumedLines++] ?? '');
        if (match !== null) return finish(undefined, match);
      }
    };
    // 'close' rather than 'exit': it comes after the last stdout line was read.
    const onClose = (): void => {
      scan();
      finish(new Error(`${proc.name} exited (${child.signalCode ?? child.exitCode}) before printing ${pattern}:\n${proc.readStderr()}`));
    };
    const timer = setTimeout(
      () => finish(new Error(`${proc.name}: no ${pattern} within ${timeoutMs} ms:\n${proc.readStderr()}`)),
      timeoutMs,
    );
    proc.onStdoutLine.add(scan);
    child.once('close', onClose);
    scan();
    if (child.stdout === null || child.stdout.readableEnded) onClose();
  });
}

let clockTicksPerSec: number | undefined;

/** User + system CPU seconds `pid` has used so far (Linux /proc), or undefined when unreadable. */
export function readCpuSec(pid: number): number | undefined {
  try {
    clockTicksPerSec ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSec;
  } catch {
    return undefined;
  }
}

/** CPU seconds of `pid` and every process below it (a supervisor and its workers), or undefined when unreadable. */
export function readTreeCpuSec(pid: number): number | undefined {
  const own = readCpuSec(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const child of readChildPids(pid)) total += readTreeCpuSec(child) ?? 0;
  return total;
}

/** Linux /proc: the children of every thread of `pid`. */
function readChildPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(proc: BenchProcess, graceMs = 3000): Promise<void> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** SIGKILLs every child still alive; synchronous, so it also works from a `process.on('exit')` handler. */
export function killAllNow(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** Makes sure no child outlives the run: on normal exit, on Ctrl-C / SIGTERM, and on a crash. */
export function installCleanup(): void {
  process.on('exit', killAllNow);
  const exitCodes = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
  for (const [signal, code] of Object.entries(exitCodes)) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping every child process\n`);
      killAllNow();
      process.exit(code);
    });
  }
}
