import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COALESCE_GAP_BYTES,
  MAX_RANGE_PARTS,
  MAX_RANGE_SPECS,
  evaluateRange,
  formatContentRange,
  formatUnsatisfiedRange,
  isAscending,
  isIfRangeTrue,
  parseRange,
  resolveRanges,
  type RangeAnswer,
  type RangeSpec,
} from '../../../../src/cache/policy/range.ts';
import { layoutPartial } from '../../../../src/cache/policy/byteranges.ts';

const parseCases: { name: string; value: string | string[] | undefined; expected: RangeSpec[] | undefined }[] = [
  { name: 'RFC 9110 §14.1.2: an int-range', value: 'bytes=0-499', expected: [{ first: 0, last: 499 }] },
  { name: 'RFC 9110 §14.1.1: an int-range without last-pos', value: 'bytes=9500-', expected: [{ first: 9500, last: undefined }] },
  { name: 'RFC 9110 §14.1.1: a suffix-range', value: 'bytes=-500', expected: [{ suffix: 500 }] },
  {
    name: 'RFC 9110 §14.1.2: several ranges with OWS around the commas',
    value: 'bytes=0-0 ,\t-1',
    expected: [{ first: 0, last: 0 }, { suffix: 1 }],
  },
  { name: 'RFC 9110 §5.6.1: empty list members are skipped', value: 'bytes=,0-1,,', expected: [{ first: 0, last: 1 }] },
  { name: 'RFC 9110 §14.1: the unit is case-insensitive', value: 'Bytes=1-2', expected: [{ first: 1, last: 2 }] },
  { name: 'RFC 9110 §14.1.1: last-pos equal to first-pos', value: 'bytes=5-5', expected: [{ first: 5, last: 5 }] },
  { name: 'RFC 9110 §14.1.1: last-pos below first-pos is invalid', value: 'bytes=5-4', expected: undefined },
  { name: 'RFC 9110 §14.1.1: one invalid range-spec invalidates the set', value: 'bytes=0-1, x', expected: undefined },
  { name: 'RFC 9110 §14.2: another unit is ignored', value: 'items=0-1', expected: undefined },
  { name: 'RFC 9110 §14.1.1: no "="', value: 'bytes 0-1', expected: undefined },
  { name: 'RFC 9110 §14.1.1: no range-spec', value: 'bytes=', expected: undefined },
  { name: 'RFC 9110 §14.1.1: a bare dash', value: 'bytes=-', expected: undefined },
  { name: 'RFC 9110 §14.1.1: signs and spaces inside a range-spec', value: 'bytes=+1-2', expected: undefined },
  { name: 'RFC 9110 §14.1.1: whitespace around the dash', value: 'bytes=1 - 2', expected: undefined },
  { name: 'RFC 9110 §14.1.1: two dashes', value: 'bytes=1-2-3', expected: undefined },
  { name: 'RFC 9110 §14.1.1: OWS before "=" is not allowed', value: 'bytes =0-1', expected: undefined },
  { name: 'RFC 9110 §14.2: Range on two field lines is not one ranges-specifier', value: ['bytes=0-1', 'bytes=2-3'], expected: undefined },
  { name: 'no Range', value: undefined, expected: undefined },
];

for (const { name, value, expected } of parseCases) {
  test(`parseRange: ${name}`, () => {
    assert.deepEqual(parseRange(value), expected);
  });
}

test('parseRange: RFC 9110 §14.1.2: numerals past 2^53 parse without overflow and keep their order', () => {
  const [spec] = parseRange('bytes=99999999999999999999-999999999999999999999') ?? [];
  assert.ok(spec !== undefined && 'first' in spec && spec.last !== undefined);
  assert.ok(spec.first > Number.MAX_SAFE_INTEGER && spec.last > spec.first);
  assert.equal(parseRange('bytes=999999999999999999999-99999999999999999999'), undefined);
});

