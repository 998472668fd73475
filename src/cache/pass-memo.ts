import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.ts';

/**
 * Keys whose last origin response could not be stored ("hit-for-pass" in Varnish's words), with the reason
 * (a store refusal, or `too-large` for a body past `store.maxObjectBytes`). Concurrent requests for them skip
 * coalescing: waiting for a response that will not be shared only adds latency. Ranges of a `too-large`
 * key go to the origin as asked and their 206 answers may be stored as partial responses.
 * Bounded in size (least recently remembered goes first) and time; a stored response for the key clears it.
 */
export class PassMemo {
  readonly #keys: LRUCache<string, string>;
  readonly #ttlMs: number;

  constructor(clock: Clock, ttlMs = 60_000, maxKeys = 10_000) {
    this.#ttlMs = ttlMs;
    // ttlResolution 0: read the injected clock on every check instead of caching "now" behind a timer.
    this.#keys = new LRUCache({ max: maxKeys, ttl: ttlMs, ttlResolution: 0, perf: clock });
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Why the key is remembered, or undefined when it is not. */
  reasonOf(key: string): string | undefined {
    return this.#keys.peek(key);
  }

  remember(key: string, reason = 'not-stored'): void {
    // Still remembered for most of its time: a hot uncacheable URL does not rewrite the entry on every request.
    if (this.#keys.peek(key) === reason && this.#keys.getRemainingTTL(key) > this.#ttlMs / 2) return;
    this.#keys.set(key, reason);
  }

  forget(key: string): void {
    this.#keys.delete(key);
  }
}
