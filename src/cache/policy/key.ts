export interface KeyOptions {
  /** Order query parameters by name (stable), so `?b=1&a=2` and `?a=2&b=1` share an entry. */
  readonly sortQuery: boolean;
  /** Query parameter names left out of the key (e.g. utm_source). */
  readonly ignoreParams: readonly string[];
}

/**
 * The primary cache key (RFC 9111 §2): the target URI as `scheme://host[:port]/path?query`, with the host
 * lower-cased and a default port (80 for http, 443 for https) dropped (RFC 9110 §4.2.3). The path is kept
 * as sent; an empty path reads as "/". With `ignoreParams` or `sortQuery`, the query is rebuilt (and
 * dropped entirely when nothing remains).
 *
 * @example buildCacheKey('http', 'Example.com:80', '/a?b=1&utm_source=x', { sortQuery: true, ignoreParams: ['utm_source'] }) // 'http://example.com/a?b=1'
 */
export function buildCacheKey(scheme: string, host: string, pathAndQuery: string, options: KeyOptions): string {
  const origin = keyOriginOf(scheme, host);
  // The same key object as last time: V8 keeps a string's hash on it, so the store's Map lookup does not
  // flatten and hash a new concatenation for a URL that is asked for again and again.
  if (origin === lastKeyOrigin && pathAndQuery === lastKeyTarget && options === lastKeyOptions) return lastKey;
  const key = origin + keyTargetOf(pathAndQuery, options);
  lastKeyOrigin = origin;
  lastKeyTarget = pathAndQuery;
  lastKeyOptions = options;
  lastKey = key;
  return key;
}

/** The last key built and what it was built from: a hot URL is mostly asked for many times in a row. */
let lastKeyOrigin = '';
let lastKeyTarget = '';
let lastKeyOptions: KeyOptions | undefined;
let lastKey = '';

function keyTargetOf(pathAndQuery: string, options: KeyOptions): string {
  let target = pathAndQuery.length === 0 || pathAndQuery.charCodeAt(0) === 0x3f ? `/${pathAndQuery}` : pathAndQuery;
  const queryStart = target.indexOf('?');
  if (queryStart >= 0 && (options.sortQuery || options.ignoreParams.length > 0)) {
    const query = rebuildQuery(target.slice(queryStart + 1), options);
    target = query.length === 0 ? target.slice(0, queryStart) : `${target.slice(0, queryStart)}?${query}`;
  }
  return target;
}

/**
 * The path and query of a primary key: everything after the authority (RFC 9110 §4.2.1); `/` when the
 * path is empty (RFC 9110 §4.2.3). Purge by path matches on this.
 */
export function pathOfKey(key: string): string {
  const schemeEnd = key.indexOf('://');
  const authorityAt = schemeEnd === -1 ? 0 : schemeEnd + 3;
  for (let i = authorityAt; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code === 0x2f) return key.slice(i);
    if (code === 0x3f) return `/${key.slice(i)}`;
  }
  return '/';
}

/** The last scheme and Host seen and their key prefix: a gateway mostly serves a few hosts, often one. */
let lastScheme = '';
let lastHost = '';
let lastOrigin = '';

/** `scheme://authority` of a key, normalised; remembered for the last Host, as most requests repeat it. */
function keyOriginOf(scheme: string, host: string): string {
  if (host === lastHost && scheme === lastScheme) return lastOrigin;
  const lowerScheme = scheme.toLowerCase();
  const origin = `${lowerScheme}://${normalizeAuthority(lowerScheme, host)}`;
  lastScheme = scheme;
  lastHost = host;
  lastOrigin = origin;
  return origin;
}

function normalizeAuthority(scheme: string, host: string): string {
  const lower = host.toLowerCase();
  const bracketEnd = lower.lastIndexOf(']');
  const colon = lower.lastIndexOf(':');
  if (colon < 0 || colon < bracketEnd) return lower;
  const port = lower.slice(colon + 1);
  const isDefault = port === '' || (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443');
  return isDefault ? lower.slice(0, colon) : lower;
}

function rebuildQuery(query: string, options: KeyOptions): string {
  let params = query.split('&').filter((param) => param.length > 0);
  // A value holding ';' is kept: origins that also split on ';' would read a parameter the key never saw (cloaking).
  if (options.ignoreParams.length > 0)
    params = params.filter((param) => param.includes(';') || !options.ignoreParams.includes(readParamName(param)));
  if (options.sortQuery) {
    // Array.prototype.sort is stable: parameters with the same name keep their order.
    params.sort((a, b) => compareStrings(readParamName(a), readParamName(b)));
  }
  return params.join('&');
}

function readParamName(param: string): string {
  const equals = param.indexOf('=');
  const raw = equals < 0 ? param : param.slice(0, equals);
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The fields that select among the stored responses of one key: the response's Vary fields, then the route's
 * `cache.keyHeaders` it does not list, as if the origin had listed them too (RFC 9111 §4.1). Purges and
 * invalidations by URL still reach every response, whatever their values.
 */
export function addKeyHeaders(varyFields: readonly string[], keyHeaders: readonly string[] | undefined): readonly string[] {
  if (keyHeaders === undefined || keyHeaders.length === 0) return varyFields;
  const missing = keyHeaders.filter((name) => !varyFields.includes(name));
  return missing.length === 0 ? varyFields : [...varyFields, ...missing];
}

/**
 * Per-user keys (route `cache: { perUser: true }`): a `private` response is stored under the primary key
 * plus the verified subject, so only that subject's requests can ever select it. NUL cannot occur in a
 * request target or a header value, so no URL can spell another user's key.
 */
const USER_KEY_SEPARATOR = '\0u:';

export function buildUserKey(key: string, subject: string): string {
  return `${key}${USER_KEY_SEPARATOR}${subject}`;
}

/** The shared primary key a (possibly per-user) key belongs to. */
export function sharedKeyOf(key: string): string {
  const at = key.indexOf(USER_KEY_SEPARATOR);
  return at < 0 ? key : key.slice(0, at);
}
