import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJsonMediaType } from '../../../src/admin/read-body.ts';

const cases: ReadonlyArray<[string | undefined, boolean]> = [
  ['application/json', true],
  ['application/json; charset=utf-8', true],
  ['Application/JSON', true],
  [' application/json ;charset=UTF-8', true],
  ['application/merge-patch+json', true],
  ['text/plain', false],
  ['application/x-www-form-urlencoded', false],
  ['application/jsonp', false],
  ['text/json+json', false],
  ['', false],
  [undefined, false],
];

for (const [value, expected] of cases) {
  test(`json media type (RFC 9110 §8.3.1, RFC 6839 §3.1 +json suffix): ${JSON.stringify(value)} → ${expected}`, () => {
    assert.equal(isJsonMediaType(value), expected);
  });
}
