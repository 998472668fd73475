import type { Revocation } from '../auth/types.ts';

/** A `DELETE /revocations` selector. */
export type RevocationSelector = { readonly jti: string } | { readonly sub: string };

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly detail: string };

/** Longest `jti` or `sub` accepted. */
const MAX_REVOCATION_ID_LENGTH = 256;
/** Unix seconds above this are almost certainly milliseconds (it is the year 5138). */
const MAX_UNIX_SECONDS = 1e11;

/**
 * Validates a `POST /revocations` body: `{"jti", "exp"}` (that token id until its expiry) or
 * `{"sub", "before", "exp"?}` (that subject's tokens issued before `before`). Times are unix seconds
 * (RFC 7519 §2 NumericDate), positive integers; ids are strings of 1 to 256 characters. Unknown fields are
 * refused, so a typo cannot turn into a different revocation.
 *
 * @example
 * parseRevocation({ jti: 'a1', exp: 1767225600 }); // { ok: true, value: { jti: 'a1', exp: 1767225600 } }
 */
export function parseRevocation(body: unknown): ParseResult<Revocation> {
  if (!isObject(body))
    return fail('The body must be a JSON object such as {"jti": "...", "exp": 1767225600} or {"sub": "...", "before": 1767225600}.');
  const selector = readSelector(body, body['jti'] !== undefined ? ['jti', 'exp'] : ['sub', 'before', 'exp']);
  if (!selector.ok) return selector;
  if ('jti' in selector.value) {
    const exp = readSeconds(body, 'exp', true);
    if (typeof exp === 'string') return fail(exp);
    return { ok: true, value: { jti: selector.value.jti, exp: exp ?? 0 } };
  }
  const before = readSeconds(body, 'before', true);
  if (typeof before === 'string') return fail(before);
  const exp = readSeconds(body, 'exp', false);
  if (typeof exp === 'string') return fail(exp);
  const value: Revocation =
    exp === undefined ? { sub: selector.value.sub, before: before ?? 0 } : { sub: selector.value.sub, before: before ?? 0, exp };
  return { ok: true, value };
}

/** Validates a `DELETE /revocations` body: `{"jti": "..."}` or `{"sub": "..."}`. */
export function parseRevocationSelector(body: unknown): ParseResult<RevocationSelector> {
  if (!isObject(body)) return fail('The body must be a JSON object such as {"jti": "..."} or {"sub": "..."}.');
  return readSelector(body, body['jti'] !== undefined ? ['jti'] : ['sub']);
}

/** Reads `/jti/<id>` or `/sub/<id>` (percent-decoded) after `/revocations`; undefined when the path is not one. */
export function parseRevocationPath(rest: string): ParseResult<RevocationSelector> | undefined {
  const match = /^\/(jti|sub)\/([^/]+)$/.exec(rest);
  if (match === null) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(match[2] ?? '');
  } catch {
    return fail('The id in the path is not valid percent-encoded UTF-8.');
  }
  return readSelector({ [match[1] ?? 'jti']: id }, [match[1] ?? 'jti']);
}

function readSelector(body: Record<string, unknown>, allowed: readonly string[]): ParseResult<RevocationSelector> {
  const hasJti = body['jti'] !== undefined;
  const hasSub = body['sub'] !== undefined;
  if (hasJti && hasSub) return fail('Name exactly one of jti or sub, not both.');
  if (!hasJti && !hasSub) return fail('Name exactly one of jti or sub.');
  const unknown = Object.keys(body).filter((name) => !allowed.includes(name));
  if (unknown.length > 0)
    return fail(`Unknown field ${unknown.map((name) => JSON.stringify(name)).join(', ')}; expected ${allowed.join(', ')}.`);
  const name = hasJti ? 'jti' : 'sub';
  const id = body[name];
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_REVOCATION_ID_LENGTH)
    return fail(`${name} must be a string of 1 to ${MAX_REVOCATION_ID_LENGTH} characters.`);
  return { ok: true, value: hasJti ? { jti: id } : { sub: id } };
}

/** The value in seconds, undefined when absent and optional, or a message. */
function readSeconds(body: Record<string, unknown>, name: string, required: boolean): number | undefined | string {
  const value = body[name];
  if (value === undefined) return required ? `${name} is required: unix seconds (an integer).` : undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) return `${name} must be a positive integer of unix seconds.`;
  if (value > MAX_UNIX_SECONDS) return `${name} must be unix seconds; ${value} looks like milliseconds.`;
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(detail: string): { ok: false; detail: string } {
  return { ok: false, detail };
}
