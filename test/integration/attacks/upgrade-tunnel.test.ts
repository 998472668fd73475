import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { startGateway } from '../../helpers/gateway.ts';
import { startIssuer, type Issuer } from '../../helpers/tokens.ts';
import { readRawHeader, readStatuses } from './harness.ts';

/**
 * WebSocket / h2c smuggling (the "upgrade tunnel" class): a gateway that splices the client to the origin
 * whatever the origin answered lets every later request on the connection skip routing, authentication and
 * framing. Only a 101 to a protocol the client asked for may open a tunnel (RFC 9110 §7.8, §15.2.2).
 */

const AUDIENCE = 'cachet-test';
const WS_FIELDS =
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
const upgrade = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${WS_FIELDS}${extra}\r\n`;
const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
/** Larger than a socket's write buffer, so writing it waits for 'drain'. */
const BIG_BODY = 'b'.repeat(2 * 1024 * 1024);

interface Seen {
  readonly line: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** An origin that records every request it parses; `onUpgrade` set makes it take upgrades (else Node answers them as requests). */
async function startHttpOrigin(
  t: TestContext,
  onUpgrade?: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void,
): Promise<{ url: string; seen: Seen[]; lines(): string[]; sockets: ReadonlySet<net.Socket> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ line: `${req.method} ${req.url}`, headers: req.headers });
    const delay = req.url?.includes('slow') === true ? 100 : 0;
    setTimeout(() => res.end(req.url === '/public/big' ? BIG_BODY : `ok ${req.url}`), delay);
  });
  if (onUpgrade !== undefined) {
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      seen.push({ line: `${req.method} ${req.url}`, headers: req.headers });
      socket.on('error', () => socket.destroy());
      onUpgrade(req, socket, head);
    });
  }
  const { url, sockets } = await listen(t, server);
  return { url, seen, lines: () => seen.map((s) => s.line), sockets };
}

/** An upgrade origin that answers 101 (with bytes right behind its head) and echoes what the client sends. */
const echoAfterSwitch =
  (name = 'origin') =>
  (_req: http.IncomingMessage, socket: net.Socket, head: Buffer): void => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nhello-from-${name};`);
    if (head.length > 0) socket.write(`echo:${head.toString('latin1')};`);
    socket.on('data', (data: Buffer) => socket.write(`echo:${data.toString('latin1')};`));
    socket.on('end', () => socket.end());
  };

