import { test, type TestContext } from 'node:test';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { exchange, lastEcho, rawExchange, readStatuses, startAuthStack, startFramingOrigin } from './harness.ts';

const SMUGGLED = 'GET /public/smuggled HTTP/1.1\r\nHost: x\r\n\r\n';

interface FramingCase {
  readonly name: string;
  readonly todo?: string;
  readonly payload: string;
  /** Statuses of every response on the connection, in order. */
  readonly statuses: readonly number[];
}

const post = (fields: string, body: string): string => `POST /public/a HTTP/1.1\r\nHost: x\r\n${fields}\r\n\r\n${body}`;

const refused: FramingCase[] = [
  {
    name: 'CL.TE: Content-Length with Transfer-Encoding → 400, the tail never runs (RFC 9112 §6.1)',
    payload: post('Content-Length: 6\r\nTransfer-Encoding: chunked', `0\r\n\r\nG${SMUGGLED}`),
    statuses: [400],
  },
  {
    name: 'TE.CL: Transfer-Encoding then Content-Length → 400 (RFC 9112 §6.3 rule 3)',
    payload: post('Transfer-Encoding: chunked\r\nContent-Length: 4', `2c\r\n${SMUGGLED}\r\n0\r\n\r\n`),
    statuses: [400],
  },
  {
    name: 'Content-Length: 0 with chunked → 400 (RFC 9112 §6.1)',
    payload: post('Content-Length: 0\r\nTransfer-Encoding: chunked', `0\r\n\r\n${SMUGGLED}`),
    statuses: [400],
  },
  {
    name: 'two Content-Length lines with different values → 400 (RFC 9112 §6.3 rule 5)',
    payload: post('Content-Length: 5\r\nContent-Length: 47', `hello${SMUGGLED}`),
    statuses: [400],
  },
  {
    name: 'Content-Length list "5, 47" → 400 (RFC 9110 §8.6)',
    payload: post('Content-Length: 5, 47', `hello${SMUGGLED}`),
    statuses: [400],
  },
  { name: 'Content-Length "+5" → 400 (RFC 9110 §8.6 1*DIGIT)', payload: post('Content-Length: +5', 'hello'), statuses: [400] },
  { name: 'Content-Length "0x5" → 400 (RFC 9110 §8.6)', payload: post('Content-Length: 0x5', 'hello'), statuses: [400] },
  { name: 'Content-Length "-1" → 400 (RFC 9110 §8.6)', payload: post('Content-Length: -1', 'hello'), statuses: [400] },
  {
    name: 'Transfer-Encoding "chunked, identity" → 400 (RFC 9112 §6.3 rule 4: chunked not last)',
    payload: post('Transfer-Encoding: chunked, identity', '0\r\n\r\n'),
    statuses: [400],
  },
  {
    name: 'Transfer-Encoding "identity" → 400 (RFC 9112 §6.1, no such coding)',
    payload: post('Transfer-Encoding: identity', `0\r\n\r\n${SMUGGLED}`),
    statuses: [400],
  },
  {
    name: 'Transfer-Encoding "xchunked" → 400 (RFC 9112 §6.3 rule 4)',
    payload: post('Transfer-Encoding: xchunked', '0\r\n\r\n'),
    statuses: [400],
  },
  {
    name: 'Transfer-Encoding chunked on two lines → 400 (RFC 9112 §7: chunked once)',
    payload: post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked', '0\r\n\r\n'),
    statuses: [400],
  },
  {
    name: 'Transfer-Encoding "gzip, chunked" → 400 (a coding the gateway would forward undecoded)',
    payload: post('Transfer-Encoding: gzip, chunked', '0\r\n\r\n'),
    statuses: [400],
  },
  {
    name: '"Transfer-Encoding : chunked" (space before colon) → 400 (RFC 9112 §5.1)',
    payload: post('Transfer-Encoding : chunked\r\nContent-Length: 5', 'hello'),
    statuses: [400],
  },
  {
    name: 'Transfer-Encoding with a vertical tab before chunked → 400 (RFC 9110 §5.5)',
    payload: post('Transfer-Encoding: \x0bchunked', `0\r\n\r\n${SMUGGLED}`),
    statuses: [400],
  },
  {
    name: 'obs-fold continuing Transfer-Encoding → 400 (RFC 9112 §5.2)',
    payload: post('Transfer-Encoding: identity\r\n , chunked', '0\r\n\r\n'),
    statuses: [400],
  },
  {
    name: 'obs-fold in an ordinary field → 400 (RFC 9112 §5.2)',
    payload: 'GET /public/a HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n',
    statuses: [400],
  },
  {
    name: 'bare LF ending a Content-Length line before Transfer-Encoding → 400 (RFC 9112 §2.2)',
    payload: post('Content-Length: 5\nTransfer-Encoding: chunked', '0\r\n\r\n'),
    statuses: [400],
  },
  {
    name: 'NUL in a header value → 400 (RFC 9110 §5.5)',
    payload: 'GET /public/a HTTP/1.1\r\nHost: x\r\nX-Nul: a\x00b\r\n\r\n',
    statuses: [400],
  },
  {
    name: 'bare CR in a header value → 400 (RFC 9110 §5.5)',
    payload: 'GET /public/a HTTP/1.1\r\nHost: x\r\nX-Cr: a\rTransfer-Encoding: chunked\r\n\r\n',
    statuses: [400],
  },
  {
    name: 'HTTP/1.0 with Transfer-Encoding → 400 (RFC 9112 §6.1)',
    payload: 'POST /public/a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    statuses: [400],
  },
  {
    name: 'space inside the request target → 400 (RFC 9112 §3)',
    payload: 'GET /public/a b/../../v1/admin HTTP/1.1\r\nHost: x\r\n\r\n',
    statuses: [400],
  },
  {
    name: 'tab inside the request target → 400 (RFC 9112 §3)',
    payload: 'GET /public/a\t/../v1/admin HTTP/1.1\r\nHost: x\r\n\r\n',
    statuses: [400],
  },
  {
    name: 'invalid character in a field name → 400 (RFC 9110 §5.1 token)',
    payload: 'GET /public/a HTTP/1.1\r\nHost: x\r\nX-Bad(: 1\r\n\r\n',
    statuses: [400],
  },
  { name: 'no Host on HTTP/1.1 → 400 (RFC 9112 §3.2)', payload: 'GET /public/a HTTP/1.1\r\nX: y\r\n\r\n', statuses: [400] },
  {
    name: 'HTTP/2 connection preface on the HTTP/1.1 port → refused, nothing forwarded',
    payload: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    statuses: [400],
  },
  {
    name: 'over-long header section → 431 (RFC 6585 §5)',
    payload: `GET /public/a HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(6000)}\r\n\r\n`,
    statuses: [431],
  },
  {
    name: 'many small headers over the limit → 431 (RFC 6585 §5)',
    payload: `GET /public/a HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 1000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
    statuses: [431],
  },
  {
    name: 'declared body over the limit → 413 (RFC 9110 §15.5.14)',
    payload: post('Content-Length: 5000', 'x'.repeat(5000)),
    statuses: [413],
  },
  {
    name: 'chunked body over the limit → 413 (RFC 9110 §15.5.14)',
    payload: post('Transfer-Encoding: chunked', `800\r\n${'y'.repeat(2048)}\r\n0\r\n\r\n`),
    statuses: [413],
  },
  {
    name: 'Expect: 100-continue with a too-large Content-Length → 413, no 100 (RFC 9110 §10.1.1)',
    payload: post('Content-Length: 99999999\r\nExpect: 100-continue', ''),
    statuses: [413],
  },
  {
    name: 'Expect: 100-continue without a token on a jwt route → 401, no 100 (RFC 9110 §10.1.1)',
    payload: 'POST /v1/things HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
    statuses: [401],
  },
  {
    name: 'refused request with a body carrying a second request: the body never runs',
    payload: `POST /v1/things HTTP/1.1\r\nHost: x\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
    statuses: [401],
  },
  {
    name: 'h2c upgrade without a token on a jwt route → 401, no tunnel (h2c smuggling)',
    payload:
      'GET /v1/things HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n',
    statuses: [401],
  },
  {
    name: 'WebSocket upgrade without a token on a jwt route → 401 (RFC 6455 §4.1 + RFC 6750)',
    payload:
      'GET /v1/things HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    statuses: [401],
  },
  {
    name: 'CONNECT to another host → refused, no tunnel (RFC 9110 §9.3.6)',
    payload: 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
    statuses: [400],
  },
];

