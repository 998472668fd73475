/**
 * A strict RFC 9651 (formerly RFC 8941) Dictionary parser, enough for RFC 9213 targeted cache fields.
 * Any syntax error fails the whole field (RFC 9651 §4.2), as the targeted-field rules require.
 */

/** A member value; parameters are checked for syntax but not kept (RFC 9213 defines none). */
export type SfValue =
  | { readonly type: 'integer' | 'decimal' | 'date'; readonly value: number }
  | { readonly type: 'string' | 'token' | 'display' | 'bytes'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'inner-list' };

interface Cursor {
  readonly s: string;
  i: number;
}

const INNER_LIST: SfValue = Object.freeze({ type: 'inner-list' });
const TRUE: SfValue = Object.freeze({ type: 'boolean', value: true });
const FALSE: SfValue = Object.freeze({ type: 'boolean', value: false });

/**
 * Parses a Dictionary field value (RFC 9651 §4.2.2). Duplicate keys keep the last value. Answers
 * undefined when the value is not a valid Dictionary.
 *
 * @example parseSfDictionary('max-age=60, private') // Map { 'max-age' => integer 60, 'private' => true }
 */
export function parseSfDictionary(value: string): Map<string, SfValue> | undefined {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) === 0x20) start++;
  while (end > start && value.charCodeAt(end - 1) === 0x20) end--;
  const c: Cursor = { s: start === 0 && end === value.length ? value : value.slice(start, end), i: 0 };
  const members = new Map<string, SfValue>();
  while (c.i < c.s.length) {
    const key = parseKey(c);
    if (key === undefined) return undefined;
    let member: SfValue | undefined = TRUE;
    if (peek(c) === 0x3d) {
      c.i++;
      member = peek(c) === 0x28 ? parseInnerList(c) : parseItem(c);
      if (member === undefined) return undefined;
    } else if (!parseParameters(c)) {
      return undefined;
    }
    members.set(key, member);
    skipOws(c);
    if (c.i >= c.s.length) return members;
    if (peek(c) !== 0x2c) return undefined;
    c.i++;
    skipOws(c);
    if (c.i >= c.s.length) return undefined;
  }
  return members;
}

function peek(c: Cursor): number {
  return c.i < c.s.length ? c.s.charCodeAt(c.i) : -1;
}

function skipSpaces(c: Cursor): void {
  while (peek(c) === 0x20) c.i++;
}

