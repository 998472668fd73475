import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTempDbPath, startTestOrigin } from './helpers.ts';

interface FeedStatus {
  feeds: Array<{ name: string; entries?: number; version?: string; bytes?: number }>;
  checkedAt: string;
}

test('origin: GET /v1/feeds/status answers JSON without any freshness information (no Cache-Control, Expires or Last-Modified)', async (t) => {
  const origin = await startTestOrigin(t, { dbPath: createTempDbPath(t), instance: 'a' });
  const res = await fetch(`${origin.url}/v1/feeds/status`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  for (const field of ['cache-control', 'expires', 'last-modified', 'etag']) assert.equal(res.headers.get(field), null, field);
  const status = (await res.json()) as FeedStatus;
  assert.deepEqual(
    status.feeds.map((feed) => feed.name),
    ['threats', 'virus-definitions'],
  );
  assert.ok((status.feeds[0]?.entries ?? 0) > 0, 'the seeded threats are counted');
  assert.equal(status.feeds[1]?.bytes, 1024 * 1024);
  assert.ok(Number.isFinite(Date.parse(status.checkedAt)));

  const head = await fetch(`${origin.url}/v1/feeds/status`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  const post = await fetch(`${origin.url}/v1/feeds/status`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});
