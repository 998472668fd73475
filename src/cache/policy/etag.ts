import type { HeaderValue } from './headers.ts';
import { joinFieldLines, readFirstLine, splitList } from './headers.ts';

/** An entity-tag (RFC 9110 §8.8.3). */
export interface EntityTag {
  readonly weak: boolean;
  /** The opaque-tag with its quotes, e.g. `"xyzzy"`. */
  readonly opaque: string;
}

/**
 * Parses `[ W/ ] DQUOTE *etagc DQUOTE`. A value without quotes (some origins send `ETag: abc`) is kept as
 * a strong opaque tag compared byte for byte, so echoing it back still matches.
 */
export function parseEntityTag(value: string | undefined): EntityTag | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text.length === 0) return undefined;
  if (text.startsWith('W/"') && text.length >= 4 && text.endsWith('"')) return { weak: true, opaque: text.slice(2) };
  return { weak: false, opaque: text };
}

/** The stored response's ETag (first field line). */
export function readEntityTag(value: HeaderValue): EntityTag | undefined {
  return parseEntityTag(readFirstLine(value));
}

/** `If-None-Match` / `If-Match` (RFC 9110 §13.1.1-2): `'*'` or the listed entity-tags. */
export function parseEntityTagList(value: HeaderValue): EntityTag[] | '*' {
  const joined = joinFieldLines(value);
  if (joined === undefined) return [];
  const tags: EntityTag[] = [];
  for (const member of splitList(joined)) {
    if (member === '*') return '*';
    const tag = parseEntityTag(member);
    if (tag !== undefined) tags.push(tag);
  }
  return tags;
}

/** RFC 9110 §8.8.3.2 weak comparison: opaque-tags match, weakness ignored. */
export function isWeakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

/** RFC 9110 §8.8.3.2 strong comparison: neither weak and opaque-tags match. */
export function isStrongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** The entity-tag as sent in a field value. */
export function formatEntityTag(tag: EntityTag): string {
  return tag.weak ? `W/${tag.opaque}` : tag.opaque;
}
