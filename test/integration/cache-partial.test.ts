import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { ADMIN_TOKEN, startGateway, send, type SentResponse } from '../helpers/gateway.ts';

// Stored partial responses (RFC 9111 §3.3, §3.4): an object larger than store.maxObjectBytes is never kept
// whole, so its ranges go to the origin as asked; each 206 the origin sends (with a strong ETag) is stored and
// answers the later ranges it holds. The origins here answer Range themselves.

const MAX_OBJECT_BYTES = 400;

/** What the origin serves at every path; tests change it to model a new version of the object. */
interface Representation {
  body: Buffer;
  etag: string;
  /** Answer several ranges with multipart/byteranges (otherwise only the first range is sent). */
  multipart?: boolean;
  /** Send the whole object without Content-Length. */
  chunked?: boolean;
}

const digits = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => String(i % 10)).join(''));
const letters = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => 'abcdefghij'[i % 10]).join(''));

interface Fixture {
  readonly origin: Origin;
  readonly url: string;
  readonly adminUrl: string;
  readonly current: Representation;
  /** The Range fields the origin received, in order ('' for none). */
  readonly ranges: string[];
}

/** An origin answering Range requests (RFC 9110 §14) and a gateway whose objects may not exceed 400 bytes. */
async function startPartial(
  t: TestContext,
  initial: Representation = { body: digits(1000), etag: '"v1"' },
  prime: Record<string, string> = { range: 'bytes=0-0' },
): Promise<Fixture> {
  const current = { ...initial };
  const ranges: string[] = [];
  const origin = await startOrigin(t, (req, res) => {
    ranges.push(req.headers.range ?? '');
    answer(req, res, current);
  });
  const { url, adminUrl } = await startGateway(t, [origin.url], { store: { maxObjectBytes: MAX_OBJECT_BYTES } });
  // The first request fetches the whole object, which is too large to keep: from now on its ranges go to the origin.
  assert.equal((await send(`${url}/file`, { headers: prime })).status < 300, true);
  return { origin, url, adminUrl: adminUrl as string, current, ranges };
}

function answer(req: http.IncomingMessage, res: http.ServerResponse, current: Representation): void {
  const { body, etag } = current;
  const fields = { 'cache-control': 'max-age=3600', etag, 'content-type': 'text/plain' };
  const specs = /^bytes=(.+)$/.exec(req.headers.range ?? '')?.[1]?.split(',');
  const ifRange = req.headers['if-range'];
  if (specs === undefined || (ifRange !== undefined && ifRange !== etag)) {
    res.writeHead(200, current.chunked === true ? fields : { ...fields, 'content-length': body.length });
    res.write(body.subarray(0, 500));
    res.end(body.subarray(500));
    return;
  }
  const parts = specs.map((spec) => {
    const [first, last] = spec.trim().split('-') as [string, string];
    return first === ''
      ? [body.length - Number(last), body.length - 1]
      : [Number(first), last === '' ? body.length - 1 : Math.min(Number(last), body.length - 1)];
  }) as Array<[number, number]>;
  if (current.multipart === true && parts.length > 1) {
    const chunks = parts.map(
      ([start, end]) =>
        `--b\r\ncontent-type: text/plain\r\ncontent-range: bytes ${start}-${end}/${body.length}\r\n\r\n${body.subarray(start, end + 1)}\r\n`,
    );
    const multipart = Buffer.from(`${chunks.join('')}--b--\r\n`);
    res.writeHead(206, { ...fields, 'content-type': 'multipart/byteranges; boundary=b', 'content-length': multipart.length });
    res.end(multipart);
    return;
  }
  const [start, end] = parts[0] as [number, number];
  res.writeHead(206, { ...fields, 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1 });
  res.end(body.subarray(start, end + 1));
}

function get(fixture: Fixture, headers: Record<string, string>): Promise<SentResponse> {
  return send(`${fixture.url}/file`, { headers });
}

/** Asserts a single-part 206 with these bytes of `body`. */
function assertRange(res: SentResponse, body: Buffer, start: number, end: number): void {
  assert.equal(res.status, 206);
  assert.equal(res.header('content-range'), `bytes ${start}-${end}/${body.length}`);
  assert.equal(res.header('content-length'), String(end - start + 1));
  assert.equal(res.text, body.subarray(start, end + 1).toString());
}