/** Listens on 127.0.0.1; closing after the test destroys every connection, upgraded ones included. */
async function listen(t: TestContext, server: http.Server | net.Server): Promise<{ url: string; sockets: ReadonlySet<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

/** `/public/*` open, `/private/*` behind a JWT, nothing else routed: the configuration of the finding. */
async function startStack(
  t: TestContext,
  originUrl: string,
  upstream: Record<string, unknown> = {},
): Promise<{ url: string; issuer: Issuer }> {
  const issuer = await startIssuer(t);
  const { url } = await startGateway(t, [originUrl], {
    auth: { jwt: { issuer: issuer.issuer, audience: AUDIENCE, jwksUri: issuer.jwksUri, algorithms: ['RS256'], clockToleranceSec: 30 } },
    routes: [
      { path: '/public/*', upstream: 'api', auth: 'none' },
      { path: '/private/*', upstream: 'api', auth: 'jwt' },
    ],
    upstream,
  });
  return { url, issuer };
}

interface RawClient {
  write(data: string | Buffer): void;
  /** Resolves with everything received once `done` holds for it; rejects after `timeoutMs`. */
  until(done: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  readonly closed: Promise<void>;
  destroy(): void;
}

async function connect(t: TestContext, url: string): Promise<RawClient> {
  const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
  await once(socket, 'connect');
  t.after(() => socket.destroy());
  let text = '';
  const waiters = new Set<() => void>();
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    for (const check of waiters) check();
  });
  socket.on('error', () => {});
  const closed = once(socket, 'close').then(() => undefined);
  return {
    write: (data) => socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data),
    until: (done, timeoutMs = 2000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!done(text)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(text);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; received so far: ${JSON.stringify(text.slice(0, 600))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    closed,
    destroy: () => socket.destroy(),
  };
}

const statusCount =
  (count: number) =>
  (text: string): boolean =>
    readStatuses(text).filter((s) => s >= 200).length >= count;

test('the origin answers 200 to an upgrade: later requests on the connection are parsed, routed and authenticated', async (t) => {
  const origin = await startHttpOrigin(t);
  const { url } = await startStack(t, origin.url);
  const client = await connect(t, url);

  client.write(upgrade('/public/x') + get('/private/secret') + get('/not-a-route/%2e%2e/..%2f'));
  const answers = await client.until(statusCount(3));
  const statuses = readStatuses(answers);
  assert.equal(statuses[0], 200);
  assert.equal(statuses[1], 401, 'the pipelined request was not authenticated');
  assert.ok(statuses[2] === 400 || statuses[2] === 404, `the unroutable request got ${statuses[2]}`);
  assert.match(answers, /ok \/public\/x/);
  assert.match(answers, /CACHET_ERR_AUTH_MISSING/);
  assert.deepEqual(origin.lines(), ['GET /public/x'], 'only the upgrade request itself may reach the origin');

  const first = origin.seen[0]?.headers ?? {};
  assert.ok(first['x-request-id'] !== undefined, 'X-Request-ID on the upgrade request');
  assert.match(String(first['via']), /1\.1 cachet/);
  assert.equal(first['x-forwarded-for'], '127.0.0.1');
  assert.equal(first['upgrade'], 'websocket');
  assert.match(String(first['connection']), /upgrade/i);

  // The connection is an ordinary one again: the next request goes through with every forwarding field.
  client.write(get('/public/after'));
  await client.until(statusCount(4));
  assert.deepEqual(origin.lines(), ['GET /public/x', 'GET /public/after']);
  const after = origin.seen[1]?.headers ?? {};
  assert.ok(after['x-request-id'] !== undefined);
  assert.match(String(after['via']), /1\.1 cachet/);
});

test('responses to requests pipelined ahead of an upgrade go out first, in order and in full', async (t) => {
  const origin = await startHttpOrigin(t);
  const { url } = await startStack(t, origin.url);
  const client = await connect(t, url);

  client.write(get('/public/slow') + get('/public/big') + upgrade('/public/x') + get('/private/secret'));
  const answers = await client.until(statusCount(4));
  assert.deepEqual(readStatuses(answers), [200, 200, 200, 401]);
  assert.ok(answers.includes(BIG_BODY), 'the large answer was cut short');
  assert.ok(answers.indexOf('ok /public/slow') < answers.indexOf(BIG_BODY), 'answers out of order');
  assert.ok(answers.indexOf(BIG_BODY) < answers.indexOf('ok /public/x'), 'answers out of order');
  assert.deepEqual(origin.lines(), ['GET /public/slow', 'GET /public/big', 'GET /public/x']);
});

test('an upgrade request with content, or not on HTTP/1.1, is refused with 400 and nothing is forwarded', async (t) => {
  const origin = await startHttpOrigin(t, echoAfterSwitch());
  const { url } = await startStack(t, origin.url);
  const smuggled = 'GET /private/secret2 HTTP/1.1\r\nHost: x\r\n\r\n';
  const cases = [
    {
      name: 'chunked POST whose body is a request',
      payload: `POST /public/y HTTP/1.1\r\nHost: x\r\n${WS_FIELDS}Transfer-Encoding: chunked\r\n\r\n${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`,
    },
    {
      name: 'chunked POST, the request right behind the last chunk',
      payload: `POST /public/y HTTP/1.1\r\nHost: x\r\n${WS_FIELDS}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    },
    {
      name: 'Content-Length POST whose body is a request',
      payload: `POST /public/y HTTP/1.1\r\nHost: x\r\n${WS_FIELDS}Content-Length: ${smuggled.length}\r\n\r\n${smuggled}`,
    },
    {
      name: 'GET with a Content-Length body',
      payload: `GET /public/y HTTP/1.1\r\nHost: x\r\n${WS_FIELDS}Content-Length: 5\r\n\r\nhello${smuggled}`,
    },
    { name: 'HTTP/1.0 upgrade', payload: `GET /public/y HTTP/1.0\r\nHost: x\r\n${WS_FIELDS}\r\n${smuggled}` },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const client = await connect(t, url);
      client.write(c.payload);
      const answer = await client.until(statusCount(1));
      await client.closed;
      assert.deepEqual(readStatuses(answer), [400], answer);
      assert.match(answer, /CACHET_ERR_REQUEST_MALFORMED/);
      assert.match(readRawHeader(answer, 'connection') ?? '', /close/);
    });
  }
  assert.deepEqual(origin.lines(), [], 'the origin saw a request');
});

test('bytes sent right behind an upgrade request reach the origin only after a 101', async (t) => {
  const received: string[] = [];
  const origin = await startHttpOrigin(t, (_req, socket, head) => {
    received.push(head.toString('latin1'));
    socket.on('data', (data: Buffer) => received.push(data.toString('latin1')));
    setTimeout(() => socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope'), 100);
  });
  const { url } = await startStack(t, origin.url);
  const client = await connect(t, url);

  client.write(`${upgrade('/public/ws')}NOT HTTP, meant for the origin\r\n\r\n`);
  const answers = await client.until(statusCount(2));
  assert.deepEqual(readStatuses(answers), [403, 400], 'the refused upgrade is relayed, then the bytes behind it are parsed as HTTP');
  assert.match(answers, /\r\n\r\nnope/);
  assert.match(readRawHeader(answers, 'x-request-id') ?? '', /.+/);
  assert.match(readRawHeader(answers, 'via') ?? '', /1\.1 cachet/);
  assert.deepEqual(
    received.filter((chunk) => chunk !== ''),
    [],
    'the origin received the bytes behind the upgrade request',
  );
});

test('a 101 opens the tunnel: early bytes are delivered after the switch and data flows both ways', async (t) => {
  const origin = await startHttpOrigin(t, echoAfterSwitch());
  const { url } = await startStack(t, origin.url);
  const client = await connect(t, url);

  client.write(`${upgrade('/public/ws')}early`);
  const switched = await client.until((text) => text.includes('echo:early;'));
  assert.match(switched, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(readRawHeader(switched, 'upgrade') ?? '', /^websocket$/i);
  assert.match(readRawHeader(switched, 'connection') ?? '', /^upgrade$/i);
  assert.match(readRawHeader(switched, 'x-request-id') ?? '', /.+/);
  assert.ok(switched.indexOf('hello-from-origin;') < switched.indexOf('echo:early;'), switched);

  client.write('later');
  await client.until((text) => text.includes('echo:later;'));
  assert.deepEqual(origin.lines(), ['GET /public/ws']);
});

test('h2c is never forwarded: an h2c-only upgrade goes as an ordinary request, a switch nobody asked for is refused', async (t) => {
  const origin = await startHttpOrigin(t, (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', () => {});
  });
  const { url } = await startStack(t, origin.url);

  // RFC 9113 §3.1 deprecates the h2c upgrade; an HTTP/2 tunnel would carry requests no edge check sees.
  const h2c = await connect(t, url);
  h2c.write(
    `GET /public/h2 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n${get('/private/secret')}`,
  );
  const plain = await h2c.until(statusCount(2));
  assert.deepEqual(readStatuses(plain), [200, 401]);
  assert.equal(origin.seen[0]?.headers['upgrade'], undefined);
  assert.equal(origin.seen[0]?.headers['http2-settings'], undefined);

  // A websocket request answered with a switch to h2c.
  const ws = await connect(t, url);
  ws.write(upgrade('/public/ws') + get('/private/secret'));
  const refused = await ws.until(statusCount(2));
  assert.deepEqual(readStatuses(refused), [502, 401]);
  assert.match(refused, /CACHET_ERR_UPSTREAM_RESPONSE/);

  assert.deepEqual(origin.lines(), ['GET /public/h2', 'GET /public/ws']);
});

test('field bytes (obs-text) reach the origin the same on an upgrade as on an ordinary request', async (t) => {
  const heads: Buffer[] = [];
  const server = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      heads.push(buffered.subarray(0, end));
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    socket.on('error', () => {});
  });
  const { url: originUrl } = await listen(t, server);
  const { url } = await startStack(t, originUrl);
  const value = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0x80]);
  const field = Buffer.concat([Buffer.from('X-Obs: '), value, Buffer.from('\r\n')]);

  for (const request of [get('/public/plain'), upgrade('/public/ws')]) {
    const client = await connect(t, url);
    client.write(Buffer.concat([Buffer.from(request.slice(0, -2), 'latin1'), field, Buffer.from('\r\n')]));
    await client.until(statusCount(1));
    client.destroy();
  }
  assert.equal(heads.length, 2);
  const obsValue = (head: Buffer): string => {
    const line =
      head
        .toString('latin1')
        .split('\r\n')
        .find((l) => l.toLowerCase().startsWith('x-obs:')) ?? '';
    return Buffer.from(line.slice('x-obs:'.length).trim(), 'latin1').toString('hex');
  };
  assert.equal(obsValue(heads[0] as Buffer), value.toString('hex'), 'ordinary path');
  assert.equal(obsValue(heads[1] as Buffer), value.toString('hex'), 'upgrade path');
});

test('an upgrade on an authenticated route: no token → 401 and closed, a valid token → tunnel with the identity', async (t) => {
  const origin = await startHttpOrigin(t, echoAfterSwitch());
  const { url, issuer } = await startStack(t, origin.url);

  const anonymous = await connect(t, url);
  anonymous.write(`${upgrade('/private/ws')}early`);
  const refused = await anonymous.until(statusCount(1));
  await anonymous.closed;
  assert.deepEqual(readStatuses(refused), [401]);
  assert.match(readRawHeader(refused, 'www-authenticate') ?? '', /^Bearer realm="cachet"/);
  assert.match(readRawHeader(refused, 'content-type') ?? '', /application\/problem\+json/);
  assert.match(refused, /CACHET_ERR_AUTH_MISSING/);
  assert.deepEqual(origin.lines(), []);

  const token = await issuer.sign();
  const client = await connect(t, url);
  client.write(`${upgrade('/private/ws', `Authorization: Bearer ${token}\r\nX-Auth-Subject: mallory\r\n`)}early`);
  const switched = await client.until((text) => text.includes('echo:early;'));
  assert.match(switched, /^HTTP\/1\.1 101 /);
  assert.match(readRawHeader(switched, 'x-request-id') ?? '', /.+/);
  assert.deepEqual(origin.lines(), ['GET /private/ws']);
  assert.equal(origin.seen[0]?.headers['x-auth-subject'], 'alice');
});

test('origin down → 502, origin silent → 504 within the response timeout; a client that leaves takes the upstream with it', async (t) => {
  const closedPort = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const down = await startStack(t, `http://127.0.0.1:${closedPort}`, { timeouts: { connectMs: 500, responseMs: 300 }, retries: 0 });
  const refusedClient = await connect(t, down.url);
  refusedClient.write(`${upgrade('/public/ws')}early`);
  const refused = await refusedClient.until(statusCount(2));
  assert.deepEqual(readStatuses(refused), [502, 400], 'the bytes held behind the upgrade are then parsed as HTTP');
  assert.match(refused, /CACHET_ERR_UPSTREAM_CONNECT/);
  assert.match(readRawHeader(refused, 'content-type') ?? '', /application\/problem\+json/);

  const silent = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.resume();
  });
  const { url: silentUrl, sockets } = await listen(t, silent);
  const slow = await startStack(t, silentUrl, { timeouts: { connectMs: 500, responseMs: 300 } });
  const client = await connect(t, slow.url);
  const startedAt = Date.now();
  client.write(upgrade('/public/ws'));
  const timedOut = await client.until(statusCount(1));
  assert.deepEqual(readStatuses(timedOut), [504]);
  assert.match(timedOut, /CACHET_ERR_UPSTREAM_TIMEOUT/);
  assert.ok(Date.now() - startedAt < 1500, `answered after ${Date.now() - startedAt} ms`);
  await waitFor(() => sockets.size === 0, 'the timed-out upstream connection was left open');
  // Handed back, the connection waits for a request like a new one, which a graceful close would wait for too.
  client.destroy();

  const leaving = await connect(t, slow.url);
  leaving.write(upgrade('/public/ws'));
  await waitFor(() => sockets.size === 1, 'the upgrade request never reached the origin');
  leaving.destroy();
  await waitFor(() => sockets.size === 0, 'the upstream connection outlived its client');
});

test('a relayed answer releases its upstream connection at once; a tunnel holds its target until it closes', async (t) => {
  const onUpgrade =
    (name: string) =>
    (req: http.IncomingMessage, socket: net.Socket, head: Buffer): void => {
      if (req.url !== '/public/refused') return echoAfterSwitch(name)(req, socket, head);
      // A keep-alive answer: the origin leaves the connection open for a next request.
      socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      socket.on('end', () => socket.end());
      socket.resume();
    };
  const a = await startHttpOrigin(t, onUpgrade('a'));
  const b = await startHttpOrigin(t, onUpgrade('b'));
  const issuer = await startIssuer(t);
  const { url } = await startGateway(t, [a.url, b.url], {
    upstream: { balancer: 'least-connections' },
    auth: { jwt: { issuer: issuer.issuer, audience: AUDIENCE, jwksUri: issuer.jwksUri, algorithms: ['RS256'] } },
    routes: [{ path: '/public/*', upstream: 'api', auth: 'none' }],
  });
  const openUpstreams = (): number => a.sockets.size + b.sockets.size;

  const refused = await connect(t, url);
  refused.write(upgrade('/public/refused'));
  assert.deepEqual(readStatuses(await refused.until(statusCount(1))), [403]);
  await waitFor(() => openUpstreams() === 0, 'the upstream connection of a relayed answer stays open with its client');

  const tunnelTo = async (): Promise<{ client: RawClient; name: string }> => {
    const client = await connect(t, url);
    client.write(upgrade('/public/ws'));
    const text = await client.until((received) => /hello-from-(a|b);/.test(received));
    return { client, name: (/hello-from-(a|b);/.exec(text) as RegExpExecArray)[1] as string };
  };
  const first = await tunnelTo();
  const second = await tunnelTo();
  assert.notEqual(second.name, first.name, 'an open tunnel does not count as in flight');
  first.client.destroy();
  await waitFor(() => (first.name === 'a' ? a : b).sockets.size === 0, "the tunnel's upstream connection outlived its client");
  await new Promise((resolve) => setImmediate(resolve));
  const third = await tunnelTo();
  assert.equal(third.name, first.name, 'a closed tunnel still counts as in flight');
  for (const client of [refused, second.client, third.client]) client.destroy();
});

async function waitFor(condition: () => boolean, message: string, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(message);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
