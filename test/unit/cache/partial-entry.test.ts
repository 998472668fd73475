import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPartialEntry, findStoredPartial } from '../../../src/cache/partial-entry.ts';
import { PARTIAL_VARIANT_SUFFIX } from '../../../src/cache/policy/partial-content.ts';
import type { StoredHeaders } from '../../../src/cache/policy/entry.ts';
import type { BufferedEntry } from '../../../src/cache/store/types.ts';
import { createEntryMeta } from './policy/fixtures.ts';

// What is stored for a new 206 next to the stored partial (RFC 9111 §3.3, §3.4).

const LENGTH = 20;
const WHOLE = Buffer.from('abcdefghijklmnopqrst');

/** A stored partial of WHOLE[start..end], its body cut into `chunkSize`-byte chunks. */
function partial(start: number, end: number, extra: Record<string, string> = {}, chunkSize = 3): BufferedEntry {
  const bytes = WHOLE.subarray(start, end + 1);
  const body: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) body.push(ownBuffer(bytes.subarray(i, i + chunkSize)));
  const meta = createEntryMeta({
    status: 206,
    variantKey: PARTIAL_VARIANT_SUFFIX,
    headers: {
      etag: '"v1"',
      'content-range': `bytes ${start}-${end}/${LENGTH}`,
      'content-length': String(end - start + 1),
      ...extra,
    } as StoredHeaders,
    partial: { start, end, completeLength: LENGTH },
    size: end - start + 1,
  });
  return { meta, body };
}

const text = (entry: BufferedEntry): string => Buffer.concat(entry.body).toString();

/** A copy in memory of its own (Buffer.from may share a pool with other small buffers). */
function ownBuffer(bytes: Buffer): Buffer {
  const own = Buffer.alloc(bytes.length);
  bytes.copy(own);
  return own;
}

function isViewInto(chunk: Buffer, source: Buffer): boolean {
  return (
    chunk.buffer === source.buffer &&
    chunk.byteOffset >= source.byteOffset &&
    chunk.byteOffset + chunk.length <= source.byteOffset + source.length
  );
}

test('nothing stored: the new partial is stored as it is', () => {
  const newer = partial(2, 5);
  assert.equal(buildPartialEntry(undefined, newer, 100), newer);
});

test('RFC 9111 §3.4: adjacent ranges with the same strong ETag become one partial; its fields say so', () => {
  const older = partial(0, 4);
  const newer = partial(5, 9, { 'x-version': 'newer' });
  const combined = buildPartialEntry(older, newer, 100);
  assert.equal(text(combined), 'abcdefghij');
  assert.deepEqual(combined.meta.partial, { start: 0, end: 9, completeLength: LENGTH });
  assert.equal(combined.meta.size, 10);
  assert.equal(combined.meta.headers['content-range'], 'bytes 0-9/20');
  assert.equal(combined.meta.headers['content-length'], '10');
  assert.equal(combined.meta.headers['x-version'], 'newer', 'the fields of the newer response (§3.4)');
  assert.equal(combined.meta.variantKey, PARTIAL_VARIANT_SUFFIX);
  assert.ok(Object.isFrozen(combined.meta));
});

test('RFC 9111 §3.4: overlapping ranges: the new bytes win; the old body is sliced, never copied', () => {
  const older = partial(0, 11);
  const replacement = ownBuffer(Buffer.from('XYZ'));
  const newer: BufferedEntry = { meta: partial(4, 6).meta, body: [replacement] };
  const combined = buildPartialEntry(older, newer, 100);
  assert.equal(text(combined), 'abcdXYZhijkl');
  // Each chunk of the result shares memory with a chunk of one of the two bodies.
  const sources = [...older.body, replacement];
  for (const chunk of combined.body) {
    assert.ok(
      sources.some((source) => isViewInto(chunk, source)),
      'a view into a stored chunk',
    );
  }
});

test('RFC 9111 §3.4: another ETag or a gap replaces the stored partial', () => {
  const older = partial(0, 4);
  const other = partial(5, 9, { etag: '"v2"' });
  assert.equal(buildPartialEntry(older, other, 100), other);
  const apart = partial(7, 9);
  assert.equal(buildPartialEntry(older, apart, 100), apart);
});

test('RFC 9111 §3.4: a union larger than maxObjectBytes is not kept: the new partial replaces the old', () => {
  const newer = partial(5, 9);
  assert.equal(buildPartialEntry(partial(0, 4), newer, 9), newer);
});

test('RFC 9111 §3.3: a union holding every byte is the complete 200, under the variant key itself', () => {
  const complete = buildPartialEntry(partial(0, 11), partial(10, 19), 100);
  assert.equal(text(complete), WHOLE.toString());
  assert.equal(complete.meta.status, 200);
  assert.equal(complete.meta.partial, undefined);
  assert.equal('partial' in complete.meta, false);
  assert.equal(complete.meta.variantKey, '');
  assert.equal(complete.meta.size, LENGTH);
  assert.equal(complete.meta.headers['content-length'], String(LENGTH));
  assert.equal(complete.meta.headers['content-range'], undefined);
  assert.equal(complete.meta.headers['etag'], '"v1"');
});

test('a single 206 holding every byte is stored as the complete 200', () => {
  const complete = buildPartialEntry(undefined, partial(0, 19), 100);
  assert.equal(complete.meta.status, 200);
  assert.equal(complete.meta.partial, undefined);
  assert.equal(text(complete), WHOLE.toString());
});

test('findStoredPartial: the partial of the given variant, never a complete entry', () => {
  const complete: BufferedEntry = { meta: createEntryMeta(), body: [] };
  const stored = partial(0, 4);
  assert.equal(findStoredPartial([complete, stored], PARTIAL_VARIANT_SUFFIX), stored);
  assert.equal(findStoredPartial([complete], PARTIAL_VARIANT_SUFFIX), undefined);
  assert.equal(findStoredPartial([stored], `en${PARTIAL_VARIANT_SUFFIX}`), undefined);
  assert.equal(findStoredPartial(undefined, PARTIAL_VARIANT_SUFFIX), undefined);
});
