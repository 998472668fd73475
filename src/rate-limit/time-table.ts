/**
 * Instants by key (a client's TAT, or the time a client stays refused until), forgotten once past: a key
 * whose instant has passed means the same as a key never seen, so it can go at any time. Bounded: when the
 * table is full it first drops every passed instant, then, if it is still mostly full, the oldest keys (Map
 * order is insertion order), down to seven eighths of `maxKeys`. Each sweep frees at least an eighth of the
 * table, so the cost of sweeping stays constant per insertion.
 */
export class TimeTable {
  readonly #instants = new Map<string, number>();
  readonly #maxKeys: number;

  constructor(maxKeys: number) {
    this.#maxKeys = maxKeys;
  }

  get size(): number {
    return this.#instants.size;
  }

  /** The key's instant while it is still ahead of `now`, else undefined. */
  get(key: string, now: number): number | undefined {
    const at = this.#instants.get(key);
    return at === undefined || at <= now ? undefined : at;
  }

  set(key: string, at: number, now: number): void {
    if (this.#instants.size >= this.#maxKeys && !this.#instants.has(key)) this.#sweep(now);
    this.#instants.set(key, at);
  }

  delete(key: string): void {
    this.#instants.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, at] of this.#instants) if (at <= now) this.#instants.delete(key);
    const keep = Math.floor((this.#maxKeys * 7) / 8);
    if (this.#instants.size <= keep) return;
    let excess = this.#instants.size - keep;
    for (const key of this.#instants.keys()) {
      if (excess-- <= 0) break;
      this.#instants.delete(key);
    }
  }
}
