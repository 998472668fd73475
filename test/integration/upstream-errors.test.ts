import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'undici';
import { classifyUpstreamError } from '../../src/upstream/errors.ts';

async function startOrigin(t: TestContext, handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function captureRequestError(t: TestContext, url: string, options: Client.Options, signal?: AbortSignal): Promise<unknown> {
  const client = new Client(url, options);
  t.after(() => client.destroy());
  try {
    const response = await client.request({ method: 'GET', path: '/', signal });
    await response.body.text();
  } catch (error) {
    return error;
  }
  assert.fail('the request should have failed');
}

test('a real refused connection is a connect error (502, RFC 9110 §15.6.3)', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const error = await captureRequestError(t, `http://127.0.0.1:${port}`, {});
  assert.equal(classifyUpstreamError(error), 'connect');
});

// undici arms these timers with 1 s resolution, so each case takes about a second: run them side by side.
test('real undici timeouts are timeouts (504, RFC 9110 §15.6.5)', { concurrency: true }, async (t) => {
  await Promise.all([
    t.test('headers timeout', async (t) => {
      const url = await startOrigin(t, () => {
        /* never answers */
      });
      const error = await captureRequestError(t, url, { headersTimeout: 100 });
      assert.equal((error as { code?: string }).code, 'UND_ERR_HEADERS_TIMEOUT');
      assert.equal(classifyUpstreamError(error), 'timeout');
    }),
    t.test('body timeout', async (t) => {
      const url = await startOrigin(t, (_req, res) => {
        res.writeHead(200, { 'content-length': '10' });
        res.write('12345'); // and never the rest
      });
      const error = await captureRequestError(t, url, { bodyTimeout: 100 });
      assert.equal((error as { code?: string }).code, 'UND_ERR_BODY_TIMEOUT');
      assert.equal(classifyUpstreamError(error), 'timeout');
    }),
  ]);
});

test('a request the caller aborts is aborted, with or without a custom reason', async (t) => {
  const url = await startOrigin(t, () => {
    /* never answers */
  });
  const plain = new AbortController();
  setTimeout(() => plain.abort(), 30);
  assert.equal(classifyUpstreamError(await captureRequestError(t, url, {}, plain.signal), plain.signal), 'aborted');

  const custom = new AbortController();
  setTimeout(() => custom.abort(new Error('client went away')), 30);
  const error = await captureRequestError(t, url, {}, custom.signal);
  assert.equal(classifyUpstreamError(error, custom.signal), 'aborted');
});
