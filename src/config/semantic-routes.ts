import { describeValue, type ConfigPath } from './issues.ts';
import { checkMethodList, isRecord, TOKEN, type Report } from './rules.ts';
import { checkRouteAuth } from './semantic-route-auth.ts';
import { checkRouteIdempotency } from './idempotency.ts';

/**
 * Rules for the `routes` list: each route's path, methods and upstream, then reachability. Routes match as
 * `src/edge/route-table.ts` does (first match wins, on the path and the method), so a route every request of
 * which an earlier route already takes is a mistake, reported with the route that takes them.
 */
export function checkRoutes(routes: unknown, upstreamNames: ReadonlySet<string>, providersExist: boolean, report: Report): void {
  if (!Array.isArray(routes)) return;
  routes.forEach((route: unknown, index) => {
    if (!isRecord(route)) return;
    const at = (key: string): ConfigPath => ['routes', index, key];
    const { path, methods, upstream } = route;
    if (typeof path === 'string') {
      const problem = findRoutePathProblem(path);
      if (problem !== undefined)
        report(at('path'), `${problem}, expected an exact path such as /v1/health or a prefix such as /v1/* (got ${describeValue(path)})`);
    }
    checkMethodList(methods, at('methods'), report, describeValue);
    if (typeof upstream === 'string' && upstreamNames.size > 0 && !upstreamNames.has(upstream)) {
      report(at('upstream'), `names no upstream, expected one of ${[...upstreamNames].join(', ')} (got ${describeValue(upstream)})`);
    }
    checkRouteAuth(route, index, providersExist, report);
    checkRouteIdempotency(route, index, report);
  });
  checkReachability(routes, report);
}

/**
 * Route paths: `/` then anything but spaces, `?`, `#` and `;`; `*` only as a final `/*` segment (a prefix).
 * `;` is refused because the router ignores path parameters (RFC 3986 §3.3), so such a route could never match.
 */
function findRoutePathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return path === '*' ? 'must start with / (use /* to match every path)' : 'must start with /';
  if (/[\s?#;]/.test(path)) return 'must not contain spaces, ?, # or ;';
  const star = path.indexOf('*');
  if (star !== -1 && (star !== path.length - 1 || !path.endsWith('/*'))) return 'may contain * only as a final /* segment';
  return undefined;
}

/** A route as the router matches it; only routes whose path and methods are valid take part. */
interface Matcher {
  readonly index: number;
  readonly path: string;
  /** 'all': `/*`; 'prefix': `/base/*` (matches `/base` and below); 'exact': anything else. */
  readonly kind: 'all' | 'prefix' | 'exact';
  readonly base: string;
  /** As written; undefined: every method. */
  readonly listed: readonly string[] | undefined;
  /** `listed` plus HEAD when it lists GET (RFC 9110 §9.3.2), as the router accepts them. */
  readonly methods: ReadonlySet<string> | undefined;
}

function toMatcher(route: unknown, index: number): Matcher | undefined {
  if (!isRecord(route)) return undefined;
  const { path, methods } = route;
  if (typeof path !== 'string' || findRoutePathProblem(path) !== undefined) return undefined;
  let listed: readonly string[] | undefined;
  if (methods !== undefined) {
    if (!Array.isArray(methods) || methods.length === 0) return undefined;
    if (!methods.every((m: unknown) => typeof m === 'string' && TOKEN.test(m) && m === m.toUpperCase())) return undefined;
    listed = methods as string[];
  }
  const accepted = listed === undefined ? undefined : new Set(listed);
  if (accepted?.has('GET')) accepted.add('HEAD');
  if (path === '/*') return { index, path, kind: 'all', base: '', listed, methods: accepted };
  if (path.endsWith('/*')) return { index, path, kind: 'prefix', base: path.slice(0, -2), listed, methods: accepted };
  return { index, path, kind: 'exact', base: path, listed, methods: accepted };
}

/** Whether every path `later` matches is matched by `earlier` too (the router's prefix rule: a segment boundary). */
function coversPaths(earlier: Matcher, later: Matcher): boolean {
  if (earlier.kind === 'all') return true;
  if (later.kind === 'all') return false;
  if (earlier.kind === 'exact') return later.kind === 'exact' && later.base === earlier.base;
  return later.base === earlier.base || later.base.startsWith(`${earlier.base}/`);
}

function acceptsMethod(route: Matcher, method: string): boolean {
  return route.methods === undefined || route.methods.has(method);
}

/**
 * Reports each route no request can reach, and each listed method of a route that never reaches it. A route
 * that takes every method is reached only if no earlier route that covers its paths takes every method too;
 * a route with methods is unreached when, for each method it accepts, some earlier route covers its paths and
 * accepts that method (several earlier routes may share the work, e.g. one for GET and one for POST).
 */
function checkReachability(routes: readonly unknown[], report: Report): void {
  const matchers: Matcher[] = [];
  routes.forEach((route, index) => {
    const later = toMatcher(route, index);
    if (later === undefined) return;
    const covering = matchers.filter((earlier) => coversPaths(earlier, later));
    matchers.push(later);
    if (covering.length === 0) return;
    if (later.methods === undefined) {
      const takesAll = covering.find((earlier) => earlier.methods === undefined);
      if (takesAll !== undefined) report(['routes', index, 'path'], describeUnreached(later, [takesAll]));
      return;
    }
    const takerOf = (method: string): Matcher | undefined => covering.find((earlier) => acceptsMethod(earlier, method));
    const takers = [...later.methods].map(takerOf);
    if (takers.every((taker) => taker !== undefined)) {
      report(
        ['routes', index, 'path'],
        describeUnreached(
          later,
          [...new Set(takers)].sort((a, b) => a.index - b.index),
        ),
      );
      return;
    }
    later.listed?.forEach((method, position) => {
      const taker = takerOf(method);
      if (taker !== undefined) report(['routes', index, 'methods', position], describeUnreachedMethod(later, method, taker));
    });
  });
}

function describeUnreached(later: Matcher, takers: readonly Matcher[]): string {
  const [first] = takers as [Matcher];
  if (takers.length === 1 && first.path === later.path) {
    return `is never reached: ${name(first)} has the same path and comes first (first match wins), expected one of the two removed, or their methods made distinct`;
  }
  if (takers.length === 1) {
    return `is never reached: ${name(first)} ${relate(first, later)} and comes first (first match wins), expected this route above routes[${first.index}], or removed`;
  }
  const names = takers.map(name);
  const listed = `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `is never reached: ${listed} match every request it would and come first (first match wins), expected this route above routes[${first.index}], or removed`;
}

function describeUnreachedMethod(later: Matcher, method: string, taker: Matcher): string {
  return `${method} never reaches this route: ${name(taker)} ${relate(taker, later)} and takes ${method} first (first match wins), expected ${method} removed here, or this route above routes[${taker.index}]`;
}

/** `routes[0] (/v1/*)`, or with its methods: `routes[0] (GET, HEAD /v1/*)`. */
function name(route: Matcher): string {
  return `routes[${route.index}] (${route.listed === undefined ? '' : `${route.listed.join(', ')} `}${route.path})`;
}

function relate(earlier: Matcher, later: Matcher): string {
  if (earlier.path === later.path) return 'has the same path';
  if (earlier.kind === 'all') return 'matches every path';
  return `covers ${later.path}`;
}