test('RFC 9111 §3.3: a 206 of an object too large to keep whole is stored; a range it holds is then a hit', async (t) => {
  const fixture = await startPartial(t);
  const body = fixture.current.body;
  const fetched = await get(fixture, { range: 'bytes=100-199' });
  assertRange(fetched, body, 100, 199);
  assert.equal(fixture.ranges.at(-1), 'bytes=100-199', 'the Range goes to the origin as asked');
  assert.match(fetched.header('cache-status') ?? '', /fwd=uri-miss; fwd-status=206; ttl=\d+; stored/);
  assert.equal(fixture.origin.count(), 2);

  const hit = await get(fixture, { range: 'bytes=120-149' });
  assertRange(hit, body, 120, 149);
  assert.match(hit.header('cache-status') ?? '', /^cachet; hit; ttl=/);
  assert.notEqual(hit.header('age'), undefined);
  assert.equal(hit.header('etag'), '"v1"');
  assert.equal(hit.header('content-type'), 'text/plain');
  const edges = await get(fixture, { range: 'bytes=100-199', 'if-range': '"v1"' });
  assertRange(edges, body, 100, 199);
  // Several ranges it holds: multipart/byteranges made by the cache (RFC 9110 §14.6).
  const multi = await get(fixture, { range: 'bytes=100-104, 190-194' });
  assert.equal(multi.status, 206);
  assert.match(multi.header('content-type') ?? '', /^multipart\/byteranges; boundary=/);
  assert.match(multi.text, /content-range: bytes 100-104\/1000\r\n\r\n01234\r\n/);
  assert.match(multi.text, /content-range: bytes 190-194\/1000\r\n\r\n01234\r\n/);
  assert.equal(fixture.origin.count(), 2);
});

test('RFC 9111 §4: a range, If-Range or request the stored partial cannot answer goes to the origin', async (t) => {
  const fixture = await startPartial(t);
  await get(fixture, { range: 'bytes=100-199' });
  const before = fixture.origin.count();
  const outside = await get(fixture, { range: 'bytes=300-309' });
  assertRange(outside, fixture.current.body, 300, 309);
  assert.match(outside.header('cache-status') ?? '', /fwd=partial; fwd-status=206/);
  const otherTag = await get(fixture, { range: 'bytes=100-109', 'if-range': '"v0"' });
  assert.equal(otherTag.status, 200, 'If-Range false: the origin sends the whole object (RFC 9110 §13.1.5)');
  const suffix = await get(fixture, { range: 'bytes=-10' });
  assertRange(suffix, fixture.current.body, 990, 999);
  const whole = await send(`${fixture.url}/file`);
  assert.equal(whole.status, 200);
  assert.equal(whole.text, fixture.current.body.toString());
  assert.match(whole.header('cache-status') ?? '', /fwd=partial; fwd-status=200; detail=too-large/);
  const head = await send(`${fixture.url}/file`, { method: 'HEAD', headers: { range: 'bytes=100-109' } });
  assert.notEqual(head.header('cache-status')?.includes('hit'), true);
  assert.equal(fixture.origin.count(), before + 5);
});

