import type { IncomingHttpHeaders } from 'node:http';
import type { CorsConfig } from '../config/types.ts';

/**
 * The server side of the CORS protocol (Fetch standard §3.2). Pure functions of the route's
 * {@link CorsConfig} and the request fields; the handler writes what they answer.
 */

/** A preflight's answer depends on all three request fields (Fetch §3.2.5: caching and `Vary`). */
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/**
 * Whether the request is a CORS preflight (Fetch §3.2.2): `OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`. A plain OPTIONS request is not one and goes to the upstream.
 */
export function isPreflight(method: string, headers: IncomingHttpHeaders): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

/**
 * Headers for a preflight answer (204), or undefined when the origin, the method or one of the requested
 * headers is not allowed (then answer 403 problem, without `Access-Control-Allow-Origin`).
 *
 * Methods compare case-sensitively (RFC 9110 §9.1); header names case-insensitively (RFC 9110 §5.1), and the
 * allowed ones are echoed lower-case. An empty `Access-Control-Request-Headers` asks for none.
 *
 * @example
 * answerPreflight(cors, { origin: 'https://app.example.test', 'access-control-request-method': 'POST' });
 * // { 'access-control-allow-origin': 'https://app.example.test', 'access-control-allow-methods': 'GET, POST', ... }
 */
export function answerPreflight(cors: CorsConfig, headers: IncomingHttpHeaders): Record<string, string> | undefined {
  const allowOrigin = findAllowedOrigin(cors, headers.origin);
  const method = headers['access-control-request-method'];
  if (allowOrigin === undefined || method === undefined || !cors.methods.includes(method.trim())) return undefined;
  const requested = parseHeaderNames(headers['access-control-request-headers']);
  if (!requested.every((name) => cors.headers.includes(name))) return undefined;
  const answer: Record<string, string> = {
    'access-control-allow-origin': allowOrigin,
    'access-control-allow-methods': cors.methods.join(', '),
    'access-control-max-age': String(cors.maxAgeSec),
    vary: PREFLIGHT_VARY,
  };
  if (requested.length > 0) answer['access-control-allow-headers'] = requested.join(', ');
  if (cors.credentials) answer['access-control-allow-credentials'] = 'true';
  return answer;
}

/**
 * Headers to add to an actual response (Fetch §3.2.3): `Access-Control-Allow-Origin` (the request's
 * `Origin` when listed; `*` only when configured, which config allows only without credentials),
 * `-Allow-Credentials` and `-Expose-Headers`.
 *
 * With a list of origins the answer depends on `Origin`, so `Vary: Origin` is always included, even when
 * the origin is absent or not allowed (then it is the only header): otherwise a shared cache could hand
 * one origin's answer to another (Fetch §3.2.5, RFC 9111 §4.1). With `*` the answer is the same for every
 * origin and carries no `Vary`.
 */
export function corsResponseHeaders(cors: CorsConfig, origin: string | undefined): Record<string, string> {
  const wildcard = isWildcard(cors);
  const allowOrigin = findAllowedOrigin(cors, origin);
  if (allowOrigin === undefined) return wildcard ? {} : { vary: 'Origin' };
  const answer: Record<string, string> = { 'access-control-allow-origin': allowOrigin };
  if (cors.credentials) answer['access-control-allow-credentials'] = 'true';
  if (cors.exposeHeaders.length > 0) answer['access-control-expose-headers'] = cors.exposeHeaders.join(', ');
  if (!wildcard) answer['vary'] = 'Origin';
  return answer;
}

/** `*` applies only without credentials (Fetch §3.2.5: a credentialed response must name its origin). */
function isWildcard(cors: CorsConfig): boolean {
  return !cors.credentials && cors.origins.includes('*');
}

/** The `Access-Control-Allow-Origin` value for `origin`, or undefined. Origins compare exactly, as serialised. */
function findAllowedOrigin(cors: CorsConfig, origin: string | undefined): string | undefined {
  if (isWildcard(cors)) return '*';
  if (origin === undefined) return undefined;
  return cors.origins.includes(origin) ? origin : undefined;
}

/** `Access-Control-Request-Headers`: comma-separated names (Fetch §3.2.2), lower-cased, empties dropped. */
function parseHeaderNames(value: string | undefined): string[] {
  if (value === undefined) return [];
  const names: string[] = [];
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '' && !names.includes(name)) names.push(name);
  }
  return names;
}
