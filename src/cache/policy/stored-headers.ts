import type { HeaderMap, HeaderValue } from './headers.ts';
import { joinFieldLines, splitList } from './headers.ts';
import type { ResponseDirectives } from './directives.ts';

/**
 * Fields never stored:
 * - hop-by-hop fields (RFC 9110 §7.6.1: Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding,
 *   Upgrade), plus Trailer, since trailers are discarded (RFC 9111 §3.1 allows it);
 * - fields tied to the client's proxy configuration (RFC 9111 §3.1: Proxy-Authenticate,
 *   Proxy-Authentication-Info, Proxy-Authorization);
 * - Age: the cache computes its own (RFC 9111 §4.2.3, §5.1).
 */
const NEVER_STORED: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'proxy-authenticate',
  'proxy-authentication-info',
  'proxy-authorization',
  'age',
]);

/**
 * The response fields a shared cache stores (RFC 9111 §3.1): every field received except those above, the
 * fields named in Connection, and those named by `no-cache="..."` or `private="..."` (dropping them is the
 * safe reading of §5.2.2.4 and §5.2.2.7: the rest may be reused without them). Returns a fresh object.
 */
export function selectStoredHeaders(headers: HeaderMap, directives: ResponseDirectives): Record<string, string | string[]> {
  const connectionOptions = readConnectionOptions(headers['connection']);
  const stored: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isExcludedFromStorage(name, connectionOptions)) continue;
    if (directives.noCacheFields.includes(name) || directives.privateFields.includes(name)) continue;
    stored[name] = typeof value === 'string' ? value : value.slice();
  }
  return stored;
}

/** RFC 9111 §3.1 exclusions that need no directives: hop-by-hop, proxy-specific, Age, Connection options. */
export function isExcludedFromStorage(name: string, connectionOptions: readonly string[]): boolean {
  return NEVER_STORED.has(name) || (connectionOptions.length > 0 && connectionOptions.includes(name));
}

/** Lower-case connection options (RFC 9110 §7.6.1): fields named here are hop-by-hop. */
export function readConnectionOptions(value: HeaderValue): readonly string[] {
  const joined = joinFieldLines(value);
  if (joined === undefined) return [];
  return splitList(joined).map((option) => option.toLowerCase());
}
