import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin } from '../helpers/origin.ts';
import { startGateway } from '../helpers/gateway.ts';
import { rawConnection } from '../helpers/raw.ts';

// How the listener treats clients that stall, half-close or send an unparseable HEAD: each answer is framed so
// the client can read it, and no socket is held past the configured limits.

const LIMITS = { headersTimeoutMs: 400, requestTimeoutMs: 800 };

async function startStack(t: TestContext): Promise<string> {
  const origin = await startOrigin(t, (req, res) => res.end(`${req.method} ${req.url}`));
  const { url } = await startGateway(t, [origin.url], { limits: LIMITS });
  return url;
}

/** Writes `payload`, optionally half-closes, and collects everything until the gateway closes (or 5 s pass). */
function exchange(url: string, payload: string, halfClose = false): Promise<{ text: string; closedAfterMs: number }> {
  return rawConnection(url, payload, { encoding: 'latin1', halfClose }).then(({ text, elapsedMs }) => ({ text, closedAfterMs: elapsedMs }));
}

test('a client stalled mid-head is answered 408 and cut soon after headersTimeoutMs, not on a 30 s sweep', async (t) => {
  const url = await startStack(t);
  const { text, closedAfterMs } = await exchange(url, 'GET /a HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.ok(closedAfterMs < LIMITS.headersTimeoutMs + 1500, `closed after ${Math.round(closedAfterMs)} ms`);
  // The method of a request cut short is unknown (it may be a HEAD): the answer carries no content.
  assert.match(text, /\r\n\r\n$/);
  assert.doesNotMatch(text, /content-length/i);
});

test('a client stalled mid-body is cut soon after requestTimeoutMs', async (t) => {
  const url = await startStack(t);
  const { closedAfterMs } = await exchange(url, 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
  assert.ok(closedAfterMs < LIMITS.requestTimeoutMs + 1500, `closed after ${Math.round(closedAfterMs)} ms`);
});

test('a client that half-closes after its requests still gets every answer, then the connection ends (RFC 9112 §9.6)', async (t) => {
  const url = await startStack(t);
  const { text } = await exchange(url, 'GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n', true);
  assert.equal(text.match(/HTTP\/1\.1 200 OK\r\n/g)?.length, 2, text);
  assert.match(text, /GET \/one[\s\S]*GET \/two$/);
});

test('an unparseable HEAD is refused without content; any other request gets a problem+json body', async (t) => {
  const url = await startStack(t);
  const head = await exchange(url, 'HEAD /a HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n');
  assert.match(head.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(head.text, /\r\n\r\n$/, 'no content after the head');
  const get = await exchange(url, 'GET /a HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n');
  assert.match(
    get.text,
    /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*content-type: application\/problem\+json[\s\S]*"code":"CACHET_ERR_REQUEST_MALFORMED"/,
  );
});
