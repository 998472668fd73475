import { LRUCache } from 'lru-cache';
import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.ts';
import type { IntrospectionProviderConfig } from '../config/types.ts';
import { fetchBounded } from './http-fetch.ts';
import { createIdentity, findClaimTypeError, hasAcceptedAudience } from './identity.ts';
import type { VerificationOutcome } from './jwt.ts';
import { createRefusal } from './refusal.ts';

export interface Introspector {
  /** Synchronous when the token's result is cached; never caches an outage. */
  introspect(token: string, tokenHash: string): VerificationOutcome | Promise<VerificationOutcome>;
  clear(): void;
}

export interface IntrospectorOptions {
  readonly clock: Clock;
  readonly dispatcher: Dispatcher;
  readonly signal: AbortSignal;
  readonly maxEntries: number;
}

interface CachedOutcome {
  readonly outcome: VerificationOutcome;
  readonly expiresAt: number;
}

/** Refusals are remembered briefly so one bad token cannot keep the endpoint busy, but never long. */
const maxRefusalCacheSec = 30;
const maxResponseBytes = 64 * 1024;

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
function formatBasicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replaceAll('%20', '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Creates an OAuth 2.0 Token Introspection client (RFC 7662) for opaque tokens. Results (active
 * and inactive) are cached by token hash until min(token exp, now + cacheMaxSec), inactive ones
 * for at most 30 s; concurrent requests with one token share one call. An unreachable endpoint,
 * a non-200 answer, a timeout or bad JSON give CACHET_ERR_AUTH_UNAVAILABLE (503).
 */
export function createIntrospector(provider: IntrospectionProviderConfig, options: IntrospectorOptions): Introspector {
  const { clock } = options;
  const cache = new LRUCache<string, CachedOutcome>({ max: Math.max(1, options.maxEntries) });
  const pending = new Map<string, Promise<VerificationOutcome>>();
  const authorization = formatBasicCredentials(provider.clientId, provider.clientSecret);
  const cacheMaxMs = provider.cacheMaxSec * 1000;
  const refusalCacheMs = Math.min(provider.cacheMaxSec, maxRefusalCacheSec) * 1000;

  function remember(tokenHash: string, outcome: VerificationOutcome, now: number): void {
    let expiresAt: number;
    if (outcome.ok) {
      const exp = outcome.identity.expiresAtSec;
      expiresAt = Math.min(now + cacheMaxMs, exp === undefined ? Infinity : exp * 1000);
    } else {
      // A not-yet-valid token becomes valid on its own; everything else here stays refused.
      if (outcome.code === 'CACHET_ERR_AUTH_NOT_YET_VALID') return;
      expiresAt = now + refusalCacheMs;
    }
    if (expiresAt > now) cache.set(tokenHash, { outcome, expiresAt });
  }

  function evaluateResponse(response: Record<string, unknown>, now: number): VerificationOutcome {
    // RFC 7662 §2.2: anything but `active: true` is an inactive token.
    if (response['active'] !== true) return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'token is not active');
    const { active: _active, ...claims } = response;
    const typeError = findClaimTypeError(claims);
    if (typeError !== undefined) return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', typeError);
    if (provider.issuer !== undefined && claims['iss'] !== provider.issuer)
      return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'unexpected iss');
    if (provider.audience !== undefined && !hasAcceptedAudience(claims['aud'], provider.audience)) {
      return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'unexpected aud');
    }
    const exp = claims['exp'];
    if (typeof exp === 'number' && exp * 1000 <= now) return createRefusal('CACHET_ERR_AUTH_EXPIRED', 'token expired');
    const nbf = claims['nbf'];
    if (typeof nbf === 'number' && nbf * 1000 > now) return createRefusal('CACHET_ERR_AUTH_NOT_YET_VALID', 'token not yet valid');
    return { ok: true, identity: createIdentity(claims, provider.name) };
  }

  async function callEndpoint(token: string, tokenHash: string): Promise<VerificationOutcome> {
    let parsed: unknown;
    try {
      const response = await fetchBounded(provider.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization,
        },
        body: `token=${encodeURIComponent(token)}&token_type_hint=access_token`,
        timeoutMs: provider.timeoutMs,
        maxBytes: maxResponseBytes,
        dispatcher: options.dispatcher,
        signal: options.signal,
      });
      if (response.status !== 200) return createRefusal('CACHET_ERR_AUTH_UNAVAILABLE', 'token introspection failed');
      parsed = JSON.parse(response.body.toString('utf8'));
    } catch {
      return createRefusal('CACHET_ERR_AUTH_UNAVAILABLE', 'token introspection unavailable');
    }
    if (!isPlainObject(parsed)) return createRefusal('CACHET_ERR_AUTH_UNAVAILABLE', 'token introspection failed');
    const now = clock.now();
    const outcome = evaluateResponse(parsed, now);
    remember(tokenHash, outcome, now);
    return outcome;
  }

  return {
    introspect(token, tokenHash) {
      const cached = cache.get(tokenHash);
      if (cached !== undefined) {
        if (cached.expiresAt > clock.now()) return cached.outcome;
        cache.delete(tokenHash);
      }
      const inFlight = pending.get(tokenHash);
      if (inFlight !== undefined) return inFlight;
      const call = callEndpoint(token, tokenHash).finally(() => {
        pending.delete(tokenHash);
      });
      pending.set(tokenHash, call);
      return call;
    },
    clear() {
      cache.clear();
    },
  };
}
