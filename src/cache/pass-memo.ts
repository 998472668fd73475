/**
 * Keys whose last origin response could not be stored ("hit-for-pass" in Varnish's words). Concurrent
 * requests for them skip coalescing: waiting for a response that will not be shared only adds latency.
 * Bounded in size and time; a stored response for the key clears it.
 */
export class PassMemo {
  readonly #until = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxKeys: number;

  constructor(ttlMs = 60_000, maxKeys = 10_000) {
    this.#ttlMs = ttlMs;
    this.#maxKeys = maxKeys;
  }

  has(key: string, now: number): boolean {
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#until.delete(key);
    return false;
  }

  remember(key: string, now: number): void {
    const until = this.#until.get(key);
    // Still remembered for most of its time: a hot uncacheable URL does not rewrite the map on every request.
    if (until !== undefined && until - now > this.#ttlMs / 2) return;
    this.#until.delete(key);
    if (this.#until.size >= this.#maxKeys) {
      // Maps iterate in insertion order: the first key is the oldest remembered.
      const oldest = this.#until.keys().next();
      if (oldest.done !== true) this.#until.delete(oldest.value);
    }
    this.#until.set(key, now + this.#ttlMs);
  }

  forget(key: string): void {
    this.#until.delete(key);
  }
}