test(`parseRange: RFC 9110 §17.15: more than ${MAX_RANGE_SPECS} range-specs are ignored`, () => {
  const specs = (count: number): string => `bytes=${Array.from({ length: count }, (_, i) => `${i}-${i}`).join(',')}`;
  assert.equal(parseRange(specs(MAX_RANGE_SPECS))?.length, MAX_RANGE_SPECS);
  assert.equal(parseRange(specs(MAX_RANGE_SPECS + 1)), undefined);
});

const partial = (...ranges: [number, number][]): RangeAnswer => ({
  kind: 'partial',
  ranges: ranges.map(([start, end]) => ({ start, end })),
});

const resolveCases: { name: string; range: string; length: number; expected: RangeAnswer }[] = [
  { name: 'RFC 9110 §14.1.2: the first 500 bytes', range: 'bytes=0-499', length: 10000, expected: partial([0, 499]) },
  { name: 'RFC 9110 §14.1.2: the final 500 bytes (suffix)', range: 'bytes=-500', length: 10000, expected: partial([9500, 9999]) },
  { name: 'RFC 9110 §14.1.2: the final 500 bytes (open)', range: 'bytes=9500-', length: 10000, expected: partial([9500, 9999]) },
  { name: 'RFC 9110 §14.1.2: last-pos past the end is clamped', range: 'bytes=9990-20000', length: 10000, expected: partial([9990, 9999]) },
  { name: 'RFC 9110 §14.1.2: a suffix longer than the body is all of it', range: 'bytes=-20000', length: 100, expected: partial([0, 99]) },
  {
    name: 'RFC 9110 §14.1.2: first-pos at the length is unsatisfiable',
    range: 'bytes=100-',
    length: 100,
    expected: { kind: 'unsatisfiable' },
  },
  { name: 'RFC 9110 §14.1.2: a zero suffix is unsatisfiable', range: 'bytes=-0', length: 100, expected: { kind: 'unsatisfiable' } },
  {
    name: 'RFC 9110 §14.1.1: one satisfiable range-spec makes the set satisfiable; the others are dropped',
    range: 'bytes=500-600, 0-9',
    length: 100,
    expected: partial([0, 9]),
  },
  {
    name: 'RFC 9110 §15.3.7.2: the first, middle and last 1000 bytes stay in the requested order',
    range: 'bytes=4500-5499,-1000,0-999',
    length: 10000,
    expected: partial([4500, 5499], [9000, 9999], [0, 999]),
  },
  {
    name: 'RFC 9110 §17.15: overlapping ranges are merged (ascending)',
    range: 'bytes=500-700,0-99,50-600',
    length: 10000,
    expected: partial([0, 700]),
  },
  {
    name: `RFC 9110 §15.3.7.2: ranges closer than ${COALESCE_GAP_BYTES} bytes are merged, farther ones are not`,
    range: `bytes=1000-1099,0-99,${99 + COALESCE_GAP_BYTES}-199`,
    length: 10000,
    expected: partial([0, 199], [1000, 1099]),
  },
  {
    name: `RFC 9110 §15.3.7.2: ranges ${COALESCE_GAP_BYTES} bytes apart stay separate parts`,
    range: `bytes=0-99,${100 + COALESCE_GAP_BYTES}-199`,
    length: 10000,
    expected: partial([0, 99], [100 + COALESCE_GAP_BYTES, 199]),
  },
  { name: 'RFC 9110 §14.2: a zero-length representation ignores Range', range: 'bytes=-1', length: 0, expected: { kind: 'full' } },
];

for (const { name, range, length, expected } of resolveCases) {
  test(`resolveRanges: ${name}`, () => {
    const specs = parseRange(range);
    assert.ok(specs !== undefined);
    assert.deepEqual(resolveRanges(specs, length), expected);
  });
}

