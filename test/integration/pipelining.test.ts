import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { startGateway } from '../helpers/gateway.ts';
import { startAuthStack } from './attacks/harness.ts';
import { rawConnection, type RawAnswer } from '../helpers/raw.ts';

// RFC 9112 §9.3.2: a server answers pipelined requests in the order they were received. These tests
// write several requests at once on one raw connection, with an earlier one that takes a while, and
// read what comes back byte for byte.

const SLOW_MS = 300;
/** Longest wait for the gateway to close a connection; a hang fails the test after this. */
const CLOSE_WITHIN_MS = 3000;

const GET = (path: string, fields = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${fields}\r\n`;

/** An origin whose `/slow` answers after SLOW_MS, and every other path with `METHOD path body-length`. */
function startSlowOrigin(t: TestContext): Promise<Origin> {
  return startOrigin(t, async (req, res, body) => {
    res.setHeader('cache-control', 'no-store');
    if (req.url?.endsWith('/slow') === true) {
      await delay(SLOW_MS);
      res.end('slow body');
      return;
    }
    res.end(`${req.method} ${req.url} ${body.length}`);
  });
}

type Wire = RawAnswer;

/**
 * Writes `payload` on one connection and collects every byte until the gateway closes it, or until
 * `waitMs` passes (`closed: false`). `onData` sees the bytes so far and may write more.
 */
function pipeline(
  url: string,
  payload: string,
  options: { waitMs?: number; onData?: (text: string, socket: net.Socket) => void } = {},
): Promise<Wire> {
  return rawConnection(url, payload, { encoding: 'latin1', waitMs: options.waitMs ?? CLOSE_WITHIN_MS, onData: options.onData });
}

interface WireResponse {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/**
 * Frames the responses in `raw` as a client would (1xx, Content-Length, chunked); `rest` is whatever
 * could not be framed. A clean exchange leaves nothing over.
 */
function parseResponses(raw: string): { responses: WireResponse[]; rest: string } {
  const responses: WireResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = raw.indexOf('\r\n\r\n', at);
    const match = /^HTTP\/1\.1 (\d{3}) /.exec(raw.slice(at, at + 13));
    if (headEnd === -1 || match === null) break;
    const head = raw.slice(at, headEnd);
    const status = Number(match[1]);
    let next = headEnd + 4;
    let body = '';
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (status >= 200 && length !== null) {
      body = raw.slice(next, next + Number(length[1]));
      if (body.length < Number(length[1])) break;
      next += body.length;
    } else if (status >= 200 && /\r\ntransfer-encoding: *chunked/i.test(head)) {
      let complete = false;
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', next);
        if (lineEnd === -1) break;
        const size = parseInt(raw.slice(next, lineEnd), 16);
        if (Number.isNaN(size) || raw.length < lineEnd + 2 + size + 2) break;
        next = lineEnd + 2 + size + 2;
        if (size === 0) {
          complete = true;
          break;
        }
        body += raw.slice(lineEnd + 2, lineEnd + 2 + size);
      }
      if (!complete) break;
    } else if (status >= 200) {
      break;
    }
    responses.push({ status, head, body });
    at = next;
  }
  return { responses, rest: raw.slice(at) };
}

const statusesOf = (wire: Wire): number[] => parseResponses(wire.text).responses.map((r) => r.status);

/** A raw origin: `answer` gets each request's path and its connection (kept alive), for bytes no server library writes. */
async function startRawOrigin(
  t: TestContext,
  answer: (path: string, socket: net.Socket) => void,
): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) !== -1) {
        const path = pending.slice(0, end).split(' ')[1] ?? '';
        pending = pending.slice(end + 4);
        paths.push(path);
        answer(path, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
}

const NO_STORE = 'Cache-Control: no-store\r\n';
const STORABLE = 'Cache-Control: max-age=60\r\n';

/** `/slow` drips the last five bytes of its body one per `stepMs` (kept under any body timeout); `/next` answers at once. */
function answerSlowAndNext(path: string, socket: net.Socket, stepMs = 80): boolean {
  if (path === '/slow') {
    socket.write(`HTTP/1.1 200 OK\r\n${NO_STORE}Content-Length: 9\r\n\r\nslow`);
    [...' body'].forEach((byte, i) => {
      setTimeout(() => socket.write(byte), (i + 1) * stepMs).unref();
    });
    return true;
  }
  if (path === '/next') {
    socket.write(`HTTP/1.1 200 OK\r\n${NO_STORE}Content-Length: 4\r\n\r\nnext`);
    return true;
  }
  return false;
}

test('a request the parser refuses is answered after the pipelined requests before it, then the connection closes', {
  concurrency: true,
}, async (t) => {
  // A raw origin: the body cut short by the refusal is aborted upstream, which this origin shrugs off.
  const origin = await startRawOrigin(t, (path, socket) => answerSlowAndNext(path, socket));
  const { url } = await startGateway(t, [origin.url], { limits: { maxHeaderBytes: 2048 } });
  const cases = [
    ['an invalid header byte (400)', `GET /bad HTTP/1.1\r\nHost: x\r\nBad\x01Name: y\r\n\r\n`, 400],
    ['an oversized header section (431)', GET('/big', `X-Big: ${'a'.repeat(4096)}\r\n`), 431],
    [
      'Content-Length with Transfer-Encoding (400)',
      `POST /both HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
    ],
    [
      'a malformed chunk in a body already being forwarded (400)',
      `POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n`,
      400,
    ],
  ] as const;
  for (const [what, refused, status] of cases) {
    void t.test(what, async () => {
      const wire = await pipeline(url, `${GET('/slow')}${GET('/next')}${refused}`);
      const { responses, rest } = parseResponses(wire.text);
      assert.deepEqual(
        responses.map((r) => r.status),
        [200, 200, status],
      );
      assert.equal(responses[0]?.body, 'slow body');
      assert.equal(responses[1]?.body, 'next');
      assert.match(responses[2]?.body ?? '', /"code":"CACHET_ERR_REQUEST_/);
      assert.equal(rest, '');
      assert.ok(wire.closed, 'the connection closes after the refusal');
    });
  }
});

