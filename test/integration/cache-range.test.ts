import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { startGateway, send, type SentResponse } from '../helpers/gateway.ts';

// Byte ranges answered by the cache (RFC 9110 §14, §15.3.7, §15.5.17). The origins here know nothing of
// ranges: they always answer 200 with the whole body, so every 206 a client sees was made by cachet.

const SIZE = 1000;
/** A body whose every byte says where it is: `0123456789` repeated. */
const BODY = Buffer.from(Array.from({ length: SIZE }, (_, i) => String(i % 10)).join(''));
const slice = (start: number, end: number): string => BODY.subarray(start, end + 1).toString();

interface Fixture {
  readonly origin: Origin;
  readonly url: string;
}

/** An origin answering every GET with BODY and `fields`, a gateway in front, and BODY stored at /file. */
async function startStored(t: TestContext, fields: Record<string, string> = {}, store = true): Promise<Fixture> {
  const origin = await startOrigin(t, (_req, res) => answerWhole(res, fields));
  const { url } = await startGateway(t, [origin.url]);
  if (store) {
    const first = await send(`${url}/file`);
    assert.equal(first.status, 200);
  }
  return { origin, url };
}

function answerWhole(res: http.ServerResponse, fields: Record<string, string>): void {
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=3600', etag: '"v1"', ...fields, 'content-length': SIZE });
  res.end(BODY);
}

function get(url: string, headers: Record<string, string>): Promise<SentResponse> {
  return send(`${url}/file`, { headers });
}

interface Part {
  readonly contentType: string | undefined;
  readonly contentRange: string | undefined;
  readonly body: string;
}

