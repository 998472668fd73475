import { CONFIG_DEFAULTS } from './schema.ts';
import { describeValue, type ConfigPath } from './issues.ts';
import { isRecord, stringsOf, TOKEN, type Data, type Report } from './rules.ts';

/**
 * Rules for a route's caching options (`cache.defaultTtlSec`, `ignoreQuery`, `sortQuery`, `keyHeaders`,
 * `enabled`) and its upstream rewrites (`stripPrefix`, `upstreamHost`, `requestHeaders`, `responseHeaders`).
 * A field the gateway owns can be neither set nor removed: the message says who sets it instead.
 */

/** RFC 9110 §7.6.1: fields of one connection, which the gateway removes on every hop. */
const HOP_BY_HOP = 'is hop-by-hop (RFC 9110 §7.6.1): it belongs to one connection and cachet removes it on every hop';
const FRAMING = 'frames the message (RFC 9112 §6): cachet sets it from the body it sends';

const REQUEST_FIELD_OWNERS: Readonly<Record<string, string>> = {
  ...ownedBy(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer'], HOP_BY_HOP),
  ...ownedBy(['proxy-authorization', 'proxy-authenticate'], HOP_BY_HOP),
  ...ownedBy(['content-length', 'expect'], FRAMING),
  host: 'is chosen with upstreamHost (preserve, target or a host)',
  ...ownedBy(
    ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'],
    "is the client's, or the cache's when it revalidates or fills (RFC 9111 §4.3.1)",
  ),
  ...ownedBy(
    ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'traceparent', 'tracestate', 'via'],
    'is set by cachet on every request (forwarding, request id, trace context, Via)',
  ),
};

