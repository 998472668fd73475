import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEntityTag, isStrongMatch, isWeakMatch, parseEntityTag, parseEntityTagList } from '../../../../src/cache/policy/etag.ts';

// RFC 9110 §8.8.3.2, the comparison table.
const comparisonCases: { a: string; b: string; strong: boolean; weak: boolean }[] = [
  { a: 'W/"1"', b: 'W/"1"', strong: false, weak: true },
  { a: 'W/"1"', b: 'W/"2"', strong: false, weak: false },
  { a: 'W/"1"', b: '"1"', strong: false, weak: true },
  { a: '"1"', b: '"1"', strong: true, weak: true },
];

for (const { a, b, strong, weak } of comparisonCases) {
  test(`isStrongMatch / isWeakMatch: RFC 9110 §8.8.3.2: ${a} vs ${b}`, () => {
    const left = parseEntityTag(a);
    const right = parseEntityTag(b);
    assert.ok(left !== undefined && right !== undefined);
    assert.equal(isStrongMatch(left, right), strong);
    assert.equal(isWeakMatch(left, right), weak);
  });
}

test('parseEntityTag: RFC 9110 §8.8.3: weak prefix is case-sensitive; unquoted values are kept as opaque strong tags', () => {
  assert.deepEqual(parseEntityTag(' W/"x" '), { weak: true, opaque: '"x"' });
  assert.deepEqual(parseEntityTag('w/"x"'), { weak: false, opaque: 'w/"x"' });
  assert.deepEqual(parseEntityTag('abc'), { weak: false, opaque: 'abc' });
  assert.deepEqual(parseEntityTag('""'), { weak: false, opaque: '""' });
  assert.equal(parseEntityTag(''), undefined);
  assert.equal(parseEntityTag(undefined), undefined);
});

test('parseEntityTagList: RFC 9110 §13.1.2: "*" or a list of entity-tags', () => {
  assert.equal(parseEntityTagList('*'), '*');
  const list = parseEntityTagList('"a", W/"b"');
  assert.ok(list !== '*');
  assert.deepEqual(list.map(formatEntityTag), ['"a"', 'W/"b"']);
  const lines = parseEntityTagList(['"a"', '"b,c"']);
  assert.ok(lines !== '*');
  assert.deepEqual(lines.map(formatEntityTag), ['"a"', '"b,c"']);
  assert.deepEqual(parseEntityTagList(undefined), []);
});
