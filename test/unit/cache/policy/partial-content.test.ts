import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PARTIAL_VARIANT_SUFFIX,
  isWholeRange,
  planCombination,
  readPartialContent,
  selectPartialRanges,
} from '../../../../src/cache/policy/partial-content.ts';
import { decidePartialStorability } from '../../../../src/cache/policy/storability.ts';
import { parseRequestDirectives, parseResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';
import type { PartialRange, StoredHeaders } from '../../../../src/cache/policy/entry.ts';
import { createEntryMeta, httpDate } from './fixtures.ts';

// Stored partial responses (RFC 9111 §3.3, §3.4; RFC 9110 §14.4, §15.3.7): pure rules.

const readCases: Array<[string, Record<string, string | string[]>, PartialRange | undefined]> = [
  ['one range of a known length', { 'content-range': 'bytes 0-99/1000' }, { start: 0, end: 99, completeLength: 1000 }],
  ['the unit is case-insensitive (§14.1)', { 'content-range': 'Bytes 10-19/20' }, { start: 10, end: 19, completeLength: 20 }],
  [
    'a Content-Length equal to the range',
    { 'content-range': 'bytes 5-9/10', 'content-length': '5' },
    { start: 5, end: 9, completeLength: 10 },
  ],
  ['a Content-Length that disagrees', { 'content-range': 'bytes 5-9/10', 'content-length': '6' }, undefined],
  ['an unknown complete length (*)', { 'content-range': 'bytes 0-99/*' }, undefined],
  ['last-pos below first-pos (§14.4: invalid)', { 'content-range': 'bytes 9-5/10' }, undefined],
  ['complete-length not above last-pos (§14.4: invalid)', { 'content-range': 'bytes 0-10/10' }, undefined],
  ['an unsatisfied-range', { 'content-range': 'bytes */10' }, undefined],
  ['another unit', { 'content-range': 'items 0-1/2' }, undefined],
  ['two Content-Range lines', { 'content-range': ['bytes 0-1/2', 'bytes 0-1/2'] }, undefined],
  ['no Content-Range', {}, undefined],
  [
    'a multipart/byteranges body (§15.3.7.2)',
    { 'content-range': 'bytes 0-1/2', 'content-type': 'multipart/byteranges; boundary=x' },
    undefined,
  ],
];

for (const [name, headers, expected] of readCases) {
  test(`readPartialContent: RFC 9110 §14.4, §15.3.7: ${name}`, () => {
    assert.deepEqual(readPartialContent(headers), expected);
  });
}

const storeCases: Array<[string, Record<string, string>, string]> = [
  ['a single part with a strong ETag', { 'content-range': 'bytes 0-99/1000', etag: '"v1"', 'cache-control': 'max-age=60' }, 'stored'],
  ['a weak ETag (§3.4 combines only with strong validators)', { 'content-range': 'bytes 0-99/1000', etag: 'W/"v1"' }, 'weak-validator'],
  ['no ETag', { 'content-range': 'bytes 0-99/1000', 'last-modified': httpDate(-3600) }, 'weak-validator'],
  ['multipart', { 'content-type': 'multipart/byteranges; boundary=b', etag: '"v1"' }, 'content-range'],
  ['a range larger than maxObjectBytes', { 'content-range': 'bytes 0-500/1000', etag: '"v1"' }, 'too-large'],
  ['no-store (§3)', { 'content-range': 'bytes 0-99/1000', etag: '"v1"', 'cache-control': 'no-store' }, 'no-store'],
  ['private (§3.5)', { 'content-range': 'bytes 0-99/1000', etag: '"v1"', 'cache-control': 'private' }, 'private'],
];

for (const [name, headers, expected] of storeCases) {
  test(`decidePartialStorability: RFC 9111 §3.3: ${name}`, () => {
    const decision = decidePartialStorability(
      {
        method: 'GET',
        status: 206,
        requestDirectives: parseRequestDirectives({}),
        hasAuthorization: false,
        directives: parseResponseDirectives(headers['cache-control']),
        headers,
      },
      200,
    );
    assert.equal(decision.storable ? 'stored' : decision.reason, expected);
  });
}

test('decidePartialStorability: RFC 9111 §3.3: only a 206 to a GET', () => {
  const base = {
    requestDirectives: parseRequestDirectives({}),
    hasAuthorization: false,
    directives: parseResponseDirectives('max-age=60'),
    headers: { 'content-range': 'bytes 0-9/20', etag: '"v1"' },
  };
  assert.deepEqual(decidePartialStorability({ ...base, method: 'GET', status: 200 }, 100), { storable: false, reason: 'status' });
  assert.deepEqual(decidePartialStorability({ ...base, method: 'HEAD', status: 206 }, 100), { storable: false, reason: 'method' });
  assert.deepEqual(decidePartialStorability({ ...base, method: 'GET', status: 206 }, 100), {
    storable: true,
    range: { start: 0, end: 9, completeLength: 20 },
  });
});

function partialMeta(start: number, end: number, etag = '"v1"', completeLength = 1000) {
  return createEntryMeta({
    status: 206,
    variantKey: PARTIAL_VARIANT_SUFFIX,
    headers: { etag, 'content-range': `bytes ${start}-${end}/${completeLength}` } as StoredHeaders,
    partial: { start, end, completeLength },
    size: end - start + 1,
  });
}

const combineCases: Array<[string, ReturnType<typeof partialMeta> | undefined, ReturnType<typeof partialMeta>, unknown]> = [
  ['nothing stored: the new one alone', undefined, partialMeta(0, 99), { kind: 'replace' }],
  [
    'adjacent, new after old',
    partialMeta(0, 99),
    partialMeta(100, 199),
    { kind: 'combine', range: { start: 0, end: 199, completeLength: 1000 }, before: { start: 0, end: 99 }, after: undefined },
  ],
  [
    'adjacent, new before old',
    partialMeta(100, 199),
    partialMeta(0, 99),
    { kind: 'combine', range: { start: 0, end: 199, completeLength: 1000 }, before: undefined, after: { start: 0, end: 99 } },
  ],
  [
    'overlapping: the new bytes win, the old ones around them stay',
    partialMeta(0, 199),
    partialMeta(50, 99),
    {
      kind: 'combine',
      range: { start: 0, end: 199, completeLength: 1000 },
      before: { start: 0, end: 49 },
      after: { start: 100, end: 199 },
    },
  ],
  [
    'the new range holds the old one',
    partialMeta(50, 99),
    partialMeta(0, 199),
    { kind: 'combine', range: { start: 0, end: 199, completeLength: 1000 }, before: undefined, after: undefined },
  ],
  ['a gap between them: replaced', partialMeta(0, 99), partialMeta(101, 199), { kind: 'replace' }],
  ['another strong ETag: replaced', partialMeta(0, 99), partialMeta(100, 199, '"v2"'), { kind: 'replace' }],
  ['a weak ETag on either: replaced', partialMeta(0, 99, 'W/"v1"'), partialMeta(100, 199), { kind: 'replace' }],
  ['another complete length: replaced', partialMeta(0, 99), partialMeta(100, 199, '"v1"', 2000), { kind: 'replace' }],
  ['a union past maxObjectBytes (300): replaced', partialMeta(0, 199), partialMeta(200, 399), { kind: 'replace' }],
];

for (const [name, older, newer, expected] of combineCases) {
  test(`planCombination: RFC 9111 §3.4: ${name}`, () => {
    assert.deepEqual(planCombination(older, newer, 300), expected);
  });
}

test('planCombination: a complete stored response is not combined with', () => {
  assert.deepEqual(planCombination(createEntryMeta({ headers: { etag: '"v1"' } }), partialMeta(0, 99), 300), { kind: 'replace' });
});

test('isWholeRange: every byte of the representation', () => {
  assert.equal(isWholeRange({ start: 0, end: 9, completeLength: 10 }), true);
  assert.equal(isWholeRange({ start: 1, end: 9, completeLength: 10 }), false);
  assert.equal(isWholeRange({ start: 0, end: 8, completeLength: 10 }), false);
});

const selectCases: Array<[string, Record<string, string>, Array<{ start: number; end: number }> | undefined]> = [
  ['a range it holds', { range: 'bytes=100-149' }, [{ start: 100, end: 149 }]],
  ['its first and last bytes', { range: 'bytes=100-199' }, [{ start: 100, end: 199 }]],
  [
    'several ranges it holds (multipart)',
    { range: 'bytes=100-109, 190-199' },
    [
      { start: 100, end: 109 },
      { start: 190, end: 199 },
    ],
  ],
  ['a range starting before it', { range: 'bytes=99-149' }, undefined],
  ['a range ending after it', { range: 'bytes=150-200' }, undefined],
  ['an open range (to the complete length)', { range: 'bytes=150-' }, undefined],
  ['a suffix range (resolved against the complete length)', { range: 'bytes=-10' }, undefined],
  ['one range held, another not', { range: 'bytes=100-109, 500-509' }, undefined],
  ['an unsatisfiable range (past the complete length)', { range: 'bytes=5000-' }, undefined],
  ['an invalid Range (ignored: the whole response is needed)', { range: 'bytes=9-1' }, undefined],
  ['If-Range with its strong ETag (§13.1.5)', { range: 'bytes=100-149', 'if-range': '"v1"' }, [{ start: 100, end: 149 }]],
  ['If-Range with another ETag', { range: 'bytes=100-149', 'if-range': '"v0"' }, undefined],
];

for (const [name, request, expected] of selectCases) {
  test(`selectPartialRanges: RFC 9111 §4, RFC 9110 §14.2: a partial holding 100-199 of 1000 bytes, ${name}`, () => {
    assert.deepEqual(selectPartialRanges(request, partialMeta(100, 199)), expected);
  });
}

test('selectPartialRanges: a complete stored response is not a partial one', () => {
  assert.equal(selectPartialRanges({ range: 'bytes=0-1' }, createEntryMeta()), undefined);
});
