import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../observability/logger.ts';

/** The challenge sent with every 401 (RFC 9110 §11.6.1, RFC 6750 §3). */
const ADMIN_REALM = 'cachet-admin';

/** Outcome of checking an `Authorization` field: `missing` (no Bearer credentials) or `invalid` (wrong token). */
export type BearerCheck = 'ok' | 'missing' | 'invalid';

/**
 * Creates a checker for `Authorization: Bearer <token>` against the configured admin token.
 *
 * The comparison runs over SHA-256 digests with `timingSafeEqual`, so neither the token's content nor its
 * length shows in the response time. The scheme name is case-insensitive (RFC 9110 §11.1). An empty
 * configured token authorizes nobody.
 */
export function createBearerCheck(token: string): (authorization: string | undefined) => BearerCheck {
  const expected = digest(token);
  const hasToken = token.length > 0;
  return (authorization) => {
    const presented = extractBearerToken(authorization);
    if (presented === undefined) return 'missing';
    // Compare even when no token is configured, so both paths cost the same.
    const matches = timingSafeEqual(digest(presented), expected);
    return matches && hasToken ? 'ok' : 'invalid';
  };
}

/** The `WWW-Authenticate` value for a 401 (RFC 6750 §3: `invalid_token` only when a token was presented). */
export function formatBearerChallenge(check: Exclude<BearerCheck, 'ok'>): string {
  return check === 'invalid' ? `Bearer realm="${ADMIN_REALM}", error="invalid_token"` : `Bearer realm="${ADMIN_REALM}"`;
}

/**
 * The credentials of a `Bearer` field, or undefined when the field holds none. RFC 6750 §2.1 limits them to
 * token68, but the configured token may use any visible ASCII, so any run of VCHAR is taken and compared.
 */
export function extractBearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^bearer +([\x21-\x7e]+) *$/i.exec(authorization);
  return match?.[1];
}

/** Who an admin request speaks for: the admin token, the read-only metrics token, or nobody yet. */
export type AdminScope = 'admin' | 'metrics' | Exclude<BearerCheck, 'ok'>;

/**
 * Checks the presented token against the admin token and, when configured, the read-only metrics token.
 * Both comparisons always run, so the response time does not tell which token matched.
 */
export function createAdminAuth(token: string, metricsToken: string | undefined): (authorization: string | undefined) => AdminScope {
  const admin = createBearerCheck(token);
  const metrics = createBearerCheck(metricsToken ?? '');
  return (authorization) => {
    const asAdmin = admin(authorization);
    const asMetrics = metrics(authorization);
    if (asAdmin === 'ok') return 'admin';
    return asMetrics === 'ok' ? 'metrics' : asAdmin;
  };
}

/**
 * One warning per refused admin request (401 or 403): path, method, why (`missing`, `invalid`, or `metrics-scope`:
 * the metrics token outside its paths) and the peer address. Never the token. Every refusal gets its line, so a
 * guessing client shows in the log as it goes.
 */
export function logAdminRefusal(
  logger: Logger | undefined,
  req: IncomingMessage,
  path: string,
  reason: Exclude<BearerCheck, 'ok'> | 'metrics-scope',
): void {
  logger?.warn({ path, method: req.method, reason, remoteAddress: req.socket.remoteAddress }, 'admin request refused');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
