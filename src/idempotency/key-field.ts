/** Longest key accepted, in characters of the string's content. */
export const MAX_KEY_LENGTH = 255;

export type KeyField = { readonly ok: true; readonly key: string } | { readonly ok: false; readonly reason: string };

const EXAMPLE = 'e.g. Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"';

/**
 * Reads an `Idempotency-Key` field. draft-ietf-httpapi-idempotency-key-header-06 §2.1: an Item Structured
 * Header whose value MUST be a String, so the key is an sf-string (RFC 9651 §3.3.3: printable ASCII between
 * double quotes, `\"` and `\\` the only escapes); parameters (§3.1.2) are allowed by the Item syntax and
 * ignored. A bare token, an empty string, more than one field line, or more than 255 characters is refused.
 */
export function parseIdempotencyKey(value: string | string[]): KeyField {
  // Node joins repeated field lines with ", ": a List, not an Item.
  if (typeof value !== 'string') return invalid('must be sent once');
  const text = value.trim();
  if (text.charCodeAt(0) !== 0x22) return invalid(`must be a quoted string (${EXAMPLE})`);
  let key = '';
  let i = 1;
  for (;;) {
    if (i >= text.length) return invalid('has no closing quote');
    const code = text.charCodeAt(i++);
    if (code === 0x22) break;
    if (code === 0x5c) {
      const next = text.charCodeAt(i++);
      if (next !== 0x22 && next !== 0x5c) return invalid('may only escape " and \\');
      key += String.fromCharCode(next);
    } else if (code < 0x20 || code > 0x7e) {
      return invalid('must be printable ASCII');
    } else {
      key += text[i - 1];
    }
    if (key.length > MAX_KEY_LENGTH) return invalid(`must be at most ${MAX_KEY_LENGTH} characters`);
  }
  if (key === '') return invalid('must not be empty');
  if (i < text.length && !isParameters(text.slice(i))) return invalid('has text after the quoted string');
  return { ok: true, key };
}

function invalid(why: string): KeyField {
  return { ok: false, reason: `Idempotency-Key ${why}.` };
}

/** RFC 9651 §3.1.2 parameters after an Item: `;key` or `;key=value`, the value a token, number or string. */
const PARAMETERS =
  /^(;[ ]*[a-z*][a-z0-9_.*-]*(=("(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"|[A-Za-z*][!#$%&'*+.^_`|~0-9A-Za-z:/-]*|-?\d{1,15}(\.\d{1,3})?|\?[01]))?)+$/;

function isParameters(text: string): boolean {
  return PARAMETERS.test(text);
}