test('RFC 9111 §3.4: two adjacent ranges with the same strong ETag combine and answer a range spanning both', async (t) => {
  const fixture = await startPartial(t);
  const body = fixture.current.body;
  assertRange(await get(fixture, { range: 'bytes=0-99' }), body, 0, 99);
  assertRange(await get(fixture, { range: 'bytes=100-199' }), body, 100, 199);
  const count = fixture.origin.count();
  const spanning = await get(fixture, { range: 'bytes=50-149' });
  assertRange(spanning, body, 50, 149);
  assert.match(spanning.header('cache-status') ?? '', /^cachet; hit/);
  // Overlapping ones too: 150-249 adds to 0-199.
  assertRange(await get(fixture, { range: 'bytes=150-249' }), body, 150, 249);
  const wider = await get(fixture, { range: 'bytes=0-249' });
  assertRange(wider, body, 0, 249);
  assert.match(wider.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(fixture.origin.count(), count + 1);
});

test('RFC 9111 §3.4: a 206 with another ETag replaces the stored partial instead of combining with it', async (t) => {
  const fixture = await startPartial(t);
  assertRange(await get(fixture, { range: 'bytes=0-99' }), fixture.current.body, 0, 99);
  fixture.current.body = letters(1000);
  fixture.current.etag = '"v2"';
  assertRange(await get(fixture, { range: 'bytes=100-199' }), fixture.current.body, 100, 199);
  const count = fixture.origin.count();
  const kept = await get(fixture, { range: 'bytes=150-159' });
  assertRange(kept, fixture.current.body, 150, 159);
  assert.equal(kept.header('etag'), '"v2"');
  assert.match(kept.header('cache-status') ?? '', /^cachet; hit/);
  // 0-99 and 100-199 touch, but the v1 bytes were not combined with the v2 ones: they are gone.
  const replaced = await get(fixture, { range: 'bytes=0-9' });
  assertRange(replaced, fixture.current.body, 0, 9);
  assert.match(replaced.header('cache-status') ?? '', /fwd=partial/);
  assert.equal(fixture.origin.count(), count + 1);
});

test('RFC 9111 §3.3, §3.4: a 206 with a weak ETag or a multipart 206 is not stored; one part with a strong ETag is', async (t) => {
  const fixture = await startPartial(t, { body: digits(1000), etag: 'W/"v1"', multipart: true });
  for (let i = 0; i < 2; i++) {
    const weak = await get(fixture, { range: 'bytes=0-99' });
    assertRange(weak, fixture.current.body, 0, 99);
    assert.match(weak.header('cache-status') ?? '', /fwd-status=206; detail=weak-validator/);
  }
  fixture.current.etag = '"v1"';
  for (let i = 0; i < 2; i++) {
    const multipart = await get(fixture, { range: 'bytes=0-9, 500-509' });
    assert.equal(multipart.status, 206);
    assert.match(multipart.header('cache-status') ?? '', /fwd-status=206; detail=content-range/);
  }
  assert.equal(fixture.origin.count(), 5);
  assertRange(await get(fixture, { range: 'bytes=0-99' }), fixture.current.body, 0, 99);
  const hit = await get(fixture, { range: 'bytes=0-99' });
  assert.match(hit.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(fixture.origin.count(), 6);
});

test('RFC 9111 §3.3: partials combined into every byte become the complete response, answering requests without Range', async (t) => {
  const fixture = await startPartial(t);
  // The object is replaced by one small enough to keep while the cache still knows the URL as too large.
  fixture.current.body = letters(300);
  fixture.current.etag = '"small"';
  assertRange(await get(fixture, { range: 'bytes=0-149' }), fixture.current.body, 0, 149);
  assertRange(await get(fixture, { range: 'bytes=150-299' }), fixture.current.body, 150, 299);
  const count = fixture.origin.count();
  const whole = await send(`${fixture.url}/file`);
  assert.equal(whole.status, 200);
  assert.equal(whole.header('content-length'), '300');
  assert.equal(whole.header('content-range'), undefined);
  assert.equal(whole.text, fixture.current.body.toString());
  assert.match(whole.header('cache-status') ?? '', /^cachet; hit/);
  const suffix = await get(fixture, { range: 'bytes=-20' });
  assertRange(suffix, fixture.current.body, 280, 299);
  assert.match(suffix.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(fixture.origin.count(), count);
});

test('a purge of the URL removes its stored partial response', async (t) => {
  const fixture = await startPartial(t);
  await get(fixture, { range: 'bytes=0-99' });
  assert.match((await get(fixture, { range: 'bytes=0-9' })).header('cache-status') ?? '', /^cachet; hit/);
  const purged = await send(`${fixture.adminUrl}/purge`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: '/file' }),
  });
  assert.deepEqual(JSON.parse(purged.text), { purged: 1 });
  const count = fixture.origin.count();
  const after = await get(fixture, { range: 'bytes=0-9' });
  assertRange(after, fixture.current.body, 0, 9);
  assert.doesNotMatch(after.header('cache-status') ?? '', /hit/);
  assert.equal(fixture.origin.count(), count + 1);
});

test('a whole response found too large only while it streams (no Content-Length) sends its later ranges to the origin, stored', async (t) => {
  const fixture = await startPartial(t, { body: digits(1000), etag: '"v1"', chunked: true }, {});
  assert.deepEqual(fixture.ranges, ['']);
  assertRange(await get(fixture, { range: 'bytes=600-699' }), fixture.current.body, 600, 699);
  assert.equal(fixture.ranges.at(-1), 'bytes=600-699', 'not the whole object again');
  const hit = await get(fixture, { range: 'bytes=650-659' });
  assertRange(hit, fixture.current.body, 650, 659);
  assert.match(hit.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(fixture.origin.count(), 2);
});
