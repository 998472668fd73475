import type { AuthRefusal } from './types.ts';

type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

function selectBearerError(refusal: AuthRefusal): BearerError | undefined {
  switch (refusal.code) {
    case 'CACHET_ERR_AUTH_MISSING':
      return undefined;
    case 'CACHET_ERR_AUTH_INVALID_REQUEST':
      return 'invalid_request';
    case 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE':
    case 'CACHET_ERR_AUTH_CLAIM_MISMATCH':
      return 'insufficient_scope';
    default:
      return 'invalid_token';
  }
}

/** RFC 6750 §3: error, error_description and realm values use %x20-21 / %x23-5B / %x5D-7E only. */
function sanitizeQuotedValue(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}

/** RFC 6750 §3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
function isScopeToken(value: string): boolean {
  return /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(value);
}

/**
 * Formats the `WWW-Authenticate` value of a refusal (RFC 6750 §3).
 *
 * No `error` attribute when the request carried no credentials (§3.1); `scope` only on
 * insufficient_scope refusals that name their scopes. Undefined for 503: an outage is not a challenge.
 *
 * @example formatBearerChallenge('cachet', refusal) // 'Bearer realm="cachet", error="invalid_token", error_description="token expired"'
 */
export function formatBearerChallenge(realm: string, refusal: AuthRefusal): string | undefined {
  if (refusal.status === 503) return undefined;
  let challenge = `Bearer realm="${sanitizeQuotedValue(realm)}"`;
  const error = selectBearerError(refusal);
  if (error === undefined) return challenge;
  challenge += `, error="${error}"`;
  const description = sanitizeQuotedValue(refusal.description);
  if (description !== '') challenge += `, error_description="${description}"`;
  if (error === 'insufficient_scope' && refusal.requiredScopes !== undefined && refusal.requiredScopes.length > 0) {
    const scope = refusal.requiredScopes.filter(isScopeToken).join(' ');
    if (scope !== '') challenge += `, scope="${scope}"`;
  }
  return challenge;
}