test('request smuggling and framing: refused, connection closed, nothing forwarded', async (t) => {
  const origin = await startFramingOrigin(t);
  const { url } = await startAuthStack(t, { limits: { maxHeaderBytes: 4096, maxBodyBytes: 1024 } }, origin);
  for (const c of refused) {
    await t.test(c.name, c.todo === undefined ? {} : { todo: c.todo }, async () => {
      const seen = origin.heads.length;
      const raw = await rawExchange(url, c.payload);
      const statuses = readStatuses(raw);
      // The first answer decides; a refusal closes the connection, so nothing follows it.
      if (c.payload.startsWith('CONNECT') || c.payload.startsWith('PRI')) {
        assert.ok(
          statuses.every((s) => s >= 400),
          `answered ${statuses.join(',')}`,
        );
      } else {
        assert.deepEqual(statuses, c.statuses, raw.slice(0, 200));
      }
      assert.deepEqual(origin.heads.slice(seen), [], 'the upstream saw a request');
    });
  }

  await t.test('no refused request let its tail run as a request', () => {
    assert.ok(!origin.heads.includes('GET /public/smuggled'), origin.heads.join(', '));
  });

  await t.test('"Transfer-Encoding:<TAB>chunked" is valid OWS and frames exactly one body (RFC 9112 §5.1)', async () => {
    const seen = origin.count();
    const raw = await rawExchange(url, post('Transfer-Encoding:\tchunked\r\nConnection: close', '5\r\nhello\r\n0\r\n\r\n'));
    const statuses = readStatuses(raw);
    assert.ok(statuses.length === 1 && (statuses[0] === 200 || statuses[0] === 400), String(statuses));
    if (statuses[0] === 200) assert.equal(lastEcho(origin).body, 'hello');
    assert.ok(origin.count() <= seen + 1);
  });

  await t.test('identical repeated Content-Length: refused, or one length with that body only (RFC 9110 §8.6)', async () => {
    const seen = origin.count();
    const raw = await rawExchange(url, post('Content-Length: 5\r\nContent-Length: 5\r\nConnection: close', `hello${SMUGGLED}`));
    const statuses = readStatuses(raw);
    assert.ok(statuses.length === 1 && (statuses[0] === 200 || statuses[0] === 400), String(statuses));
    if (statuses[0] === 200) assert.equal(lastEcho(origin).body, 'hello');
    assert.ok(origin.count() <= seen + 1);
  });

  const pipelinedAfterRefusal = [
    ['duplicate Host (refused by the framing check)', 'GET /public/a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'],
    ['a refused token with a body (401, connection closed)', 'POST /v1/things HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi'],
  ] as const;
  for (const [what, first] of pipelinedAfterRefusal) {
    await t.test(`a request pipelined after ${what} is not executed (RFC 9112 §9.6)`, {}, async () => {
      const seen = origin.heads.length;
      const raw = await rawExchange(url, `${first}GET /public/after-refusal HTTP/1.1\r\nHost: x\r\n\r\n`, 400);
      assert.equal(readStatuses(raw).length, 1);
      assert.deepEqual(origin.heads.slice(seen), []);
    });
  }

  await t.test('pipelined valid requests are answered in order and each reaches the upstream once (RFC 9112 §9.3.2)', async () => {
    const seen = origin.count();
    const raw = await rawExchange(
      url,
      `GET /public/p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /public/p2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      800,
    );
    assert.deepEqual(readStatuses(raw), [200, 200]);
    assert.ok(raw.indexOf('/public/p1') < raw.indexOf('/public/p2'));
    assert.deepEqual(
      origin.requests.slice(seen).map((r) => r.url),
      ['/public/p1', '/public/p2'],
    );
  });

  await t.test('a chunked body is re-framed upstream: the origin sees one request with the decoded body (RFC 9112 §7.1.3)', async () => {
    const seen = origin.count();
    const raw = await rawExchange(
      url,
      post(
        'Transfer-Encoding: chunked\r\nConnection: close',
        `5\r\nhello\r\n${(SMUGGLED.length).toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`,
      ),
    );
    assert.deepEqual(readStatuses(raw), [200]);
    assert.deepEqual(
      origin.requests.slice(seen).map((r) => r.url),
      ['/public/a'],
    );
    assert.equal(lastEcho(origin).body, `hello${SMUGGLED}`);
  });
});

const BIN = new URL('../../../bin/cachet.js', import.meta.url).pathname;

/** `cachet proxy --to origin` in its own process, as the contract runs it: a crash shows as an exit, not as a failure of this process. */
async function startCliProxy(t: TestContext, origin: string): Promise<{ url: string; isAlive(): boolean }> {
  const child = spawn(process.execPath, [BIN, 'proxy', '--to', origin, '--port', '0', '--log-level', 'silent'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = output
        .split('\n')
        .find((l) => l.includes('listening'))
        ?.match(/http:\/\/[\d.]+:\d+/);
      if (match) resolve(match[0]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`cachet exited: ${output}`)));
  });
  return { url, isAlive: () => child.exitCode === null && child.signalCode === null };
}

/** Like rawExchange, but a refused connection (the gateway is gone) answers nothing instead of throwing. */
async function tryRawExchange(url: string, payload: string): Promise<string> {
  try {
    return await rawExchange(url, payload);
  } catch {
    return '';
  }
}

const bodyPhase: Array<{ name: string; payload: string }> = [
  { name: 'invalid chunk size "zz" → 400 (RFC 9112 §7.1)', payload: post('Transfer-Encoding: chunked', 'zz\r\nhello\r\n0\r\n\r\n') },
  { name: 'chunk size "0x5" → 400 (RFC 9112 §7.1 1*HEXDIG)', payload: post('Transfer-Encoding: chunked', '0x5\r\nhello\r\n0\r\n\r\n') },
  {
    name: 'chunk size overflowing 64 bits → 400 (RFC 9112 §7.1)',
    payload: post('Transfer-Encoding: chunked', 'fffffffffffffffff1\r\nhello\r\n0\r\n\r\n'),
  },
  { name: 'bare LF after a chunk size → 400 (RFC 9112 §7.1)', payload: post('Transfer-Encoding: chunked', '5\nhello\r\n0\r\n\r\n') },
  {
    name: 'chunk data longer than its size, a request in the tail → 400, tail never runs (RFC 9112 §7.1)',
    payload: post('Transfer-Encoding: chunked', `3\r\nhello\r\n0\r\n\r\n${SMUGGLED}`),
  },
  {
    name: 'chunked body cut off by the client mid-chunk → no complete request upstream',
    payload: post('Transfer-Encoding: chunked', '400\r\nonly-a-little'),
  },
];

test('body-phase framing errors against `cachet proxy` in its own process', async (t) => {
  const origin = await startFramingOrigin(t);
  const gateway = await startCliProxy(t, origin.url);
  for (const c of bodyPhase) {
    await t.test(c.name, async () => {
      const seen = origin.count();
      const statuses = readStatuses(await tryRawExchange(gateway.url, c.payload));
      assert.ok(statuses.length <= 1 && statuses.every((s) => s >= 400), `answered ${statuses.join(',')}`);
      assert.equal(origin.count(), seen, 'the upstream received a complete request');
      assert.ok(!origin.heads.includes('GET /public/smuggled'));
    });
  }
  await t.test('the gateway survives every aborted request body and still answers', {}, async () => {
    assert.ok(gateway.isAlive(), 'the cachet process exited');
    const res = await exchange(`${gateway.url}/alive`);
    assert.equal(res.status, 200);
  });
});