test(`resolveRanges: RFC 9110 §17.15: more than ${MAX_RANGE_PARTS} parts after merging send the whole representation`, () => {
  const spaced = (count: number): RangeSpec[] => Array.from({ length: count }, (_, i) => ({ first: i * 1000, last: i * 1000 }));
  const allowed = resolveRanges(spaced(MAX_RANGE_PARTS), 1_000_000);
  assert.equal(allowed.kind === 'partial' && allowed.ranges.length, MAX_RANGE_PARTS);
  assert.deepEqual(resolveRanges(spaced(MAX_RANGE_PARTS + 1), 1_000_000), { kind: 'full' });
  // Many overlapping ranges merge into one part: no byte is sent twice, so they cost nothing extra.
  const overlapping = Array.from({ length: MAX_RANGE_SPECS }, () => ({ first: 0, last: 999_999 }));
  assert.deepEqual(resolveRanges(overlapping, 1_000_000), partial([0, 999_999]));
});

const LAST_MODIFIED = 'Mon, 01 Jan 2024 00:00:00 GMT';
const ONE_SECOND_LATER = 'Mon, 01 Jan 2024 00:00:01 GMT';

const ifRangeCases: { name: string; ifRange: string | string[] | undefined; response: Record<string, string>; expected: boolean }[] = [
  { name: 'no If-Range', ifRange: undefined, response: {}, expected: true },
  { name: 'the same strong entity-tag', ifRange: '"a"', response: { etag: '"a"' }, expected: true },
  { name: 'another entity-tag', ifRange: '"b"', response: { etag: '"a"' }, expected: false },
  { name: 'a weak entity-tag never matches (strong comparison)', ifRange: 'W/"a"', response: { etag: 'W/"a"' }, expected: false },
  { name: 'a strong tag against a stored weak one', ifRange: '"a"', response: { etag: 'W/"a"' }, expected: false },
  { name: 'an entity-tag with no stored ETag', ifRange: '"a"', response: {}, expected: false },
  {
    name: 'the Last-Modified date, strong because Date is 1 s later (§8.8.2.2)',
    ifRange: LAST_MODIFIED,
    response: { 'last-modified': LAST_MODIFIED, date: ONE_SECOND_LATER },
    expected: true,
  },
  {
    name: 'the Last-Modified date, weak because Date equals it',
    ifRange: LAST_MODIFIED,
    response: { 'last-modified': LAST_MODIFIED, date: LAST_MODIFIED },
    expected: false,
  },
  {
    name: 'the Last-Modified date, with no Date to tell it is strong',
    ifRange: LAST_MODIFIED,
    response: { 'last-modified': LAST_MODIFIED },
    expected: false,
  },
  {
    name: 'a later date (exact match, not "earlier than")',
    ifRange: ONE_SECOND_LATER,
    response: { 'last-modified': LAST_MODIFIED, date: 'Tue, 02 Jan 2024 00:00:00 GMT' },
    expected: false,
  },
  {
    name: 'the same instant in the obsolete RFC 850 format',
    ifRange: 'Monday, 01-Jan-24 00:00:00 GMT',
    response: { 'last-modified': LAST_MODIFIED, date: ONE_SECOND_LATER },
    expected: true,
  },
  { name: 'a date with no Last-Modified', ifRange: LAST_MODIFIED, response: { etag: '"a"', date: ONE_SECOND_LATER }, expected: false },
  { name: 'neither an entity-tag nor a date', ifRange: 'yesterday', response: { etag: '"a"' }, expected: false },
  { name: 'an unquoted ETag echoed back as sent', ifRange: 'abc', response: { etag: 'abc' }, expected: true },
  { name: 'If-Range on two field lines', ifRange: ['"a"', '"a"'], response: { etag: '"a"' }, expected: false },
];

for (const { name, ifRange, response, expected } of ifRangeCases) {
  test(`isIfRangeTrue: RFC 9110 §13.1.5: ${name}`, () => {
    assert.equal(isIfRangeTrue(ifRange, response), expected);
  });
}

