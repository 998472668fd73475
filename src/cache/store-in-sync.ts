import type { CacheStore, EntryMeta } from './store/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { ConnectionTerm } from '../upstream/connection-guard.ts';

/** What storing needs from the proxy context. */
export interface StoreSink {
  readonly store: CacheStore;
  readonly logger: Logger;
}

/**
 * Stores a complete response read from `connection` only if that connection is still in step with its origin
 * after the check that follows the response: one turn of the event loop, the window undici gives an idle
 * connection before reusing it, so bytes the origin sent after the response are read first (an extra response
 * in the same read is seen at once). A desync can also show much later (an unsolicited response cannot be told
 * from the real one when it arrives), so the entry is tracked on its connection and deleted if the connection
 * is ever found desynced: later hits never keep serving it.
 */
export function storeWhenInSync(ctx: StoreSink, meta: EntryMeta, chunks: readonly Buffer[], connection: ConnectionTerm | undefined): void {
  if (connection?.isDesynced === true) return;
  setImmediate(commit, ctx, meta, chunks, connection);
}

function commit(ctx: StoreSink, meta: EntryMeta, chunks: readonly Buffer[], connection: ConnectionTerm | undefined): void {
  if (connection?.isDesynced === true) return;
  connection?.track(() => revoke(ctx, meta.key));
  Promise.resolve().then(() => ctx.store.put(meta, chunks)).then(
    // A desync found while an asynchronous store was writing: its delete may have run first.
    () => { if (connection?.isDesynced === true) revoke(ctx, meta.key); },
    (err: unknown) => { ctx.logger.warn({ err, key: meta.key }, 'cache store put failed'); },
  );
}

function revoke(ctx: StoreSink, key: string): void {
  Promise.resolve().then(() => ctx.store.delete(key)).catch((err: unknown) => {
    ctx.logger.warn({ err, key }, 'cache delete of a response from a desynced connection failed');
  });
}