test('a request the gateway refuses itself is answered in turn; requests pipelined behind it are never acted on', async (t) => {
  const origin = await startSlowOrigin(t);
  const { url } = await startGateway(t, [origin.url], { limits: { maxBodyBytes: 1000 } });
  const cases = [
    ['a body over the limit (413)', `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n${'b'.repeat(2000)}`, 413],
    ['a framing refusal, Host twice (400)', `GET /twice HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n`, 400],
    [
      'a chunked body found over the limit while forwarded (413)',
      `POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n${'b'.repeat(2000)}\r\n0\r\n\r\n`,
      413,
    ],
  ] as const;
  for (const [what, refused, status] of cases) {
    await t.test(what, async () => {
      const seen = origin.requests.length;
      const wire = await pipeline(url, `${GET('/slow')}${refused}${GET('/after')}`);
      const { responses, rest } = parseResponses(wire.text);
      assert.deepEqual(
        responses.map((r) => r.status),
        [200, status],
      );
      assert.equal(responses[0]?.body, 'slow body');
      assert.equal(rest, '');
      assert.ok(wire.closed);
      assert.deepEqual(
        origin.requests.slice(seen).map((r) => r.url),
        ['/slow'],
      );
    });
  }
});

test('a 401 before the body was read is answered in turn and closes; the request behind it is not forwarded', async (t) => {
  const origin = await startSlowOrigin(t);
  const { url } = await startAuthStack(t, {}, origin);
  const wire = await pipeline(
    url,
    `${GET('/public/slow')}POST /v1/things HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi${GET('/public/after')}`,
  );
  const { responses, rest } = parseResponses(wire.text);
  assert.deepEqual(
    responses.map((r) => r.status),
    [200, 401],
  );
  assert.equal(responses[0]?.body, 'slow body');
  assert.equal(rest, '');
  assert.ok(wire.closed);
  assert.deepEqual(
    origin.requests.map((r) => r.url),
    ['/public/slow'],
  );
});

