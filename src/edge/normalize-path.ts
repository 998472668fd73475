/**
 * Request-target normalisation, applied once before routing so that every spelling of a path reaches
 * the route its canonical form would reach, and the origin receives that same canonical form.
 */

export type NormalizedTarget =
  | { readonly ok: true; readonly path: string; readonly query: string; readonly changed: boolean }
  | { readonly ok: false; readonly reason: string };

/** The last origin-form target normalised and its result: a hot URL mostly arrives many times in a row. */
let lastOriginTarget = '';
let lastOriginResult: NormalizedTarget = { ok: false, reason: 'no target yet' };

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;
const QUESTION = 0x3f;
const HASH = 0x23;

const HEX = '0123456789ABCDEF';

/**
 * Normalises a request-target as received (`req.url`) into the path the gateway routes on and forwards.
 *
 * Forms (RFC 9112 §3.2):
 * - origin-form `/path?query`: the usual case.
 * - absolute-form `http://host/path?query` (http or https): accepted, as RFC 9112 §3.2.2 requires of servers;
 *   the path and query are taken, the authority is dropped (the gateway routes, keys and forwards on `Host`),
 *   and userinfo is refused (RFC 9110 §4.2.4). `changed` is true.
 * - asterisk-form `*`: only when `method` is `OPTIONS` (RFC 9112 §3.2.4); answers path `*`, query `''`.
 * - anything else (authority-form, relative paths, an empty target) is refused.
 *
 * Path rules, in order:
 * 1. Percent-encoded unreserved characters are decoded (`%41` → `A`, `%7E` → `~`, `%2E` → `.`) and the hex of
 *    every other triplet is upper-cased (RFC 3986 §6.2.2.1, §6.2.2.2), so `%2e%2e` is a dot-segment below.
 *    Decoding happens once: `%252e` stays the literal text `%252e`.
 * 2. Refused: encoded slash `%2F` and backslash `%5C` (origins disagree on whether they separate segments),
 *    raw `\`, `%00`, control characters (raw or encoded), raw space or non-ASCII (RFC 3986 §2), a fragment `#`
 *    (not part of a request-target), malformed `%` triplets, and overlong UTF-8 (`%C0%AE` is a `.` to some
 *    decoders).
 * 3. Duplicate slashes collapse (`//admin` → `/admin`), then dot-segments are removed (RFC 3986 §5.2.4);
 *    `..` above the root stays at `/`. A trailing slash is kept (`/a/b/..` → `/a/`).
 * 4. A dot-segment carrying path parameters (`..;x`, `.;`) is refused: some origins strip parameters before
 *    resolving dot-segments, which would turn `/public/..;/admin` into `/admin` behind the router's back.
 * Case is significant and kept (RFC 3986 §6.2.2.1 only folds scheme and host): `/ADMIN` is not `/admin`.
 * The query is returned as received (`''` or `'?…'`); it only has to be free of controls, non-ASCII and `#`.
 *
 * Fast path: a target with no `%`, `\`, `//` or `/.` is returned as is, after one scan.
 *
 * @example
 * normalizeRequestTarget('/public/%2e%2e/admin?x=1') // { ok: true, path: '/admin', query: '?x=1', changed: true }
 * normalizeRequestTarget('/a%2Fb')                   // { ok: false, reason: 'encoded slash (%2F) in path' }
 */
export function normalizeRequestTarget(rawTarget: string, method?: string): NormalizedTarget {
  const first = rawTarget.charCodeAt(0);
  if (first === SLASH) {
    // The same result object (and path string) as last time, so the route, key and memos below it compare
    // by identity; the result depends on the target alone.
    if (rawTarget === lastOriginTarget) return lastOriginResult;
    const result = normalizeOriginForm(rawTarget, false);
    lastOriginTarget = rawTarget;
    lastOriginResult = result;
    return result;
  }
  if (rawTarget === '*') {
    return method === 'OPTIONS'
      ? { ok: true, path: '*', query: '', changed: false }
      : { ok: false, reason: 'asterisk-form is only allowed for OPTIONS' };
  }
  const pathStart = findAbsoluteFormPath(rawTarget);
  if (pathStart === -1) return { ok: false, reason: 'request target must be origin-form (start with /)' };
  if (pathStart === -2) return { ok: false, reason: 'userinfo in request target' };
  const rest = rawTarget.slice(pathStart);
  return normalizeOriginForm(rest.charCodeAt(0) === SLASH ? rest : `/${rest}`, true);
}

/**
 * Index where the path (or query) starts in an `http://` / `https://` absolute-form target; -1 when the
 * target is not absolute-form, -2 when its authority carries userinfo.
 */
