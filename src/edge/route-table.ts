import { CachetError } from '../errors.ts';

export type RouteMatch<R> =
  | { kind: 'matched'; route: R; index: number }
  | { kind: 'method-not-allowed'; allow: readonly string[] }
  | { kind: 'not-found' };

export interface RouteTable<R> {
  /** `path` is a normalised path without its query (see `normalizeRequestTarget`); `method` is upper-case. */
  match(path: string, method: string): RouteMatch<R>;
}

interface CompiledRoute<R> {
  /** 'all': `/*` or `*`; 'prefix': `/base/*`; 'exact': anything else. */
  readonly kind: 'all' | 'prefix' | 'exact';
  /** The exact path, or the prefix without its `/*` (`/v1`). */
  readonly base: string;
  /** `base` + `/`, so a prefix match is one `startsWith` ('' for exact routes). */
  readonly baseSlash: string;
  /** Undefined: every method. GET implies HEAD. */
  readonly methods: ReadonlySet<string> | undefined;
  readonly result: RouteMatch<R>;
}

const NOT_FOUND: RouteMatch<never> = Object.freeze({ kind: 'not-found' });

/**
 * Compiles config routes (`RouteConfig`) once into a table that matches without regular expressions or
 * allocation on the matched path.
 *
 * - First match wins, in config order.
 * - `/v1/*` matches `/v1` and everything under `/v1/` on a segment boundary (`/v1x` does not match);
 *   `/*` and `*` match every path; any other path matches exactly (case-sensitive, trailing slash significant).
 * - Path parameters (`;…` inside a segment, RFC 3986 §3.3) are ignored for matching, so `/admin;x/y` routes
 *   like `/admin/y`: origins that strip parameters must not see a request the router placed on another route.
 * - A route whose path matches but whose `methods` do not include the method is skipped. If some route matched
 *   the path but none the method, the answer is `method-not-allowed` with the union of their methods for the
 *   `Allow` field (RFC 9110 §15.5.6, §10.2.1).
 * - A route listing GET also accepts HEAD (RFC 9110 §9.3.2: HEAD is GET without content; general-purpose
 *   servers support both).
 *
 * @throws CachetError `CACHET_ERR_CONFIG_INVALID` for a path that is neither `*` nor starts with `/`, that
 * uses `*` anywhere but a final `/*`, or that contains `;`.
 */
export function createRouteTable<R extends { path: string; methods: readonly string[] | undefined }>(routes: readonly R[]): RouteTable<R> {
  const compiled = routes.map((route, index) => compileRoute(route, index));
  return {
    match(path, method) {
      const routingPath = path.includes(';') ? stripPathParameters(path) : path;
      let pathMatched = false;
      for (const route of compiled) {
        if (!isPathMatch(route, routingPath)) continue;
        if (route.methods === undefined || route.methods.has(method)) return route.result as RouteMatch<R>;
        pathMatched = true;
      }
      return pathMatched ? collectAllowed(compiled, routingPath) : NOT_FOUND;
    },
  };
}

function compileRoute<R extends { path: string; methods: readonly string[] | undefined }>(route: R, index: number): CompiledRoute<R> {
  const path = route.path;
  const result: RouteMatch<R> = Object.freeze({ kind: 'matched', route, index });
  const methods = route.methods === undefined ? undefined : compileMethods(route.methods);
  if (path === '*' || path === '/*') return { kind: 'all', base: '', baseSlash: '/', methods, result };
  if (!path.startsWith('/')) throw invalidRoute(index, path, 'must start with / or be *');
  if (path.includes(';')) throw invalidRoute(index, path, 'may not contain path parameters (;), which matching ignores');
  const star = path.indexOf('*');
  if (star === -1) return { kind: 'exact', base: path, baseSlash: '', methods, result };
  if (star !== path.length - 1 || !path.endsWith('/*')) throw invalidRoute(index, path, 'may only use * as a final /*');
  const base = path.slice(0, -2);
  return { kind: 'prefix', base, baseSlash: `${base}/`, methods, result };
}

function compileMethods(methods: readonly string[]): ReadonlySet<string> {
  const set = new Set(methods);
  if (set.has('GET')) set.add('HEAD');
  return set;
}

function isPathMatch(route: CompiledRoute<unknown>, path: string): boolean {
  switch (route.kind) {
    case 'all':
      return true;
    case 'exact':
      return path === route.base;
    case 'prefix':
      return path === route.base || path.startsWith(route.baseSlash);
  }
}

/** `/a;x/b;y=1/` → `/a/b/`: drops each segment's parameters (RFC 3986 §3.3). */
function stripPathParameters(path: string): string {
  return path.replace(/;[^/]*/g, '');
}

function collectAllowed(compiled: readonly CompiledRoute<unknown>[], path: string): RouteMatch<never> {
  const allow = new Set<string>();
  for (const route of compiled) {
    if (route.methods === undefined || !isPathMatch(route, path)) continue;
    for (const method of route.methods) allow.add(method);
  }
  return { kind: 'method-not-allowed', allow: [...allow] };
}

function invalidRoute(index: number, path: string, why: string): CachetError {
  return new CachetError('CACHET_ERR_CONFIG_INVALID', `routes[${index}].path ${JSON.stringify(path)} ${why}`);
}
