import type { Exchange } from '../forward/exchange.ts';
import type { UpstreamResponse } from '../forward/upstream-request.ts';
import { computeInvalidationKeys } from './policy/invalidation.ts';
import { buildUserKey } from './policy/key.ts';
import type { CacheCore } from './cache-handler.ts';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** RFC 9110 §9.2.1. */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

/**
 * RFC 9111 §4.4: a non-error answer to an unsafe method invalidates the stored responses it names, before the
 * client sees it, so a following read cannot get the old body. Fills in flight for those keys are forgotten too.
 * Answers the primary keys invalidated.
 */
export async function invalidateAfter(core: CacheCore, upstream: UpstreamResponse, ex: Exchange): Promise<readonly string[]> {
  if (upstream.status < 200 || upstream.status >= 400) return [];
  const keys = computeInvalidationKeys({
    method: ex.method,
    status: upstream.status,
    scheme: ex.scheme,
    host: ex.req.headers.host ?? '',
    pathAndQuery: ex.path,
    responseHeaders: upstream.headers,
    // The writer's route keys the URLs it names (a Location on a route with other key options is keyed as here).
    keyOptions: ex.route.cacheKey ?? core.config.key,
  });
  const subject = ex.identity?.subject;
  // The writer's own per-user copies of these URLs go too.
  if (subject !== undefined && ex.route.perUserCache) keys.push(...keys.map((key) => buildUserKey(key, subject)));
  await forgetKeys(core, keys);
  return keys;
}

/** Drops the stored responses and the fills in flight for `keys`. */
export async function forgetKeys(core: CacheCore, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    core.fills.forget(key);
    try {
      await core.store.delete(key);
    } catch (err) {
      core.logger.warn({ err, key }, 'cache invalidation failed');
    }
  }
}
