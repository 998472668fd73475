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

const ABSENT: TokenExtraction = Object.freeze({ kind: 'absent' });

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
const b64tokenPattern = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 9110 §11.1: auth-scheme = token.
const authSchemePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Whitespace inside the credentials separates values: the field carries more than one token.
const whitespacePattern = /[ \t]/;
// Only a query naming `access_token`, or one with escapes that could spell it, needs splitting.
const queryTokenHint = /access_token|%/i;

/** Answers whether the query string carries an `access_token` parameter (RFC 6750 §2.3, deliberately unsupported). */
export function hasQueryAccessToken(url: string): boolean {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || !queryTokenHint.test(url)) return false;
  return url
    .slice(queryStart + 1)
    .split('&')
    .some(isAccessTokenParameter);
}

/**
 * Removes every `access_token` parameter from a query (`''` or `'?…'`), so a token a client put in the URL
 * never reaches the upstream (nor the cache key) from a route that authenticates (RFC 6750 §5.3: URLs are logged).
 *
 * @example removeQueryAccessToken('?a=1&access_token=x') // '?a=1'
 */
export function removeQueryAccessToken(query: string): string {
  if (!hasQueryAccessToken(query)) return query;
  const kept = query
    .slice(1)
    .split('&')
    .filter((pair) => !isAccessTokenParameter(pair));
  return kept.length === 0 ? '' : `?${kept.join('&')}`;
}

function isAccessTokenParameter(pair: string): boolean {
  const nameEnd = pair.indexOf('=');
  const rawName = nameEnd === -1 ? pair : pair.slice(0, nameEnd);
  return decodeQueryName(rawName).toLowerCase() === 'access_token';
}

function decodeQueryName(rawName: string): string {
  try {
    return decodeURIComponent(rawName.replaceAll('+', ' '));
  } catch {
    return rawName;
  }
}

/** A single credential value: too long or not a b64token is a malformed token (RFC 6750 §3.1 invalid_token). */
function checkTokenValue(token: string, maxTokenBytes: number): TokenExtraction {
  // Size first: nothing longer than the limit is parsed any further.
  if (token.length > maxTokenBytes) return createRefusal('CACHET_ERR_AUTH_TOO_LARGE', 'token too large');
  if (!b64tokenPattern.test(token)) return createRefusal('CACHET_ERR_AUTH_INVALID_TOKEN', 'malformed token');
  return { kind: 'token', token };
}

function extractFromAuthorization(value: string, maxTokenBytes: number): TokenExtraction {
  // RFC 6750 §3.1: a request that "lacks any authentication information" gets no error code.
  if (value === '') return ABSENT;
  const schemeEnd = value.indexOf(' ');
  const scheme = schemeEnd === -1 ? value : value.slice(0, schemeEnd);
  if (scheme.toLowerCase() !== 'bearer') {
    if (!authSchemePattern.test(scheme)) return createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'malformed authorization header');
    // RFC 6750 §3.1: an unsupported authentication method is answered like missing credentials.
    return ABSENT;
  }
  if (schemeEnd === -1) return ABSENT;
  // RFC 9110 §11.4: auth-scheme 1*SP token68; `Bearer` followed by nothing carries no token.
  const token = value.slice(schemeEnd + 1).replace(/^ +/, '');
  if (token === '') return ABSENT;
  // RFC 6750 §2.1: exactly one b64token; several values make the request malformed, not the token.
  if (whitespacePattern.test(token)) return createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'several values in the authorization header');
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
  if (found === undefined) return ABSENT;
  // RFC 6265 §4.1.1: cookie-value may be wrapped in DQUOTEs.
  const token = found.length >= 2 && found.startsWith('"') && found.endsWith('"') ? found.slice(1, -1) : found;
  if (token === '') return ABSENT;
  return checkTokenValue(token, maxTokenBytes);
}

function extractFromFields(input: TokenSourceInput, tokenCookie: string | undefined, maxTokenBytes: number): TokenExtraction {
  const authorization = input.authorization;
  if (authorization !== undefined && authorization.length > 0) {
    // RFC 6750 §3.1: more than one method (here: field) of including a token → invalid_request.
    if (authorization.length > 1) return createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'several authorization headers');
    return extractFromAuthorization(authorization[0] ?? '', maxTokenBytes);
  }
  if (tokenCookie !== undefined && input.cookie !== undefined) return extractFromCookie(input.cookie, tokenCookie, maxTokenBytes);
  return ABSENT;
}

/**
 * Finds the bearer token of a request: `Authorization: Bearer` (RFC 6750 §2.1), else the route's token cookie
 * (the `Authorization` field wins when both are sent).
 *
 * A query-string `access_token` (RFC 6750 §2.3) is never read: URLs end up in logs, caches and Referer headers.
 * Alone it leaves the request without a token (401 without an error code on a route that requires one); next
 * to a token in a field it is a second method of including a token, so invalid_request (§3.1).
 *
 * Answers a refusal with invalid_request for a malformed request (several Authorization fields or values, a
 * malformed scheme, several token cookies, a token in two places) and with invalid_token (or too large) for a
 * single credential that is not a b64token.
 */
export function extractBearerToken(input: TokenSourceInput, tokenCookie: string | undefined, maxTokenBytes: number): TokenExtraction {
  const extraction = extractFromFields(input, tokenCookie, maxTokenBytes);
  if (!hasQueryAccessToken(input.url)) return extraction;
  // No token in the fields: the query one is ignored. A request already refused as malformed keeps that answer.
  const standsAlone = 'ok' in extraction ? extraction.code === 'CACHET_ERR_AUTH_INVALID_REQUEST' : extraction.kind === 'absent';
  return standsAlone ? extraction : createRefusal('CACHET_ERR_AUTH_INVALID_REQUEST', 'a token in the query string and in a header');
}
