/**
 * Header fields as Node and undici hand them over: lower-case names, a string per field, or an array
 * when the field came on several lines.
 */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

export type HeaderValue = string | readonly string[] | undefined;

/** The first field line (RFC 9111 §4.2.1, §5.1: "use the first"), or undefined. */
export function readFirstLine(value: HeaderValue): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  return value[0];
}

/** All field lines combined into one list value (RFC 9110 §5.3). */
export function joinFieldLines(value: HeaderValue): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (value.length === 1) return value[0];
  return value.length === 0 ? undefined : value.join(', ');
}

/** Space or horizontal tab: OWS (RFC 9110 §5.6.3). */
export function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** RFC 9110 §5.6.2 tchar. */
export function isTchar(code: number): boolean {
  return code < 128 && TCHAR[code] === 1;
}

/** RFC 9110 §5.6.2 token: one or more tchar. */
export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    if (!isTchar(value.charCodeAt(i))) return false;
  }
  return true;
}

/**
 * Members of a comma-separated list (RFC 9110 §5.6.1), OWS trimmed, empty members dropped. Commas inside
 * quoted strings do not split. With `separator` 0x3b (`;`), the parameters of one member (§5.6.6).
 */
export function splitList(value: string, separator = 0x2c): string[] {
  const members: string[] = [];
  let start = 0;
  let inQuotes = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuotes) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuotes = false;
    } else if (c === 0x22) {
      inQuotes = true;
    } else if (c === separator) {
      const member = value.slice(start, i).trim();
      if (member.length > 0) members.push(member);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last.length > 0) members.push(last);
  return members;
}

/** One or more ASCII digits (RFC 5234 DIGIT), nothing else. */
export function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** A Content-Length value (RFC 9110 §8.6): digits only, undefined otherwise (a list, a sign, spaces, too long). */
export function parseContentLength(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 15) return undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(value);
}