function skipOws(c: Cursor): void {
  for (let code = peek(c); code === 0x20 || code === 0x09; code = peek(c)) c.i++;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isLcAlpha(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}

function isAlpha(code: number): boolean {
  return isLcAlpha(code) || (code >= 0x41 && code <= 0x5a);
}

const TOKEN_EXTRA = "!#$%&'*+-.^_`|~:/";

/** tchar, ":" or "/" (RFC 9651 §3.3.4). */
function isTokenChar(code: number): boolean {
  return isAlpha(code) || isDigit(code) || (code > 0x20 && code < 0x7f && TOKEN_EXTRA.includes(String.fromCharCode(code)));
}

/** RFC 9651 §4.2.3.3: `( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )`. */
function parseKey(c: Cursor): string | undefined {
  const start = c.i;
  const first = peek(c);
  if (!isLcAlpha(first) && first !== 0x2a) return undefined;
  c.i++;
  for (
    let code = peek(c);
    isLcAlpha(code) || isDigit(code) || code === 0x5f || code === 0x2d || code === 0x2e || code === 0x2a;
    code = peek(c)
  )
    c.i++;
  return c.s.slice(start, c.i);
}

/** RFC 9651 §4.2.3.2; answers whether the parameters were well-formed. */
function parseParameters(c: Cursor): boolean {
  while (peek(c) === 0x3b) {
    c.i++;
    skipSpaces(c);
    if (parseKey(c) === undefined) return false;
    if (peek(c) === 0x3d) {
      c.i++;
      if (parseBareItem(c) === undefined) return false;
    }
  }
  return true;
}

function parseItem(c: Cursor): SfValue | undefined {
  const item = parseBareItem(c);
  return item !== undefined && parseParameters(c) ? item : undefined;
}

/** RFC 9651 §4.2.1.2. */
function parseInnerList(c: Cursor): SfValue | undefined {
  c.i++;
  for (;;) {
    skipSpaces(c);
    if (peek(c) === 0x29) {
      c.i++;
      return parseParameters(c) ? INNER_LIST : undefined;
    }
    if (parseItem(c) === undefined) return undefined;
    const next = peek(c);
    if (next !== 0x20 && next !== 0x29) return undefined;
  }
}

function parseBareItem(c: Cursor): SfValue | undefined {
  const code = peek(c);
  if (code === 0x2d || isDigit(code)) return parseNumber(c);
  if (code === 0x22) return wrapText('string', parseString(c));
  if (code === 0x2a || isAlpha(code)) return wrapText('token', parseToken(c));
  if (code === 0x3a) return wrapText('bytes', parseBytes(c));
  if (code === 0x3f) return parseBoolean(c);
  if (code === 0x25) return wrapText('display', parseDisplayString(c));
  if (code === 0x40) {
    c.i++;
    const number = parseNumber(c);
    return number?.type === 'integer' ? { type: 'date', value: number.value } : undefined;
  }
  return undefined;
}

function wrapText(type: 'string' | 'token' | 'display' | 'bytes', value: string | undefined): SfValue | undefined {
  return value === undefined ? undefined : { type, value };
}

/** RFC 9651 §4.2.4: an integer has at most 15 digits; a decimal at most 12 before and 1 to 3 after the point. */
function parseNumber(c: Cursor): { type: 'integer' | 'decimal'; value: number } | undefined {
  const negative = peek(c) === 0x2d;
  if (negative) c.i++;
  const start = c.i;
  let dot = -1;
  for (let code = peek(c); ; code = peek(c)) {
    if (isDigit(code)) c.i++;
    else if (code === 0x2e && dot < 0 && c.i > start) {
      if (c.i - start > 12) return undefined;
      dot = c.i++;
    } else break;
    if (c.i - start > (dot < 0 ? 15 : 16)) return undefined;
  }
  if (c.i === start) return undefined;
  const magnitude = Number(c.s.slice(start, c.i));
  const value = negative ? -magnitude : magnitude;
  if (dot < 0) return { type: 'integer', value };
  const fraction = c.i - dot - 1;
  return fraction >= 1 && fraction <= 3 ? { type: 'decimal', value } : undefined;
}

/** RFC 9651 §4.2.5: printable ASCII; only `\"` and `\\` escapes. */
function parseString(c: Cursor): string | undefined {
  c.i++;
  let out = '';
  for (;;) {
    const code = peek(c);
    if (code < 0) return undefined;
    c.i++;
    if (code === 0x22) return out;
    if (code === 0x5c) {
      const next = peek(c);
      if (next !== 0x22 && next !== 0x5c) return undefined;
      out += String.fromCharCode(next);
      c.i++;
    } else if (code < 0x20 || code > 0x7e) {
      return undefined;
    } else {
      out += String.fromCharCode(code);
    }
  }
}

function parseToken(c: Cursor): string {
  const start = c.i;
  c.i++;
  while (isTokenChar(peek(c))) c.i++;
  return c.s.slice(start, c.i);
}

/** RFC 9651 §4.2.7: base64 between colons. */
function parseBytes(c: Cursor): string | undefined {
  c.i++;
  const start = c.i;
  for (let code = peek(c); code !== 0x3a; code = peek(c)) {
    if (!(isAlpha(code) || isDigit(code) || code === 0x2b || code === 0x2f || code === 0x3d)) return undefined;
    c.i++;
  }
  const value = c.s.slice(start, c.i);
  c.i++;
  return value;
}

function parseBoolean(c: Cursor): SfValue | undefined {
  c.i++;
  const code = peek(c);
  if (code !== 0x30 && code !== 0x31) return undefined;
  c.i++;
  return code === 0x31 ? TRUE : FALSE;
}

/** RFC 9651 §4.2.10: `%"` then printable ASCII with lower-case `%xx` escapes (kept escaped). */
function parseDisplayString(c: Cursor): string | undefined {
  c.i++;
  if (peek(c) !== 0x22) return undefined;
  c.i++;
  const start = c.i;
  for (;;) {
    const code = peek(c);
    if (code < 0x20 || code > 0x7e) return undefined;
    c.i++;
    if (code === 0x22) return c.s.slice(start, c.i - 1);
    if (code === 0x25) {
      if (!isLowerHex(peek(c))) return undefined;
      c.i++;
      if (!isLowerHex(peek(c))) return undefined;
      c.i++;
    }
  }
}

function isLowerHex(code: number): boolean {
  return isDigit(code) || (code >= 0x61 && code <= 0x66);
}