test('evaluateRange: RFC 9110 §14.2: GET only, a 200 only, If-Range false or Range invalid means the whole representation', () => {
  const response = { etag: '"a"' };
  assert.deepEqual(evaluateRange('GET', { range: 'bytes=0-0' }, 200, response, 10), partial([0, 0]));
  assert.deepEqual(evaluateRange('HEAD', { range: 'bytes=0-0' }, 200, response, 10), { kind: 'full' });
  assert.deepEqual(evaluateRange('GET', { range: 'bytes=0-0' }, 404, response, 10), { kind: 'full' });
  assert.deepEqual(evaluateRange('GET', { range: 'bytes=0-0', 'if-range': '"b"' }, 200, response, 10), { kind: 'full' });
  assert.deepEqual(evaluateRange('GET', { range: 'bytes=0-0', 'if-range': '"a"' }, 200, response, 10), partial([0, 0]));
  assert.deepEqual(evaluateRange('GET', { range: 'bytes=9-0' }, 200, response, 10), { kind: 'full' });
  assert.deepEqual(evaluateRange('GET', { range: 'bytes=10-' }, 200, response, 10), { kind: 'unsatisfiable' });
  assert.deepEqual(evaluateRange('GET', {}, 200, response, 10), { kind: 'full' });
});

test('formatContentRange / formatUnsatisfiedRange: RFC 9110 §14.4', () => {
  assert.equal(formatContentRange({ start: 42, end: 1233 }, 1234), 'bytes 42-1233/1234');
  assert.equal(formatUnsatisfiedRange(47022), 'bytes */47022');
});

test('isAscending: ranges a forward-only stream can answer', () => {
  assert.equal(isAscending([{ start: 0, end: 9 }]), true);
  assert.equal(
    isAscending([
      { start: 0, end: 9 },
      { start: 10, end: 19 },
    ]),
    true,
  );
  assert.equal(
    isAscending([
      { start: 10, end: 19 },
      { start: 0, end: 9 },
    ]),
    false,
  );
  assert.equal(
    isAscending([
      { start: 0, end: 9 },
      { start: 9, end: 19 },
    ]),
    false,
  );
});

test('layoutPartial: RFC 9110 §15.3.7.1: one range is the bytes themselves with Content-Range', () => {
  const layout = layoutPartial([{ start: 21010, end: 47021 }], 47022, 'image/gif', 'B');
  assert.equal(layout.contentRange, 'bytes 21010-47021/47022');
  assert.equal(layout.contentType, undefined);
  assert.equal(layout.contentLength, 26012);
  assert.deepEqual(layout.segments, [{ start: 21010, end: 47021 }]);
});

test('layoutPartial: RFC 9110 §14.6, §15.3.7.2: several ranges are multipart/byteranges parts, each typed and ranged', () => {
  const body = Buffer.from('0123456789');
  const layout = layoutPartial(
    [
      { start: 5, end: 6 },
      { start: 0, end: 1 },
    ],
    10,
    'text/plain',
    'SEP',
  );
  assert.equal(layout.contentRange, undefined);
  assert.equal(layout.contentType, 'multipart/byteranges; boundary=SEP');
  const text = layout.segments.map((s) => (Buffer.isBuffer(s) ? s.toString() : body.subarray(s.start, s.end + 1).toString())).join('');
  assert.equal(
    text,
    '--SEP\r\ncontent-type: text/plain\r\ncontent-range: bytes 5-6/10\r\n\r\n56' +
      '\r\n--SEP\r\ncontent-type: text/plain\r\ncontent-range: bytes 0-1/10\r\n\r\n01' +
      '\r\n--SEP--\r\n',
  );
  assert.equal(layout.contentLength, Buffer.byteLength(text));
  const untyped = layoutPartial(
    [
      { start: 0, end: 0 },
      { start: 9, end: 9 },
    ],
    10,
    undefined,
    'SEP',
  );
  assert.ok(!untyped.segments.some((s) => Buffer.isBuffer(s) && s.toString().includes('content-type')));
});
