import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWellFormedRequestId, resolveRequestId } from '../../../src/observability/request-id.ts';

/** A generated id: the process's 16-hex-digit random prefix and a base-36 sequence number. */
const GENERATED = /^[0-9a-f]{16}-[0-9a-z]+$/;

const kept: ReadonlyArray<[string, string]> = [
  ['a UUID', '0b6f7c1e-5a3d-4a8e-9f3b-2d6c1e0a9b7f'],
  ['one character', 'x'],
  ['every allowed punctuation mark', 'a.b_c:d@e/f+g=h~i-j'],
  ['exactly 128 characters', 'r'.repeat(128)],
  ['a base64 value', 'dGVzdA=='],
];

for (const [name, value] of kept) {
  test(`request id: keeps a well-formed client id (${name})`, () => {
    assert.equal(isWellFormedRequestId(value), true);
    assert.equal(resolveRequestId(value), value);
  });
}

const replaced: ReadonlyArray<[string, string | string[] | undefined]> = [
  ['absent', undefined],
  ['empty', ''],
  ['129 characters', 'r'.repeat(129)],
  ['a space', 'abc def'],
  ['a comma (list separator, RFC 9110 §5.3)', 'abc,def'],
  ['joined duplicates as Node delivers them', 'abc, def'],
  ['a double quote', 'abc"def'],
  ['a semicolon', 'abc;def'],
  ['a backslash', 'abc\\def'],
  ['angle brackets (markup injection into logs or dashboards)', '<script>'],
  ['CR LF (header injection)', 'abc\r\nset-cookie: x=1'],
  ['a NUL byte', 'abc\u0000'],
  ['a tab', 'abc\tdef'],
  ['non-ASCII', 'abcé'],
  ['a JSON/log-breaking brace', '{"a":1}'],
  ['an array of duplicates', ['abc', 'abc']],
  ['an array of one', ['abc']],
];

for (const [name, value] of replaced) {
  test(`request id: generates a new id when the client's is malformed (${name})`, () => {
    const id = resolveRequestId(value);
    assert.match(id, GENERATED);
    assert.equal(isWellFormedRequestId(id), true);
    if (typeof value === 'string') assert.equal(isWellFormedRequestId(value), false);
  });
}

test('request id: generated ids differ per request', () => {
  assert.notEqual(resolveRequestId(undefined), resolveRequestId(undefined));
});
