import { createRefusal } from './refusal.ts';
import type { AuthRefusal, Identity } from './types.ts';

/**
 * Checks a verified identity against a route: every required scope must be present by exact
 * string equality (`reader` is not `read`), and every claim match must be strictly equal
 * (type-sensitive: `1` is not `"1"`). Undefined when the identity passes.
 */
export function checkRouteAccess(
  identity: Identity,
  scopes: readonly string[],
  claims: Readonly<Record<string, string | number | boolean>>,
): AuthRefusal | undefined {
  for (const scope of scopes) {
    // RFC 6750 §3.1: insufficient_scope, with the scopes needed in the challenge.
    if (!identity.scopes.includes(scope)) return createRefusal('CACHET_ERR_AUTH_INSUFFICIENT_SCOPE', 'insufficient scope', scopes);
  }
  for (const name in claims) {
    if (!Object.hasOwn(identity.claims, name) || identity.claims[name] !== claims[name]) {
      return createRefusal('CACHET_ERR_AUTH_CLAIM_MISMATCH', 'a required claim does not match');
    }
  }
  return undefined;
}
