/**
 * `npm run bench:instructions`: user-space instructions per request on the event-loop thread, counted by valgrind's
 * callgrind, for a cache hit, a client 304 and the node:http ceilings they are compared with.
 *
 * Wall-clock ratios on this kind of VM move by 10 % or more from one window to the next (see docs/performance.md);
 * an instruction count does not depend on the machine's speed, so it shows changes of a few percent that req/s
 * cannot. It leaves out the kernel (the same read and write per request on both sides) and cache misses, so it
 * complements `npm run bench:paired` rather than replacing it.
 *
 * For each target: the server runs under `valgrind --tool=callgrind --separate-threads=yes`, is warmed up with
 * BENCH_WARM_REQUESTS requests (default 30 000: V8 must have finished compiling, or its background threads and
 * unoptimised code are counted), its counters are zeroed, BENCH_MEASURE_REQUESTS requests (default 5 000) are
 * sent, and the counters are dumped. Printed per target: main-thread instructions per request, and those of all
 * threads (V8's compiler and GC helpers). BENCH_STARTS (default 1) repeats each target in a new process: V8 may
 * settle a process's hot code in one of two ways, thousands of instructions apart (see bench/paired.ts).
 *
 *   BENCH_TARGETS            comma-separated, of ceiling, ceiling-304, hit-1k, client-304 (default: all four)
 *
 * Needs `valgrind` (Debian: apt-get install valgrind); exits 2 with a message without it. Takes about two minutes
 * per target and start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPositiveNumber } from './env.ts';
import { installCleanup, spawnNode, stopProcess, waitForLine } from './processes.ts';
import { createBenchETag } from './servers.ts';

const SERVERS_ENTRY = fileURLToPath(new URL('./servers.ts', import.meta.url));
const CACHET_ENTRY = fileURLToPath(new URL('../bin/cachet.js', import.meta.url));
const LISTENING = /listening on (http:\/\/\S+)/;
/** cachet's start-up (module loading, config validation) takes a minute or more under callgrind. */
const START_UNDER_VALGRIND_MS = 600_000;
const SIZE = 1024;
const CACHE_CONTROL = 'public, max-age=3600';
const ORIGIN_ARGS = [SERVERS_ENTRY, 'origin', '--size', String(SIZE), '--cache-control', CACHE_CONTROL];

interface Target {
  readonly id: string;
  readonly label: string;
  /** cachet in front of an origin, or the origin itself as the ceiling. */
  readonly cachet: boolean;
  readonly conditional: boolean;
}

const TARGETS: readonly Target[] = [
  { id: 'ceiling', label: 'node:http 1 KiB', cachet: false, conditional: false },
  { id: 'ceiling-304', label: 'node:http 304', cachet: false, conditional: true },
  { id: 'hit-1k', label: 'cachet hit 1 KiB', cachet: true, conditional: false },
  { id: 'client-304', label: 'cachet client 304', cachet: true, conditional: true },
];

type Autocannon = (
  options: { url: string; headers: Record<string, string>; connections: number; amount: number },
  done: (error: Error | null, result: { errors: number; non2xx: number; '3xx': number }) => void,
) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function load(url: string, headers: Record<string, string>, amount: number): Promise<{ errors: number; unexpected: number }> {
  return new Promise((resolve, reject) => {
    autocannon({ url, headers, connections: 10, amount }, (error, result) => {
      if (error !== null) reject(error);
      // A 304 scenario answers 3xx; anything else outside 2xx is unexpected.
      else resolve({ errors: result.errors, unexpected: result.non2xx - (headers['if-none-match'] === undefined ? 0 : result['3xx']) });
    });
  });
}

/** Sums `summary:` lines of the dumps callgrind wrote for part 1 (the measured requests): main thread, all threads. */
function readCounts(dir: string): { main: number; all: number } {
  let main = 0;
  let all = 0;
  for (const name of readdirSync(dir)) {
    const part = /\.1-(\d+)$/.exec(name);
    if (part === null) continue;
    const summary = /^summary: (\d+)/m.exec(readFileSync(join(dir, name), 'latin1'));
    const count = Number(summary?.[1] ?? 0);
    all += count;
    if (part[1] === '01') main += count;
  }
  return { main, all };
}

async function measure(target: Target, originUrl: string, warm: number, measured: number): Promise<{ main: number; all: number }> {
  const dir = mkdtempSync(join(tmpdir(), `cachet-instructions-${target.id}-`));
  const server = spawnNode({
    name: target.id,
    core: undefined,
    wrapper: ['valgrind', '--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${join(dir, 'cg.%p')}`],
    args: target.cachet ? [CACHET_ENTRY, 'proxy', '--to', originUrl, '--port', '0'] : ORIGIN_ARGS,
  });
  try {
    const url = `${(await waitForLine(server, LISTENING, START_UNDER_VALGRIND_MS))[1]}/${target.id}`;
    const headers: Record<string, string> = target.conditional ? { 'if-none-match': createBenchETag(SIZE) } : {};
    // The first request stores the response; the hits and 304s after it never reach the origin.
    if (target.cachet) await new Promise<void>((resolve) => get(url, (res) => res.resume().on('end', resolve)));
    const warmed = await load(url, headers, warm);
    const pid = String(server.pid);
    spawnSync('callgrind_control', ['-z', pid]);
    const result = await load(url, headers, measured);
    spawnSync('callgrind_control', ['-d', pid]);
    if (warmed.errors + warmed.unexpected + result.errors + result.unexpected > 0)
      throw new Error(`${target.id}: unexpected answers (${JSON.stringify({ warmed, result })})`);
    // Callgrind writes its last part on exit; the counted one (part 1) is complete by then.
    await stopProcess(server, 60_000);
    const counts = readCounts(dir);
    return { main: counts.main / measured, all: counts.all / measured };
  } finally {
    await stopProcess(server, 60_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    process.stderr.write('bench:instructions needs valgrind (apt-get install valgrind); not run.\n');
    return 2;
  }
  const wanted = (process.env.BENCH_TARGETS || TARGETS.map((t) => t.id).join(',')).split(',').map((id) => id.trim());
  const targets = wanted.map((id) => {
    const target = TARGETS.find((t) => t.id === id);
    if (target === undefined) throw new Error(`unknown target ${id}; known: ${TARGETS.map((t) => t.id).join(', ')}`);
    return target;
  });
  const warm = Math.round(readPositiveNumber('BENCH_WARM_REQUESTS', 30_000));
  const measured = Math.round(readPositiveNumber('BENCH_MEASURE_REQUESTS', 5_000));
  const starts = Math.round(readPositiveNumber('BENCH_STARTS', 1));
  installCleanup();
  const origin = spawnNode({ name: 'origin', core: undefined, args: ORIGIN_ARGS });
  const results: { id: string; start: number; main: number; all: number }[] = [];
  try {
    const originUrl = (await waitForLine(origin, LISTENING, 30_000))[1] as string;
    process.stdout.write(`instructions per request under callgrind: ${warm} warm-up requests, ${measured} counted\n`);
    for (const target of targets) {
      for (let start = 1; start <= starts; start++) {
        const counts = await measure(target, originUrl, warm, measured);
        results.push({ id: target.id, start, ...counts });
        process.stdout.write(
          `${target.label.padEnd(20)} start ${start}  main thread ${Math.round(counts.main).toLocaleString('en')}  all threads ${Math.round(counts.all).toLocaleString('en')}\n`,
        );
      }
    }
  } finally {
    await stopProcess(origin);
  }
  process.stdout.write(`BENCH_INSTRUCTIONS ${JSON.stringify({ date: new Date().toISOString(), warm, measured, results })}\n`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
