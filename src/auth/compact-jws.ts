/** The form of a JWS in compact serialization (RFC 7515 §7.1): BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature). */

const DOT = 0x2e;

/** A JWS in compact serialization has exactly three parts (RFC 7515 §7.1); anything else is opaque. */
export function isJwtShaped(token: string): boolean {
  const first = token.indexOf('.');
  if (first === -1) return false;
  const second = token.indexOf('.', first + 1);
  return second !== -1 && token.indexOf('.', second + 1) === -1;
}

/**
 * Answers whether each of the three parts is base64url as RFC 7515 §2 defines it: the URL-safe alphabet of
 * RFC 4648 §5 with no padding and no length that cannot be decoded, ending in its canonical character
 * (RFC 4648 §3.5), so that one token has one spelling; the header and the payload are not empty.
 * `+`, `/`, `~` and `=` pass the b64token syntax of RFC 6750 §2.1 but not this.
 */
export function isWellFormedCompactJws(token: string): boolean {
  let part = 0;
  let start = 0;
  for (let index = 0; index <= token.length; index++) {
    if (index < token.length && token.charCodeAt(index) !== DOT) continue;
    if (part === 3 || !isBase64urlPart(token, start, index, part < 2)) return false;
    part++;
    start = index + 1;
  }
  return part === 3;
}

function isBase64urlPart(token: string, start: number, end: number, required: boolean): boolean {
  const length = end - start;
  if (length === 0) return !required;
  if (length % 4 === 1) return false;
  let last = 0;
  for (let index = start; index < end; index++) {
    last = base64urlValue(token.charCodeAt(index));
    if (last === -1) return false;
  }
  // The bits past the last whole byte are zero in the canonical encoding (RFC 4648 §3.5).
  const unusedBits = length % 4 === 2 ? 0x0f : length % 4 === 3 ? 0x03 : 0;
  return (last & unusedBits) === 0;
}

/** RFC 4648 §5 alphabet: the 6-bit value of a character, or -1. */
function base64urlValue(code: number): number {
  if (code >= 0x41 && code <= 0x5a) return code - 0x41; // A-Z
  if (code >= 0x61 && code <= 0x7a) return code - 0x61 + 26; // a-z
  if (code >= 0x30 && code <= 0x39) return code - 0x30 + 52; // 0-9
  if (code === 0x2d) return 62; // -
  if (code === 0x5f) return 63; // _
  return -1;
}
