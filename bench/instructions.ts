/**
 * `npm run bench:instructions`: user-space instructions per request on the event-loop thread, counted by valgrind's
 * callgrind, for a cache hit, a client 304 and the node:http ceilings they are compared with.
 *
 * Wall-clock ratios on this kind of VM move by 10 % or more from one window to the next (see docs/performance.md);
 * an instruction count does not depend on the machine's speed, so it shows changes of a few percent that req/s
 * cannot. It leaves out the kernel (the same read and write per request on both sides) and cache misses, so it
 * complements `npm run bench:paired` rather than replacing it.
 *
 * For each target: the server runs under `valgrind --tool=callgrind --separate-threads=yes`, uninstrumented (and
 * so faster) while it is warmed up with BENCH_WARM_REQUESTS requests (default 30 000: V8 must have finished
 * compiling, or its background threads and unoptimised code are counted); then counting is switched on and
 * zeroed, BENCH_MEASURE_REQUESTS requests (default 5 000) are sent, and the counters are dumped. Printed per
 * target: main-thread instructions per request, and those of all threads (V8's compiler and GC helpers).
 * BENCH_STARTS (default 1) repeats each target in a new process: V8 may settle a process's hot code in one of two
 * ways, thousands of instructions apart (see bench/paired.ts).
 *
 * With BENCH_CACHE_SIM=1, callgrind also simulates the caches and branch predictor and prints, per request on the
 * main thread, first-level instruction and data cache misses and mispredicted branches. Fewer instructions can
 * still take longer when they miss more: that is how the flat stored head in docs/performance.md was found.
 *
 *   BENCH_TARGETS            comma-separated, of ceiling, ceiling-304, hit-1k, client-304 (default: all four)
 *
 * Needs `valgrind` (Debian: apt-get install valgrind); exits 2 with a message without it. Takes under a minute
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

/** Per request: instructions (main thread, all threads) and, with the simulation, main-thread misses. */
interface Counts {
  readonly main: number;
  readonly all: number;
  readonly misses?: { readonly instructionL1: number; readonly dataL1: number; readonly branches: number };
}

/** Reads the dumps callgrind wrote for part 1 (the measured requests): `events:` names the `summary:` columns. */
function readCounts(dir: string, requests: number): Counts {
  let main = 0;
  let all = 0;
  let mainEvents = new Map<string, number>();
  for (const name of readdirSync(dir)) {
    const part = /\.1-(\d+)$/.exec(name);
    if (part === null) continue;
    const text = readFileSync(join(dir, name), 'latin1');
    const names = /^events: (.+)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
    const values = /^summary: (.+)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number) ?? [];
    const events = new Map(names.map((event, i) => [event, values[i] ?? 0]));
    all += events.get('Ir') ?? 0;
    if (part[1] === '01') {
      main += events.get('Ir') ?? 0;
      mainEvents = events;
    }
  }
  const event = (name: string): number => (mainEvents.get(name) ?? 0) / requests;
  const misses = mainEvents.has('I1mr')
    ? { instructionL1: event('I1mr'), dataL1: event('D1mr') + event('D1mw'), branches: event('Bcm') + event('Bim') }
    : undefined;
  return { main: main / requests, all: all / requests, ...(misses === undefined ? {} : { misses }) };
}

async function measure(target: Target, originUrl: string, warm: number, measured: number, cacheSim: boolean): Promise<Counts> {
  const dir = mkdtempSync(join(tmpdir(), `cachet-instructions-${target.id}-`));
  const simulation = cacheSim ? ['--cache-sim=yes', '--branch-sim=yes'] : [];
  const server = spawnNode({
    name: target.id,
    core: undefined,
    wrapper: [
      'valgrind',
      '--tool=callgrind',
      '--separate-threads=yes',
      '--instr-atstart=no',
      ...simulation,
      `--callgrind-out-file=${join(dir, 'cg.%p')}`,
    ],
    args: target.cachet ? [CACHET_ENTRY, 'proxy', '--to', originUrl, '--port', '0'] : ORIGIN_ARGS,
  });
  try {
    const url = `${(await waitForLine(server, LISTENING, START_UNDER_VALGRIND_MS))[1]}/${target.id}`;
    const headers: Record<string, string> = target.conditional ? { 'if-none-match': createBenchETag(SIZE) } : {};
    // The first request stores the response; the hits and 304s after it never reach the origin.
    if (target.cachet) await new Promise<void>((resolve) => get(url, (res) => res.resume().on('end', resolve)));
    const warmed = await load(url, headers, warm);
    const pid = String(server.pid);
    spawnSync('callgrind_control', ['-i', 'on', pid]);
    spawnSync('callgrind_control', ['-z', pid]);
    const result = await load(url, headers, measured);
    spawnSync('callgrind_control', ['-d', pid]);
    if (warmed.errors + warmed.unexpected + result.errors + result.unexpected > 0)
      throw new Error(`${target.id}: unexpected answers (${JSON.stringify({ warmed, result })})`);
    // Callgrind writes its last part on exit; the counted one (part 1) is complete by then.
    await stopProcess(server, 60_000);
    return readCounts(dir, measured);
  } finally {
    await stopProcess(server, 60_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en');
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
  const cacheSim = process.env.BENCH_CACHE_SIM === '1';
  installCleanup();
  const origin = spawnNode({ name: 'origin', core: undefined, args: ORIGIN_ARGS });
  const results: ({ id: string; start: number } & Counts)[] = [];
  try {
    const originUrl = (await waitForLine(origin, LISTENING, 30_000))[1] as string;
    process.stdout.write(`instructions per request under callgrind: ${warm} warm-up requests, ${measured} counted\n`);
    for (const target of targets) {
      for (let start = 1; start <= starts; start++) {
        const counts = await measure(target, originUrl, warm, measured, cacheSim);
        results.push({ id: target.id, start, ...counts });
        const misses =
          counts.misses === undefined
            ? ''
            : `  misses: L1i ${formatCount(counts.misses.instructionL1)}  L1d ${formatCount(counts.misses.dataL1)}  branches ${formatCount(counts.misses.branches)}`;
        process.stdout.write(
          `${target.label.padEnd(20)} start ${start}  main thread ${formatCount(counts.main)}  all threads ${formatCount(counts.all)}${misses}\n`,
        );
      }
    }
  } finally {
    await stopProcess(origin);
  }
  process.stdout.write(`BENCH_INSTRUCTIONS ${JSON.stringify({ date: new Date().toISOString(), warm, measured, cacheSim, results })}\n`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
