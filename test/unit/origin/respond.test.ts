import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendNotModified, sendPreconditionFailed, sendPreconditionRequired } from '../../../src/origin/index.ts';

async function fetchFrom(t: test.TestContext, handle: (res: ServerResponse) => void): Promise<Response> {
  const server = createServer((_req, res) => handle(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}

test('RFC 9110 §15.4.5 sendNotModified: 304, no content, the given validators and caching fields', async (t) => {
  const res = await fetchFrom(t, (r) => sendNotModified(r, { etag: '"v2"', 'cache-control': 'max-age=60' }));
  assert.equal(res.status, 304);
  assert.equal(res.headers.get('etag'), '"v2"');
  assert.equal(res.headers.get('cache-control'), 'max-age=60');
  assert.equal(await res.text(), '');
});

test('RFC 9110 §15.5.13 sendPreconditionFailed: 412 problem+json, not stored', async (t) => {
  const res = await fetchFrom(t, (r) => sendPreconditionFailed(r, { etag: '"v3"' }));
  assert.equal(res.status, 412);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('etag'), '"v3"');
  assert.deepEqual(await res.json(), {
    type: 'about:blank',
    title: 'Precondition Failed',
    status: 412,
    detail: 'The representation changed since the client last read it.',
  });
});

test('RFC 6585 §3 sendPreconditionRequired: 428 problem+json with the given detail', async (t) => {
  const res = await fetchFrom(t, (r) => sendPreconditionRequired(r, {}, 'PUT needs If-Match.'));
  assert.equal(res.status, 428);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  const body = (await res.json()) as { status: number; detail: string };
  assert.equal(body.status, 428);
  assert.equal(body.detail, 'PUT needs If-Match.');
});
