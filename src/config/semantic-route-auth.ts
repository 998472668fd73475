import { describeValue, type ConfigPath } from './issues.ts';
import { checkMethodList, isRecord, stringsOf, TOKEN, type Data, type Report } from './rules.ts';

/**
 * Rules for a route's authentication keys (`auth`, `scopes`, `claims`, `tokenCookie`, `cache.perUser`) and
 * its `cors` block. A key that would silently do nothing is an error: nobody should believe a route is
 * protected when it is not.
 */

/** RFC 6749 §3.3 scope-token: printable ASCII but space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** RFC 9110 §9.2.1 safe methods a cookie-authenticated route may take (see `tokenCookie` in docs/configuration.md). */
const COOKIE_SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function checkRouteAuth(route: Data, index: number, providersExist: boolean, report: Report): void {
  const at = (...keys: Array<string | number>): ConfigPath => ['routes', index, ...keys];
  const auth = route['auth'] ?? 'none';
  const verifies = auth === 'jwt' || auth === 'optional';
  if (verifies && !providersExist) {
    report(at('auth'), `'${String(auth)}' needs a token provider, expected an auth section with jwt or providers`);
  }
  const scopes = stringsOf(route['scopes']);
  const claims = isRecord(route['claims']) ? route['claims'] : {};
  const tokenCookie = route['tokenCookie'];
  if (auth === 'none') {
    const unused = 'never checked on a route with auth: none, expected auth: jwt (or optional)';
    if (scopes.length > 0) report(at('scopes'), `are ${unused}`);
    if (Object.keys(claims).length > 0) report(at('claims'), `are ${unused}`);
    if (typeof tokenCookie === 'string') report(at('tokenCookie'), `is ${unused}`);
  }
  scopes.forEach((scope, i) => {
    if (!SCOPE_TOKEN.test(scope))
      report(at('scopes', i), `must be a scope token (RFC 6749 §3.3: no spaces, quotes or backslashes) (got ${describeValue(scope)})`);
  });
  if (typeof tokenCookie === 'string' && tokenCookie !== '') checkTokenCookie(tokenCookie, route['methods'], at, report);
  const cache = route['cache'];
  if (isRecord(cache) && cache['perUser'] === true && auth !== 'jwt') {
    report(at('cache', 'perUser'), `needs auth: jwt (responses are keyed by the verified subject), got auth: ${String(auth)}`);
  }
  if (isRecord(route['cors'])) checkCors(route['cors'], at('cors'), report);
}

/**
 * Browsers attach cookies to cross-site requests, so a cookie-borne token is a CSRF risk (RFC 6265 §8.2).
 * The gateway cannot see the cookie's SameSite attribute, so such a route must take safe methods only
 * (RFC 9110 §9.2.1); state-changing requests carry the token in Authorization, which a browser never adds
 * on its own.
 */
function checkTokenCookie(name: string, methods: unknown, at: (...keys: Array<string | number>) => ConfigPath, report: Report): void {
  if (!TOKEN.test(name)) report(at('tokenCookie'), `must be a cookie name (RFC 6265 §4.1.1: a token) (got ${describeValue(name)})`);
  const listed = stringsOf(methods);
  const unsafe = listed.filter((method) => !COOKIE_SAFE_METHODS.has(method));
  if (methods === undefined || unsafe.length > 0) {
    const got = methods === undefined ? 'every method' : unsafe.join(', ');
    report(
      at('tokenCookie'),
      `needs methods limited to GET, HEAD and OPTIONS, since browsers send cookies cross-site (CSRF) (got ${got}); send the token in Authorization for other methods`,
    );
  }
}

function checkCors(cors: Data, path: ConfigPath, report: Report): void {
  const origins = Array.isArray(cors['origins']) ? cors['origins'] : [];
  const seen = new Set<string>();
  const hasWildcard = origins.includes('*');
  origins.forEach((origin: unknown, i) => {
    if (typeof origin !== 'string' || origin === '' || origin === '*') return;
    const problem = findCorsOriginProblem(origin);
    if (problem !== undefined)
      report(
        [...path, 'origins', i],
        `${problem}, expected an origin such as https://app.example.test or * (got ${describeValue(origin)})`,
      );
    else if (seen.has(new URL(origin).origin)) report([...path, 'origins', i], `repeats an earlier origin (${new URL(origin).origin})`);
    else seen.add(new URL(origin).origin);
  });
  if (hasWildcard && origins.length > 1) report([...path, 'origins'], 'lists * with other origins, expected * alone or exact origins only');
  // Fetch standard §3.2.5 (CORS check): a credentialed response needs the exact origin, never `*`.
  if (hasWildcard && cors['credentials'] === true)
    report([...path, 'credentials'], 'cannot be true with origins: * (the CORS protocol forbids it), expected exact origins');
  checkMethodList(cors['methods'], [...path, 'methods'], report, describeValue);
  for (const key of ['headers', 'exposeHeaders'] as const) {
    const list = cors[key];
    if (!Array.isArray(list)) continue;
    list.forEach((name: unknown, i) => {
      if (typeof name === 'string' && name !== '' && !TOKEN.test(name)) {
        report([...path, key, i], `must be a field name (RFC 9110 §5.1), such as content-type (got ${describeValue(name)})`);
      }
    });
  }
}

/** Why `text` is not an exact http(s) origin as browsers send it in `Origin`, or undefined. */
function findCorsOriginProblem(text: string): string | undefined {
  if (text === 'null') return 'must not be "null" (sandboxed documents and local files all send it)';
  if (!/^https?:\/\//i.test(text) || !URL.canParse(text)) return 'must be an http(s) origin';
  const url = new URL(text);
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || /[?#]/.test(text) || /^https?:\/\/[^/]+\/./i.test(text)) {
    return 'must not have a path, query or fragment';
  }
  return undefined;
}
