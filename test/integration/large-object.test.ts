import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { startOrigin } from '../helpers/origin.ts';
import { sampleHeldArrayBuffers } from '../helpers/held-memory.ts';
import { startGateway } from '../helpers/gateway.ts';

const SIZE = 50 * 1024 * 1024;
const CLIENTS = 20;

test('a 50 MB object to 20 concurrent clients: one origin fetch, streamed, no per-client copy', async (t) => {
  const payload = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4096) payload.writeUInt32BE(i, i);
  const expected = createHash('sha256').update(payload).digest('hex');
  const origin = await startOrigin(t, async (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=3600');
    res.setHeader('content-length', SIZE);
    // Stream slowly enough that every client joins while the body is still arriving.
    for (let offset = 0; offset < SIZE; offset += 1024 * 1024) {
      if (!res.write(payload.subarray(offset, offset + 1024 * 1024))) await new Promise((r) => res.once('drain', r));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  });
  const { url } = await startGateway(t, [origin.url]);

  const sampler = sampleHeldArrayBuffers(100);
  const clients = Array.from({ length: CLIENTS }, async () => {
    const res = await request(`${url}/definitions`);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res.body) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { status: res.statusCode, bytes, digest: hash.digest('hex') };
  });
  const results = await Promise.all(clients).finally(() => sampler.stop());
  for (const result of results) {
    assert.equal(result.status, 200);
    assert.equal(result.bytes, SIZE);
    assert.equal(result.digest, expected);
  }
  assert.equal(origin.count('/definitions'), 1);
  // One shared cached copy (50 MB) plus socket buffers; a second copy would pass 100 MB, 20 would be 1 GB.
  const grownMb = sampler.stop() / 1024 / 1024;
  t.diagnostic(`held array buffers grew by ${grownMb.toFixed(0)} MB at peak`);
  assert.ok(grownMb < 90, `held array buffers grew by ${grownMb.toFixed(0)} MB`);
});
