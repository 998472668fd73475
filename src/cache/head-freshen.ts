import type { ProxyContext } from './context.ts';
import type { StoredEntry } from './store/types.ts';
import type { UpstreamResponse } from '../proxy/upstream-request.ts';
import { canHeadFreshen } from './conditional.ts';
import { freshenEntry } from './origin-fetch.ts';

/** RFC 9111 §4.3.5: a 200 to HEAD whose validators match a stored GET response updates that response's fields and freshness. */
export async function freshenFromHead(ctx: ProxyContext, upstream: UpstreamResponse, variants: readonly StoredEntry[]): Promise<void> {
  const now = ctx.clock.now();
  for (const entry of variants) {
    if (!canHeadFreshen(upstream.headers, entry.meta)) continue;
    const refreshed = freshenEntry(ctx, entry, upstream, now, now);
    try {
      await ctx.store.put(refreshed.meta, refreshed.body);
    } catch (err) {
      ctx.logger.warn({ err, key: entry.meta.key }, 'cache store put failed');
    }
  }
}
