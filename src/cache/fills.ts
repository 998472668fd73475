import type { EntryMeta } from './policy/entry.ts';
import type { GrowingBody } from './growing-body.ts';

export interface Fill {
  readonly meta: EntryMeta;
  readonly body: GrowingBody;
}

/**
 * Responses being received and stored right now, by primary key. Requests arriving while a large body is
 * still streaming from the origin read the same chunks instead of starting another fetch.
 */
export class FillRegistry {
  #fills = new Map<string, Fill[]>();

  get(key: string): readonly Fill[] | undefined {
    return this.#fills.get(key);
  }

  add(fill: Fill): void {
    const list = this.#fills.get(fill.meta.key);
    if (list === undefined) this.#fills.set(fill.meta.key, [fill]);
    else list.unshift(fill);
  }

  /** Removes a fill; answers whether it was still registered (not forgotten by an invalidation). */
  remove(fill: Fill): boolean {
    const list = this.#fills.get(fill.meta.key);
    if (list === undefined) return false;
    const index = list.indexOf(fill);
    if (index < 0) return false;
    list.splice(index, 1);
    if (list.length === 0) this.#fills.delete(fill.meta.key);
    return true;
  }

  /** Drops fills for a key (invalidation, purge): later requests must not be served the old body. */
  forget(key: string): void {
    this.#fills.delete(key);
  }

  clear(): void {
    this.#fills.clear();
  }
}
