import type { HeaderEdits } from '../config/types.ts';
import type { EntryMeta } from './policy/entry.ts';

/**
 * Response heads prepared once per stored entry: the plain one, or, on a route with a response rewrite, that
 * rewrite's own (one stored response may be served by routes that rewrite it differently, or not at all).
 *
 * Entries are held weakly, so a head goes with its entry; the last one looked up is also kept at hand, as hits
 * tend to repeat the same hot entry and two identity checks are cheaper than the WeakMap lookups. That one
 * reference keeps at most one evicted entry's metadata (never its body) alive until the next lookup.
 */
export class HeadMemo<T extends object> {
  readonly #plain = new WeakMap<EntryMeta, T>();
  readonly #edited = new WeakMap<HeaderEdits, WeakMap<EntryMeta, T>>();
  #lastMeta: EntryMeta | undefined = undefined;
  #lastEdits: HeaderEdits | undefined = undefined;
  #last: T | undefined = undefined;

  get(meta: EntryMeta, edits: HeaderEdits | undefined): T | undefined {
    if (meta === this.#lastMeta && edits === this.#lastEdits) return this.#last;
    const head = (edits === undefined ? this.#plain : this.#edited.get(edits))?.get(meta);
    if (head !== undefined) this.#remember(meta, edits, head);
    return head;
  }

  set(meta: EntryMeta, edits: HeaderEdits | undefined, head: T): void {
    let memo = this.#plain;
    if (edits !== undefined) {
      const edited = this.#edited.get(edits);
      if (edited === undefined) this.#edited.set(edits, (memo = new WeakMap()));
      else memo = edited;
    }
    memo.set(meta, head);
    this.#remember(meta, edits, head);
  }

  #remember(meta: EntryMeta, edits: HeaderEdits | undefined, head: T): void {
    this.#lastMeta = meta;
    this.#lastEdits = edits;
    this.#last = head;
  }
}
