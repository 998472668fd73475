import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { request } from 'undici';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { ADMIN_TOKEN, send, startGateway, type StartedGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/shared-gateways.ts';
import { sampleHeldArrayBuffers } from '../helpers/held-memory.ts';
import { hasRedisOrSkip, startRedis, type RedisServer } from '../helpers/redis.ts';

const MiB = 1024 * 1024;
const SIZE = 50 * MiB;
const ETAG = '"big-v1"';

/** 50 MiB whose every 4 KiB block starts with its own offset, so a misplaced slice shows. */
function createPayload(size: number): Buffer {
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) payload.writeUInt32BE(i, i);
  return payload;
}

/** An origin serving `payload` at every path, storable, with an ETag. */
async function startPayloadOrigin(t: TestContext, payload: Buffer): Promise<Origin> {
  return startOrigin(t, (_req, res) => {
    res.writeHead(200, { 'cache-control': 'public, max-age=3600', 'content-length': payload.length, etag: ETAG });
    res.end(payload);
  });
}

/** A gateway on Redis whose memory tier (1 MiB) is far too small for the payload: hits on it come from Redis. */
function startL2Gateway(t: TestContext, origin: Origin, redis: RedisServer): Promise<StartedGateway> {
  return startGateway(t, [origin.url], {
    store: {
      type: 'redis',
      url: redis.url,
      keyPrefix: `l2-${randomBytes(4).toString('hex')}:`,
      memory: { maxBytes: MiB },
      commandTimeoutMs: 2000,
    },
  });
}

/** Fills the cache with `path` and waits until Redis has it (a HEAD is then a hit; a HEAD that misses stores nothing). */
async function fill(gateway: StartedGateway, path: string): Promise<void> {
  assert.equal((await send(`${gateway.url}${path}`)).status, 200);
  await waitUntil(
    async () => {
      const probe = await send(`${gateway.url}${path}`, { method: 'HEAD' });
      return /^cachet; hit/.test(probe.header('cache-status') ?? '');
    },
    'the entry to be stored in redis',
    20_000,
  );
}

interface SlowAnswer {
  readonly head: string;
  readonly bytes: number;
  readonly digest: string;
  /** The connection closed before the declared Content-Length arrived. */
  readonly truncated: boolean;
}

/**
 * A GET read slowly over a raw connection: nothing is read for `stallMs`, then a few KiB at a time with pauses.
 * `onBody` runs once, when the first body bytes arrive.
 */
function slowGet(baseUrl: string, path: string, options: { stallMs: number; pauseMs: number; onBody?: () => void }): Promise<SlowAnswer> {
  const { host, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    socket.setNoDelay(true);
    const hash = createHash('sha256');
    let head: string | undefined;
    let pending = Buffer.alloc(0);
    let bytes = 0;
    let length = Number.POSITIVE_INFINITY;
    let notified = false;
    socket.on('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
      socket.pause();
      setTimeout(() => socket.resume(), options.stallMs);
    });
    socket.on('data', (data: Buffer) => {
      let body = data;
      if (head === undefined) {
        pending = Buffer.concat([pending, data]);
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = pending.subarray(0, end).toString('latin1');
        length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? Number.POSITIVE_INFINITY);
        body = pending.subarray(end + 4);
      }
      hash.update(body);
      bytes += body.length;
      if (bytes > 0 && !notified) {
        notified = true;
        options.onBody?.();
      }
      socket.pause();
      setTimeout(() => socket.resume(), options.pauseMs);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (head === undefined) return reject(new Error('connection closed before the head'));
      resolve({ head, bytes, digest: hash.digest('hex'), truncated: bytes < length });
    });
  });
}

