import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.ts';
import type { JwtAlgorithm, JwtProviderConfig } from '../config/types.ts';
import { JWT_ALGORITHMS } from '../config/schema.ts';
import { CachetError } from '../errors.ts';
import { isWellFormedCompactJws } from './compact-jws.ts';
import { createIdentity, findClaimTypeError } from './identity.ts';
import { createJwksKeyResolver, JwksUnavailableError } from './jwks.ts';
import { createRefusal } from './refusal.ts';
import type { AuthRefusal, Identity } from './types.ts';

export type VerificationOutcome = { readonly ok: true; readonly identity: Identity } | AuthRefusal;

export interface JwtVerifier {
  readonly provider: JwtProviderConfig;
  /** Verifies signature and claims; the header was already screened by {@link screenJwtHeader}. */
  verify(token: string): Promise<VerificationOutcome>;
}

export interface JwtVerifierOptions {
  readonly clock: Clock;
  readonly dispatcher: Dispatcher;
  readonly signal: AbortSignal;
}

/** The algorithms config accepts, so the same list the schema validates against. */
const supportedAlgorithms: ReadonlySet<string> = new Set<JwtAlgorithm>(JWT_ALGORITHMS);

/** Headers that carry or point at a key: the key must come from config, never from the token (RFC 8725 §3.10). */
const keyCarryingHeaders = ['jwk', 'jku', 'x5u', 'x5c'] as const;

const minSecretBytes = 32;

function isHmacAlgorithm(alg: string): boolean {
  return alg.startsWith('HS');
}

/** Named curves of ES* (RFC 7518 §3.4) as node:crypto reports them. */
const curveByAlgorithm: Readonly<Record<string, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

function isKeyCompatible(alg: JwtAlgorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS')) return type === 'rsa';
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  if (alg.startsWith('ES')) return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === curveByAlgorithm[alg];
  if (alg === 'EdDSA') return type === 'ed25519' || type === 'ed448';
  return false;
}

function throwConfigError(provider: JwtProviderConfig, message: string, cause?: unknown): never {
  throw new CachetError('CACHET_ERR_CONFIG_INVALID', `auth provider "${provider.name}": ${message}`, { cause });
}

function importPublicKey(provider: JwtProviderConfig, text: string): KeyObject {
  let key: KeyObject;
  try {
    const trimmed = text.trim();
    key = trimmed.startsWith('{')
      ? createPublicKey({ key: JSON.parse(trimmed) as import('node:crypto').JsonWebKey, format: 'jwk' })
      : createPublicKey(trimmed);
  } catch (cause) {
    return throwConfigError(provider, 'publicKey is neither a PEM SPKI key nor a public JWK', cause);
  }
  for (const alg of provider.algorithms) {
    if (!isKeyCompatible(alg, key))
      throwConfigError(provider, `algorithm ${alg} does not fit its ${key.asymmetricKeyType ?? 'unknown'} key`);
  }
  return key;
}

function prepareKey(provider: JwtProviderConfig, options: JwtVerifierOptions): Uint8Array | KeyObject | JWTVerifyGetKey {
  const source = provider.keys;
  if (provider.algorithms.length === 0) throwConfigError(provider, 'no algorithms');
  const hmacCount = provider.algorithms.filter(isHmacAlgorithm).length;
  // Key-confusion defence (RFC 8725 §2.1): a secret provider only verifies HS*, a public-key provider never does.
  if (source.type === 'secret') {
    if (hmacCount !== provider.algorithms.length) throwConfigError(provider, 'a secret only verifies HS256/384/512');
    const secret = new TextEncoder().encode(source.secret);
    if (secret.byteLength < minSecretBytes) throwConfigError(provider, `secret shorter than ${minSecretBytes} bytes`);
    return secret;
  }
  if (hmacCount > 0) throwConfigError(provider, 'HS* algorithms need a secret, not public keys');
  if (source.type === 'public-key') return importPublicKey(provider, source.key);
  return createJwksKeyResolver(source, options).resolveKey;
}

/**
 * Screens an unverified JWT before any key lookup: its three parts must be base64url (RFC 7515 §2, §7.1),
 * `alg` must be one cachet supports (so `none` in any spelling is out), and no header may carry or point
 * at a key. Answers the header's `alg`, or the refusal (invalid_token, RFC 6750 §3.1: a malformed token).
 */