const RESPONSE_FIELD_OWNERS: Readonly<Record<string, string>> = {
  ...ownedBy(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer'], HOP_BY_HOP),
  ...ownedBy(['proxy-authenticate', 'proxy-authentication-info'], HOP_BY_HOP),
  ...ownedBy(['content-length', 'content-range'], FRAMING),
  ...ownedBy(['age', 'cache-status', 'x-request-id', 'via'], 'is set by cachet on every response (Age, Cache-Status, request id, Via)'),
};

/** RFC 9110 §5.5 field-value: visible characters, spaces and tabs inside, none at either end. */
const FIELD_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;

export function checkRoutePolicies(routes: unknown, auth: unknown, report: Report): void {
  if (!Array.isArray(routes)) return;
  const identityFields = readIdentityFields(auth);
  routes.forEach((route: unknown, index) => {
    if (!isRecord(route)) return;
    const at = (...keys: Array<string | number>): ConfigPath => ['routes', index, ...keys];
    if (isRecord(route['cache'])) checkRouteCache(route['cache'], at, report);
    checkStripPrefix(route, at, report);
    const host = route['upstreamHost'];
    if (typeof host === 'string' && host !== '' && !isUpstreamHost(host)) {
      report(
        at('upstreamHost'),
        `must be preserve, target or a host with an optional port such as api.internal:8080 (got ${describeValue(host)})`,
      );
    }
    const requestOwners = { ...REQUEST_FIELD_OWNERS, ...identityFields };
    if (isRecord(route['requestHeaders'])) checkHeaderEdits(route['requestHeaders'], at('requestHeaders'), requestOwners, report);
    if (isRecord(route['responseHeaders']))
      checkHeaderEdits(route['responseHeaders'], at('responseHeaders'), RESPONSE_FIELD_OWNERS, report);
  });
}

function checkRouteCache(cache: Data, at: (...keys: Array<string | number>) => ConfigPath, report: Report): void {
  if (cache['enabled'] === false) {
    const unused = ['perUser', 'defaultTtlSec', 'ignoreQuery', 'sortQuery', 'keyHeaders'].filter((key) => cache[key] !== undefined);
    if (unused.length > 0)
      report(at('cache', 'enabled'), `is false, so ${unused.join(', ')} would do nothing, expected them removed or enabled: true`);
  }
  stringsOf(cache['ignoreQuery']).forEach((name, i) => {
    // The key compares names before '=' between '&' (key.ts): such a name could never match.
    if (/[&=]/.test(name))
      report(at('cache', 'ignoreQuery', i), `must be a query parameter name, without & or = (got ${describeValue(name)})`);
  });
  const seen = new Map<string, string>();
  stringsOf(cache['keyHeaders']).forEach((name, i) => {
    const lower = name.toLowerCase();
    const earlier = seen.get(lower);
    if (!TOKEN.test(name))
      report(at('cache', 'keyHeaders', i), `must be a field name (RFC 9110 §5.1), such as x-tenant (got ${describeValue(name)})`);
    else if (lower === 'host') report(at('cache', 'keyHeaders', i), 'is always part of the key (the target URI, RFC 9111 §2)');
    else if (earlier !== undefined) report(at('cache', 'keyHeaders', i), `repeats ${earlier} (field names are case-insensitive)`);
    else seen.set(lower, name);
  });
}

function checkStripPrefix(route: Data, at: (...keys: Array<string | number>) => ConfigPath, report: Report): void {
  const path = route['path'];
  if (route['stripPrefix'] !== true || typeof path !== 'string') return;
  if (!path.endsWith('/*') || path === '/*') {
    report(at('stripPrefix'), `needs a prefix route such as /v1/* to strip (got path ${describeValue(path)})`);
  }
}

/** `preserve`, `target`, or `host[:port]` as in RFC 9110 §7.2 (a name, an IPv4 address or a bracketed IPv6 one). */
function isUpstreamHost(value: string): boolean {
  if (value === 'preserve' || value === 'target') return true;
  if (/[\s/?#@\\]/.test(value)) return false;
  const url = URL.parse(`http://${value}`);
  return url !== null && url.hostname !== '' && url.pathname === '/' && url.search === '' && url.hash === '';
}

function checkHeaderEdits(edits: Data, path: ConfigPath, owners: Readonly<Record<string, string>>, report: Report): void {
  const set = isRecord(edits['set']) ? edits['set'] : {};
  const setNames = new Map<string, string>();
  for (const [name, value] of Object.entries(set)) {
    const lower = name.toLowerCase();
    if (!checkFieldName(name, [...path, 'set', name], owners, report)) continue;
    if (setNames.has(lower)) report([...path, 'set', name], `repeats ${setNames.get(lower)} (field names are case-insensitive)`);
    setNames.set(lower, name);
    if (typeof value === 'string' && !FIELD_VALUE.test(value))
      report(
        [...path, 'set', name],
        'must be a field value (RFC 9110 §5.5): visible characters and inner spaces, no line breaks or control characters',
      );
  }
  stringsOf(edits['remove']).forEach((name, i) => {
    if (!checkFieldName(name, [...path, 'remove', i], owners, report)) return;
    const setAs = setNames.get(name.toLowerCase());
    if (setAs !== undefined) report([...path, 'remove', i], `is also set (set.${setAs}), expected one of the two`);
  });
}

/** Reports a name that is not a field name, or one the gateway owns; answers whether the name is usable. */
function checkFieldName(name: string, path: ConfigPath, owners: Readonly<Record<string, string>>, report: Report): boolean {
  if (!TOKEN.test(name)) {
    report(path, `must be a field name (RFC 9110 §5.1), such as x-api-version (got ${describeValue(name)})`);
    return false;
  }
  const owner = owners[name.toLowerCase()];
  if (owner === undefined) return true;
  report(path, `${owner}, so a route can neither set nor remove it`);
  return false;
}

/** The fields a verified identity goes upstream in: the gateway sets them, and strips client copies. */
function readIdentityFields(auth: unknown): Record<string, string> {
  const defaults = CONFIG_DEFAULTS.auth.identityHeaders;
  const headers = isRecord(auth) && isRecord(auth['identityHeaders']) ? auth['identityHeaders'] : {};
  // The default names are stripped from client requests even when others are configured (request-headers.ts).
  const names = [defaults.subject, defaults.scopes, headers['subject'], headers['scopes']];
  if (isRecord(headers['claims'])) names.push(...Object.values(headers['claims']));
  return ownedBy(
    names.filter((name): name is string => typeof name === 'string').map((name) => name.toLowerCase()),
    'carries the verified identity: cachet sets it and removes client copies',
  );
}

function ownedBy(names: readonly string[], reason: string): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, reason]));
}
