import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntries, decodeReadReply, encodeEntryFields } from '../../../src/bus/stream-codec.ts';
import type { BusMessage } from '../../../src/bus/types.ts';

const purge: BusMessage = { kind: 'purge', selector: { tag: 'threats' }, soft: true };

test('stream entries: a message round-trips through its fields; an anchor carries none', () => {
  const fields = encodeEntryFields('m1', purge);
  assert.deepEqual(decodeEntries([['1-0', fields]]), [{ id: '1-0', from: 'm1', message: purge }]);
  assert.deepEqual(decodeEntries([['2-0', encodeEntryFields('m2')]]), [{ id: '2-0', from: 'm2', message: undefined }]);
});

test('stream entries: XREAD replies in the RESP2 shape and the flattened RESP3 map shape read the same', () => {
  const entries = [['1-0', encodeEntryFields('m1', purge)]];
  const expected = [{ id: '1-0', from: 'm1', message: purge }];
  assert.deepEqual(decodeReadReply([['cachet:{bus}', entries]]), expected);
  assert.deepEqual(decodeReadReply(['cachet:{bus}', entries]), expected);
  assert.deepEqual(decodeReadReply(null), []);
});

test('stream entries: what this version cannot read is skipped, never applied', () => {
  const rows = [
    ['1-0', ['from', 'm', 'msg', '{"kind":"drop-everything"}']],
    ['2-0', ['from', 'm', 'msg', 'not json']],
    ['3-0', 'not fields'],
  ];
  assert.deepEqual(
    decodeEntries(rows).map((entry) => entry.message),
    [undefined, undefined],
  );
});
