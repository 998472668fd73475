/** Shared shapes of edge authentication: what a verified request carries and how a refusal is answered. */
import type { AuthErrorCode } from '../errors.ts';

/** The verified identity of a request. */
export interface Identity {
  /** `sub` (may be undefined for client-credentials tokens without one). */
  readonly subject: string | undefined;
  /** Scopes from `scope` (space-separated) or `scp` (array), deduplicated, in token order. */
  readonly scopes: readonly string[];
  /** Every verified claim (for claim matches and the claim → header map). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Provider that verified it. */
  readonly provider: string;
  /** `jti` when present (revocation by token id). */
  readonly tokenId: string | undefined;
  /** `iat` in epoch seconds, when present (revocation by subject and time). */
  readonly issuedAtSec: number | undefined;
  /** `exp` in epoch seconds. */
  readonly expiresAtSec: number | undefined;
}

/** Stable refusal codes (in the error table); the RFC 6750 error and the status follow from the code. */
export type { AuthErrorCode } from '../errors.ts';

export interface AuthRefusal {
  readonly ok: false;
  readonly status: 400 | 401 | 403 | 503;
  readonly code: AuthErrorCode;
  /** Short, safe to show (never echoes the token). */
  readonly description: string;
  /** For 403 insufficient_scope: the scopes the route needs. */
  readonly requiredScopes?: readonly string[];
}

export interface AuthSuccess {
  readonly ok: true;
  /** Undefined on `auth: optional` routes when the request carried no token. */
  readonly identity: Identity | undefined;
}

export type AuthResult = AuthSuccess | AuthRefusal;

/** A revocation entry as the admin API shows it. */
export type Revocation =
  | { readonly jti: string; readonly exp: number }
  | { readonly sub: string; readonly before: number; readonly exp?: number };

/**
 * The local revocation list: the per-request check is a map lookup, never a network call.
 * Entries expire with the tokens they cover (a jti entry at its `exp`; a subject entry once every
 * token issued before `before` has expired, i.e. `before` + the longest token lifetime the gateway
 * accepts, or its explicit `exp`).
 */
export interface RevocationList {
  isRevoked(identity: Identity, nowSec: number): boolean;
  add(entry: Revocation, nowSec: number): void;
  /** Removes a jti entry or a subject entry; answers whether something was removed. */
  remove(selector: { readonly jti: string } | { readonly sub: string }): boolean;
  list(nowSec: number): readonly Revocation[];
}
