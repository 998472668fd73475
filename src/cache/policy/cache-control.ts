import type { HeaderMap, HeaderValue } from './headers.ts';
import { isOws, isTchar, splitList } from './headers.ts';
import type { DirectiveArgument, RequestDirectives, ResponseDirectives } from './directives.ts';
import {
  EMPTY_REQUEST_DIRECTIVES,
  EMPTY_RESPONSE_DIRECTIVES,
  applyRequestDirective,
  applyResponseDirective,
  createRequestDraft,
  createResponseDraft,
} from './directives.ts';
import { parseTargetedDirectives } from './targeted.ts';
import { parseSurrogateDirectives } from './surrogate-control.ts';

export type { RequestDirectives, ResponseDirectives } from './directives.ts';

const PRAGMA_NO_CACHE: RequestDirectives = Object.freeze({ ...EMPTY_REQUEST_DIRECTIVES, noCache: true });

/**
 * Reads response Cache-Control (RFC 9111 §5.2): names case-insensitive, several field lines read as one
 * list, token or quoted-string arguments, unknown extensions ignored. See `applyResponseDirective` for
 * duplicates and invalid values.
 *
 * @example parseResponseDirectives('max-age=60, s-maxage="120"') // { maxAge: 60, sMaxAge: 120, ... }
 */
export function parseResponseDirectives(value: HeaderValue): ResponseDirectives {
  if (value === undefined || value.length === 0) return EMPTY_RESPONSE_DIRECTIVES;
  const draft = createResponseDraft(false);
  if (typeof value === 'string') scanDirectives(value, draft, applyResponseDirective);
  else for (const line of value) scanDirectives(line, draft, applyResponseDirective);
  return draft;
}

/**
 * Reads request Cache-Control (RFC 9111 §5.2.1). `Pragma: no-cache` counts as request no-cache only when
 * the request has no Cache-Control (RFC 9111 §5.4, RFC 7234 §5.4). Answers a shared frozen constant when
 * neither field is present.
 */
export function parseRequestDirectives(headers: HeaderMap): RequestDirectives {
  const value = headers['cache-control'];
  if (value === undefined || value === '') {
    const pragma = headers['pragma'];
    return pragma !== undefined && hasPragmaNoCache(pragma) ? PRAGMA_NO_CACHE : EMPTY_REQUEST_DIRECTIVES;
  }
  const draft = createRequestDraft();
  if (typeof value === 'string') scanDirectives(value, draft, applyRequestDirective);
  else for (const line of value) scanDirectives(line, draft, applyRequestDirective);
  return draft;
}

/** Where this cache reads its response directives from (the `cache` config section has all three). */
export interface DirectiveSources {
  /** RFC 9213 targeted field, lower-case (e.g. `cdn-cache-control`); '' for none. */
  readonly targetedField: string;
  /** Obey Surrogate-Control (W3C Edge Architecture 1.0). */
  readonly surrogateControl: boolean;
  /** This cache's name: its device token in Surrogate-Control. */
  readonly name: string;
}

/**
 * The directives this cache obeys, first match of: the targeted field (e.g. `cdn-cache-control`) when present
 * and a valid, non-empty Dictionary (RFC 9213 §2.1); Surrogate-Control when on and it sets `max-age` or
 * `no-store` for this cache (W3C Edge Architecture 1.0); Cache-Control. The first two replace Cache-Control and
 * Expires entirely (`targeted: true`).
 */
export function selectResponseDirectives(
  headers: HeaderMap,
  sources: DirectiveSources,
): { directives: ResponseDirectives; targeted: boolean } {
  const targetedField = sources.targetedField;
  if (targetedField !== '') {
    const targetedValue = headers[targetedField];
    if (targetedValue !== undefined) {
      const directives = parseTargetedDirectives(targetedValue);
      if (directives !== undefined) return { directives, targeted: true };
    }
  }
  if (sources.surrogateControl) {
    const surrogateValue = headers['surrogate-control'];
    if (surrogateValue !== undefined) {
      const directives = parseSurrogateDirectives(surrogateValue, sources.name);
      if (directives !== undefined) return { directives, targeted: true };
    }
  }
  return { directives: parseResponseDirectives(headers['cache-control']), targeted: false };
}

function hasPragmaNoCache(value: string | readonly string[]): boolean {
  const lines = typeof value === 'string' ? [value] : value;
  for (const line of lines) {
    for (const member of splitList(line)) {
      if (member.toLowerCase() === 'no-cache') return true;
    }
  }
  return false;
}

/**
 * Walks `#cache-directive` (RFC 9111 §5.2): `token [ "=" ( token / quoted-string ) ]`. No whitespace is
 * allowed around "=" (RFC 9110 §5.6.6), so `max-age =5` or `max-age= 5` are malformed (argument `null`),
 * as is anything trailing the argument. Commas inside quoted strings do not split.
 */
function scanDirectives<D>(value: string, draft: D, apply: (draft: D, name: string, arg: DirectiveArgument) => void): void {
  const length = value.length;
  let i = 0;
  while (i < length) {
    const c = value.charCodeAt(i);
    if (c === 0x2c || isOws(c)) {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < length && isTchar(value.charCodeAt(i))) i++;
    if (i === nameStart) {
      i = skipToNextMember(value, i);
      continue;
    }
    const name = value.slice(nameStart, i).toLowerCase();
    let arg: DirectiveArgument = true;
    if (i < length && value.charCodeAt(i) === 0x3d) {
      i++;
      if (i < length && value.charCodeAt(i) === 0x22) {
        const end = findQuoteEnd(value, i);
        if (end < 0) {
          arg = null;
          i = length;
        } else {
          arg = unquote(value, i, end);
          i = end + 1;
        }
      } else {
        const argStart = i;
        while (i < length && isTchar(value.charCodeAt(i))) i++;
        arg = i === argStart ? null : value.slice(argStart, i);
      }
    }
    while (i < length && isOws(value.charCodeAt(i))) i++;
    if (i < length && value.charCodeAt(i) !== 0x2c) {
      arg = null;
      i = skipToNextMember(value, i);
    }
    apply(draft, name, arg);
  }
}

/** Index of the closing DQUOTE of the quoted-string opening at `start`, or -1. */
function findQuoteEnd(value: string, start: number): number {
  for (let i = start + 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return -1;
}

/** RFC 9110 §5.6.4: the content of a quoted-string with quoted-pairs resolved. */
function unquote(value: string, start: number, end: number): string {
  const inner = value.slice(start + 1, end);
  return inner.includes('\\') ? inner.replace(/\\(.)/gs, '$1') : inner;
}

/** Index just past the next comma that is not inside a quoted string. */
function skipToNextMember(value: string, from: number): number {
  let inQuotes = false;
  for (let i = from; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuotes) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuotes = false;
    } else if (c === 0x22) {
      inQuotes = true;
    } else if (c === 0x2c) {
      return i + 1;
    }
  }
  return value.length;
}
