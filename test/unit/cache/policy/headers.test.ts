import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isToken, joinFieldLines, readFirstLine, splitList } from '../../../../src/cache/policy/headers.ts';

const listCases: { name: string; value: string; expected: string[] }[] = [
  { name: 'RFC 9110 §5.6.1: members separated by commas and OWS', value: 'a, b ,c', expected: ['a', 'b', 'c'] },
  { name: 'RFC 9110 §5.6.1.2: empty members are ignored', value: ' , a,, ,b, ', expected: ['a', 'b'] },
  { name: 'RFC 9110 §5.6.4: commas inside quoted strings do not split', value: 'a="x, y", b', expected: ['a="x, y"', 'b'] },
  { name: 'RFC 9110 §5.6.4: an escaped quote does not close the string', value: '"a\\", b", c', expected: ['"a\\", b"', 'c'] },
  { name: 'RFC 9110 §5.6.4: an unterminated quoted string runs to the end', value: 'a, "b, c', expected: ['a', '"b, c'] },
];

for (const { name, value, expected } of listCases) {
  test(`splitList: ${name}`, () => {
    assert.deepEqual(splitList(value), expected);
  });
}

test('joinFieldLines: RFC 9110 §5.3: field lines combine with ", "', () => {
  assert.equal(joinFieldLines(['a', 'b']), 'a, b');
  assert.equal(joinFieldLines(['a']), 'a');
  assert.equal(joinFieldLines([]), undefined);
  assert.equal(joinFieldLines('x'), 'x');
  assert.equal(joinFieldLines(undefined), undefined);
});

test('readFirstLine: RFC 9111 §4.2.1: the first of several field lines', () => {
  assert.equal(readFirstLine(['a', 'b']), 'a');
  assert.equal(readFirstLine('a, b'), 'a, b');
  assert.equal(readFirstLine(undefined), undefined);
});

test('isToken: RFC 9110 §5.6.2: tchar only, at least one', () => {
  assert.deepEqual(['max-age', "!#$%&'*+-.^_`|~09AZaz", '', 'a b', 'a,b', 'a"b', 'a=b', 'é'].map(isToken), [
    true,
    true,
    false,
    false,
    false,
    false,
    false,
    false,
  ]);
});
