import { computeAheadUs, createGcraRate, isWithinLimit, type GcraRate } from './gcra.ts';
import { TimeTable } from './time-table.ts';

/**
 * One policy counted in this process alone: GCRA over a bounded table of TATs (microseconds). `peek` says
 * how far ahead the client's TAT would be if the request were counted, `commit` counts it; a request several
 * policies judge is counted only once every one of them admits it. Both are synchronous, so nothing comes
 * between them.
 */
export class LocalLimiter {
  readonly rate: GcraRate;
  readonly #tats: TimeTable;

  constructor(limit: number, windowSec: number, maxClients: number) {
    this.rate = createGcraRate(limit, windowSec);
    this.#tats = new TimeTable(maxClients);
  }

  /** Clients with a TAT still ahead (and some already idle, not yet swept). */
  get size(): number {
    return this.#tats.size;
  }

  peek(client: string, nowUs: number): number {
    return computeAheadUs(this.#tats.get(client, nowUs), nowUs, this.rate);
  }

  /** Counts the request `peek` judged; `aheadUs` is what it answered. */
  commit(client: string, nowUs: number, aheadUs: number): void {
    this.#tats.set(client, nowUs + aheadUs, nowUs);
  }

  /** Peeks and, when admitted, commits: the one-policy case. Answers `aheadUs`; admitted when within the tolerance. */
  take(client: string, nowUs: number): number {
    const aheadUs = this.peek(client, nowUs);
    if (isWithinLimit(aheadUs, this.rate)) this.commit(client, nowUs, aheadUs);
    return aheadUs;
  }
}
