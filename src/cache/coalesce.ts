/**
 * Single-flight map: the first caller for a key leads; callers arriving while it is pending wait for its
 * outcome. The entry is deleted in `finally`, so a failed leader never blocks the key.
 */
export class Coalescer<T> {
  #pending = new Map<string, Promise<T>>();

  /** The pending outcome for `key`, if a leader is at work. */
  pending(key: string): Promise<T> | undefined {
    return this.#pending.get(key);
  }

  /** Runs `work` as the leader for `key`; waiters see its result. */
  lead(key: string, work: () => Promise<T>): Promise<T> {
    const promise = (async () => {
      try {
        return await work();
      } finally {
        this.#pending.delete(key);
      }
    })();
    this.#pending.set(key, promise);
    return promise;
  }
}