export function screenJwtHeader(token: string): { readonly alg: string } | AuthRefusal {
  if (!isWellFormedCompactJws(token)) return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'malformed token');
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'malformed token');
  }
  const alg = header['alg'];
  if (typeof alg !== 'string' || !supportedAlgorithms.has(alg))
    return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'algorithm not allowed');
  for (const name of keyCarryingHeaders) {
    if (Object.hasOwn(header, name)) return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'embedded keys are not accepted');
  }
  // RFC 7515 §4.1.9, §4.1.10: typ and cty are strings when present.
  if (
    (header['typ'] !== undefined && typeof header['typ'] !== 'string') ||
    (header['cty'] !== undefined && typeof header['cty'] !== 'string')
  ) {
    return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'malformed token header');
  }
  return { alg };
}

/** Reads the unverified `iss`, only to choose the provider that will then require it; a payload that is not a JSON object is a malformed token. */
export function readUnverifiedIssuer(token: string): { readonly issuer: string | undefined } | AuthRefusal {
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'malformed token');
  }
  return { issuer: typeof iss === 'string' ? iss : undefined };
}

function mapJoseError(error: unknown): AuthRefusal {
  if (error instanceof JwksUnavailableError) return createRefusal('CACHET_ERR_AUTH_UNAVAILABLE', 'signing keys unavailable');
  const { code, claim, reason } = (error ?? {}) as { code?: unknown; claim?: unknown; reason?: unknown };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return createRefusal('CACHET_ERR_AUTH_EXPIRED', 'token expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf' && reason === 'check_failed') return createRefusal('CACHET_ERR_AUTH_NOT_YET_VALID', 'token not yet valid');
      if (claim === 'iss' || claim === 'aud') return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', `unexpected ${claim}`);
      return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', typeof claim === 'string' ? `invalid ${claim} claim` : 'invalid claims');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'invalid signature');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'algorithm not allowed');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'no matching key');
    default:
      return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'malformed token');
  }
}

async function verifyWithCandidates(token: string, error: unknown, options: JWTVerifyOptions): Promise<JWTPayload> {
  // createLocalJWKSet: no kid and several usable keys → try each (jose leaves that to the caller).
  const candidates = error as AsyncIterable<Parameters<typeof jwtVerify>[1]>;
  for await (const key of candidates) {
    try {
      return (await jwtVerify(token, key, options)).payload;
    } catch (candidateError) {
      if ((candidateError as { code?: unknown }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw candidateError;
    }
  }
  throw error;
}

/**
 * Creates the verifier of one JWT provider. Throws CACHET_ERR_CONFIG_INVALID for a secret under
 * 32 bytes, an unreadable public key, or algorithms that do not fit the key source.
 */
export function createJwtVerifier(provider: JwtProviderConfig, options: JwtVerifierOptions): JwtVerifier {
  const key = prepareKey(provider, options);
  const algorithms = [...provider.algorithms];
  const audience = provider.audience === undefined ? undefined : [...provider.audience];
  const toleranceSec = provider.clockToleranceSec;

  async function verifyPayload(token: string, verifyOptions: JWTVerifyOptions): Promise<JWTPayload> {
    try {
      return typeof key === 'function'
        ? (await jwtVerify(token, key, verifyOptions)).payload
        : (await jwtVerify(token, key, verifyOptions)).payload; // two calls: jose overloads per key kind
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
      return verifyWithCandidates(token, error, verifyOptions);
    }
  }

  return {
    provider,
    async verify(token) {
      const nowMs = options.clock.now();
      const verifyOptions: JWTVerifyOptions = {
        algorithms,
        issuer: provider.issuer,
        audience,
        clockTolerance: toleranceSec,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp'],
      };
      let payload: JWTPayload;
      try {
        payload = await verifyPayload(token, verifyOptions);
      } catch (error) {
        return mapJoseError(error);
      }
      const typeError = findClaimTypeError(payload);
      if (typeError !== undefined) return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', typeError);
      // A future iat would let a token slip past subject revocations (iat < before).
      if (typeof payload.iat === 'number' && payload.iat > nowMs / 1000 + toleranceSec) {
        return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'iat in the future');
      }
      return { ok: true, identity: createIdentity(payload, provider.name) };
    },
  };
}
