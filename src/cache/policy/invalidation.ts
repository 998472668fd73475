import type { HeaderMap } from './headers.ts';
import { readFirstLine } from './headers.ts';
import type { KeyOptions } from './key.ts';
import { buildCacheKey } from './key.ts';

export interface InvalidationInput {
  readonly method: string;
  readonly status: number;
  readonly scheme: string;
  /** The request's Host (authority), as received. */
  readonly host: string;
  readonly pathAndQuery: string;
  readonly responseHeaders: HeaderMap;
  readonly keyOptions: KeyOptions;
}

/** RFC 9110 §9.2.1 safe methods; method names are case-sensitive, so anything else is unsafe. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** RFC 9111 §4.4: unsafe, including methods whose safety is unknown. */
export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method);
}

/**
 * Primary keys to invalidate after an unsafe request (RFC 9111 §4.4): with a non-error (2xx or 3xx)
 * response, the target URI, plus the URIs in Location and Content-Location (resolved against the target)
 * on the target's host and port, http or https, each taken with the target's scheme so the URI
 * invalidated always has the target's origin. Deduplicated; empty otherwise.
 */
export function computeInvalidationKeys(input: InvalidationInput): string[] {
  if (!isUnsafeMethod(input.method) || input.status < 200 || input.status > 399) return [];
  const keys = [buildCacheKey(input.scheme, input.host, input.pathAndQuery, input.keyOptions)];
  const location = readFirstLine(input.responseHeaders['location']);
  const contentLocation = readFirstLine(input.responseHeaders['content-location']);
  if (location === undefined && contentLocation === undefined) return keys;
  const target = URL.parse(`${input.scheme}://${input.host}${input.pathAndQuery.startsWith('/') ? '' : '/'}${input.pathAndQuery}`);
  if (target === null) return keys;
  for (const reference of [location, contentLocation]) {
    const trimmed = reference?.trim();
    if (trimmed === undefined || trimmed.length === 0) continue;
    const resolved = URL.parse(trimmed, target.href);
    if (resolved === null || !isWebScheme(resolved.protocol) || resolved.host !== target.host) continue;
    // Keyed with the target's scheme: behind a TLS proxy the origin names its public https:// URL for what
    // this gateway, reached over http, stores under http://. The URI invalidated has the target's origin.
    const key = buildCacheKey(input.scheme, resolved.host, resolved.pathname + resolved.search, input.keyOptions);
    if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}

function isWebScheme(protocol: string): boolean {
  return protocol === 'http:' || protocol === 'https:';
}
