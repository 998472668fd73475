import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY_RESPONSE_DIRECTIVES,
  applyResponseDirective,
  createResponseDraft,
  parseDeltaSeconds,
} from '../../../../src/cache/policy/directives.ts';

const deltaCases: { value: string; expected: number | undefined }[] = [
  { value: '0', expected: 0 },
  { value: '3600', expected: 3600 },
  { value: '007', expected: 7 },
  { value: '2147483648', expected: 2147483648 },
  { value: '2147483649', expected: 2147483648 },
  { value: '123456789012345678901234567890', expected: 2147483648 },
  { value: '', expected: undefined },
  { value: '-1', expected: undefined },
  { value: '+1', expected: undefined },
  { value: '1.0', expected: undefined },
  { value: '1e3', expected: undefined },
  { value: ' 1', expected: undefined },
];

for (const { value, expected } of deltaCases) {
  test(`parseDeltaSeconds: RFC 9111 §1.2.2: ${JSON.stringify(value)} → ${expected}`, () => {
    assert.equal(parseDeltaSeconds(value), expected);
  });
}

test('applyResponseDirective: RFC 9213 §2.1: an explicit false leaves a directive absent', () => {
  const draft = createResponseDraft(true);
  for (const name of ['no-store', 'no-cache', 'private', 'must-revalidate', 'public']) applyResponseDirective(draft, name, false);
  assert.deepEqual({ ...draft }, { ...EMPTY_RESPONSE_DIRECTIVES, targeted: true });
});

test('applyResponseDirective: RFC 9111 §5.2.2.4: repeated qualified no-cache lists accumulate', () => {
  const draft = createResponseDraft(false);
  applyResponseDirective(draft, 'no-cache', 'a');
  applyResponseDirective(draft, 'no-cache', 'B, c');
  assert.deepEqual(draft.noCacheFields, ['a', 'b', 'c']);
  assert.equal(draft.noCache, false);
});

test('EMPTY_RESPONSE_DIRECTIVES is frozen, as is its field list', () => {
  assert.ok(Object.isFrozen(EMPTY_RESPONSE_DIRECTIVES));
  assert.ok(Object.isFrozen(EMPTY_RESPONSE_DIRECTIVES.noCacheFields));
});
