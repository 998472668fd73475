/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. `BENCH_PROFILE_DIR=... npm run bench`):
 * the functions with the most self time, self time per file, and the total (inclusive) time of cachet's
 * own functions (src/), which says which of them to look at first.
 *
 *   node bench/profile-summary.ts <file.cpuprofile> [top=25] [function name whose callers to list]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

/** The parts of the Chrome DevTools CPU profile format this file reads. */
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time of one function or one file, in ms and as a share of all samples. */
export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly pct: number;
}

function shortenUrl(url: string): string {
  if (url === '') return '(native)';
  const nodeModules = url.lastIndexOf('/node_modules/');
  if (nodeModules >= 0) return url.slice(nodeModules + 1);
  const src = url.lastIndexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

function sortByTime(totals: Map<string, number>, allMs: number, top: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms, pct: (ms / allMs) * 100 }));
}

function describeFrame(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'}  ${shortenUrl(frame.url)}${frame.url === '' ? '' : `:${frame.lineNumber + 1}`}`;
}

/**
 * Adds up each sample's time delta on the node it landed on (self time), and on every distinct src/ frame
 * of its stack (total time). With `callersOf`, also the stacks (innermost src/ or node_modules frames first)
 * of the samples landing in that function.
 */
export function summarizeProfile(
  profile: CpuProfile,
  top: number,
  callersOf?: string,
): {
  totalMs: number;
  functions: SelfTime[];
  files: SelfTime[];
  srcTotals: SelfTime[];
  callers: SelfTime[];
} {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const srcTotals = new Map<string, number>();
  const callers = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number): void => void map.set(key, (map.get(key) ?? 0) + ms);
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (node === undefined) return;
    totalMs += ms;
    add(byFunction, describeFrame(node.callFrame), ms);
    add(byFile, shortenUrl(node.callFrame.url), ms);
    const seen = new Set<string>();
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined) break;
      const name = describeFrame(frame);
      if (frame.url.includes('/src/') && !seen.has(name)) {
        seen.add(name);
        add(srcTotals, name, ms);
      }
      if (frame.url !== '') stack.push(name.replace(/\s+/g, ' '));
    }
    if (callersOf !== undefined && node.callFrame.functionName === callersOf)
      add(callers, stack.slice(0, 6).join(' < ') || '(no js caller)', ms);
  });
  return {
    totalMs,
    functions: sortByTime(byFunction, totalMs, top),
    files: sortByTime(byFile, totalMs, top),
    srcTotals: sortByTime(srcTotals, totalMs, top),
    callers: sortByTime(callers, totalMs, top),
  };
}

if (import.meta.main) {
  // `| head` closes the pipe early: stop quietly.
  process.stdout.on('error', () => process.exit(0));
  const [path, topArg, callersOf] = process.argv.slice(2);
  if (path === undefined) {
    process.stderr.write('usage: node bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const summary = summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, Number(topArg ?? 25), callersOf);
  const print = (title: string, rows: readonly SelfTime[]): void => {
    process.stdout.write(`\n${title}\n`);
    for (const row of rows) process.stdout.write(`${row.pct.toFixed(1).padStart(5)}%  ${row.ms.toFixed(0).padStart(6)} ms  ${row.name}\n`);
  };
  process.stdout.write(`${path}: ${summary.totalMs.toFixed(0)} ms sampled\n`);
  print('self time by function', summary.functions);
  print('self time by file', summary.files);
  print('total time of cachet functions (src/, callees included)', summary.srcTotals);
  if (callersOf !== undefined) print(`where ${callersOf} is called from`, summary.callers);
}
