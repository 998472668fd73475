import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway, send, type SentResponse } from '../helpers/gateway.ts';

// An origin that writes more than one answer per request desyncs the gateway's keep-alive connection to it.
// Every case runs with one connection per target, so a reused connection would carry the next request.

interface RawRequest {
  readonly method: string;
  readonly path: string;
  /** 1 for the first connection the origin accepted, 2 for the next, ... */
  readonly connection: number;
  readonly socket: net.Socket;
}

interface RawOrigin {
  readonly url: string;
  readonly requests: RawRequest[];
  /** Connections whose socket closed. */
  readonly closed: Set<number>;
  /** Connection ids that carried requests for `path`, in order. */
  connectionsFor(path: string): number[];
}

/** A plain TCP origin: it reads request heads (no bodies) and leaves every byte it answers to `respond`. */
async function startRawOrigin(t: TestContext, respond: (req: RawRequest) => void): Promise<RawOrigin> {
  const requests: RawRequest[] = [];
  const closed = new Set<number>();
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    const connection = ++accepted;
    sockets.add(socket);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const [method = '', path = ''] = pending.slice(0, end).split(' ');
        pending = pending.slice(end + 4);
        const req = { method, path, connection, socket };
        requests.push(req);
        respond(req);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      closed.add(connection);
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
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    closed,
    connectionsFor: (path) => requests.filter((r) => r.path === path).map((r) => r.connection),
  };
}

