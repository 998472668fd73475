import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayResponse, setOnWriteHead } from '../../../src/server/gateway-response.ts';

async function serve(t: test.TestContext, options: http.ServerOptions, handler: http.RequestListener): Promise<string> {
  const server = http.createServer(options, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a GatewayResponse sets deferred fields when its head is written, explicitly or implicitly, and not before', async (t) => {
  const seenBefore: unknown[] = [];
  const url = await serve(t, { ServerResponse: GatewayResponse }, (req, res) => {
    setOnWriteHead(res, (response) => response.setHeader('x-deferred', 'yes'));
    seenBefore.push(res.getHeader('x-deferred'));
    if (req.url === '/explicit') res.writeHead(201, { 'x-other': '1' }).end();
    else if (req.url === '/reason') res.writeHead(202, 'Accepted Later', ['x-other', '2']).end();
    else res.end('implicit');
  });
  const explicit = await fetch(`${url}/explicit`);
  assert.deepEqual([explicit.status, explicit.headers.get('x-deferred'), explicit.headers.get('x-other')], [201, 'yes', '1']);
  const reason = await fetch(`${url}/reason`);
  assert.deepEqual(
    [reason.status, reason.statusText, reason.headers.get('x-deferred'), reason.headers.get('x-other')],
    [202, 'Accepted Later', 'yes', '2'],
  );
  const implicit = await fetch(`${url}/implicit`);
  assert.deepEqual([implicit.status, implicit.headers.get('x-deferred'), await implicit.text()], [200, 'yes', 'implicit']);
  assert.deepEqual(seenBefore, [undefined, undefined, undefined], 'nothing is set until the head is written');
});

test('on any other response the fields are set at once', async (t) => {
  let seen: unknown;
  const url = await serve(t, {}, (_req, res) => {
    setOnWriteHead(res, (response) => response.setHeader('x-deferred', 'now'));
    seen = res.getHeader('x-deferred');
    res.end();
  });
  const answer = await fetch(url);
  assert.equal(answer.headers.get('x-deferred'), 'now');
  assert.equal(seen, 'now');
});
