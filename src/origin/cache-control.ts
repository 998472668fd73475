/** Response directives of RFC 9111 §5.2.2 plus RFC 5861 and RFC 8246 extensions. Durations are seconds. */
export interface CacheControlOptions {
  /** Any cache may store it, even for authenticated requests (RFC 9111 §5.2.2.9). */
  public?: boolean;
  /** Only the user's own cache may store it, never cachet (RFC 9111 §5.2.2.7). */
  private?: boolean;
  /** No cache may store it (RFC 9111 §5.2.2.5). */
  noStore?: boolean;
  /** Caches may store it but must revalidate before each use (RFC 9111 §5.2.2.4). */
  noCache?: boolean;
  /** Freshness lifetime in seconds (RFC 9111 §5.2.2.1). */
  maxAge?: number;
  /** Freshness lifetime for shared caches such as cachet, overriding maxAge (RFC 9111 §5.2.2.10). */
  sMaxAge?: number;
  /** Seconds a stale response may be served while revalidating in the background (RFC 5861 §3). */
  staleWhileRevalidate?: number;
  /** Seconds a stale response may be served when the origin errors (RFC 5861 §4). */
  staleIfError?: number;
  /** Once stale, never serve without revalidating (RFC 9111 §5.2.2.2). */
  mustRevalidate?: boolean;
  /** mustRevalidate for shared caches only (RFC 9111 §5.2.2.8). */
  proxyRevalidate?: boolean;
  /** Will not change while fresh, so clients skip reload revalidation (RFC 8246). */
  immutable?: boolean;
  /** Intermediaries must not transform the content (RFC 9111 §5.2.2.6). */
  noTransform?: boolean;
}

type FlagName = 'public' | 'private' | 'noStore' | 'noCache' | 'noTransform' | 'mustRevalidate' | 'proxyRevalidate' | 'immutable';
type SecondsName = 'maxAge' | 'sMaxAge' | 'staleWhileRevalidate' | 'staleIfError';

// Output order: who may store, then whether to revalidate, then lifetimes, then hints.
const DIRECTIVES: ReadonlyArray<readonly [FlagName | SecondsName, string]> = [
  ['public', 'public'],
  ['private', 'private'],
  ['noStore', 'no-store'],
  ['noCache', 'no-cache'],
  ['noTransform', 'no-transform'],
  ['mustRevalidate', 'must-revalidate'],
  ['proxyRevalidate', 'proxy-revalidate'],
  ['maxAge', 'max-age'],
  ['sMaxAge', 's-maxage'],
  ['staleWhileRevalidate', 'stale-while-revalidate'],
  ['staleIfError', 'stale-if-error'],
  ['immutable', 'immutable'],
];
const SECONDS: ReadonlySet<string> = new Set<SecondsName>(['maxAge', 'sMaxAge', 'staleWhileRevalidate', 'staleIfError']);
const KNOWN: ReadonlySet<string> = new Set(DIRECTIVES.map(([name]) => name));
// Lifetimes mean nothing once no-store forbids storing.
const STORE_ONLY: readonly (keyof CacheControlOptions)[] = ['maxAge', 'sMaxAge', 'staleWhileRevalidate', 'staleIfError', 'immutable'];
// RFC 9111 §1.2.2: delta-seconds beyond 2^31 are sent as 2^31.
const MAX_DELTA_SECONDS = 2_147_483_648;

/**
 * Builds a `Cache-Control` response field value in a fixed directive order, so equal options always give
 * the same string. Throws `TypeError` for contradictions a cache would resolve in a surprising way:
 * `public` with `private`, `private` with `sMaxAge`, `noStore` with any lifetime or `immutable`; for
 * durations that are not non-negative integers; for unknown option names; and for empty options.
 * Durations above 2^31 seconds are capped (RFC 9111 §1.2.2).
 *
 * @example
 * cacheControl({ public: true, maxAge: 60, staleWhileRevalidate: 300 });
 * // 'public, max-age=60, stale-while-revalidate=300'
 * cacheControl({ private: true, noCache: true }); // 'private, no-cache'
 */
export function cacheControl(options: CacheControlOptions): string {
  assertValidOptions(options);
  const parts: string[] = [];
  for (const [name, directive] of DIRECTIVES) {
    const value = options[name];
    if (value === undefined || value === false) continue;
    parts.push(typeof value === 'number' ? `${directive}=${Math.min(value, MAX_DELTA_SECONDS)}` : directive);
  }
  if (parts.length === 0) throw new TypeError('cacheControl: name at least one directive, e.g. { noStore: true }.');
  return parts.join(', ');
}

function assertValidOptions(options: CacheControlOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('cacheControl: options must be an object.');
  for (const [name, value] of Object.entries(options) as Array<[string, unknown]>) {
    if (!KNOWN.has(name)) throw new TypeError(`cacheControl: unknown option ${JSON.stringify(name)}.`);
    if (value === undefined) continue;
    if (SECONDS.has(name)) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        throw new TypeError(`cacheControl: ${name} must be a non-negative integer number of seconds, got ${String(value)}.`);
    } else if (typeof value !== 'boolean') {
      throw new TypeError(`cacheControl: ${name} must be a boolean, got ${String(value)}.`);
    }
  }
  if (options.public === true && options.private === true) throw new TypeError('cacheControl: public and private contradict each other.');
  if (options.private === true && options.sMaxAge !== undefined)
    throw new TypeError('cacheControl: sMaxAge applies to shared caches, which private excludes.');
  if (options.noStore === true) {
    const conflict = STORE_ONLY.find((name) => options[name] !== undefined && options[name] !== false);
    if (conflict !== undefined)
      throw new TypeError(`cacheControl: noStore forbids storing, so ${conflict} has no effect; remove one of them.`);
  }
}