/** A cacheable answer; `body` also names the request it was meant for. */
function answer(body: string): string {
  return `HTTP/1.1 200 OK\r\ncache-control: max-age=60\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
}

const bodyOf = (path: string): string => `body of ${path}`;

function write(socket: net.Socket, data: string): void {
  if (!socket.destroyed) socket.write(data);
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The gateway dropped the origin's first connection; give its close handling a turn to finish. */
async function firstConnectionDropped(origin: RawOrigin): Promise<void> {
  await waitFor('the gateway to close the desynced connection', () => origin.closed.has(1));
  await sleep(10);
}

async function desyncCount(gatewayMetrics: { render(): Promise<string> }): Promise<number> {
  const line = (await gatewayMetrics.render()).split('\n').find((l) => l.startsWith('cachet_upstream_desyncs_total'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const ONE_CONNECTION = { upstream: { connectionsPerTarget: 1 } };

function assertBody(response: SentResponse, expected: string): void {
  assert.equal(response.status, 200);
  assert.equal(response.text, expected);
}

/**
 * The origin answers `path` on its first connection with `misbehave`, everything else plainly. Once the gateway
 * drops that connection, the next request goes on a new one and `path` is asked of the origin again: what the
 * desynced connection fed the cache is gone.
 */
async function assertDroppedAndForgotten(t: TestContext, path: string, misbehave: (req: RawRequest) => void): Promise<void> {
  const origin = await startRawOrigin(t, (req) => {
    if (req.path === path && req.connection === 1) misbehave(req);
    else write(req.socket, answer(bodyOf(req.path)));
  });
  const { url, gateway } = await startGateway(t, [origin.url], ONE_CONNECTION);

  assertBody(await send(`${url}${path}`), bodyOf(path));
  await firstConnectionDropped(origin);
  assertBody(await send(`${url}/alice`), bodyOf('/alice'));
  assert.deepEqual(origin.connectionsFor('/alice'), [2]);
  assertBody(await send(`${url}${path}`), bodyOf(path));
  assert.deepEqual(origin.connectionsFor(path), [1, 2]);
  assert.equal(await desyncCount(gateway.metrics), 1);
}

test('(a) a second response in the same read: the connection is dropped and the first answer is not stored', async (t) => {
  await assertDroppedAndForgotten(t, '/bad', (req) => write(req.socket, answer(bodyOf(req.path)) + answer('rogue')));
});

test('(b) a second response in a later read, before the next request: dropped, and what it fed is purged', async (t) => {
  await assertDroppedAndForgotten(t, '/bad', (req) => {
    write(req.socket, answer(bodyOf(req.path)));
    setTimeout(() => write(req.socket, answer('rogue')), 30);
  });
});

test('(c) a second response after the next request was written: once the desync shows, nothing it fed is served again', async (t) => {
  // After /bad, the first connection answers the next request with a stray response, then each request with the
  // previous one's answer, and the last one's own answer comes late: each is taken to be answered by the one before.
  let owed: string | undefined;
  const origin = await startRawOrigin(t, (req) => {
    if (req.connection !== 1 || req.path === '/bad') {
      write(req.socket, answer(bodyOf(req.path)));
      return;
    }
    const strayFirst = owed === undefined;
    write(req.socket, strayFirst ? answer('rogue') : answer(bodyOf(owed as string)));
    owed = req.path;
    if (!strayFirst)
      setTimeout(() => {
        if (owed === req.path) write(req.socket, answer(bodyOf(req.path)));
      }, 30);
  });
  const { url, gateway } = await startGateway(t, [origin.url], ONE_CONNECTION);

  assertBody(await send(`${url}/bad`), bodyOf('/bad'));
  // An HTTP/1.1 client cannot tell these from the real answers when they arrive.
  assertBody(await send(`${url}/alice`), 'rogue');
  assertBody(await send(`${url}/bob`), bodyOf('/alice'));
  // /bob's own answer then arrives on an idle connection: the desync shows.
  await firstConnectionDropped(origin);

  assertBody(await send(`${url}/alice`), bodyOf('/alice'));
  assertBody(await send(`${url}/bob`), bodyOf('/bob'));
  assertBody(await send(`${url}/alice`), bodyOf('/alice'));
  assert.deepEqual(origin.connectionsFor('/alice'), [1, 2]);
  assert.deepEqual(origin.connectionsFor('/bob'), [1, 2]);
  assertBody(await send(`${url}/bad`), bodyOf('/bad'));
  assert.deepEqual(origin.connectionsFor('/bad'), [1, 2]);
  assert.equal(await desyncCount(gateway.metrics), 1);
});

test('(d) a body on a HEAD, 204 or 304 answer: the connection is not reused and nothing wrong is stored', async (t) => {
  const rogue = answer('rogue');
  const seen = new Set<string>();
  const origin = await startRawOrigin(t, (req) => {
    const isFirst = !seen.has(req.path);
    seen.add(req.path);
    if (!isFirst || req.path.startsWith('/next')) {
      write(req.socket, answer(bodyOf(req.path)));
    } else if (req.method === 'HEAD') {
      write(req.socket, answer(bodyOf(req.path)) + rogue);
    } else if (req.path === '/no-content') {
      write(req.socket, `HTTP/1.1 204 No Content\r\ncache-control: max-age=60\r\n\r\n${rogue}`);
    } else if (req.path === '/no-content-length') {
      write(req.socket, `HTTP/1.1 204 No Content\r\ncache-control: max-age=60\r\ncontent-length: 5\r\n\r\nrogue`);
    } else if (req.path === '/not-modified') {
      write(req.socket, `HTTP/1.1 304 Not Modified\r\netag: "v1"\r\ncache-control: max-age=60\r\n\r\n${rogue}`);
    }
  });
  const { url } = await startGateway(t, [origin.url], ONE_CONNECTION);
  const cases: Array<{ path: string; method?: string; headers?: Record<string, string>; status: number }> = [
    { path: '/head', method: 'HEAD', status: 200 },
    { path: '/no-content', status: 204 },
    { path: '/no-content-length', status: 204 },
    { path: '/not-modified', headers: { 'if-none-match': '"v1"' }, status: 304 },
  ];
  for (const c of cases) {
    await t.test(c.path, async () => {
      const before = origin.requests.length;
      const first = await send(`${url}${c.path}`, { method: c.method ?? 'GET', headers: c.headers });
      assert.equal(first.status, c.status);
      assert.equal(first.text, '');
      const next = await send(`${url}/next${c.path}`);
      assertBody(next, bodyOf(`/next${c.path}`));
      const [used, following] = origin.requests.slice(before).map((r) => r.connection);
      assert.notEqual(following, used, 'the next request went on a new connection');
      // Asked for again, each answer comes from a connection that stayed in sync (connection 2 and later).
      const again = await send(`${url}${c.path}`);
      assertBody(again, bodyOf(c.path));
    });
  }
});

test('(e) more body bytes than Content-Length, in a later read before the next request: dropped, and the short answer is purged', async (t) => {
  await assertDroppedAndForgotten(t, '/long', (req) => {
    write(req.socket, answer(bodyOf(req.path)));
    setTimeout(() => write(req.socket, ' and more bytes'), 30);
  });
});

test('(e) more body bytes than Content-Length, after the next request was written: that request fails, the short answer is purged', async (t) => {
  let longSocket: net.Socket | undefined;
  const origin = await startRawOrigin(t, (req) => {
    if (req.socket === longSocket) {
      longSocket = undefined;
      write(req.socket, ' and more bytes');
    }
    write(req.socket, answer(bodyOf(req.path)));
    if (req.path === '/long' && req.connection === 1) longSocket = req.socket;
  });
  const { url, gateway } = await startGateway(t, [origin.url], ONE_CONNECTION);

  assertBody(await send(`${url}/long`), bodyOf('/long'));
  assert.equal((await send(`${url}/next`)).status, 502);
  await firstConnectionDropped(origin);
  assertBody(await send(`${url}/next`), bodyOf('/next'));
  assertBody(await send(`${url}/long`), bodyOf('/long'));
  assert.deepEqual(origin.connectionsFor('/long'), [1, 2]);
  assert.equal(await desyncCount(gateway.metrics), 1);
});

test('a connection that stays in sync keeps serving requests and its answers are stored', async (t) => {
  const origin = await startRawOrigin(t, (req) => write(req.socket, answer(bodyOf(req.path))));
  const { url, gateway } = await startGateway(t, [origin.url], ONE_CONNECTION);
  for (const path of ['/one', '/two', '/one', '/two']) assertBody(await send(`${url}${path}`), bodyOf(path));
  assert.deepEqual(
    origin.requests.map((r) => [r.path, r.connection]),
    [
      ['/one', 1],
      ['/two', 1],
    ],
  );
  assert.equal(await desyncCount(gateway.metrics), 0);
});
