import { createLocalJWKSet, type FlattenedJWSInput, type JWSHeaderParameters } from 'jose';
import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.ts';
import type { JwtKeySource } from '../config/types.ts';
import { fetchBounded } from './http-fetch.ts';

type JwksSource = Extract<JwtKeySource, { type: 'jwks' }>;
type LocalJwks = ReturnType<typeof createLocalJWKSet>;
type ResolvedKey = Awaited<ReturnType<LocalJwks>>;

/** Thrown into jose's key callback when no key set was ever fetched successfully (→ 503). */
export class JwksUnavailableError extends Error {
  readonly code = 'CACHET_ERR_AUTH_UNAVAILABLE';
}

export interface JwksKeyResolver {
  /** jose `JWTVerifyGetKey`: selects the key for a token from the current (possibly stale) set. */
  resolveKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<ResolvedKey>;
}

export interface JwksResolverOptions {
  readonly clock: Clock;
  readonly dispatcher: Dispatcher;
  readonly signal: AbortSignal;
  /** Bound on the JWKS document (default 1 MiB). */
  readonly maxBytes?: number;
}

const defaultMaxJwksBytes = 1024 * 1024;

function isNoMatchingKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_JWKS_NO_MATCHING_KEY';
}

/**
 * Creates the key resolver of a remote JWK Set.
 *
 * - One fetch at a time (single flight); every fetch attempt, successful or not, starts a
 *   `cooldownMs` window in which no other fetch starts, so a flood of unknown `kid`s or a
 *   dead endpoint costs at most one request per cooldown.
 * - A set older than `maxAgeMs` keeps serving while a background refresh runs.
 * - When a refresh fails the last good set keeps serving (stale); with no good set ever,
 *   {@link JwksUnavailableError}.
 */
export function createJwksKeyResolver(source: JwksSource, options: JwksResolverOptions): JwksKeyResolver {
  const { clock } = options;
  const maxBytes = options.maxBytes ?? defaultMaxJwksBytes;
  let current: { readonly select: LocalJwks; readonly fetchedAt: number } | undefined;
  let lastAttemptAt: number | undefined;
  let pending: Promise<void> | undefined;

  function canAttemptFetch(now: number): boolean {
    return lastAttemptAt === undefined || now - lastAttemptAt >= source.cooldownMs;
  }

  async function fetchKeySet(): Promise<void> {
    try {
      const response = await fetchBounded(source.uri, {
        method: 'GET',
        headers: { accept: 'application/jwk-set+json, application/json' },
        timeoutMs: source.timeoutMs,
        maxBytes,
        dispatcher: options.dispatcher,
        signal: options.signal,
      });
      if (response.status !== 200) return;
      // createLocalJWKSet validates the set's shape; a malformed document leaves the last good set in place.
      const select = createLocalJWKSet(JSON.parse(response.body.toString('utf8')));
      current = { select, fetchedAt: clock.now() };
    } catch {
      // Failure is a state (no new set), not an exception: callers read `current`.
    }
  }

  function refresh(): Promise<void> {
    if (pending !== undefined) return pending;
    lastAttemptAt = clock.now();
    pending = fetchKeySet().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  async function loadFirstSet(): Promise<LocalJwks> {
    if (pending !== undefined) await pending;
    else if (canAttemptFetch(clock.now())) await refresh();
    if (current === undefined) throw new JwksUnavailableError('signing keys unavailable');
    return current.select;
  }

  return {
    async resolveKey(header, token) {
      const now = clock.now();
      let select: LocalJwks;
      if (current === undefined) {
        select = await loadFirstSet();
      } else {
        select = current.select;
        if (now - current.fetchedAt >= source.maxAgeMs && pending === undefined && canAttemptFetch(now)) void refresh();
      }
      try {
        return await select(header, token);
      } catch (error) {
        if (!isNoMatchingKey(error)) throw error;
        // Unknown kid: perhaps the issuer rotated keys. Refetch, but at most once per cooldown.
        if (pending !== undefined) await pending;
        else if (canAttemptFetch(clock.now())) await refresh();
        else throw error;
        if (current === undefined || current.select === select) throw error;
        return current.select(header, token);
      }
    },
  };
}
