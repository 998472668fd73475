import type { EntryMeta, PartialRange } from './entry.ts';
import type { HeaderMap } from './headers.ts';
import { parseContentLength, readFirstLine } from './headers.ts';
import { isStrongMatch, readEntityTag } from './etag.ts';
import { isIfRangeTrue, parseRange, resolveRanges, type ByteRange } from './range.ts';

/**
 * Appended to a variant's key for its stored partial response: the store keeps it beside the complete
 * response of the same variant (a `put` replaces only the same variant key) and removes it with every
 * other entry of the primary key. NUL never occurs in a variant key built from field values.
 */
export const PARTIAL_VARIANT_SUFFIX = '\0partial';

/** How a new partial response is stored next to the one already stored for its variant (RFC 9111 §3.4). */
export type CombinationPlan =
  /** The new response is stored as it is, replacing the older one (if any). */
  | { readonly kind: 'replace' }
  /**
   * One response holding both: the older body's bytes `before` the new ones, the new body, then the older
   * body's bytes `after` them (offsets into the older body; undefined when there are none).
   */
  | {
      readonly kind: 'combine';
      readonly range: PartialRange;
      readonly before: ByteRange | undefined;
      readonly after: ByteRange | undefined;
    };

const REPLACE: CombinationPlan = Object.freeze({ kind: 'replace' });

/** `bytes first-last/complete-length`, the unit case-insensitive (RFC 9110 §14.1, §14.4). */
const CONTENT_RANGE = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/i;

/**
 * The range a 206 holds when it is one part (RFC 9110 §15.3.7.1): a single `Content-Range` line with a known
 * complete length, valid by §14.4 (last-pos not below first-pos, complete-length above last-pos), not a
 * multipart/byteranges body, and a Content-Length, when present, equal to the range's length. Anything
 * else is undefined: such a response cannot be stored (RFC 9111 §3.3).
 */
export function readPartialContent(headers: HeaderMap): PartialRange | undefined {
  const value = headers['content-range'];
  if (typeof value !== 'string') return undefined;
  const match = CONTENT_RANGE.exec(value.trim());
  if (match === null) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const completeLength = Number(match[3]);
  if (end < start || completeLength <= end) return undefined;
  const contentType = readFirstLine(headers['content-type']);
  if (contentType?.trim().toLowerCase().startsWith('multipart/byteranges')) return undefined;
  const contentLength = headers['content-length'];
  if (contentLength !== undefined) {
    const length = parseContentLength(typeof contentLength === 'string' ? contentLength : undefined);
    if (length !== end - start + 1) return undefined;
  }
  return { start, end, completeLength };
}

/** Whether a stored partial holds every byte of the representation (then it is stored as the complete response). */
export function isWholeRange(range: PartialRange): boolean {
  return range.start === 0 && range.end === range.completeLength - 1;
}

/**
 * RFC 9111 §3.4: a new partial response is combined with the stored one when both carry the same strong
 * entity-tag and complete length and their ranges overlap or touch, as long as the union fits in
 * `maxObjectBytes`; the new bytes win where they overlap (the caller takes the new response's fields).
 * Otherwise the new response replaces the stored one: different validators mean a different representation,
 * and a partial holds one contiguous range.
 */
export function planCombination(older: EntryMeta | undefined, newer: EntryMeta, maxObjectBytes: number): CombinationPlan {
  const previous = older?.partial;
  const next = newer.partial;
  if (older === undefined || previous === undefined || next === undefined) return REPLACE;
  if (previous.completeLength !== next.completeLength) return REPLACE;
  const olderTag = readEntityTag(older.headers['etag']);
  const newerTag = readEntityTag(newer.headers['etag']);
  if (olderTag === undefined || newerTag === undefined || !isStrongMatch(olderTag, newerTag)) return REPLACE;
  if (next.start > previous.end + 1 || previous.start > next.end + 1) return REPLACE;
  const start = Math.min(previous.start, next.start);
  const end = Math.max(previous.end, next.end);
  if (end - start + 1 > maxObjectBytes) return REPLACE;
  const before = previous.start < next.start ? { start: 0, end: next.start - previous.start - 1 } : undefined;
  const after = previous.end > next.end ? { start: next.end + 1 - previous.start, end: previous.end - previous.start } : undefined;
  return { kind: 'combine', range: { start, end, completeLength: next.completeLength }, before, after };
}

/**
 * The ranges a stored partial response answers for a Range request (RFC 9110 §14.2), in the order they are
 * sent: only when If-Range holds against the partial's own validators (§13.1.5) and every range, resolved
 * against the complete length (§14.1.2) and limited as for a complete response (§17.15), lies within the
 * bytes it holds. Undefined otherwise: an ignored or unsatisfiable Range, a false If-Range or a byte it does
 * not hold needs the origin.
 */
export function selectPartialRanges(request: HeaderMap, meta: EntryMeta): readonly ByteRange[] | undefined {
  const held = meta.partial;
  if (held === undefined || !isIfRangeTrue(request['if-range'], meta.headers)) return undefined;
  const specs = parseRange(request['range']);
  if (specs === undefined) return undefined;
  const answer = resolveRanges(specs, held.completeLength);
  if (answer.kind !== 'partial') return undefined;
  for (const range of answer.ranges) {
    if (range.start < held.start || range.end > held.end) return undefined;
  }
  return answer.ranges;
}
