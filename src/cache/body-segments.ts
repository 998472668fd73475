import type { BodySegment } from './policy/byteranges.ts';

/**
 * The buffers that send `segments` of a complete body held as `chunks`: framing as it is, each byte range
 * as views into the chunks that hold it (`subarray`), so no body byte is copied whatever the ranges.
 */
export function collectSegments(chunks: readonly Buffer[], segments: readonly BodySegment[]): Buffer[] {
  const out: Buffer[] = [];
  for (const segment of segments) {
    if (Buffer.isBuffer(segment)) {
      out.push(segment);
      continue;
    }
    let chunkStart = 0;
    for (const chunk of chunks) {
      const chunkEnd = chunkStart + chunk.length;
      if (chunkEnd > segment.start) {
        if (chunkStart > segment.end) break;
        out.push(chunk.subarray(Math.max(0, segment.start - chunkStart), Math.min(chunk.length, segment.end + 1 - chunkStart)));
      }
      chunkStart = chunkEnd;
    }
  }
  return out;
}