/** The parts of a multipart/byteranges body (RFC 9110 §14.6). */
function parseMultipart(res: SentResponse): Part[] {
  const match = /^multipart\/byteranges; boundary=(\S+)$/.exec(res.header('content-type') ?? '');
  assert.ok(match, `content-type ${res.header('content-type')}`);
  const boundary = match[1] as string;
  assert.ok(res.text.endsWith(`\r\n--${boundary}--\r\n`), 'closing delimiter');
  const parts = res.text.slice(0, -`\r\n--${boundary}--\r\n`.length).split(`--${boundary}\r\n`);
  assert.equal(parts.shift(), '', 'nothing before the first boundary');
  return parts.map((part, i) => {
    const text = i < parts.length - 1 ? part.slice(0, -2) : part;
    const [head, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];
    const fields = new Map(
      head.split('\r\n').map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    return { contentType: fields.get('content-type'), contentRange: fields.get('content-range'), body };
  });
}

test('RFC 9110 §14.2, §15.3.7.1: a single range of a stored response is a 206 from the cache, labelled as a hit', async (t) => {
  const { origin, url } = await startStored(t);
  const res = await get(url, { range: 'bytes=0-99' });
  assert.equal(res.status, 206);
  assert.equal(res.header('content-range'), 'bytes 0-99/1000');
  assert.equal(res.header('content-length'), '100');
  assert.equal(res.text, slice(0, 99));
  assert.match(res.header('cache-status') ?? '', /^cachet; hit; ttl=/);
  assert.notEqual(res.header('age'), undefined);
  assert.equal(res.header('etag'), '"v1"');
  assert.equal(res.header('cache-control'), 'max-age=3600');
  assert.equal(res.header('content-type'), 'text/plain');
  assert.equal(origin.count(), 1);
});

test('RFC 9110 §14.1.2: suffix, open and past-the-end ranges resolve against the stored length', async (t) => {
  const { origin, url } = await startStored(t);
  const cases: [string, string, number, number][] = [
    ['bytes=-100', 'bytes 900-999/1000', 900, 999],
    ['bytes=900-', 'bytes 900-999/1000', 900, 999],
    ['bytes=990-5000', 'bytes 990-999/1000', 990, 999],
    ['bytes=-5000', 'bytes 0-999/1000', 0, 999],
    ['BYTES=10-19', 'bytes 10-19/1000', 10, 19],
    ['bytes=999-999', 'bytes 999-999/1000', 999, 999],
    ['bytes=0-99999999999999999999999', 'bytes 0-999/1000', 0, 999],
  ];
  for (const [range, contentRange, start, end] of cases) {
    const res = await get(url, { range });
    assert.equal(res.status, 206, range);
    assert.equal(res.header('content-range'), contentRange, range);
    assert.equal(res.text, slice(start, end), range);
  }
  assert.equal(origin.count(), 1);
});

test('RFC 9110 §14.6, §15.3.7.2: several ranges are a multipart/byteranges 206 in the requested order, each part typed and ranged', async (t) => {
  const { origin, url } = await startStored(t);
  const res = await get(url, { range: 'bytes=500-509, 0-9, -5' });
  assert.equal(res.status, 206);
  assert.equal(res.header('content-range'), undefined, 'no Content-Range in the head of a multipart 206');
  assert.equal(Number(res.header('content-length')), Buffer.byteLength(res.text));
  assert.deepEqual(parseMultipart(res), [
    { contentType: 'text/plain', contentRange: 'bytes 500-509/1000', body: slice(500, 509) },
    { contentType: 'text/plain', contentRange: 'bytes 0-9/1000', body: slice(0, 9) },
    { contentType: 'text/plain', contentRange: 'bytes 995-999/1000', body: slice(995, 999) },
  ]);
  assert.match(res.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(origin.count(), 1);
});

test('RFC 9110 §17.15: overlapping and adjacent ranges are coalesced; too many parts send the whole response', async (t) => {
  const { url } = await startStored(t);
  const overlapping = await get(url, { range: 'bytes=100-199, 0-149, 150-160' });
  assert.equal(overlapping.status, 206);
  assert.equal(overlapping.header('content-range'), 'bytes 0-199/1000');
  assert.equal(overlapping.text, slice(0, 199));
  // Nine one-byte ranges 100 bytes apart are nine parts; more range-specs than cachet reads send the whole response.
  const spread = await get(url, { range: `bytes=${Array.from({ length: 9 }, (_, i) => `${i * 100}-${i * 100}`).join(',')}` });
  assert.equal(spread.status, 206);
  assert.equal(parseMultipart(spread).length, 9);
  const tooMany = await get(url, { range: `bytes=${Array.from({ length: 101 }, () => '0-0').join(',')}` });
  assert.equal(tooMany.status, 200);
  assert.equal(tooMany.text, BODY.toString());
});

test('RFC 9110 §14.2, §15.5.17: an unsatisfiable range is 416 with the stored length; an invalid one or another unit is ignored', async (t) => {
  const { origin, url } = await startStored(t);
  for (const range of ['bytes=1000-', 'bytes=5000-6000, 1000-1001', 'bytes=-0']) {
    const res = await get(url, { range });
    assert.equal(res.status, 416, range);
    assert.equal(res.header('content-range'), 'bytes */1000', range);
    assert.match(res.header('content-type') ?? '', /application\/problem\+json/);
    assert.match(res.text, /CACHET_ERR_CACHE_RANGE_NOT_SATISFIABLE/);
    assert.match(res.header('cache-status') ?? '', /^cachet; hit/);
  }
  for (const range of ['bytes=5-1', 'items=0-1', 'bytes=abc', 'bytes=1-2-3', 'bytes 0-1', 'bytes=', 'bytes=0-1;x']) {
    const res = await get(url, { range });
    assert.equal(res.status, 200, range);
    assert.equal(res.text, BODY.toString(), range);
  }
  assert.equal(origin.count(), 1);
});

test('RFC 9110 §13.1.5: If-Range with the strong ETag gets the range; a weak or other tag gets the whole response', async (t) => {
  const { origin, url } = await startStored(t);
  const matching = await get(url, { range: 'bytes=0-9', 'if-range': '"v1"' });
  assert.equal(matching.status, 206);
  assert.equal(matching.text, slice(0, 9));
  for (const ifRange of ['"v0"', 'W/"v1"', 'not a validator']) {
    const res = await get(url, { range: 'bytes=0-9', 'if-range': ifRange });
    assert.equal(res.status, 200, ifRange);
    assert.equal(res.text, BODY.toString(), ifRange);
  }
  assert.equal(origin.count(), 1);
});

test('RFC 9110 §13.1.5, §8.8.2.2: If-Range with a date matches only a strong Last-Modified (Date at least 1 s later)', async (t) => {
  const lastModified = 'Mon, 01 Jan 2024 00:00:00 GMT';
  const strong = await startStored(t, { 'last-modified': lastModified, etag: '' });
  const res = await get(strong.url, { range: 'bytes=0-9', 'if-range': lastModified });
  assert.equal(res.status, 206);
  const other = await get(strong.url, { range: 'bytes=0-9', 'if-range': 'Mon, 01 Jan 2024 00:00:01 GMT' });
  assert.equal(other.status, 200);

  // Date equal to Last-Modified: the date is a weak validator, so If-Range is false.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000).toUTCString();
  const weak = await startStored(t, { 'last-modified': now, date: now, etag: '' });
  const weakRes = await get(weak.url, { range: 'bytes=0-9', 'if-range': now });
  assert.equal(weakRes.status, 200);
  assert.equal(weak.origin.count(), 1);
});

test('RFC 9110 §13.2.2, §14.2: a matching If-None-Match answers 304 before Range is looked at; HEAD ignores Range', async (t) => {
  const { origin, url } = await startStored(t);
  const notModified = await get(url, { range: 'bytes=0-9', 'if-none-match': '"v1"' });
  assert.equal(notModified.status, 304);
  const changed = await get(url, { range: 'bytes=0-9', 'if-none-match': '"v0"' });
  assert.equal(changed.status, 206);
  assert.equal(changed.text, slice(0, 9));
  const head = await send(`${url}/file`, { method: 'HEAD', headers: { range: 'bytes=0-9' } });
  assert.equal(head.status, 200);
  assert.equal(head.header('content-length'), String(SIZE));
  assert.equal(head.header('content-range'), undefined);
  assert.match(head.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(origin.count(), 1);
});

test('RFC 9110 §14.2: Range only changes a 200: a stored 404 is served whole', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(404, { 'cache-control': 'max-age=3600', 'content-length': 9 });
    res.end('not found');
  });
  const { url } = await startGateway(t, [origin.url]);
  await send(`${url}/gone`);
  const res = await send(`${url}/gone`, { headers: { range: 'bytes=0-2' } });
  assert.equal(res.status, 404);
  assert.equal(res.text, 'not found');
  assert.equal(origin.count(), 1);
});

