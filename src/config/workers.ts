import { availableParallelism } from 'node:os';

/** The most worker processes one instance runs: a bound on what a typo (`workers: 40000`) could fork. */
export const MAX_WORKERS = 1024;

/**
 * Reads a `workers` value: `auto` (one process per core this process may use, `os.availableParallelism()`)
 * or a whole number, also as text (`${WORKERS}` expands to text). Answers undefined for anything else; the
 * range (1 to {@link MAX_WORKERS}) is the caller's to check.
 *
 * @example
 * parseWorkerCount('auto'); // 2 on a two-core machine
 * parseWorkerCount('4');    // 4
 * parseWorkerCount('many'); // undefined
 */
export function parseWorkerCount(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (value === 'auto') return availableParallelism();
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}
