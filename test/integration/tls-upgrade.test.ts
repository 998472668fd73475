import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { startOrigin } from '../helpers/origin.ts';
import { startTlsGateway, TLS_CA } from '../helpers/h2.ts';

/** Upgrade is HTTP/1.1 only (RFC 9110 §7.8): over TLS it works on HTTP/1.1 connections of the HTTP/2 listener. */

const UPGRADE_REQUEST =
  'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** Writes `first` on a TLS connection (ALPN http/1.1), then `next(data)` each time data arrives, until `done(data)`. */
function exchange(
  url: string,
  first: string,
  next: (data: string) => string | undefined,
  done: (data: string) => boolean,
): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca: TLS_CA, ALPNProtocols: ['http/1.1'] }, () => socket.write(first));
    let data = '';
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (done(data)) {
        socket.destroy();
        resolve(data);
        return;
      }
      const more = next(data);
      if (more !== undefined) socket.write(more);
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => reject(new Error(`no answer; got ${JSON.stringify(data)}`)));
  });
}

test('a WebSocket upgrade over TLS passes through to the origin', async (t) => {
  const origin = await startOrigin(t);
  origin.server.on('upgrade', (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d) => socket.write(`echo:${d.toString()}`));
    socket.on('end', () => socket.end());
  });
  const { url } = await startTlsGateway(t, [origin.url]);
  let pinged = false;
  const reply = await exchange(
    url,
    UPGRADE_REQUEST,
    (data) => {
      if (pinged || !data.includes('\r\n\r\n')) return undefined;
      pinged = true;
      return 'ping';
    },
    (data) => data.includes('echo:ping'),
  );
  assert.match(reply, /^HTTP\/1\.1 101 /);
});

test('an upgrade the origin declines hands the TLS connection back: the next request on it is answered', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.end('plain');
  });
  const { url } = await startTlsGateway(t, [origin.url]);
  let asked = false;
  const reply = await exchange(
    url,
    UPGRADE_REQUEST,
    (data) => {
      if (asked || !data.endsWith('plain')) return undefined;
      asked = true;
      return 'GET /after HTTP/1.1\r\nHost: x\r\n\r\n';
    },
    (data) => (data.match(/HTTP\/1\.1 200 /g) ?? []).length === 2 && data.endsWith('plain'),
  );
  assert.equal((reply.match(/HTTP\/1\.1 200 /g) ?? []).length, 2);
  assert.equal(origin.count('/after'), 1);
});
