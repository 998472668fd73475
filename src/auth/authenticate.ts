import type { IncomingMessage } from 'node:http';
import { Agent } from 'undici';
import type { Clock } from '../clock.ts';
import type { AuthConfig, RouteConfig } from '../config/types.ts';
import { CachetError } from '../errors.ts';
import { checkRouteAccess } from './authorize.ts';
import { isJwtShaped } from './compact-jws.ts';
import { createIntrospector, type Introspector } from './introspection.ts';
import { createJwtVerifier, readUnverifiedIssuer, screenJwtHeader, type JwtVerifier, type VerificationOutcome } from './jwt.ts';
import { createRefusal } from './refusal.ts';
import { extractBearerToken, type TokenSourceInput } from './token-source.ts';
import type { AuthResult, AuthSuccess, RevocationList } from './types.ts';
import { createVerificationCache, hashToken } from './verification-cache.ts';

export interface Authenticator {
  /** Runs per request: token extraction, verification (cached), revocation, scopes, claim matches. Sync when the verification cache hits. */
  authenticate(req: IncomingMessage, route: RouteConfig): AuthResult | Promise<AuthResult>;
  close(): void;
}

const anonymous: AuthSuccess = Object.freeze({ ok: true, identity: undefined });

/** Collects every Authorization and Cookie field line: `req.headers` silently drops duplicate Authorization fields. */
function readCredentialFields(req: IncomingMessage): TokenSourceInput {
  const raw = req.rawHeaders;
  let authorization: string[] | undefined;
  let cookie: string[] | undefined;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index] as string;
    if (name.length === 13 && name.toLowerCase() === 'authorization') (authorization ??= []).push(raw[index + 1] as string);
    else if (name.length === 6 && name.toLowerCase() === 'cookie') (cookie ??= []).push(raw[index + 1] as string);
  }
  return { authorization, cookie, url: req.url ?? '/' };
}

function throwConfigError(message: string): never {
  throw new CachetError('CACHET_ERR_CONFIG_INVALID', message);
}

/**
 * Creates the per-request authentication stage.
 *
 * JWTs go to the provider whose `issuer` equals the token's (unverified) `iss`; that provider then
 * requires it. Opaque tokens go to the introspection provider (RFC 7662); when no JWT provider is
 * configured, JWT-shaped tokens are introspected too. Throws CACHET_ERR_CONFIG_INVALID for short
 * HS secrets, unreadable keys, algorithms that do not fit their keys, duplicate issuers, or more
 * than one introspection provider.
 */
export function createAuthenticator(config: AuthConfig, options: { clock: Clock; revocations: RevocationList }): Authenticator {
  const { clock, revocations } = options;
  const dispatcher = new Agent();
  const closing = new AbortController();
  const io = { clock, dispatcher, signal: closing.signal };
  const jwtByIssuer = new Map<string, JwtVerifier>();
  let introspector: Introspector | undefined;
  for (const provider of config.providers) {
    if (provider.kind === 'jwt') {
      if (jwtByIssuer.has(provider.issuer)) throwConfigError(`auth providers: issuer ${provider.issuer} appears twice`);
      jwtByIssuer.set(provider.issuer, createJwtVerifier(provider, io));
    } else {
      if (introspector !== undefined) throwConfigError('auth providers: at most one introspection provider');
      introspector = createIntrospector(provider, { ...io, maxEntries: config.verificationCache.maxEntries });
    }
  }
  const verifications = createVerificationCache(config.verificationCache);
  const pendingJwts = new Map<string, Promise<VerificationOutcome>>();

  function verifyJwt(token: string, tokenHash: string): VerificationOutcome | Promise<VerificationOutcome> {
    const inFlight = pendingJwts.get(tokenHash);
    if (inFlight !== undefined) return inFlight;
    // Header screening comes before any key lookup (RFC 8725 §3.1).
    const screened = screenJwtHeader(token);
    if ('ok' in screened) return screened;
    const unverified = readUnverifiedIssuer(token);
    if ('ok' in unverified) return unverified;
    const verifier = unverified.issuer === undefined ? undefined : jwtByIssuer.get(unverified.issuer);
    if (verifier === undefined) return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'unknown issuer');
    if (!(verifier.provider.algorithms as readonly string[]).includes(screened.alg)) {
      return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'algorithm not allowed');
    }
    const verification = verifier
      .verify(token)
      .then((outcome) => {
        if (outcome.ok) verifications.set(tokenHash, outcome.identity, clock.now());
        return outcome;
      })
      .finally(() => {
        pendingJwts.delete(tokenHash);
      });
    pendingJwts.set(tokenHash, verification);
    return verification;
  }

  function verifyToken(token: string, tokenHash: string): VerificationOutcome | Promise<VerificationOutcome> {
    if (isJwtShaped(token) && (jwtByIssuer.size > 0 || introspector === undefined)) return verifyJwt(token, tokenHash);
    if (introspector !== undefined) return introspector.introspect(token, tokenHash);
    return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'unsupported token format');
  }

  function authorize(outcome: VerificationOutcome, route: RouteConfig): AuthResult {
    if (!outcome.ok) return outcome;
    const identity = outcome.identity;
    // Revocation is checked on every request, cached verification or not: it takes effect at once.
    if (revocations.isRevoked(identity, Math.floor(clock.now() / 1000))) return createRefusal('CACHET_ERR_AUTH_REVOKED', 'token revoked');
    return checkRouteAccess(identity, route.scopes, route.claims) ?? { ok: true, identity };
  }

  return {
    authenticate(req, route) {
      if (route.auth === 'none') return anonymous;
      const extraction = extractBearerToken(readCredentialFields(req), route.tokenCookie, config.maxTokenBytes);
      if ('ok' in extraction) return extraction;
      if (extraction.kind === 'absent') {
        return route.auth === 'optional' ? anonymous : createRefusal('CACHET_ERR_AUTH_MISSING', 'bearer token required');
      }
      const tokenHash = hashToken(extraction.token);
      const cached = verifications.get(tokenHash, clock.now());
      if (cached !== undefined) return authorize({ ok: true, identity: cached }, route);
      const outcome = verifyToken(extraction.token, tokenHash);
      return outcome instanceof Promise ? outcome.then((settled) => authorize(settled, route)) : authorize(outcome, route);
    },
    close() {
      closing.abort();
      verifications.clear();
      introspector?.clear();
      dispatcher.close().catch(() => {});
    },
  };
}
