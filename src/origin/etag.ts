import { createHash } from 'node:crypto';

/** One member of an `If-Match` / `If-None-Match` list (RFC 9110 §8.8.3). */
export interface ParsedETag {
  /** True for `W/"..."`. */
  readonly weak: boolean;
  /** The opaque-tag including its double quotes, e.g. `"v7"`. */
  readonly opaque: string;
}

/** A parsed `If-Match` / `If-None-Match` value: `any` for `*`, otherwise the valid entity-tags listed. */
export interface ParsedETagList {
  readonly any: boolean;
  readonly tags: ParsedETag[];
}

// RFC 9110 §8.8.3: etagc = %x21 / %x23-7E / obs-text
const ETAGC = /^[\x21\x23-\x7e\x80-\xff]*$/;

/**
 * A strong ETag for a body: the base64url SHA-256 of its bytes, quoted (RFC 9110 §8.8.3). Equal bytes give
 * equal tags on every instance, so a fleet of origins agrees without shared state.
 *
 * @example
 * strongETag('x'); // '"LXEWQrcmsEQBYnyp-6wy9chTD7GQPMTbAiWHF5IaSIE"'
 * res.setHeader('etag', strongETag(json));
 */
export function strongETag(body: string | Buffer | Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

/**
 * A weak ETag from a version number or string (RFC 9110 §8.8.1: weak validators suit representations
 * that are semantically equivalent but not byte-identical, e.g. the same row rendered twice).
 * Throws `TypeError` for an empty version, a non-finite number, or characters outside etagc
 * (double quotes, spaces, controls).
 *
 * @example
 * weakETag(42);       // 'W/"42"'
 * weakETag('2026-a'); // 'W/"2026-a"'
 */
export function weakETag(version: string | number): string {
  if (typeof version === 'number' && !Number.isFinite(version))
    throw new TypeError(`weakETag: version must be a finite number, got ${version}.`);
  const text = String(version);
  if (text.length === 0) throw new TypeError('weakETag: version must not be empty.');
  if (!ETAGC.test(text))
    throw new TypeError(
      `weakETag: version ${JSON.stringify(text)} may not contain double quotes, spaces or control characters (RFC 9110 §8.8.3).`,
    );
  return `W/"${text}"`;
}

/**
 * Parses an `If-Match` / `If-None-Match` field value (RFC 9110 §13.1.1-2, entity-tag grammar §8.8.3).
 * `*` alone gives `{ any: true }`. Members that are not entity-tags (unquoted values, a `*` mixed with
 * tags) are skipped, so an `If-Match` made only of garbage matches nothing and fails, as §13.1.1 asks.
 * Commas inside quotes belong to the tag.
 *
 * @example
 * parseETagList('"a", W/"b"'); // { any: false, tags: [{ weak: false, opaque: '"a"' }, { weak: true, opaque: '"b"' }] }
 * parseETagList('*');          // { any: true, tags: [] }
 */
export function parseETagList(value: string | undefined): ParsedETagList {
  if (value === undefined) return { any: false, tags: [] };
  const text = value.trim();
  if (text === '*') return { any: true, tags: [] };
  const tags: ParsedETag[] = [];
  let index = 0;
  while (index < text.length) {
    index = skipSeparators(text, index);
    if (index >= text.length) break;
    const scanned = scanETag(text, index);
    index = scanned.end;
    if (scanned.tag !== undefined) tags.push(scanned.tag);
  }
  return { any: false, tags };
}

/**
 * RFC 9110 §8.8.3.2 strong comparison of two ETag field values: both strong and the same opaque-tag.
 * Anything that is not a single entity-tag never matches.
 *
 * @example
 * isStrongMatch('"1"', '"1"');   // true
 * isStrongMatch('W/"1"', '"1"'); // false
 */
export function isStrongMatch(a: string, b: string): boolean {
  const left = parseETag(a);
  const right = parseETag(b);
  return left !== undefined && right !== undefined && !left.weak && !right.weak && left.opaque === right.opaque;
}

/**
 * RFC 9110 §8.8.3.2 weak comparison of two ETag field values: the same opaque-tag, weakness ignored.
 *
 * @example
 * isWeakMatch('W/"1"', '"1"'); // true
 */
export function isWeakMatch(a: string, b: string): boolean {
  const left = parseETag(a);
  const right = parseETag(b);
  return left !== undefined && right !== undefined && left.opaque === right.opaque;
}

/** A single entity-tag (an `ETag` field value), or undefined when it is not one. */
export function parseETag(value: string): ParsedETag | undefined {
  const text = value.trim();
  const scanned = scanETag(text, 0);
  return scanned.end === text.length ? scanned.tag : undefined;
}

function skipSeparators(text: string, index: number): number {
  let at = index;
  while (at < text.length && (text[at] === ',' || text[at] === ' ' || text[at] === '\t')) at++;
  return at;
}

/** Reads one list member from `start`; `end` is just past it (at the next comma or the end). */
function scanETag(text: string, start: number): { tag: ParsedETag | undefined; end: number } {
  const weak = text.startsWith('W/', start);
  const open = weak ? start + 2 : start;
  const close = text[open] === '"' ? text.indexOf('"', open + 1) : -1;
  if (close !== -1) {
    const opaque = text.slice(open, close + 1);
    let after = close + 1;
    while (after < text.length && (text[after] === ' ' || text[after] === '\t')) after++;
    if ((after === text.length || text[after] === ',') && ETAGC.test(opaque.slice(1, -1))) return { tag: { weak, opaque }, end: after };
  }
  const comma = text.indexOf(',', start);
  return { tag: undefined, end: comma === -1 ? text.length : comma };
}
