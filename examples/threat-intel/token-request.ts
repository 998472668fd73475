import { isPlainObject } from './http.ts';

/** A client-credentials token request, as read from the body or HTTP Basic credentials. */
export interface TokenRequest {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Requested scopes (RFC 6749 §3.3); `undefined` asks for everything the client may have. */
  readonly scope: readonly string[] | undefined;
}

/** An RFC 6749 §5.2 error response. */
export interface TokenError {
  readonly status: 400 | 401 | 415;
  readonly error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';
  readonly description: string;
}

export type TokenRequestResult = { readonly ok: true; readonly request: TokenRequest } | { readonly ok: false; readonly error: TokenError };

/**
 * Reads `client_id`, `client_secret`, optional `grant_type` (must be `client_credentials`) and
 * `scope` from a JSON or `application/x-www-form-urlencoded` body (RFC 6749 §4.4.2), or the client
 * credentials from `Authorization: Basic` (RFC 6749 §2.3.1).
 */
export function parseTokenRequest(mediaType: string, body: Buffer, authorization: string | undefined): TokenRequestResult {
  const fields = readFields(mediaType, body);
  if (fields === 'unsupported') {
    return fail(415, 'invalid_request', 'Send application/json or application/x-www-form-urlencoded.');
  }
  if (fields === undefined) return fail(400, 'invalid_request', 'The request body is not a flat JSON object or form.');
  const grantType = fields.get('grant_type');
  if (grantType !== undefined && grantType !== 'client_credentials') {
    return fail(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
  }
  let clientId = fields.get('client_id');
  let clientSecret = fields.get('client_secret');
  const basic = readBasicCredentials(authorization);
  if (basic !== undefined) {
    if (clientSecret !== undefined) return fail(400, 'invalid_request', 'Use one client authentication method, not two (RFC 6749 §2.3).');
    clientId = basic.clientId;
    clientSecret = basic.clientSecret;
  }
  if (clientId === undefined || clientId === '' || clientSecret === undefined) {
    return fail(401, 'invalid_client', 'client_id and client_secret are required.');
  }
  const scopeText = fields.get('scope');
  const scope = scopeText === undefined ? undefined : scopeText.split(' ').filter((token) => token !== '');
  return { ok: true, request: { clientId, clientSecret, scope } };
}

/**
 * Grants the requested scopes when the client holds them all (RFC 6749 §3.3), or every scope it
 * holds when none are requested; `undefined` means the request asked for more than allowed.
 */
export function grantScopes(allowed: readonly string[], requested: readonly string[] | undefined): string[] | undefined {
  if (requested === undefined) return [...allowed];
  if (!requested.every((scope) => allowed.includes(scope))) return undefined;
  return [...new Set(requested)];
}

function readFields(mediaType: string, body: Buffer): Map<string, string> | 'unsupported' | undefined {
  if (mediaType === 'application/x-www-form-urlencoded') {
    return new Map(new URLSearchParams(body.toString('utf8')));
  }
  if (mediaType === 'application/json' || (mediaType === '' && body.length === 0)) {
    if (body.length === 0) return new Map();
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isPlainObject(value)) return undefined;
    const fields = new Map<string, string>();
    for (const [name, field] of Object.entries(value)) {
      if (typeof field !== 'string') return undefined;
      fields.set(name, field);
    }
    return fields;
  }
  return 'unsupported';
}

function readBasicCredentials(authorization: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = /^basic +([A-Za-z0-9+/=]+) *$/i.exec(authorization ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
  const decode = (part: string): string => decodeURIComponent(part.replaceAll('+', ' '));
  try {
    return { clientId: decode(decoded.slice(0, colon)), clientSecret: decode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function fail(status: TokenError['status'], error: TokenError['error'], description: string): TokenRequestResult {
  return { ok: false, error: { status, error, description } };
}
