import type { HeaderEdits, RouteConfig, RouteCacheKey } from './types.ts';
import { CONFIG_DEFAULTS as D } from './schema.ts';

/** A route's caching options and upstream rewrites after the schema and the semantic checks. */
export interface CheckedRoutePolicy {
  path: string;
  cache?: boolean | { defaultTtlSec?: number; ignoreQuery?: string[]; sortQuery?: boolean; keyHeaders?: string[] };
  stripPrefix?: boolean;
  upstreamHost?: string;
  requestHeaders?: CheckedHeaderEdits;
  responseHeaders?: CheckedHeaderEdits;
}

interface CheckedHeaderEdits {
  set?: Record<string, string>;
  remove?: string[];
}

type RoutePolicy = Pick<RouteConfig, 'defaultTtlSec' | 'cacheKey' | 'upstreamRequest' | 'responseHeaders'>;

/**
 * The route's own caching options and rewrites. Only keys the route uses are present, so a route without them
 * is the same object it always was and the request path checks one field to know there is nothing to do.
 */
export function buildRoutePolicy(route: CheckedRoutePolicy, key: Omit<RouteCacheKey, 'headers'>): RoutePolicy {
  const policy: { -readonly [K in keyof RoutePolicy]: RoutePolicy[K] } = {};
  const cache = typeof route.cache === 'object' ? route.cache : {};
  if (cache.defaultTtlSec !== undefined) policy.defaultTtlSec = cache.defaultTtlSec;
  if (cache.ignoreQuery !== undefined || cache.sortQuery !== undefined || cache.keyHeaders !== undefined) {
    policy.cacheKey = {
      sortQuery: cache.sortQuery ?? key.sortQuery,
      ignoreParams: [...new Set([...key.ignoreParams, ...(cache.ignoreQuery ?? [])])],
      headers: [...new Set((cache.keyHeaders ?? []).map((name) => name.toLowerCase()))],
    };
  }
  const host = (route.upstreamHost ?? D.route.upstreamHost).toLowerCase();
  if (route.stripPrefix === true || host !== D.route.upstreamHost || route.requestHeaders !== undefined) {
    policy.upstreamRequest = {
      stripPrefix: route.stripPrefix === true ? route.path.slice(0, -2) : undefined,
      host,
      headers: buildHeaderEdits(route.requestHeaders),
    };
  }
  const responseHeaders = buildHeaderEdits(route.responseHeaders);
  if (responseHeaders !== undefined) policy.responseHeaders = responseHeaders;
  return policy;
}

function buildHeaderEdits(edits: CheckedHeaderEdits | undefined): HeaderEdits | undefined {
  if (edits === undefined) return undefined;
  const set = Object.entries(edits.set ?? {});
  const remove = edits.remove ?? [];
  if (set.length === 0 && remove.length === 0) return undefined;
  // RFC 9110 §5.1: field names are case-insensitive; code compares lower-case names.
  return {
    set: Object.fromEntries(set.map(([name, value]) => [name.toLowerCase(), value])),
    remove: remove.map((name) => name.toLowerCase()),
  };
}
