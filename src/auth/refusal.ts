import { ERROR_TABLE, type AuthErrorCode } from '../errors.ts';
import type { AuthRefusal } from './types.ts';

/** Builds a refusal whose status follows from its code (RFC 6750 §3.1). `description` must never echo the token. */
export function createRefusal(code: AuthErrorCode, description: string, requiredScopes?: readonly string[]): AuthRefusal {
  const status = ERROR_TABLE[code].status;
  return requiredScopes === undefined ? { ok: false, status, code, description } : { ok: false, status, code, description, requiredScopes };
}
