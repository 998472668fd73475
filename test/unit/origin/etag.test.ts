import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isStrongMatch, isWeakMatch, parseETag, parseETagList, strongETag, weakETag } from '../../../src/origin/index.ts';

test('§8.8.3 strongETag: quoted base64url SHA-256 of the bytes, same for string, Buffer and Uint8Array', () => {
  const expected = `"${createHash('sha256').update('hello').digest('base64url')}"`;
  assert.equal(strongETag('hello'), expected);
  assert.equal(strongETag(Buffer.from('hello')), expected);
  assert.equal(strongETag(new TextEncoder().encode('hello')), expected);
  assert.match(strongETag(''), /^"[A-Za-z0-9_-]{43}"$/);
  assert.notEqual(strongETag('hello'), strongETag('hello!'));
  assert.deepEqual(parseETag(strongETag('x')), { weak: false, opaque: strongETag('x') });
});

const weakRows: Array<[string | number, string]> = [
  [42, 'W/"42"'],
  [0, 'W/"0"'],
  ['2026-01-a', 'W/"2026-01-a"'],
  ['a,b', 'W/"a,b"'],
];
for (const [version, expected] of weakRows) {
  test(`§8.8.1 weakETag(${JSON.stringify(version)}) is ${expected}`, () => assert.equal(weakETag(version), expected));
}

const badVersions: Array<string | number> = ['', 'has space', 'quo"te', 'tab\t', 'nl\n', Number.NaN, Number.POSITIVE_INFINITY];
for (const version of badVersions) {
  test(`§8.8.3 weakETag refuses ${JSON.stringify(String(version))} (not etagc)`, () => assert.throws(() => weakETag(version), TypeError));
}

const listRows: Array<[string | undefined, ReturnType<typeof parseETagList>]> = [
  [undefined, { any: false, tags: [] }],
  ['', { any: false, tags: [] }],
  ['*', { any: true, tags: [] }],
  [' * ', { any: true, tags: [] }],
  ['"a"', { any: false, tags: [{ weak: false, opaque: '"a"' }] }],
  ['W/"a"', { any: false, tags: [{ weak: true, opaque: '"a"' }] }],
  [
    '"a", W/"b" ,"c"',
    {
      any: false,
      tags: [
        { weak: false, opaque: '"a"' },
        { weak: true, opaque: '"b"' },
        { weak: false, opaque: '"c"' },
      ],
    },
  ],
  [
    '"a,b", "c"',
    {
      any: false,
      tags: [
        { weak: false, opaque: '"a,b"' },
        { weak: false, opaque: '"c"' },
      ],
    },
  ],
  [
    '"", ,"x"',
    {
      any: false,
      tags: [
        { weak: false, opaque: '""' },
        { weak: false, opaque: '"x"' },
      ],
    },
  ],
  ['abc, "ok"', { any: false, tags: [{ weak: false, opaque: '"ok"' }] }],
  ['*, "a"', { any: false, tags: [{ weak: false, opaque: '"a"' }] }],
  ['"a" junk, "b"', { any: false, tags: [{ weak: false, opaque: '"b"' }] }],
  ['w/"a"', { any: false, tags: [] }],
  ['"unterminated', { any: false, tags: [] }],
  ['"sp ace"', { any: false, tags: [] }],
];
for (const [value, expected] of listRows) {
  test(`§13.1.1/§8.8.3 parseETagList(${JSON.stringify(value)})`, () => assert.deepEqual(parseETagList(value), expected));
}

const compareRows: Array<[string, string, boolean, boolean]> = [
  // RFC 9110 §8.8.3.2 table: ETag 1, ETag 2, strong, weak
  ['W/"1"', 'W/"1"', false, true],
  ['W/"1"', 'W/"2"', false, false],
  ['W/"1"', '"1"', false, true],
  ['"1"', '"1"', true, true],
  ['"1"', ' "1" ', true, true],
  ['1', '1', false, false],
  ['"1", "2"', '"1"', false, false],
];
for (const [a, b, strong, weak] of compareRows) {
  test(`§8.8.3.2 compare ${a} with ${b}: strong ${strong}, weak ${weak}`, () => {
    assert.equal(isStrongMatch(a, b), strong);
    assert.equal(isWeakMatch(a, b), weak);
  });
}
