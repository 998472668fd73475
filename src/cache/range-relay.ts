import { Transform, type Readable } from 'node:stream';
import type { Exchange } from '../forward/exchange.ts';
import type { Forwarder } from '../forward/forwarder.ts';
import type { UpstreamResponse } from '../forward/upstream-request.ts';
import { parseContentLength, readFirstLine } from './policy/headers.ts';
import { evaluateRange, isAscending } from './policy/range.ts';
import { layoutPartial, type BodySegment } from './policy/byteranges.ts';
import { createBoundary, sendUnsatisfiable } from './serve-range.ts';

/**
 * Relays an origin response the cache does not keep (not storable, too large) to a client that may have
 * asked for ranges of it. The cache asked the origin for the whole response, so the client's Range is
 * answered here from the stream as it arrives (RFC 9110 §14.2): bytes before a range are skipped, and
 * the origin's body is dropped once the last range is sent. Only a 200 with a Content-Length can be
 * sliced this way, and only ranges in ascending order; anything else is relayed whole (ignoring Range
 * is always allowed, §14.2).
 */
export function relayWithRange(forwarder: Forwarder, ex: Exchange, upstream: UpstreamResponse, cacheStatus: string): void {
  if (ex.req.headers.range === undefined || upstream.status !== 200) return forwarder.relay(ex, upstream, cacheStatus);
  const length = parseContentLength(readFirstLine(upstream.headers['content-length']));
  if (length === undefined) return forwarder.relay(ex, upstream, cacheStatus);
  const answer = evaluateRange(ex.method, ex.req.headers, upstream.status, upstream.headers, length);
  if (answer.kind === 'full' || (answer.kind === 'partial' && !isAscending(answer.ranges)))
    return forwarder.relay(ex, upstream, cacheStatus);
  if (answer.kind === 'unsatisfiable') {
    dropBody(upstream.body);
    return sendUnsatisfiable(ex, length, cacheStatus);
  }
  const layout = layoutPartial(answer.ranges, length, readFirstLine(upstream.headers['content-type']), createBoundary());
  const headers = { ...upstream.headers };
  delete headers['content-range'];
  if (layout.contentRange !== undefined) headers['content-range'] = layout.contentRange;
  if (layout.contentType !== undefined) headers['content-type'] = layout.contentType;
  headers['content-length'] = String(layout.contentLength);
  // The forwarder relays any readable body; this one carries only the ranges of the origin's.
  const body = sliceStream(upstream.body, layout.segments) as unknown as UpstreamResponse['body'];
  forwarder.relay(ex, { ...upstream, status: 206, headers, body }, cacheStatus);
}

/**
 * A stream of `segments` (ascending byte ranges and framing) read from `source` in one pass. It ends once
 * the last segment is written and then drops the rest of `source`; closing it early drops `source` too.
 */
function sliceStream(source: Readable, segments: readonly BodySegment[]): Transform {
  let index = 0;
  let offset = 0;
  let complete = false;
  const sliced = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const chunkStart = offset;
      offset += chunk.length;
      while (index < segments.length) {
        const segment = segments[index] as BodySegment;
        if (Buffer.isBuffer(segment)) {
          this.push(segment);
          index++;
          continue;
        }
        if (segment.start >= offset) break;
        this.push(chunk.subarray(Math.max(0, segment.start - chunkStart), Math.min(chunk.length, segment.end + 1 - chunkStart)));
        if (segment.end >= offset) break;
        index++;
      }
      callback();
      if (index === segments.length && !complete) {
        complete = true;
        source.unpipe(sliced);
        sliced.end();
      }
    },
    flush(callback) {
      // The origin's body ended before the last range: the client must not take this for a complete answer.
      callback(index === segments.length ? null : new Error('the response ended before the requested ranges'));
    },
  });
  source.on('error', (err) => {
    if (!complete) sliced.destroy(err);
  });
  sliced.on('close', () => dropBody(source));
  source.pipe(sliced);
  return sliced;
}

function dropBody(body: Readable): void {
  body.on('error', () => {});
  if (!body.readableEnded) body.destroy();
}
