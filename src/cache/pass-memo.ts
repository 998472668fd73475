import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.ts';

/**
 * Keys whose last origin response could not be stored ("hit-for-pass" in Varnish's words). Concurrent
 * requests for them skip coalescing: waiting for a response that will not be shared only adds latency.
 * Bounded in size (least recently remembered goes first) and time; a stored response for the key clears it.
 */
export class PassMemo {
  readonly #keys: LRUCache<string, true>;
  readonly #ttlMs: number;

  constructor(clock: Clock, ttlMs = 60_000, maxKeys = 10_000) {
    this.#ttlMs = ttlMs;
    // ttlResolution 0: read the injected clock on every check instead of caching "now" behind a timer.
    this.#keys = new LRUCache({ max: maxKeys, ttl: ttlMs, ttlResolution: 0, perf: clock });
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  remember(key: string): void {
    // Still remembered for most of its time: a hot uncacheable URL does not rewrite the entry on every request.
    if (this.#keys.getRemainingTTL(key) > this.#ttlMs / 2) return;
    this.#keys.set(key, true);
  }

  forget(key: string): void {
    this.#keys.delete(key);
  }
}
