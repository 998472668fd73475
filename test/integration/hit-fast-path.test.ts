import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin } from '../helpers/origin.ts';
import { startGateway, send } from '../helpers/gateway.ts';
import { rawExchange } from '../helpers/raw.ts';

/** Splits a raw answer into response heads (field names lower-cased) and the bytes after each head. */
function parseResponses(raw: string): Array<{ statusLine: string; fields: Array<[string, string]>; rest: string }> {
  const out: Array<{ statusLine: string; fields: Array<[string, string]>; rest: string }> = [];
  let remaining = raw;
  while (remaining.startsWith('HTTP/')) {
    const end = remaining.indexOf('\r\n\r\n');
    const lines = remaining.slice(0, end).split('\r\n');
    const fields = lines
      .slice(1)
      .map((line): [string, string] => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]);
    const length = Number(fields.find(([name]) => name === 'content-length')?.[1] ?? 0);
    out.push({ statusLine: lines[0] as string, fields, rest: remaining.slice(end + 4, end + 4 + length) });
    remaining = remaining.slice(end + 4 + length);
  }
  return out;
}

async function startCachedOrigin(t: import('node:test').TestContext): Promise<{ url: string; host: string }> {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=600');
    res.setHeader('content-type', 'text/plain');
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    res.end('cached body');
  });
  const { url } = await startGateway(t, [origin.url]);
  await send(`${url}/fast`);
  return { url, host: new URL(url).host };
}

test('a hit on a kept-alive connection carries each field once, the body, and keeps the connection', async (t) => {
  const { url, host } = await startCachedOrigin(t);
  const raw = await rawExchange(
    url,
    `GET /fast HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /fast HTTP/1.1\r\nHost: ${host}\r\nX-Request-ID: second\r\n\r\n`,
  );
  const responses = parseResponses(raw);
  assert.equal(responses.length, 2, raw);
  // The serialised head writes its own lower-case keep-alive fields; Node's writeHead would write `Connection:`.
  assert.equal(raw.split('\r\nconnection: keep-alive\r\n').length - 1, 2, 'both hits took the serialised-head path');
  for (const response of responses) {
    assert.equal(response.statusLine, 'HTTP/1.1 200 OK');
    assert.equal(response.rest, 'cached body');
    const names = response.fields.map(([name]) => name);
    for (const name of ['age', 'cache-status', 'x-request-id', 'content-length', 'content-type', 'via', 'connection', 'date']) {
      assert.equal(names.filter((n) => n === name).length, 1, `${name} once in ${JSON.stringify(response.fields)}`);
    }
    assert.deepEqual(
      response.fields.filter(([name]) => name === 'set-cookie').map(([, v]) => v),
      ['a=1', 'b=2'],
    );
    assert.match(response.fields.find(([name]) => name === 'cache-status')?.[1] ?? '', /^cachet; hit; ttl=\d+$/);
    assert.equal(response.fields.find(([name]) => name === 'connection')?.[1], 'keep-alive');
  }
  assert.equal(responses[1]?.fields.find(([name]) => name === 'x-request-id')?.[1], 'second');
});

test('a hit for a request that asks to close, or on HTTP/1.0, closes as Node would', async (t) => {
  const { url, host } = await startCachedOrigin(t);
  assert.doesNotMatch(
    await rawExchange(url, `GET /fast HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
    /\r\nconnection: keep-alive\r\n/,
    'a closing exchange takes writeHead',
  );
  const closing = parseResponses(await rawExchange(url, `GET /fast HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
  assert.equal(closing[0]?.fields.find(([name]) => name === 'connection')?.[1], 'close');
  assert.equal(closing[0]?.rest, 'cached body');
  const old = await rawExchange(url, `GET /fast HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
  assert.match(old, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(old, /cached body$/);
});

test('HEAD hits on the fast path send the head only', async (t) => {
  const { url, host } = await startCachedOrigin(t);
  const raw = await rawExchange(url, `HEAD /fast HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /fast HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  const [head, get] = raw.split(/(?=HTTP\/1\.1 )/);
  assert.match(head ?? '', /^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: 11\r\n[\s\S]*\r\n\r\n$/);
  assert.match(get ?? '', /cached body$/);
});

test('a client 304 from the cache takes the serialised-head path: RFC 9110 §15.4.5 fields once, no content, connection kept', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=600');
    res.setHeader('content-type', 'text/plain');
    res.setHeader('etag', '"v1"');
    res.setHeader('vary', 'Accept-Encoding');
    res.end('cached body');
  });
  const { url } = await startGateway(t, [origin.url]);
  const host = new URL(url).host;
  await send(`${url}/etag`);
  const conditional = `GET /etag HTTP/1.1\r\nHost: ${host}\r\nIf-None-Match: "v1"\r\n\r\n`;
  const raw = await rawExchange(url, `${conditional}${conditional.replace('\r\n\r\n', '\r\nX-Request-ID: second\r\n\r\n')}`);
  const responses = parseResponses(raw);
  assert.equal(responses.length, 2, raw);
  assert.equal(raw.split('\r\nconnection: keep-alive\r\n').length - 1, 2, 'both 304s took the serialised-head path');
  for (const response of responses) {
    assert.equal(response.statusLine, 'HTTP/1.1 304 Not Modified');
    assert.equal(response.rest, '');
    const names = response.fields.map(([name]) => name);
    for (const name of ['etag', 'cache-control', 'vary', 'date', 'age', 'cache-status', 'x-request-id', 'via', 'connection']) {
      assert.equal(names.filter((n) => n === name).length, 1, `${name} once in ${JSON.stringify(response.fields)}`);
    }
    assert.equal(names.includes('transfer-encoding'), false);
    assert.match(response.fields.find(([name]) => name === 'cache-status')?.[1] ?? '', /^cachet; hit; ttl=\d+$/);
  }
  assert.equal(responses[1]?.fields.find(([name]) => name === 'x-request-id')?.[1], 'second');
  assert.equal(origin.count('/etag'), 1, 'the origin saw only the first request');
});