/** A GET whose body is kept as bytes. */
async function getBytes(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

/** Calls of HMGET (the body chunk reads) Redis has answered so far. */
function chunkReads(redis: RedisServer): number {
  return Number(/cmdstat_hmget:calls=(\d+)/.exec(redis.cli('info', 'commandstats'))?.[1] ?? 0);
}

if (hasRedisOrSkip()) {
  const redis = await startRedis();

  describe('an L2 hit too large for the memory tier streams from Redis', () => {
    const payload = createPayload(SIZE);
    const expected = createHash('sha256').update(payload).digest('hex');

    it('a slow client of a 50 MiB L2 entry gets every byte while the process holds a few chunks of it', async (t) => {
      const origin = await startPayloadOrigin(t, payload);
      const gateway = await startL2Gateway(t, origin, redis);
      await fill(gateway, '/big');
      const originRequests = origin.count();

      const sampler = sampleHeldArrayBuffers(200);
      const answer = await slowGet(gateway.url, '/big', { stallMs: 400, pauseMs: 1 }).finally(() => sampler.stop());

      assert.match(answer.head, /^HTTP\/1\.1 200/);
      assert.match(answer.head, /cache-status: cachet; hit/);
      assert.equal(answer.bytes, SIZE);
      assert.equal(answer.digest, expected);
      assert.equal(origin.count(), originRequests, 'answered from Redis');
      const grownMiB = sampler.stop() / MiB;
      t.diagnostic(`array buffers grew by ${grownMiB.toFixed(1)} MiB at peak`);
      assert.ok(grownMiB < 16, `the process held ${grownMiB.toFixed(1)} MiB of a ${SIZE / MiB} MiB body`);
    });

    it('a range reads only the chunks that hold it; HEAD and 304 read none', async (t) => {
      const size = 6 * MiB;
      const payload = createPayload(size);
      const rangeOrigin = await startPayloadOrigin(t, payload);
      const gateway = await startL2Gateway(t, rangeOrigin, redis);
      await fill(gateway, '/ranges');

      const before = chunkReads(redis);
      const single = await getBytes(`${gateway.url}/ranges`, { range: 'bytes=5000000-5000099' });
      assert.equal(single.status, 206);
      assert.equal(single.headers['content-range'], `bytes 5000000-5000099/${size}`);
      assert.deepEqual(single.body, payload.subarray(5000000, 5000100));
      assert.equal(chunkReads(redis) - before, 1, 'one command for the one chunk that holds it');

      // Across a chunk boundary (256 KiB), a suffix and two ranges in one multipart answer.
      const across = await getBytes(`${gateway.url}/ranges`, { range: 'bytes=262140-262150' });
      assert.equal(across.status, 206);
      assert.deepEqual(across.body, payload.subarray(262140, 262151));
      const suffix = await getBytes(`${gateway.url}/ranges`, { range: 'bytes=-100' });
      assert.deepEqual(suffix.body, payload.subarray(size - 100));
      const multi = await getBytes(`${gateway.url}/ranges`, { range: 'bytes=0-9,4000000-4000009' });
      assert.equal(multi.status, 206);
      assert.match(String(multi.headers['content-type']), /^multipart\/byteranges/);
      assert.ok(multi.body.includes(payload.subarray(0, 10)) && multi.body.includes(payload.subarray(4000000, 4000010)));

      const beforeHead = chunkReads(redis);
      const head = await send(`${gateway.url}/ranges`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.header('content-length'), String(size));
      const notModified = await send(`${gateway.url}/ranges`, { headers: { 'if-none-match': ETAG } });
      assert.equal(notModified.status, 304);
      assert.equal(chunkReads(redis), beforeHead, 'HEAD and 304 never read the body');
    });
  });

  it('a body gone from Redis mid-read cuts the response short, is counted and its entry dropped', async (t) => {
    const payload = createPayload(8 * MiB);
    const origin = await startPayloadOrigin(t, payload);
    const keyPrefix = `gone-${randomBytes(4).toString('hex')}:`;
    const gateway = await startGateway(t, [origin.url], {
      store: { type: 'redis', url: redis.url, keyPrefix, memory: { maxBytes: MiB }, commandTimeoutMs: 2000 },
    });
    await fill(gateway, '/gone');
    const originRequests = origin.count();

    const answer = await slowGet(gateway.url, '/gone', {
      stallMs: 0,
      pauseMs: 5,
      onBody: () => {
        redis.cli('eval', "for _, k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) end return 0", '0', `${keyPrefix}*:b:*`);
      },
    });
    assert.match(answer.head, /^HTTP\/1\.1 200/);
    assert.ok(answer.truncated, `a short body must not look complete (${answer.bytes} of ${payload.length} bytes)`);

    const metrics = await send(`${gateway.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.match(metrics.text, /cachet_store_errors_total\{operation="read"\} 1/);
    const next = await send(`${gateway.url}/gone`);
    assert.equal(next.status, 200);
    assert.equal(next.text.length, payload.length);
    assert.match(next.header('cache-status') ?? '', /fwd=uri-miss/, 'the entry was dropped: the next request is a miss');
    assert.equal(origin.count(), originRequests + 1);
  });
}
