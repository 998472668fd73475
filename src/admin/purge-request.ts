import type { PurgeSelector } from '../cache/store/types.ts';

/** A validated `POST /purge` body: one or more selectors (several only through `tags`) and the softness. */
export interface PurgeRequest {
  readonly selectors: readonly PurgeSelector[];
  readonly soft: boolean;
}

export type PurgeRequestResult = { readonly ok: true; readonly request: PurgeRequest } | { readonly ok: false; readonly detail: string };

/** Most tags one `{"tags": [...]}` body may name. */
export const MAX_PURGE_TAGS = 100;

const SELECTOR_FIELDS = ['url', 'prefix', 'tag', 'tags'] as const;
const KNOWN_FIELDS: ReadonlySet<string> = new Set([...SELECTOR_FIELDS, 'soft']);

/**
 * Validates a parsed `POST /purge` body: an object with exactly one of `url`, `prefix`, `tag` or `tags`,
 * and an optional boolean `soft`. `url` and `prefix` are a path (`/v1/a?b`, any host) or an absolute
 * `http(s)://` key. Unknown fields are refused, so a typo cannot turn into a different purge.
 *
 * @example
 * parsePurgeRequest({ tag: 'threats', soft: true });
 * // { ok: true, request: { selectors: [{ tag: 'threats' }], soft: true } }
 */
export function parsePurgeRequest(body: unknown): PurgeRequestResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail('The body must be a JSON object such as {"url": "/v1/a"}, {"prefix": "/v1/"}, {"tag": "t"} or {"tags": ["a", "b"]}.');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !KNOWN_FIELDS.has(name));
  if (unknown.length > 0)
    return fail(
      `Unknown field ${unknown.map((name) => JSON.stringify(name)).join(', ')}; expected one of url, prefix, tag, tags and optional soft.`,
    );
  const present = SELECTOR_FIELDS.filter((name) => fields[name] !== undefined);
  if (present.length === 0) return fail('Name what to purge: exactly one of url, prefix, tag or tags.');
  if (present.length > 1) return fail(`Only one selector per purge; got ${present.join(' and ')}.`);

  const soft = fields['soft'];
  if (soft !== undefined && typeof soft !== 'boolean') return fail('soft must be true or false.');

  const selectors = readSelectors(present[0] as (typeof SELECTOR_FIELDS)[number], fields);
  if (typeof selectors === 'string') return fail(selectors);
  return { ok: true, request: { selectors, soft: soft === true } };
}

function readSelectors(name: (typeof SELECTOR_FIELDS)[number], fields: Record<string, unknown>): PurgeSelector[] | string {
  const value = fields[name];
  switch (name) {
    case 'url':
    case 'prefix': {
      if (typeof value !== 'string' || !isKeyOrPath(value)) return `${name} must be a path starting with "/" or an absolute http(s) URL.`;
      return [name === 'url' ? { url: value } : { prefix: value }];
    }
    case 'tag': {
      if (!isTag(value)) return 'tag must be a non-empty string.';
      return [{ tag: value }];
    }
    case 'tags': {
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PURGE_TAGS)
        return `tags must be an array of 1 to ${MAX_PURGE_TAGS} tags.`;
      if (!value.every(isTag)) return 'every entry of tags must be a non-empty string.';
      return [...new Set(value)].map((tag) => ({ tag }));
    }
  }
}

function isKeyOrPath(value: string): boolean {
  return value.startsWith('/') || /^https?:\/\/[^/\s]+/i.test(value);
}

function isTag(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function fail(detail: string): PurgeRequestResult {
  return { ok: false, detail };
}
