import { createRefusal } from './refusal.ts';
import type { AuthRefusal } from './types.ts';

/** The parts of a request a bearer token may come from (plain data, so extraction is testable without sockets). */
export interface TokenSourceInput {
  /** Every `authorization` field line (Node's `headersDistinct`; plain `headers` drops duplicates). */
  readonly authorization: readonly string[] | undefined;
  readonly cookie: readonly string[] | undefined;
  /** Request target, for the query-string check. */
  readonly url: string;
}

export type TokenExtraction = { readonly kind: 'token'; readonly token: string } | { readonly kind: 'absent' } | AuthRefusal;

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
const b64tokenPattern = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Answers whether the query string carries an `access_token` parameter (RFC 6750 §2.3, deliberately unsupported). */
export function hasQueryAccessToken(url: string): boolean {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return false;
  for (const pair of url.slice(queryStart + 1).split('&')) {
    const nameEnd = pair.indexOf('=');
    const rawName = nameEnd === -1 ? pair : pair.slice(0, nameEnd);
    if (decodeQueryName(rawName).toLowerCase() === 'access_token') return true;
  }
  return false;
}

function decodeQueryName(rawName: string): string {
  try {
    return decodeURIComponent(rawName.replaceAll('+', ' '));
  } catch {
    return rawName;
  }
}

function checkTokenValue(token: string, maxTokenBytes: number): TokenExtraction {
  // Size first: nothing longer than the limit is parsed any further.
  if (token.length > maxTokenBytes) return createRefusal('CACHET_ERR_AUTH_TOO_LARGE', 'token too large');
  if (!b64tokenPattern.test(token)) return createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'malformed bearer token');
  return { kind: 'token', token };
}

function extractFromAuthorization(value: string, maxTokenBytes: number): TokenExtraction {
  const schemeEnd = value.indexOf(' ');
  const scheme = schemeEnd === -1 ? value : value.slice(0, schemeEnd);
  if (scheme === '') return createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'malformed authorization header');
  // RFC 6750 §3.1: an unsupported authentication method is answered like missing credentials.
  if (scheme.toLowerCase() !== 'bearer') return { kind: 'absent' };
  if (schemeEnd === -1) return createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'bearer credentials missing');
  // RFC 9110 §11.4: auth-scheme 1*SP token68; exactly one value.
  const token = value.slice(schemeEnd + 1).replace(/^ +/, '');
  if (token === '') return createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'bearer credentials missing');
  return checkTokenValue(token, maxTokenBytes);
}

function extractFromCookie(cookieFields: readonly string[], name: string, maxTokenBytes: number): TokenExtraction {
  let found: string | undefined;
  for (const field of cookieFields) {
    for (const pair of field.split(';')) {
      const nameEnd = pair.indexOf('=');
      if (nameEnd === -1 || pair.slice(0, nameEnd).trim() !== name) continue;
      // Two cookies of the same name (e.g. one set for a parent domain) are ambiguous: refuse.
      if (found !== undefined) return createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'several token cookies');
      found = pair.slice(nameEnd + 1).trim();
    }
  }
  if (found === undefined) return { kind: 'absent' };
  // RFC 6265 §4.1.1: cookie-value may be wrapped in DQUOTEs.
  const token = found.length >= 2 && found.startsWith('"') && found.endsWith('"') ? found.slice(1, -1) : found;
  if (token === '') return { kind: 'absent' };
  return checkTokenValue(token, maxTokenBytes);
}

/**
 * Finds the bearer token of a request: `Authorization: Bearer` (RFC 6750 §2.1), else the route's
 * token cookie. A query-string `access_token` (RFC 6750 §2.3) is refused with invalid_request,
 * never read: URLs end up in logs, caches and Referer headers.
 */
export function extractBearerToken(input: TokenSourceInput, tokenCookie: string | undefined, maxTokenBytes: number): TokenExtraction {
  if (hasQueryAccessToken(input.url)) {
    return createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'access_token in the query string is not supported');
  }
  const authorization = input.authorization;
  if (authorization !== undefined && authorization.length > 0) {
    // RFC 6750 §3.1: more than one method (here: field) of including a token → invalid_request.
    if (authorization.length > 1) return createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'several authorization headers');
    return extractFromAuthorization(authorization[0] ?? '', maxTokenBytes);
  }
  if (tokenCookie !== undefined && input.cookie !== undefined) return extractFromCookie(input.cookie, tokenCookie, maxTokenBytes);
  return { kind: 'absent' };
}
