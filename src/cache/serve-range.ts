import { randomBytes } from 'node:crypto';
import type { Exchange } from '../forward/exchange.ts';
import { sendProblem } from '../server/problem.ts';
import { abortResponse } from '../server/pipeline.ts';
import type { EntryMeta } from './policy/entry.ts';
import { parseContentLength, readFirstLine } from './policy/headers.ts';
import { formatUnsatisfiedRange, type RangeAnswer } from './policy/range.ts';
import { layoutPartial, type BodySegment } from './policy/byteranges.ts';
import { collectSegments } from './body-segments.ts';
import { GrowingBody } from './growing-body.ts';
import { writeChunks } from './write-chunks.ts';
import type { StoredBody } from './store/types.ts';
import { isRemoteBody } from './store/remote-body.ts';
import { streamRemoteBody } from './stream-remote.ts';

/** Fields of the whole response that describe its content as a whole; a 206 states its own (RFC 9110 §15.3.7). */
const WHOLE_CONTENT_FIELDS: ReadonlySet<string> = new Set(['content-length', 'content-range']);

/**
 * The representation's length in bytes: a stored body's size, a complete filling body's size, else the
 * Content-Length it is arriving with; undefined while a body without one is still arriving.
 */
export function representationLength(meta: EntryMeta, body: StoredBody | GrowingBody): number | undefined {
  if (!(body instanceof GrowingBody)) return meta.size;
  if (body.done) return body.size;
  return parseContentLength(readFirstLine(meta.headers['content-length']));
}

/**
 * Answers a Range request from a complete (stored) or arriving (filling) 200 response: 416 with the
 * length (RFC 9110 §15.5.17), or 206 with the ranges (§15.3.7), its body sliced out of the shared chunks
 * without copying them (from a body the shared tier holds, read as sent: only the chunks the ranges need).
 * `fields` are the whole response's fields as served (Age, Cache-Status and the rest),
 * so a range is labelled exactly as the hit or miss it comes from. A stored partial response holds the
 * representation from byte `offset` on: its ranges are sliced at their position less `offset`.
 */
export function servePartial(
  ex: Exchange,
  answer: Exclude<RangeAnswer, { kind: 'full' }>,
  length: number,
  fields: readonly string[],
  body: StoredBody | GrowingBody,
  cacheStatus: string,
  offset = 0,
): Promise<boolean> | boolean {
  const { res } = ex;
  if (answer.kind === 'unsatisfiable') {
    sendUnsatisfiable(ex, length, cacheStatus);
    return true;
  }
  const layout = layoutPartial(answer.ranges, length, readField(fields, 'content-type'), createBoundary());
  const head: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    if (WHOLE_CONTENT_FIELDS.has(name) || (layout.contentType !== undefined && name === 'content-type')) continue;
    head.push(name, fields[i + 1] as string);
  }
  if (layout.contentRange !== undefined) head.push('content-range', layout.contentRange);
  if (layout.contentType !== undefined) head.push('content-type', layout.contentType);
  head.push('content-length', String(layout.contentLength));
  res.writeHead(206, head);
  if (body instanceof GrowingBody) {
    if (!body.done) return body.pipeSegmentsTo(res, layout.segments, abortResponse);
    return writeChunks(res, collectSegments(body.chunks, layout.segments));
  }
  const segments = offset === 0 ? layout.segments : shiftSegments(layout.segments, offset);
  if (isRemoteBody(body)) return streamRemoteBody(res, body, segments);
  return writeChunks(res, collectSegments(body, segments));
}

function shiftSegments(segments: readonly BodySegment[], offset: number): BodySegment[] {
  return segments.map((segment) => (Buffer.isBuffer(segment) ? segment : { start: segment.start - offset, end: segment.end - offset }));
}

/** 416 for a Range none of whose ranges lies within the representation (RFC 9110 §14.2, §15.5.17). */
export function sendUnsatisfiable(ex: Exchange, length: number, cacheStatus: string): void {
  sendProblem(ex.res, 'CACHET_ERR_CACHE_RANGE_NOT_SATISFIABLE', `No requested range lies within the ${length} bytes of the response.`, {
    ...ex.cors,
    'content-range': formatUnsatisfiedRange(length),
    'cache-status': cacheStatus,
    'x-request-id': ex.requestId,
  });
}

/** A multipart boundary no body contains by chance (RFC 2046 §5.1.1: at most 70 characters). */
export function createBoundary(): string {
  return `cachet-${randomBytes(12).toString('hex')}`;
}

function readField(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === name) return fields[i + 1];
  }
  return undefined;
}