function findAbsoluteFormPath(target: string): number {
  const lower = target.slice(0, 8).toLowerCase();
  const authorityStart = lower.startsWith('http://') ? 7 : lower.startsWith('https://') ? 8 : -1;
  if (authorityStart === -1) return -1;
  let index = authorityStart;
  for (; index < target.length; index++) {
    const c = target.charCodeAt(index);
    if (c === SLASH || c === QUESTION || c === HASH) break;
    if (c === 0x40 /* @ */) return -2;
  }
  if (index === authorityStart) return -1;
  return index;
}

function normalizeOriginForm(target: string, changed: boolean): NormalizedTarget {
  let queryStart = -1;
  let needsWork = false;
  const length = target.length;
  for (let i = 0; i < length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return { ok: false, reason: 'control, space or non-ASCII character in request target' };
    if (c === HASH) return { ok: false, reason: 'fragment in request target' };
    if (queryStart !== -1) continue;
    if (c === QUESTION) queryStart = i;
    else if (c === PERCENT) needsWork = true;
    else if (c === BACKSLASH) return { ok: false, reason: 'backslash in path' };
    else if (c === SLASH) {
      const next = target.charCodeAt(i + 1);
      if (next === SLASH || next === DOT) needsWork = true;
    }
  }
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? '' : target.slice(queryStart);
  if (!needsWork) return { ok: true, path, query, changed };
  const decoded = decodePath(path);
  if (!decoded.ok) return decoded;
  const segments = removeDotSegments(decoded.path);
  if (typeof segments !== 'string') return segments;
  return { ok: true, path: segments, query, changed: changed || segments !== path };
}

type DecodedPath = { ok: true; path: string } | { ok: false; reason: string };

/** RFC 3986 §6.2.2.1-2: decode unreserved triplets, upper-case the rest, refuse the dangerous ones. */
function decodePath(path: string): DecodedPath {
  let out = '';
  let copiedUpTo = 0;
  for (let i = path.indexOf('%'); i !== -1; i = path.indexOf('%', i)) {
    const byte = parseHexPair(path.charCodeAt(i + 1), path.charCodeAt(i + 2));
    if (byte === -1) return { ok: false, reason: 'malformed percent-encoding in path' };
    if (byte === SLASH) return { ok: false, reason: 'encoded slash (%2F) in path' };
    if (byte === BACKSLASH) return { ok: false, reason: 'encoded backslash (%5C) in path' };
    if (byte === 0) return { ok: false, reason: 'encoded NUL (%00) in path' };
    if (byte < 0x20 || byte === 0x7f) return { ok: false, reason: 'encoded control character in path' };
    if (isOverlongUtf8(byte, path, i + 3)) return { ok: false, reason: 'overlong or invalid UTF-8 in path' };
    out += path.slice(copiedUpTo, i);
    out += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
    i += 3;
    copiedUpTo = i;
  }
  return { ok: true, path: copiedUpTo === 0 ? path : out + path.slice(copiedUpTo) };
}

/**
 * Lead bytes that can only start an overlong or out-of-range sequence (C0, C1, F5-FF), and E0 / F0 followed
 * by a continuation byte that makes the sequence overlong (RFC 3629 §3-4).
 */
function isOverlongUtf8(byte: number, path: string, next: number): boolean {
  if (byte < 0xc0) return false;
  if (byte === 0xc0 || byte === 0xc1 || byte >= 0xf5) return true;
  if (byte !== 0xe0 && byte !== 0xf0) return false;
  if (path.charCodeAt(next) !== PERCENT) return false;
  const continuation = parseHexPair(path.charCodeAt(next + 1), path.charCodeAt(next + 2));
  return byte === 0xe0 ? continuation >= 0x80 && continuation < 0xa0 : continuation >= 0x80 && continuation < 0x90;
}

/** Collapses empty segments, then applies RFC 3986 §5.2.4 with `..` at the root staying at `/`. */
function removeDotSegments(path: string): string | { ok: false; reason: string } {
  const segments = path.split('/');
  const out: string[] = [];
  let trailingSlash = false;
  const last = segments.length - 1;
  for (let i = 1; i <= last; i++) {
    const segment = segments[i] as string;
    if (segment === '' || segment === '.') {
      if (i === last) trailingSlash = true;
    } else if (segment === '..') {
      out.pop();
      if (i === last) trailingSlash = true;
    } else if (segment.startsWith('.;') || segment.startsWith('..;')) {
      return { ok: false, reason: 'dot-segment with parameters in path' };
    } else {
      out.push(segment);
    }
  }
  if (out.length === 0) return '/';
  return trailingSlash ? `/${out.join('/')}/` : `/${out.join('/')}`;
}

function parseHexPair(high: number, low: number): number {
  const h = hexValue(high);
  const l = hexValue(low);
  return h === -1 || l === -1 ? -1 : (h << 4) | l;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === DOT ||
    byte === 0x5f ||
    byte === 0x7e
  );
}
