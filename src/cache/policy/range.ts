import type { HeaderMap, HeaderValue } from './headers.ts';
import { isDigits, readFirstLine } from './headers.ts';
import { isStrongMatch, parseEntityTag, readEntityTag } from './etag.ts';
import { parseHttpDate } from './http-date.ts';

/** A byte range resolved against a representation's length: `start` to `end`, both inclusive (RFC 9110 §14.1.2). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** One range-spec of a `bytes` Range field before the length is known (RFC 9110 §14.1.1). */
export type RangeSpec = { readonly first: number; readonly last: number | undefined } | { readonly suffix: number };

/** What a GET with Range gets from a complete 200 representation. */
export type RangeAnswer =
  /** The whole representation: no Range, Range ignored, or If-Range false (RFC 9110 §13.1.5, §14.2). */
  | { readonly kind: 'full' }
  /** 206 with these ranges, in the order they are sent (RFC 9110 §15.3.7). */
  | { readonly kind: 'partial'; readonly ranges: readonly ByteRange[] }
  /** 416 with an unsatisfied-range `Content-Range` (RFC 9110 §15.5.17). */
  | { readonly kind: 'unsatisfiable' };

/**
 * Limits against range abuse (RFC 9110 §14.2, §17.15). A Range field with more range-specs than
 * `MAX_RANGE_SPECS` is ignored. Overlapping ranges, and ranges with fewer than `COALESCE_GAP_BYTES` bytes
 * between them (about the overhead of one more multipart part, §15.3.7.2), are merged, so no byte is sent twice; if more than
 * `MAX_RANGE_PARTS` parts remain, the Range is ignored and the whole representation is sent.
 */
export const MAX_RANGE_SPECS = 100;
export const MAX_RANGE_PARTS = 32;
export const COALESCE_GAP_BYTES = 80;

const FULL: RangeAnswer = Object.freeze({ kind: 'full' });
const UNSATISFIABLE: RangeAnswer = Object.freeze({ kind: 'unsatisfiable' });

/**
 * Parses a Range field (RFC 9110 §14.2). Answers undefined when the field must be ignored: absent, sent
 * on several lines, a unit other than `bytes` (compared case-insensitively, §14.1), any invalid
 * range-spec (§14.1.1: a syntax error, or a last-pos below its first-pos), or more than `MAX_RANGE_SPECS`
 * range-specs. Empty list members are skipped (§5.6.1). Numerals of any length parse: past 2^53 they lose
 * precision but keep their order, which is all the length comparisons need (§14.1.2).
 *
 * @example parseRange('bytes=0-99, -100') // [{ first: 0, last: 99 }, { suffix: 100 }]
 */
export function parseRange(value: HeaderValue): RangeSpec[] | undefined {
  if (typeof value !== 'string') return undefined;
  const equals = value.indexOf('=');
  if (equals < 0 || value.slice(0, equals).toLowerCase() !== 'bytes') return undefined;
  const specs: RangeSpec[] = [];
  for (const member of value.slice(equals + 1).split(',')) {
    const text = member.trim();
    if (text.length === 0) continue;
    const spec = parseRangeSpec(text);
    if (spec === undefined || specs.length === MAX_RANGE_SPECS) return undefined;
    specs.push(spec);
  }
  return specs.length === 0 ? undefined : specs;
}

/**
 * Resolves range-specs against a representation of `length` bytes (RFC 9110 §14.1.2): an int-range
 * starting at or past the end is unsatisfiable, its end is clamped to the last byte; a suffix-range of
 * N takes the last N bytes (all of them when N is larger), and is unsatisfiable when N is 0. Then the
 * §17.15 limits apply (see `MAX_RANGE_PARTS`): merged ranges are sent in ascending order, otherwise the
 * requested order is kept (§15.3.7.2).
 */
export function resolveRanges(specs: readonly RangeSpec[], length: number): RangeAnswer {
  // §14.2: a server MAY ignore Range on a representation with no content (no range of it can be described).
  if (length === 0) return FULL;
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    if ('suffix' in spec) {
      if (spec.suffix > 0) ranges.push({ start: Math.max(0, length - spec.suffix), end: length - 1 });
    } else if (spec.first < length) {
      ranges.push({ start: spec.first, end: spec.last === undefined ? length - 1 : Math.min(spec.last, length - 1) });
    }
  }
  if (ranges.length === 0) return UNSATISFIABLE;
  const parts = needsCoalescing(ranges) ? coalesce(ranges) : ranges;
  if (parts.length > MAX_RANGE_PARTS) return FULL;
  return { kind: 'partial', ranges: parts };
}

