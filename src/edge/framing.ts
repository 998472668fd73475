import { isDigits } from '../cache/policy/headers.ts';

export type FramingCheck = { ok: true } | { ok: false; reason: string };

const OK: FramingCheck = Object.freeze({ ok: true });

/** Bare CR, LF or NUL: field lines cannot carry them (RFC 9110 §5.5). */
const FORBIDDEN_FIELD_CHARS = /[\0\r\n]/;
/** RFC 3986 §3.2.2-3: reg-name / IP-literal characters, optional port; no userinfo, path or whitespace. */
const HOST_VALUE = /^[A-Za-z0-9\-._~!$&'()*+,;=%[\]:]*$/;
/** Longest Content-Length taken: 15 digits stay exact in a double. */
const MAX_CONTENT_LENGTH_DIGITS = 15;

/**
 * Refuses request shapes used for request smuggling that Node's parser may let through, before anything is
 * forwarded. Every refusal maps to 400 and closes the connection. One pass over `rawHeaders` (Node's
 * `[name, value, name, value…]`); a name is only lower-cased when its length matches a field checked here.
 *
 * - Content-Length together with Transfer-Encoding (RFC 9112 §6.1, §6.3 rule 3: a server MAY refuse; a
 *   gateway must, since the origin could pick the other framing).
 * - Transfer-Encoding on HTTP/1.0 (RFC 9112 §6.1: framing is faulty) or HTTP/2 (RFC 9113 §8.2.2).
 * - Transfer-Encoding other than exactly one `chunked` across all lines: chunked not last (RFC 9112 §6.3
 *   rule 4), chunked twice (§7), or another coding, which the gateway would forward undecoded with the
 *   field removed.
 * - Content-Length that is not 1*DIGIT, longer than 15 digits, or lines / list members that are not
 *   identical (RFC 9112 §6.3 rule 5; RFC 9110 §8.6 allows identical repeats, `42, 42`; `042, 42` is refused).
 * - Host missing on HTTP/1.1, more than one Host line, or an invalid Host value (RFC 9112 §3.2). HTTP/2
 *   requests carry `:authority` and may omit Host; when both are sent they must name the same authority
 *   (RFC 9113 §8.3.1).
 * - CR, LF or NUL in any field name or value (RFC 9110 §5.5; Node refuses them unless its lenient parser is on).
 *
 * Content-Length on GET is allowed (RFC 9110 §9.3.1 gives it no meaning, but it frames correctly).
 */
export function checkRequestFraming(httpVersion: string, rawHeaders: readonly string[], checkChars = true): FramingCheck {
  let hostCount = 0;
  let host: string | undefined;
  let authority: string | undefined;
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    // Node's strict parser (the listener never enables the lenient one) already refuses CR, LF and NUL in
    // field lines; this check is for callers that hand over raw headers from elsewhere (HTTP/2, tests).
    if (checkChars && (FORBIDDEN_FIELD_CHARS.test(name) || FORBIDDEN_FIELD_CHARS.test(value))) {
      return { ok: false, reason: 'CR, LF or NUL in a header field' };
    }
    switch (name.length) {
      case 4:
        if (name !== 'host' && name !== 'Host' && name.toLowerCase() !== 'host') break;
        hostCount++;
        if (hostCount > 1) return { ok: false, reason: 'more than one Host header' };
        if (!isValidHost(value)) return { ok: false, reason: 'invalid Host header' };
        host = value;
        break;
      case 10:
        if (name === ':authority') authority = value;
        break;
      case 14:
        if (name.toLowerCase() !== 'content-length') break;
        for (const member of value.split(',')) {
          const length = member.trim();
          if (!isDigits(length)) return { ok: false, reason: 'invalid Content-Length' };
          if (length.length > MAX_CONTENT_LENGTH_DIGITS) return { ok: false, reason: 'Content-Length too large' };
          if (contentLength === undefined) contentLength = length;
          else if (contentLength !== length) return { ok: false, reason: 'conflicting Content-Length values' };
        }
        break;
      case 17:
        if (name.toLowerCase() !== 'transfer-encoding') break;
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
        break;
    }
  }
  if (transferEncoding !== undefined) {
    if (httpVersion !== '1.1') return { ok: false, reason: `Transfer-Encoding on HTTP/${httpVersion}` };
    if (contentLength !== undefined) return { ok: false, reason: 'both Content-Length and Transfer-Encoding' };
    if (!isChunkedOnly(transferEncoding)) return { ok: false, reason: 'Transfer-Encoding must be exactly chunked' };
  }
  if (hostCount === 0 && httpVersion === '1.1') return { ok: false, reason: 'missing Host header' };
  // RFC 9113 §8.3.1: the cache keys on one of them and the origin may read the other.
  if (host !== undefined && authority !== undefined && host.trim().toLowerCase() !== authority.toLowerCase()) {
    return { ok: false, reason: 'Host differs from :authority' };
  }
  return OK;
}

/** The last Host value found valid: clients on a connection, and most connections, send the same one. */
let lastValidHost = '';

function isValidHost(value: string): boolean {
  if (value === lastValidHost) return true;
  if (!HOST_VALUE.test(value.trim())) return false;
  lastValidHost = value;
  return true;
}

/** RFC 9112 §7: the list, all lines joined, is the single coding `chunked` (case-insensitive, OWS around it). */
function isChunkedOnly(value: string): boolean {
  let seen = false;
  for (const member of value.split(',')) {
    const coding = member.trim();
    if (coding === '') continue;
    if (seen || coding.toLowerCase() !== 'chunked') return false;
    seen = true;
  }
  return seen;
}
