import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIdempotencyKey } from '../../../src/idempotency/key-field.ts';
import { isKeptStatus } from '../../../src/idempotency/outcome.ts';

// draft-ietf-httpapi-idempotency-key-header-06 §2.1: an Item Structured Header whose value is a String (RFC 9651 §3.3.3).
const VALID: ReadonlyArray<readonly [string, string]> = [
  ['"8e03978e-40d5-43e8-bc93-6894a57f9324"', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
  ['"a"', 'a'],
  ['  "spaced"  ', 'spaced'],
  ['"with space and !#$%&()*+,-./:;<=>?@[]^_`{|}~"', 'with space and !#$%&()*+,-./:;<=>?@[]^_`{|}~'],
  ['"q\\"uote"', 'q"uote'],
  ['"back\\\\slash"', 'back\\slash'],
  ['"param";v=1', 'param'],
  ['"params";a;b="x";c=?1;d=tok;e=-1.5', 'params'],
  [`"${'k'.repeat(255)}"`, 'k'.repeat(255)],
];

const INVALID: ReadonlyArray<readonly [string, RegExp]> = [
  ['order-1', /quoted string/],
  ['', /quoted string/],
  ['""', /empty/],
  [`"${'k'.repeat(256)}"`, /255/],
  ['"open', /closing quote/],
  ['"bad\\escape"', /escape/],
  ['"tab\there"', /printable ASCII/],
  ['"caf\u00e9"', /printable ASCII/],
  ['"a" "b"', /after the quoted string/],
  ['"a", "b"', /after the quoted string/],
  ['"a";Upper=1', /after the quoted string/],
  ['"a";', /after the quoted string/],
];

test('Idempotency-Key: sf-strings of 1 to 255 characters are keys, parameters ignored', () => {
  for (const [field, key] of VALID) assert.deepEqual(parseIdempotencyKey(field), { ok: true, key }, field);
});

test('Idempotency-Key: anything else is refused with the reason', () => {
  for (const [field, reason] of INVALID) {
    const parsed = parseIdempotencyKey(field);
    assert.equal(parsed.ok, false, field);
    if (!parsed.ok) assert.match(parsed.reason, reason, field);
  }
  assert.equal(parseIdempotencyKey(['"a"', '"b"']).ok, false);
});

test('what a first request leaves: 2xx, 3xx and final 4xx are kept; 5xx and retryable 4xx release the key', () => {
  for (const status of [200, 201, 204, 301, 304, 400, 401, 403, 404, 410, 422]) assert.equal(isKeptStatus(status), true, String(status));
  for (const status of [408, 409, 425, 429, 500, 502, 503, 504]) assert.equal(isKeptStatus(status), false, String(status));
});
