import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rechunk } from '../../../src/cache/store/redis/body.ts';

const cases: ReadonlyArray<readonly [string, number[], number, number[]]> = [
  ['empty', [], 4, []],
  ['one short piece', [3], 4, [3]],
  ['aligned pieces pass through', [4, 4], 4, [4, 4]],
  ['small pieces are joined', [1, 1, 1, 1, 1], 4, [4, 1]],
  ['a large piece is split', [10], 4, [4, 4, 2]],
  ['mixed', [3, 6, 1, 0, 5], 4, [4, 4, 4, 3]],
];

for (const [name, sizes, size, expected] of cases) {
  test(`rechunk: ${name}`, () => {
    let next = 0;
    const body = sizes.map((n) => Buffer.from(Array.from({ length: n }, () => next++ % 256)));
    const chunks = [...rechunk(body, size)];
    assert.deepEqual(
      chunks.map((c) => c.byteLength),
      expected,
    );
    assert.ok(Buffer.concat(chunks).equals(Buffer.concat(body)));
  });
}

test('rechunk: an aligned chunk is a view of the input, not a copy', () => {
  const input = Buffer.alloc(8, 1);
  const [first] = [...rechunk([input], 8)];
  assert.equal(first?.buffer, input.buffer);
});
