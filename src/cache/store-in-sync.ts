import type { CacheStore } from './store/types.ts';
import type { EntryMeta } from './policy/entry.ts';
import type { Logger } from '../observability/logger.ts';
import type { ConnectionTerm } from '../upstream/connection-guard.ts';

/** What storing needs from the proxy context. */
export interface StoreSink {
  readonly store: CacheStore;
  readonly logger: Logger;
}

/** Called once, right before the entry would be written: answers whether it may still be (no invalidation since). */
export type StoreClaim = () => boolean;

const ALWAYS: StoreClaim = () => true;

/**
 * Stores a complete response read from `connection` only if that connection is still in step with its origin
 * after the check that follows the response: one turn of the event loop, the window undici gives an idle
 * connection before reusing it, so bytes the origin sent after the response are read first (an extra response
 * in the same read is seen at once). A desync can also show much later (an unsolicited response cannot be told
 * from the real one when it arrives), so the entry is tracked on its connection and deleted if the connection
 * is ever found desynced: later hits never keep serving it.
 *
 * `claim` runs exactly once, whether the entry is written or not, so the caller can keep answering from the
 * response it is holding (its fill) until the entry is in the store. Resolves once the write has settled.
 */
export function storeWhenInSync(
  ctx: StoreSink,
  meta: EntryMeta,
  chunks: readonly Buffer[],
  connection: ConnectionTerm | undefined,
  claim: StoreClaim = ALWAYS,
): Promise<void> {
  if (isDesynced(connection)) {
    claim();
    return Promise.resolve();
  }
  return new Promise((resolve) => setImmediate(() => resolve(commit(ctx, meta, chunks, connection, claim))));
}

async function commit(
  ctx: StoreSink,
  meta: EntryMeta,
  chunks: readonly Buffer[],
  connection: ConnectionTerm | undefined,
  claim: StoreClaim,
): Promise<void> {
  if (!claim() || isDesynced(connection)) return;
  connection?.track(() => revoke(ctx, meta.key));
  try {
    await ctx.store.put(meta, chunks);
    // A desync found while an asynchronous store was writing: its delete may have run first.
    if (isDesynced(connection)) revoke(ctx, meta.key);
  } catch (err) {
    ctx.logger.warn({ err, key: meta.key }, 'cache store put failed');
  }
}

/** Read afresh at each call: a desync can be found while a write is awaited. */
function isDesynced(connection: ConnectionTerm | undefined): boolean {
  return connection?.isDesynced === true;
}

function revoke(ctx: StoreSink, key: string): void {
  Promise.resolve()
    .then(() => ctx.store.delete(key))
    .catch((err: unknown) => {
      ctx.logger.warn({ err, key }, 'cache delete of a response from a desynced connection failed');
    });
}