test('a queued response whose upstream body breaks ends the connection at its turn: earlier responses complete, no hang', {
  concurrency: true,
}, async (t) => {
  // undici checks its body timeout about once a second: for that case `/slow` lasts 1.5 s, so the timeout
  // strikes while the broken response is still queued.
  const breaks: ReadonlyArray<readonly [string, (socket: net.Socket) => void, Record<string, unknown>?, number?]> = [
    [
      'the origin closes mid-body',
      (socket) => {
        socket.write(`HTTP/1.1 200 OK\r\n${NO_STORE}Content-Length: 100\r\n\r\n0123456789`);
        setTimeout(() => socket.destroy(), 50).unref();
      },
    ],
    [
      'the origin closes mid-body of a response being stored',
      (socket) => {
        socket.write(`HTTP/1.1 200 OK\r\n${STORABLE}Content-Length: 100\r\n\r\n0123456789`);
        setTimeout(() => socket.destroy(), 50).unref();
      },
    ],
    [
      'an oversized chunk',
      (socket) => {
        socket.write(`HTTP/1.1 200 OK\r\n${NO_STORE}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`);
        setTimeout(() => socket.write('fffffffffffffffffffffff\r\n'), 50).unref();
      },
    ],
    [
      'the body timeout',
      (socket) => {
        socket.write(`HTTP/1.1 200 OK\r\n${NO_STORE}Content-Length: 100\r\n\r\n0123456789`);
      },
      { upstream: { timeouts: { responseMs: 400 } } },
      300,
    ],
  ];
  for (const [what, breakBody, config, stepMs] of breaks) {
    void t.test(what, async (t) => {
      const origin = await startRawOrigin(t, (path, socket) => {
        if (!answerSlowAndNext(path, socket, stepMs)) breakBody(socket);
      });
      const { url } = await startGateway(t, [origin.url], config);
      const wire = await pipeline(url, `${GET('/slow')}${GET('/broken')}${GET('/next')}`);
      const { responses } = parseResponses(wire.text);
      assert.deepEqual(
        responses.map((r) => r.status),
        [200],
      );
      assert.equal(responses[0]?.body, 'slow body');
      assert.ok(wire.closed, 'the gateway ends the connection instead of leaving the client waiting');
    });
  }
});

test('Expect: 100-continue on a queued request: no 100 inside an earlier response, every byte frames cleanly', async (t) => {
  const origin = await startSlowOrigin(t);
  const { url } = await startGateway(t, [origin.url]);
  // The body follows at once: the client is not waiting, and the origin answers while the response is queued.
  const expecting = `POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello`;
  const wire = await pipeline(url, `${GET('/slow')}${expecting}${GET('/after', 'Connection: close\r\n')}`);
  const { responses, rest } = parseResponses(wire.text);
  assert.deepEqual(
    responses.map((r) => r.status),
    [200, 200, 200],
  );
  assert.deepEqual(
    responses.map((r) => r.body),
    ['slow body', 'POST /echo 5', 'GET /after 0'],
  );
  assert.equal(rest, '');
});

test('Expect: 100-continue on a queued request whose client waits: the 100 comes at its turn, after the earlier response', async (t) => {
  const origin = await startSlowOrigin(t);
  const { url } = await startGateway(t, [origin.url]);
  let sent = false;
  const wire = await pipeline(
    url,
    `${GET('/slow')}POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n`,
    {
      onData: (text, socket) => {
        if (!sent && text.includes('HTTP/1.1 100 Continue\r\n\r\n')) {
          sent = true;
          socket.write('hello');
        }
      },
    },
  );
  assert.deepEqual(statusesOf(wire), [200, 100, 200]);
  assert.deepEqual(
    parseResponses(wire.text).responses.map((r) => r.body),
    ['slow body', '', 'POST /echo 5'],
  );
});

test('no 100 Continue to an HTTP/1.0 client (RFC 9110 §15.2)', async (t) => {
  const origin = await startSlowOrigin(t);
  const { url } = await startGateway(t, [origin.url]);
  const wire = await pipeline(url, 'POST /echo HTTP/1.0\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello');
  assert.ok(!wire.text.includes(' 100 '), wire.text);
  assert.match(wire.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(wire.text.endsWith('POST /echo 5'));
});

test("Content-Length in a chunked response's trailer section is ignored: the response completes, the next one follows", async (t) => {
  for (const [what, storability] of [
    ['passed through', NO_STORE],
    ['being stored', STORABLE],
  ] as const) {
    await t.test(what, async (t) => {
      const origin = await startRawOrigin(t, (path, socket) => {
        if (answerSlowAndNext(path, socket)) return;
        socket.write(
          `HTTP/1.1 200 OK\r\n${storability}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nContent-Length: 11\r\n\r\n`,
        );
      });
      const { url } = await startGateway(t, [origin.url]);
      const wire = await pipeline(url, `${GET('/trailer')}${GET('/next', 'Connection: close\r\n')}`);
      const { responses, rest } = parseResponses(wire.text);
      assert.deepEqual(
        responses.map((r) => [r.status, r.body]),
        [
          [200, 'hello world'],
          [200, 'next'],
        ],
      );
      assert.equal(rest, '');
      // Anomalous framing is never stored: the next request for it goes to the origin again.
      const again = await pipeline(url, GET('/trailer', 'Connection: close\r\n'));
      assert.equal(parseResponses(again.text).responses[0]?.body, 'hello world');
      assert.equal(origin.paths.filter((p) => p === '/trailer').length, 2);
    });
  }
});
