import type { HeaderMap, HeaderValue } from './headers.ts';
import { isOws, isToken, joinFieldLines, splitList } from './headers.ts';
import { normalizeWeightedList } from './weighted-list.ts';

const NO_FIELDS: readonly string[] = Object.freeze([]);

/** Request fields compared in their canonical weighted-list form (see `normalizeWeightedList`). */
const WEIGHTED_LIST_FIELDS: ReadonlySet<string> = new Set(['accept', 'accept-encoding', 'accept-language']);

/** Whether two Vary field lists are the same, so a variant key built for one serves the other. */
export function isSameVary(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

/**
 * The selecting header fields of a response (RFC 9110 §12.5.5, RFC 9111 §4.1): lower-cased,
 * deduplicated, in order; `'*'` when any member is `*` or is not a field name (such a response can
 * never be matched, so it is treated like `Vary: *`).
 */
export function parseVary(headers: HeaderMap): readonly string[] | '*' {
  const value = joinFieldLines(headers['vary']);
  if (value === undefined) return NO_FIELDS;
  const fields: string[] = [];
  for (const member of splitList(value)) {
    if (member === '*' || !isToken(member)) return '*';
    const name = member.toLowerCase();
    if (!fields.includes(name)) fields.push(name);
  }
  return fields.length === 0 ? NO_FIELDS : fields;
}

/**
 * The secondary cache key (RFC 9111 §4.1): for each selecting field, its name and the request's value
 * normalised: `Accept`, `Accept-Encoding` and `Accept-Language` in their canonical weighted-list form (case,
 * whitespace and the order of members aside; `normalizeWeightedList`), other fields with their lines joined
 * with ", " and OWS around commas and at the ends removed. An absent field and an empty one differ. '' when
 * there are no selecting fields.
 *
 * @example buildVariantKey(['accept-encoding'], { 'accept-encoding': 'GZIP ,br' }) // 'accept-encoding:br, gzip'
 */
export function buildVariantKey(fields: readonly string[], requestHeaders: HeaderMap): string {
  let key = '';
  for (let index = 0; index < fields.length; index++) {
    const name = fields[index] as string;
    if (index > 0) key += '\n';
    const value = requestHeaders[name];
    if (value === undefined) key += name;
    else key += `${name}:${(WEIGHTED_LIST_FIELDS.has(name) ? normalizeWeightedList(value) : undefined) ?? normalizeFieldValue(value)}`;
  }
  return key;
}

/**
 * RFC 9111 §4.1: whitespace where the list syntax allows it does not make requests differ.
 *
 * @example normalizeFieldValue('a\t,b , c') // 'a, b, c'
 */
export function normalizeFieldValue(value: HeaderValue): string {
  const joined = joinFieldLines(value) ?? '';
  const trimmed = trimOws(joined);
  if (isNormalized(trimmed)) return trimmed;
  let out = '';
  let inQuotes = false;
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i);
    if (inQuotes) {
      if (c === 0x5c && i + 1 < trimmed.length) {
        out += trimmed[i] as string;
        i++;
      } else if (c === 0x22) {
        inQuotes = false;
      }
      out += trimmed[i] as string;
      continue;
    }
    if (c === 0x2c) {
      let end = out.length;
      while (end > 0 && isOws(out.charCodeAt(end - 1))) end--;
      out = `${out.slice(0, end)}, `;
      while (i + 1 < trimmed.length && isOws(trimmed.charCodeAt(i + 1))) i++;
      continue;
    }
    if (c === 0x22) inQuotes = true;
    out += trimmed[i] as string;
  }
  return out;
}

/** True when every comma is followed by exactly one space and no quoted string needs care. */
function isNormalized(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) return false;
    if (c !== 0x2c) continue;
    if (value.charCodeAt(i + 1) !== 0x20 || isOws(value.charCodeAt(i + 2)) || isOws(value.charCodeAt(i - 1))) return false;
    if (i + 2 >= value.length) return false;
  }
  return true;
}

function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}
