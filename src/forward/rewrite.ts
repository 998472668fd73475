import type { HeaderEdits, RouteConfig, UpstreamRequestRewrite } from '../config/types.ts';
import type { HeaderRecord } from './upstream-request.ts';

/**
 * A route's upstream rewrites (Kong's `strip_path` / `preserve_host` and request/response transformers,
 * nginx's `proxy_pass` URI and `proxy_set_header`). They change only what the upstream sees and what the
 * client is shown: the cache keys, invalidates and purges by the URL the client asked for.
 */

/**
 * The path and query sent upstream: the client's, less the route's prefix with `stripPrefix`
 * (`/v1/*`: `/v1/a?b` → `/a?b`, `/v1` → `/`, `/v1?b` → `/?b`). The prefix is removed segment by segment,
 * so a segment with path parameters (`/v1;x/a`, which the router matched as `/v1/a`) goes as the router saw it.
 */
export function upstreamPathOf(route: RouteConfig, path: string): string {
  const prefix = route.upstreamRequest?.stripPrefix;
  return prefix === undefined ? path : stripSegments(path, countSegments(prefix));
}

/** Removes the first `count` segments of a path (`/a/b/c?q`, 2 → `/c?q`); the rest always starts with `/`. */
export function stripSegments(path: string, count: number): string {
  let at = 0;
  for (let segment = 0; segment < count; segment++) {
    // Each segment starts at a '/' and runs to the next '/', the query or the end.
    let next = at + 1;
    while (next < path.length && path.charCodeAt(next) !== 0x2f && path.charCodeAt(next) !== 0x3f) next++;
    at = next;
    if (at >= path.length || path.charCodeAt(at) === 0x3f) break;
  }
  const rest = path.slice(at);
  return rest.charCodeAt(0) === 0x2f ? rest : `/${rest}`;
}

function countSegments(prefix: string): number {
  let count = 0;
  for (let i = 0; i < prefix.length; i++) if (prefix.charCodeAt(i) === 0x2f) count++;
  return count;
}

/**
 * Applies a route's request rewrite to the fields built for the upstream: removed fields first, then set
 * ones, then the Host (`preserve` keeps the client's; `target` leaves it out, so each target is sent its own
 * authority; anything else is sent as is). Config validation keeps hop-by-hop, framing and gateway-owned
 * fields out of the edits.
 */
export function rewriteUpstreamHeaders(headers: HeaderRecord, rewrite: UpstreamRequestRewrite): void {
  if (rewrite.headers !== undefined) applyHeaderEdits(headers, rewrite.headers);
  if (rewrite.host === 'target') delete headers['host'];
  else if (rewrite.host !== 'preserve') headers['host'] = rewrite.host;
}

/** Removes then sets fields of a record whose names are lower-case. */
export function applyHeaderEdits(headers: HeaderRecord | Record<string, string | readonly string[] | undefined>, edits: HeaderEdits): void {
  for (const name of edits.remove) delete headers[name];
  for (const name in edits.set) headers[name] = edits.set[name];
}
