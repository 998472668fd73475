import type { AuthErrorCode, AuthRefusal } from './types.ts';

/** HTTP status of each refusal code (RFC 6750 §3.1 for 400/401/403). */
const statusByCode: Readonly<Record<AuthErrorCode, AuthRefusal['status']>> = {
  CACHET_ERR_AUTH_MISSING: 401,
  CACHET_ERR_AUTH_INVALID_REQUEST: 400,
  CACHET_ERR_AUTH_INVALID_TOKEN: 401,
  CACHET_ERR_AUTH_EXPIRED: 401,
  CACHET_ERR_AUTH_NOT_YET_VALID: 401,
  CACHET_ERR_AUTH_REVOKED: 401,
  CACHET_ERR_AUTH_TOO_LARGE: 401,
  CACHET_ERR_AUTH_INSUFFICIENT_SCOPE: 403,
  CACHET_ERR_AUTH_CLAIM_MISMATCH: 403,
  CACHET_ERR_AUTH_UNAVAILABLE: 503,
};

/** Builds a refusal whose status follows from its code. `description` must never echo the token. */
export function createRefusal(code: AuthErrorCode, description: string, requiredScopes?: readonly string[]): AuthRefusal {
  return requiredScopes === undefined
    ? { ok: false, status: statusByCode[code], code, description }
    : { ok: false, status: statusByCode[code], code, description, requiredScopes };
}
