import { MAX_PURGE_TAGS } from '../admin/purge-request.ts';
import { CachetError } from '../errors.ts';

/** A tag argument; `undefined`, `false` and `''` are skipped so callers can write `cond && 'tag'`. */
export type TagInput = string | undefined | false;

export interface PurgeTagsOptions {
  /** Mark matching responses stale instead of deleting them (served under stale-while-revalidate / stale-if-error). */
  soft?: boolean;
  /** Per request; default 5000. */
  timeoutMs?: number;
}

// Visible ASCII except the comma, so one tag reads the same in both Surrogate-Key and Cache-Tag.
const TAG = /^[\x21-\x2b\x2d-\x7e]+$/;
const MAX_TAG_LENGTH = 1024;
const DEFAULT_TIMEOUT_MS = 5000;

/**
 * A `Surrogate-Key` field value: tags separated by spaces, duplicates dropped in order.
 * Throws `TypeError` for a tag with whitespace, a comma, a control or non-ASCII character, or longer
 * than 1024 characters.
 *
 * @example
 * res.setHeader('surrogate-key', surrogateKeys('threats', `threat:${id}`, isNew && 'threats:new'));
 * // 'threats threat:7'
 */
export function surrogateKeys(...keys: TagInput[]): string {
  return collectTags(keys, 'surrogateKeys').join(' ');
}

/**
 * A `Cache-Tag` field value: the same tags as `surrogateKeys`, comma-separated.
 *
 * @example
 * res.setHeader('cache-tag', cacheTag('threats', 'threat:7')); // 'threats,threat:7'
 */
export function cacheTag(...tags: TagInput[]): string {
  return collectTags(tags, 'cacheTag').join(',');
}

/**
 * Asks cachet's admin API to purge every cached response carrying one of `tags`:
 * `POST {adminUrl}/purge` with `{"tags": [...]}` and `Authorization: Bearer <token>`, in batches of
 * at most 100 tags. Resolves the number of responses purged. No tags, no request.
 * Throws `TypeError` for an invalid tag and `CachetError` `CACHET_ERR_ORIGIN_PURGE` when the admin API
 * is unreachable, too slow, or answers other than 2xx with `{"purged": N}`.
 *
 * @example
 * await purgeTags('http://127.0.0.1:9901', process.env.CACHET_ADMIN_TOKEN ?? '', ['threats', `threat:${id}`]);
 */
export async function purgeTags(adminUrl: string, token: string, tags: readonly string[], options: PurgeTagsOptions = {}): Promise<number> {
  const unique = collectTags(tags, 'purgeTags');
  const url = `${adminUrl.replace(/\/+$/, '')}/purge`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let purged = 0;
  for (let start = 0; start < unique.length; start += MAX_PURGE_TAGS) {
    const batch = unique.slice(start, start + MAX_PURGE_TAGS);
    purged += await postPurge(url, token, { tags: batch, ...(options.soft === true ? { soft: true } : {}) }, timeoutMs);
  }
  return purged;
}

async function postPurge(url: string, token: string, body: object, timeoutMs: number): Promise<number> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (cause) {
    const reason = cause instanceof Error && cause.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'unreachable';
    throw new CachetError('CACHET_ERR_ORIGIN_PURGE', `Purge at ${url} failed: admin API ${reason}.`, { cause });
  }
  if (response.status < 200 || response.status > 299) {
    throw new CachetError('CACHET_ERR_ORIGIN_PURGE', `Purge at ${url} failed: ${response.status} ${readDetail(text)}`.trimEnd());
  }
  const purged = readPurgedCount(text);
  if (purged === undefined)
    throw new CachetError('CACHET_ERR_ORIGIN_PURGE', `Purge at ${url} answered ${response.status} without {"purged": N}.`);
  return purged;
}

function readPurgedCount(text: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    const purged = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['purged'] : undefined;
    return typeof purged === 'number' && Number.isSafeInteger(purged) && purged >= 0 ? purged : undefined;
  } catch {
    return undefined;
  }
}

function readDetail(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    const detail = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['detail'] : undefined;
    if (typeof detail === 'string') return detail;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.slice(0, 200);
}

function collectTags(inputs: readonly TagInput[], caller: string): string[] {
  const tags = new Set<string>();
  for (const input of inputs) {
    if (input === undefined || input === false || input === '') continue;
    if (typeof input !== 'string' || input.length > MAX_TAG_LENGTH || !TAG.test(input)) {
      throw new TypeError(
        `${caller}: tag ${JSON.stringify(input)} must be 1-${MAX_TAG_LENGTH} visible ASCII characters without spaces or commas.`,
      );
    }
    tags.add(input);
  }
  return [...tags];
}