test('a range on a miss asks the origin for the whole response, stores it and answers the range from it', async (t) => {
  const { origin, url } = await startStored(t, {}, false);
  const res = await get(url, { range: 'bytes=10-19', 'if-range': '"v1"' });
  assert.equal(res.status, 206);
  assert.equal(res.text, slice(10, 19));
  assert.equal(res.header('content-range'), 'bytes 10-19/1000');
  assert.match(res.header('cache-status') ?? '', /fwd=uri-miss; fwd-status=200.*stored/);
  const seen = origin.requests[0];
  assert.ok(seen);
  assert.equal(seen.headers.range, undefined);
  assert.equal(seen.headers['if-range'], undefined);
  const whole = await get(url, {});
  assert.equal(whole.status, 200);
  assert.match(whole.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(whole.text, BODY.toString());
  assert.equal(origin.count(), 1);
});

test('a range on a miss is answered as the bytes arrive, and clients arriving meanwhile share the one origin request', async (t) => {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  const origin = await startOrigin(t, async (_req, res) => {
    res.writeHead(200, { 'cache-control': 'max-age=3600', 'content-length': SIZE });
    res.write(BODY.subarray(0, 500));
    await released;
    res.end(BODY.subarray(500));
  });
  const { url } = await startGateway(t, [origin.url]);
  // The first range lies in the half already sent: it is answered before the origin finishes.
  const early = await get(url, { range: 'bytes=100-199' });
  assert.equal(early.status, 206);
  assert.equal(early.text, slice(100, 199));
  const late = get(url, { range: 'bytes=450-549' });
  const multi = get(url, { range: 'bytes=900-909,0-9' });
  const whole = get(url, {});
  await new Promise((resolve) => setTimeout(resolve, 50));
  release();
  const [lateRes, multiRes, wholeRes] = await Promise.all([late, multi, whole]);
  assert.equal(lateRes.status, 206);
  assert.equal(lateRes.text, slice(450, 549));
  assert.deepEqual(
    parseMultipart(multiRes).map((p) => p.body),
    [slice(900, 909), slice(0, 9)],
  );
  assert.equal(wholeRes.text, BODY.toString());
  assert.equal(origin.count(), 1);
});

test('a range of a response arriving without Content-Length is answered once it is complete', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(200, { 'cache-control': 'max-age=3600' });
    res.write(BODY.subarray(0, 300));
    setTimeout(() => res.end(BODY.subarray(300)), 20);
  });
  const { url } = await startGateway(t, [origin.url]);
  const res = await get(url, { range: 'bytes=-10' });
  assert.equal(res.status, 206);
  assert.equal(res.header('content-range'), 'bytes 990-999/1000');
  assert.equal(res.text, slice(990, 999));
  assert.equal(origin.count(), 1);
});

