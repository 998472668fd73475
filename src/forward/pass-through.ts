import type { Exchange } from './exchange.ts';
import type { ProxyContext } from '../cache/context.ts';
import type { CacheLabel } from '../cache/cache-handler.ts';
import type { CacheStatusInfo } from '../cache/policy/cache-status.ts';
import { formatCacheStatus } from '../cache/policy/cache-status.ts';
import { computeInvalidationKeys } from '../cache/policy/invalidation.ts';
import { buildUserKey } from '../cache/policy/key.ts';
import { sendUpstream, type UpstreamResponse } from './upstream-request.ts';
import { sendUpstreamFailure, sendUpstreamResponse } from './respond.ts';
import { BodyLimiter } from '../edge/request-body.ts';
import { sendProblem } from '../server/problem.ts';
import { closeAfter } from '../server/pipeline.ts';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * Forwards a request the cache does not answer (unsafe methods, bypassed routes, range requests, HEAD misses)
 * and streams the answer back. A non-error answer to an unsafe method invalidates the stored responses it
 * names (RFC 9111 §4.4) before the client sees it, so a following read cannot get the old body.
 */
export async function forwardUncached(
  ctx: ProxyContext,
  ex: Exchange,
  fwd: NonNullable<CacheStatusInfo['fwd']>,
  detail?: string,
  onResponse?: (upstream: UpstreamResponse) => unknown,
): Promise<CacheLabel> {
  const headers = ctx.buildUpstreamHeaders(ex.req, ex.requestId, ex.identity);
  const upstream = await sendUpstream(ex.pool, { method: ex.method, path: ex.path, headers, body: ex.body, retries: ex.retries }, ctx.metrics);
  const name = ctx.config.cache.name;
  if (!upstream.ok) {
    if (ex.body instanceof BodyLimiter && ex.body.exceeded) {
      // The rest of the body is unread: nothing after it on this connection can be framed.
      closeAfter(ex.res);
      sendProblem(ex.res, 'CACHET_ERR_REQUEST_BODY_TOO_LARGE', `The request body exceeds ${ex.body.maxBytes} bytes.`, { 'x-request-id': ex.requestId, connection: 'close' });
      return 'error';
    }
    sendUpstreamFailure(ex, upstream, formatCacheStatus(name, { hit: false, fwd, detail: detail ?? upstream.kind }));
    return 'error';
  }
  if (!SAFE_METHODS.has(ex.method) && upstream.status >= 200 && upstream.status < 400) await invalidate(ctx, ex, upstream);
  if (onResponse !== undefined) await onResponse(upstream);
  const info: CacheStatusInfo = detail === undefined ? { hit: false, fwd, fwdStatus: upstream.status } : { hit: false, fwd, fwdStatus: upstream.status, detail };
  sendUpstreamResponse(ctx, ex, upstream, formatCacheStatus(name, info));
  return upstream.status >= 500 ? 'error' : 'bypass';
}

async function invalidate(ctx: ProxyContext, ex: Exchange, upstream: UpstreamResponse): Promise<void> {
  const keys = computeInvalidationKeys({
    method: ex.method,
    status: upstream.status,
    scheme: 'http',
    host: ex.req.headers.host ?? '',
    pathAndQuery: ex.path,
    responseHeaders: upstream.headers,
    keyOptions: ctx.config.cache.key,
  });
  const subject = ex.identity?.subject;
  // The writer's own per-user copies of these URLs go too.
  if (subject !== undefined && ex.route.perUserCache) keys.push(...keys.map((key) => buildUserKey(key, subject)));
  for (const key of keys) {
    ctx.fills.forget(key);
    try {
      await ctx.store.delete(key);
    } catch (err) {
      ctx.logger.warn({ err, key }, 'cache invalidation failed');
    }
  }
}
