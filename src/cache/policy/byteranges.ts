import { formatContentRange, type ByteRange } from './range.ts';

/** A piece of a 206 body in the order it is sent: multipart framing, or a range of the representation's bytes. */
export type BodySegment = Buffer | ByteRange;

/** The head fields and body of a 206 (RFC 9110 §15.3.7). */
export interface PartialLayout {
  /** `Content-Range` of a single part; undefined for multipart, which must not carry one in its head (§15.3.7.2). */
  readonly contentRange: string | undefined;
  /** `multipart/byteranges; boundary=…` for several parts; undefined keeps the representation's Content-Type. */
  readonly contentType: string | undefined;
  /** Bytes of the 206 content, framing included. */
  readonly contentLength: number;
  readonly segments: readonly BodySegment[];
}

/**
 * Lays out a 206 for `ranges` of a representation of `length` bytes: one range is the bytes themselves
 * with `Content-Range` (§15.3.7.1); several are a `multipart/byteranges` body (§14.6), each part with the
 * representation's Content-Type and its own Content-Range, in the order given. `boundary` must not occur
 * in the content: callers use a random one.
 */
export function layoutPartial(
  ranges: readonly ByteRange[],
  length: number,
  contentType: string | undefined,
  boundary: string,
): PartialLayout {
  const only = ranges.length === 1 ? ranges[0] : undefined;
  if (only !== undefined) {
    return {
      contentRange: formatContentRange(only, length),
      contentType: undefined,
      contentLength: only.end - only.start + 1,
      segments: [only],
    };
  }
  const typeLine = contentType === undefined ? '' : `content-type: ${contentType}\r\n`;
  const segments: BodySegment[] = [];
  let contentLength = 0;
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i] as ByteRange;
    // The first boundary needs no CRLF before it; every later one ends the part before (RFC 2046 §5.1.1).
    const head = Buffer.from(
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\n${typeLine}content-range: ${formatContentRange(range, length)}\r\n\r\n`,
    );
    segments.push(head, range);
    contentLength += head.length + range.end - range.start + 1;
  }
  const closing = Buffer.from(`\r\n--${boundary}--\r\n`);
  segments.push(closing);
  contentLength += closing.length;
  return { contentRange: undefined, contentType: `multipart/byteranges; boundary=${boundary}`, contentLength, segments };
}