test('a range of a response the cache does not keep is cut from the stream; later ranges of that URL go to the origin as asked', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    res.writeHead(200, {
      'cache-control': 'no-store',
      'content-type': 'text/plain',
      'content-length': SIZE,
      'x-range-seen': req.headers.range ?? '',
    });
    res.end(BODY);
  });
  const { url } = await startGateway(t, [origin.url]);
  const first = await get(url, { range: 'bytes=100-109, 200-209' });
  assert.equal(first.status, 206);
  assert.deepEqual(
    parseMultipart(first).map((p) => [p.contentRange, p.body]),
    [
      ['bytes 100-109/1000', slice(100, 109)],
      ['bytes 200-209/1000', slice(200, 209)],
    ],
  );
  assert.equal(first.header('x-range-seen'), '');
  assert.match(first.header('cache-status') ?? '', /fwd=uri-miss; fwd-status=200; detail=no-store/);
  // The pass memo now knows the URL is not kept: the next Range goes upstream untouched (this origin ignores it).
  const second = await get(url, { range: 'bytes=0-9' });
  assert.equal(second.header('x-range-seen'), 'bytes=0-9');
  assert.match(second.header('cache-status') ?? '', /fwd=bypass; fwd-status=200; detail=range/);
  assert.equal(origin.count(), 2);
});

test('a range of a response larger than maxObjectBytes is cut from the stream; 416 and out-of-order ranges too', async (t) => {
  const origin = await startOrigin(t, (_req, res) => answerWhole(res, {}));
  const { url } = await startGateway(t, [origin.url], { store: { maxObjectBytes: 100 } });
  const paths = ['/a', '/b', '/c'];
  const single = await send(`${url}${paths[0]}`, { headers: { range: 'bytes=-20' } });
  assert.equal(single.status, 206);
  assert.equal(single.header('content-range'), 'bytes 980-999/1000');
  assert.equal(single.text, slice(980, 999));
  assert.match(single.header('cache-status') ?? '', /detail=too-large/);
  const unsatisfiable = await send(`${url}${paths[1]}`, { headers: { range: 'bytes=2000-' } });
  assert.equal(unsatisfiable.status, 416);
  assert.equal(unsatisfiable.header('content-range'), 'bytes */1000');
  // A forward-only stream cannot go back for an earlier range: the whole response is sent instead (§14.2).
  const reversed = await send(`${url}${paths[2]}`, { headers: { range: 'bytes=500-509, 0-9' } });
  assert.equal(reversed.status, 200);
  assert.equal(reversed.text, BODY.toString());
});
