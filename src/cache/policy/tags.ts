import type { HeaderMap, HeaderValue } from './headers.ts';

/**
 * Cache tags of a response, deduplicated in order of appearance: `Surrogate-Key` (space-separated, the
 * Fastly convention) and `Cache-Tag` (comma-separated, the Cloudflare convention).
 *
 * @example parseCacheTags({ 'surrogate-key': 'a b', 'cache-tag': 'b, c' }) // ['a', 'b', 'c']
 */
export function parseCacheTags(headers: HeaderMap): string[] {
  const tags: string[] = [];
  addTags(tags, headers['surrogate-key'], /[ \t]+/);
  addTags(tags, headers['cache-tag'], /[ \t]*,[ \t]*/);
  return tags;
}

function addTags(tags: string[], value: HeaderValue, separator: RegExp): void {
  if (value === undefined) return;
  const lines = typeof value === 'string' ? [value] : value;
  for (const line of lines) {
    for (const raw of line.split(separator)) {
      const tag = raw.trim();
      if (tag.length > 0 && !tags.includes(tag)) tags.push(tag);
    }
  }
}
