import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startOrigin } from '../helpers/origin.ts';
import { startGateway } from '../helpers/gateway.ts';

const SIZE = 50 * 1024 * 1024;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

test('a 50 MiB object stored once answers bytes=0-99, -100, 1000-, two ranges and an If-Range mismatch; the origin sees one request (RFC 9110 §14)', async (t) => {
  // Every 4-byte word holds its own offset, so a slice from the wrong place cannot compare equal.
  const payload = Buffer.alloc(SIZE);
  for (let offset = 0; offset < SIZE; offset += 4) payload.writeUInt32BE(offset, offset);
  const origin = await startOrigin(t, async (_req, res) => {
    res.writeHead(200, {
      'cache-control': 'public, max-age=3600',
      etag: '"defs-1"',
      'content-type': 'application/octet-stream',
      'content-length': SIZE,
    });
    for (let offset = 0; offset < SIZE; offset += 1024 * 1024) {
      if (!res.write(payload.subarray(offset, offset + 1024 * 1024))) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });
  const { url } = await startGateway(t, [origin.url]);
  const target = `${url}/definitions`;

  // The first request is itself a range: the cache fetches and stores the whole object and answers from it.
  const head = await get(target, { range: 'bytes=0-99' });
  assert.equal(head.status, 206);
  assert.equal(head.headers['content-range'], `bytes 0-99/${SIZE}`);
  assert.ok(head.body.equals(payload.subarray(0, 100)));

  const tail = await get(target, { range: 'bytes=-100' });
  assert.equal(tail.status, 206);
  assert.equal(tail.headers['content-range'], `bytes ${SIZE - 100}-${SIZE - 1}/${SIZE}`);
  assert.ok(tail.body.equals(payload.subarray(SIZE - 100)));

  const rest = await get(target, { range: 'bytes=1000-' });
  assert.equal(rest.status, 206);
  assert.equal(rest.headers['content-range'], `bytes 1000-${SIZE - 1}/${SIZE}`);
  assert.equal(rest.headers['content-length'], String(SIZE - 1000));
  assert.ok(rest.body.equals(payload.subarray(1000)));
  assert.match(String(rest.headers['cache-status']), /^cachet; hit/);

  const middle = 25 * 1024 * 1024 + 3;
  const two = await get(target, { range: `bytes=${middle}-${middle + 9999}, 10-19` });
  assert.equal(two.status, 206);
  const boundary = /boundary=(\S+)$/.exec(String(two.headers['content-type']))?.[1];
  assert.ok(boundary !== undefined);
  const parts = two.body.toString('latin1').split(`--${boundary}`);
  assert.equal(parts.length, 4, 'two parts between three delimiters');
  const expectPart = (part: string | undefined, start: number, end: number): void => {
    assert.ok(part !== undefined);
    const [fields, bytes] = [part.slice(0, part.indexOf('\r\n\r\n')), part.slice(part.indexOf('\r\n\r\n') + 4, part.lastIndexOf('\r\n'))];
    assert.match(fields, new RegExp(`content-range: bytes ${start}-${end}/${SIZE}`));
    assert.match(fields, /content-type: application\/octet-stream/);
    assert.ok(Buffer.from(bytes, 'latin1').equals(payload.subarray(start, end + 1)), `part ${start}-${end}`);
  };
  expectPart(parts[1], middle, middle + 9999);
  expectPart(parts[2], 10, 19);
  assert.equal(Number(two.headers['content-length']), two.body.length);

  const mismatch = await get(target, { range: 'bytes=0-99', 'if-range': '"defs-0"' });
  assert.equal(mismatch.status, 200);
  assert.equal(mismatch.body.length, SIZE);
  assert.ok(mismatch.body.equals(payload));

  assert.equal(origin.count('/definitions'), 1);
  assert.equal(origin.requests[0]?.headers.range, undefined, 'the origin was asked for the whole object');
});