/**
 * The If-Range condition (RFC 9110 §13.1.5) against the selected response's fields: true without If-Range.
 * An entity-tag matches only by strong comparison (a weak one never does); an HTTP-date only when it equals
 * the Last-Modified and that is a strong validator, i.e. the response's Date is at least one second later
 * (§8.8.2.2). Anything else, including a field sent on several lines, is false. A value that is not a
 * date is compared as an entity-tag, so an unquoted ETag an origin sent and a client echoed still matches.
 */
export function isIfRangeTrue(ifRange: HeaderValue, response: HeaderMap): boolean {
  if (ifRange === undefined) return true;
  if (typeof ifRange !== 'string') return false;
  const text = ifRange.trim();
  const dateAt = text.startsWith('"') || text.startsWith('W/') ? undefined : parseHttpDate(text);
  if (dateAt === undefined) {
    const tag = parseEntityTag(text);
    const current = readEntityTag(response['etag']);
    return tag !== undefined && current !== undefined && isStrongMatch(tag, current);
  }
  const lastModifiedAt = parseHttpDate(readFirstLine(response['last-modified']));
  const responseDateAt = parseHttpDate(readFirstLine(response['date']));
  if (lastModifiedAt === undefined || responseDateAt === undefined) return false;
  return responseDateAt - lastModifiedAt >= 1000 && dateAt === lastModifiedAt;
}

/**
 * How a request is answered from a complete response of `length` bytes with status `status`. Range is
 * only for GET (RFC 9110 §14.2) and only changes a 200 (§14.2: evaluated when the answer would otherwise be
 * 200; a cache evaluates the client's 304 conditions first, §13.2.2); If-Range false sends the whole
 * representation (§13.1.5).
 */
export function evaluateRange(method: string, request: HeaderMap, status: number, response: HeaderMap, length: number): RangeAnswer {
  const range = request['range'];
  if (range === undefined || method !== 'GET' || status !== 200) return FULL;
  if (!isIfRangeTrue(request['if-range'], response)) return FULL;
  const specs = parseRange(range);
  return specs === undefined ? FULL : resolveRanges(specs, length);
}

/** `Content-Range` of a part (RFC 9110 §14.4): `bytes first-last/complete-length`. */
export function formatContentRange(range: ByteRange, length: number): string {
  return `bytes ${range.start}-${range.end}/${length}`;
}

/** `Content-Range` of a 416 (RFC 9110 §14.4, §15.5.17): `bytes`, an asterisk, a slash and the complete length. */
export function formatUnsatisfiedRange(length: number): string {
  return `bytes */${length}`;
}

/** Whether the ranges are in ascending order without overlapping: a forward-only stream can answer them. */
export function isAscending(ranges: readonly ByteRange[]): boolean {
  for (let i = 1; i < ranges.length; i++) {
    if ((ranges[i] as ByteRange).start <= (ranges[i - 1] as ByteRange).end) return false;
  }
  return true;
}

function parseRangeSpec(text: string): RangeSpec | undefined {
  const dash = text.indexOf('-');
  if (dash < 0) return undefined;
  const firstText = text.slice(0, dash);
  const lastText = text.slice(dash + 1);
  if (firstText.length === 0) return isDigits(lastText) ? { suffix: Number(lastText) } : undefined;
  if (!isDigits(firstText)) return undefined;
  const first = Number(firstText);
  if (lastText.length === 0) return { first, last: undefined };
  if (!isDigits(lastText)) return undefined;
  const last = Number(lastText);
  return last < first ? undefined : { first, last };
}

function needsCoalescing(ranges: readonly ByteRange[]): boolean {
  if (ranges.length < 2) return false;
  const sorted = ranges.slice().sort(byStart);
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as ByteRange).start - (sorted[i - 1] as ByteRange).end <= COALESCE_GAP_BYTES) return true;
  }
  return false;
}

/** Overlapping and nearby ranges merged, ascending (RFC 9110 §15.3.7.2: "regardless of the order"). */
function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.slice().sort(byStart);
  const merged: ByteRange[] = [];
  let current = sorted[0] as ByteRange;
  for (let i = 1; i < sorted.length; i++) {
    const next = sorted[i] as ByteRange;
    if (next.start - current.end <= COALESCE_GAP_BYTES) current = { start: current.start, end: Math.max(current.end, next.end) };
    else {
      merged.push(current);
      current = next;
    }
  }
  merged.push(current);
  return merged;
}

function byStart(a: ByteRange, b: ByteRange): number {
  return a.start - b.start;
}
