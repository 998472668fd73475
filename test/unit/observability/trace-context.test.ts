import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NEW_TRACE_FLAGS, parseTraceparent, propagateTraceparent } from '../../../src/observability/trace-context.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${PARENT}-01`;
const SHAPE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const valid: ReadonlyArray<[string, string, { traceId: string; parentId: string; flags: string }]> = [
  ['§3.2.2 version 00, sampled', VALID, { traceId: TRACE, parentId: PARENT, flags: '01' }],
  ['§3.2.2.5 version 00, not sampled', `00-${TRACE}-${PARENT}-00`, { traceId: TRACE, parentId: PARENT, flags: '00' }],
  ['§3.2.2.5 version 00, unknown flag bits are still hex', `00-${TRACE}-${PARENT}-03`, { traceId: TRACE, parentId: PARENT, flags: '03' }],
  ['§3.2.4 a higher version with the 00 layout', `01-${TRACE}-${PARENT}-01`, { traceId: TRACE, parentId: PARENT, flags: '01' }],
  [
    '§3.2.4 a higher version with extra fields after a dash',
    `cc-${TRACE}-${PARENT}-01-what-the-future-holds`,
    { traceId: TRACE, parentId: PARENT, flags: '01' },
  ],
];

for (const [name, header, expected] of valid) {
  test(`traceparent: parses ${name}`, () => {
    const parsed = parseTraceparent(header);
    assert.ok(parsed);
    assert.deepEqual({ traceId: parsed.traceId, parentId: parsed.parentId, flags: parsed.flags }, expected);
  });
}

const invalid: ReadonlyArray<[string, string]> = [
  ['§3.2.2.1 version ff is invalid', `ff-${TRACE}-${PARENT}-01`],
  ['§3.2.2.1 upper-case version', `0A-${TRACE}-${PARENT}-01`],
  ['§3.2.2.1 non-hex version', `0g-${TRACE}-${PARENT}-01`],
  ['§3.2.2.3 trace-id all zeros', `00-${'0'.repeat(32)}-${PARENT}-01`],
  ['§3.2.2.3 upper-case trace-id', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
  ['§3.2.2.3 short trace-id', `00-${TRACE.slice(1)}-${PARENT}-01`],
  ['§3.2.2.4 parent-id all zeros', `00-${TRACE}-${'0'.repeat(16)}-01`],
  ['§3.2.2.4 non-hex parent-id', `00-${TRACE}-00f067aa0ba902bz-01`],
  ['§3.2.2.5 upper-case flags', `00-${TRACE}-${PARENT}-0A`],
  ['§3.2.2.5 one-digit flags', `00-${TRACE}-${PARENT}-1`],
  ['§3.2.2 version 00 with trailing data', `${VALID}-extra`],
  ['§3.2.2 version 00 with a trailing space', `${VALID} `],
  ['§3.2.2 wrong separators', VALID.replaceAll('-', '_')],
  ['§3.2.4 a higher version whose extra data does not start with a dash', `01-${TRACE}-${PARENT}-01x`],
  ['§3.2.4 a higher version shorter than 55 characters', `01-${TRACE}-${PARENT}-`],
  ['two joined fields (repeated traceparent)', `${VALID}, ${VALID}`],
  ['empty', ''],
];

for (const [name, header] of invalid) {
  test(`traceparent: rejects ${name}`, () => {
    assert.equal(parseTraceparent(header), undefined);
  });
}

test('propagate: a valid traceparent keeps trace-id and flags, gets a new parent-id, and keeps tracestate (§4.3)', () => {
  const out = propagateTraceparent(VALID, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  const match = SHAPE.exec(out.traceparent);
  assert.ok(match);
  assert.equal(match[1], TRACE);
  assert.notEqual(match[2], PARENT);
  assert.notEqual(match[2], '0'.repeat(16));
  assert.equal(match[3], '01');
  assert.equal(out.tracestate, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
});

test('propagate: a higher version is sent on as version 00 with the same trace-id (§3.2.4)', () => {
  const out = propagateTraceparent(`cc-${TRACE}-${PARENT}-00-future`);
  const match = SHAPE.exec(out.traceparent);
  assert.ok(match);
  assert.equal(match[1], TRACE);
  assert.equal(match[3], '00');
});

test('propagate: repeated tracestate fields are combined into one list (§3.3)', () => {
  assert.equal(propagateTraceparent(VALID, ['a=1', 'b=2']).tracestate, 'a=1,b=2');
});

test('propagate: an empty tracestate is not sent', () => {
  assert.equal(propagateTraceparent(VALID, '').tracestate, undefined);
});

const restarted: ReadonlyArray<[string, string | string[] | undefined]> = [
  ['absent', undefined],
  ['invalid (§3.2.2.3 zero trace-id)', `00-${'0'.repeat(32)}-${PARENT}-01`],
  ['repeated as an array', [VALID, VALID]],
];

for (const [name, header] of restarted) {
  test(`propagate: starts a new trace with flags ${NEW_TRACE_FLAGS} and drops tracestate when traceparent is ${name} (§4.1)`, () => {
    const out = propagateTraceparent(header, 'congo=t61rcWkgMzE');
    const match = SHAPE.exec(out.traceparent);
    assert.ok(match);
    assert.notEqual(match[1], TRACE);
    assert.notEqual(match[1], '0'.repeat(32));
    assert.notEqual(match[2], '0'.repeat(16));
    assert.equal(match[3], NEW_TRACE_FLAGS);
    assert.equal(out.tracestate, undefined);
    assert.ok(parseTraceparent(out.traceparent), 'the generated header is itself valid');
  });
}

test('propagate: ids are unique across many requests (the entropy pool refills)', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1200; i++) seen.add(propagateTraceparent(undefined).traceparent);
  assert.equal(seen.size, 1200);
});
