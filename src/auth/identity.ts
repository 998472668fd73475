import type { Identity } from './types.ts';

/** Why a claims set cannot become an identity; undefined when every checked claim has its type. */
export function findClaimTypeError(claims: Readonly<Record<string, unknown>>): string | undefined {
  // RFC 7519 §4.1: exp/nbf/iat are NumericDate; sub/jti are strings. `scope` is a string (RFC 8693 §4.2).
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) return `"${name}" must be a number`;
  }
  for (const name of ['sub', 'jti', 'scope', 'iss', 'client_id'] as const) {
    const value = claims[name];
    if (value !== undefined && typeof value !== 'string') return `"${name}" must be a string`;
  }
  const scp = claims['scp'];
  if (scp !== undefined && (!Array.isArray(scp) || !scp.every((item) => typeof item === 'string')))
    return '"scp" must be an array of strings';
  const aud = claims['aud'];
  if (aud !== undefined && typeof aud !== 'string' && (!Array.isArray(aud) || !aud.every((item) => typeof item === 'string'))) {
    return '"aud" must be a string or an array of strings';
  }
  return undefined;
}

/** Scopes from `scope` (space-separated) or, when absent, `scp` (array); deduplicated in token order. */
export function readScopes(claims: Readonly<Record<string, unknown>>): readonly string[] {
  const scope = claims['scope'];
  const raw: readonly unknown[] = typeof scope === 'string' ? scope.split(' ') : Array.isArray(claims['scp']) ? claims['scp'] : [];
  const scopes: string[] = [];
  for (const item of raw) if (typeof item === 'string' && item !== '' && !scopes.includes(item)) scopes.push(item);
  return scopes;
}

/** Builds the identity of a claims set that passed {@link findClaimTypeError}. */
export function createIdentity(claims: Readonly<Record<string, unknown>>, provider: string): Identity {
  const sub = claims['sub'];
  const jti = claims['jti'];
  const iat = claims['iat'];
  const exp = claims['exp'];
  return Object.freeze({
    subject: typeof sub === 'string' ? sub : undefined,
    scopes: Object.freeze(readScopes(claims)),
    claims: Object.freeze({ ...claims }),
    provider,
    tokenId: typeof jti === 'string' ? jti : undefined,
    issuedAtSec: typeof iat === 'number' ? iat : undefined,
    expiresAtSec: typeof exp === 'number' ? exp : undefined,
  });
}

/** Answers whether an `aud` claim contains any of the accepted audiences (RFC 7519 §4.1.3). */
export function hasAcceptedAudience(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === 'string') return accepted.includes(aud);
  return Array.isArray(aud) && aud.some((item) => typeof item === 'string' && accepted.includes(item));
}
