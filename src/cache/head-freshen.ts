import type { HeaderRecord, UpstreamResponse } from '../forward/upstream-request.ts';
import type { StoredEntry } from './store/types.ts';
import type { EntryMeta } from './policy/entry.ts';
import { canHeadFreshen } from './policy/conditional.ts';
import { freshenEntry, type OriginFetchDeps } from './origin-fetch.ts';

type FreshenDeps = Pick<OriginFetchDeps, 'config' | 'clock' | 'store' | 'logger'>;

/** RFC 9111 §4.3.5: a 200 to HEAD whose validators match a stored GET response updates that response's fields and freshness. */
export async function freshenFromHead(deps: FreshenDeps, upstream: UpstreamResponse, variants: readonly StoredEntry[]): Promise<void> {
  const now = deps.clock.now();
  for (const entry of variants) {
    if (!canHeadFreshen(upstream.headers, entry.meta)) {
      // §4.3.5: different validators or length mean the stored body is no longer current.
      if (contradicts(upstream.headers, entry.meta))
        await putQuietly(deps, { ...entry.meta, staleAt: Math.min(entry.meta.staleAt, now) }, entry.body);
      continue;
    }
    const refreshed = freshenEntry(deps.config, entry, upstream, now, now);
    await putQuietly(deps, refreshed.meta, refreshed.body);
  }
}

function contradicts(head: HeaderRecord, meta: EntryMeta): boolean {
  const headTag = firstValue(head['etag']);
  const storedTag = firstValue(meta.headers['etag']);
  if (headTag !== undefined && storedTag !== undefined && headTag !== storedTag) return true;
  const headLength = firstValue(head['content-length']);
  return headLength !== undefined && headLength !== (firstValue(meta.headers['content-length']) ?? String(meta.size));
}

function firstValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value.trim() : value?.[0]?.trim();
}

async function putQuietly(deps: FreshenDeps, meta: EntryMeta, body: StoredEntry['body']): Promise<void> {
  try {
    await deps.store.put(Object.freeze(meta), body);
  } catch (err) {
    deps.logger.warn({ err, key: meta.key }, 'cache store put failed');
  }
}
