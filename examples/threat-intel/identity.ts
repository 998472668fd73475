import type http from 'node:http';

/**
 * The verified subject cachet forwards as `X-Auth-Subject` (client copies are stripped at the
 * gateway, so the origin trusts it; never expose an origin without cachet in front).
 */
export function readSubject(req: http.IncomingMessage): string | undefined {
  const value = req.headers['x-auth-subject'];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Whether `X-Auth-Scopes` (space-separated, set by cachet) contains `scope` exactly. */
export function hasScope(req: http.IncomingMessage, scope: string): boolean {
  const value = req.headers['x-auth-scopes'];
  return typeof value === 'string' && value.split(/\s+/).includes(scope);
}
