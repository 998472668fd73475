import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOrigin } from '../helpers/origin.ts';
import { sampleHeldArrayBuffers } from '../helpers/held-memory.ts';
import { connectH2, sendH2, sendOnSession, sendTls, startTlsGateway, TLS_CA } from '../helpers/h2.ts';

/** TLS versions, ALPN, session resumption and the HTTP/2 limits of the TLS listener. */

/** Completes a TLS handshake and reports what was negotiated (and the session ticket, if one came); rejects when refused. */
function handshake(
  url: string,
  options: tls.ConnectionOptions = {},
): Promise<{ protocol: string | null; alpn: string | false | null; reused: boolean; session?: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca: TLS_CA, ...options });
    let session: Buffer | undefined;
    const finish = (): void => {
      const result = { protocol: socket.getProtocol(), alpn: socket.alpnProtocol, reused: socket.isSessionReused() };
      socket.destroy();
      resolve(session === undefined ? result : { ...result, session });
    };
    // TLS 1.3 sends tickets after the handshake: wait a moment for one.
    socket.on('session', (ticket: Buffer) => {
      session = ticket;
    });
    socket.once('secureConnect', () => setTimeout(finish, 150));
    socket.once('error', reject);
  });
}

function okOrigin(t: import('node:test').TestContext) {
  return startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=60');
    res.end('ok');
  });
}

describe('TLS', { timeout: 20_000 }, () => {
  it('speaks TLS 1.3 only by default, and TLS 1.2 too with minVersion TLSv1.2', async (t) => {
    const origin = await okOrigin(t);
    const strict = await startTlsGateway(t, [origin.url]);
    assert.equal((await handshake(strict.url)).protocol, 'TLSv1.3');
    await assert.rejects(handshake(strict.url, { maxVersion: 'TLSv1.2' }), /protocol version|alert/i);
    const lenient = await startTlsGateway(t, [origin.url], {}, { tls: { minVersion: 'TLSv1.2' } });
    assert.equal((await handshake(lenient.url, { maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');
  });

  it('offers h2 and http/1.1 by ALPN with http2, only http/1.1 without', async (t) => {
    const origin = await okOrigin(t);
    const both = await startTlsGateway(t, [origin.url]);
    assert.equal((await handshake(both.url, { ALPNProtocols: ['h2', 'http/1.1'] })).alpn, 'h2');
    assert.equal((await handshake(both.url, { ALPNProtocols: ['http/1.1'] })).alpn, 'http/1.1');
    assert.match(both.url, /^https:\/\//);
    const h1Only = await startTlsGateway(t, [origin.url], {}, { http2: false });
    assert.equal((await handshake(h1Only.url, { ALPNProtocols: ['h2', 'http/1.1'] })).alpn, 'http/1.1');
    assert.equal((await sendTls(`${h1Only.url}/x`)).status, 200);
  });

  it('resumes a session made by one gateway on another that shares the ticket keys, and not on one that does not', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cachet-tickets-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const keys = join(dir, 'ticket.keys');
    writeFileSync(keys, randomBytes(48));
    const origin = await okOrigin(t);
    const a = await startTlsGateway(t, [origin.url], {}, { tls: { ticketKeys: keys } });
    const b = await startTlsGateway(t, [origin.url], {}, { tls: { ticketKeys: keys } });
    const stranger = await startTlsGateway(t, [origin.url]);
    const first = await handshake(a.url);
    assert.ok(first.session !== undefined, 'a session ticket was issued');
    assert.equal(first.reused, false);
    assert.equal((await handshake(b.url, { session: first.session })).reused, true);
    assert.equal((await handshake(stranger.url, { session: first.session })).reused, false);
  });
});

describe('HTTP/2', { timeout: 30_000 }, () => {
  it('keys the cache on :authority as on Host: an HTTP/1.1 fill is an HTTP/2 hit', async (t) => {
    const origin = await okOrigin(t);
    const { url } = await startTlsGateway(t, [origin.url]);
    assert.match((await sendTls(`${url}/shared`)).header('cache-status') ?? '', /stored/);
    const overH2 = await sendH2(`${url}/shared`);
    assert.match(overH2.header('cache-status') ?? '', /^cachet; hit/);
    assert.equal(origin.count(), 1);
    const session = await connectH2(t, url);
    const mismatch = await sendOnSession(session, '/shared', { headers: { ':authority': new URL(url).host, host: 'elsewhere.test' } });
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.text, /Host differs from :authority/);
  });

  it('answers a refusal that would close an HTTP/1.1 connection without connection fields, and the session goes on', async (t) => {
    const origin = await okOrigin(t);
    const { url } = await startTlsGateway(t, [origin.url], { limits: { maxBodyBytes: 1024 } });
    const session = await connectH2(t, url);
    const tooLarge = await sendOnSession(session, '/upload', {
      method: 'POST',
      headers: { 'content-length': '5000' },
      body: 'x'.repeat(5000),
    });
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.header('connection'), undefined);
    const unframed = await sendOnSession(session, '/upload', { method: 'POST', body: 'y'.repeat(5000) });
    assert.equal(unframed.status, 413, 'a body without Content-Length is counted against the limit');
    assert.equal((await sendOnSession(session, '/after')).status, 200);
  });

  it('answers Expect: 100-continue only once the request passed its checks', async (t) => {
    const origin = await startOrigin(t, (_req, res, body) => res.end(`got ${body.length}`));
    const { url } = await startTlsGateway(t, [origin.url], { limits: { maxBodyBytes: 1024 } });
    const session = await connectH2(t, url);
    const ask = (length: number) =>
      new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
        const stream = session.request(
          { ':method': 'POST', ':path': '/upload', expect: '100-continue', 'content-length': String(length) },
          { endStream: false },
        );
        let continued = false;
        stream.on('continue', () => {
          continued = true;
          stream.end('z'.repeat(length));
        });
        stream.on('response', (head) => {
          stream.resume();
          stream.on('end', () => resolve({ continued, status: Number(head[':status']) }));
        });
        stream.on('error', reject);
      });
    assert.deepEqual(await ask(2000), { continued: false, status: 413 });
    assert.deepEqual(await ask(10), { continued: true, status: 200 });
    assert.equal(origin.count(), 1);
  });

  it('announces its stream and header limits, and refuses header floods while serving others', async (t) => {
    const origin = await okOrigin(t);
    const { url } = await startTlsGateway(t, [origin.url], { limits: { http2MaxConcurrentStreams: 7, maxHeaderBytes: 4096 } });
    const session = await connectH2(t, url);
    assert.equal(session.remoteSettings.maxConcurrentStreams, 7);
    assert.equal(session.remoteSettings.maxHeaderListSize, 4096);
    const big = sendOnSession(session, '/big', { headers: { 'x-big': 'b'.repeat(8000) } });
    await assert.rejects(big);
    const many: Record<string, string> = {};
    for (let i = 0; i < 300; i++) many[`x-field-${i}`] = 'v';
    const flood = await connectH2(t, url);
    await assert.rejects(sendOnSession(flood, '/many', { headers: many }));
    assert.equal((await sendH2(`${url}/still-serving`)).status, 200);
  });

  it('ends a session that opens and resets streams in a burst (rapid reset), and keeps serving other clients', async (t) => {
    const origin = await startOrigin(t, async (_req, res) => {
      await new Promise((r) => setTimeout(r, 200));
      res.end('slow');
    });
    const { url } = await startTlsGateway(t, [origin.url]);
    const attacker = await connectH2(t, url);
    const goaway = new Promise<number>((resolve) => attacker.once('goaway', (code) => resolve(code)));
    let sent = 0;
    // CVE-2023-44487: each request is reset once the gateway has started on it, and another takes its place.
    for (; sent < 400 && !attacker.destroyed && !attacker.closed; sent++) {
      const stream = attacker.request({ ':path': `/reset/${sent}` });
      stream.on('error', () => {});
      setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), 5);
      await new Promise((r) => setTimeout(r, 1));
    }
    const code = await Promise.race([goaway, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
    assert.equal(code, http2.constants.NGHTTP2_INTERNAL_ERROR, 'the session was ended with GOAWAY');
    assert.ok(sent < 400, `the session was ended after ${sent} resets`);
    assert.equal((await sendH2(`${url}/after-attack`)).status, 200);
  });

  it('closes an idle session with GOAWAY, but not one whose stream waits on a slow origin', async (t) => {
    const origin = await startOrigin(t, async (_req, res) => {
      await new Promise((r) => setTimeout(r, 1600));
      res.end('slow');
    });
    // 12 keep-alive timeouts, at least a second: here 1.2 s without frames.
    const { url } = await startTlsGateway(t, [origin.url], { limits: { keepAliveTimeoutMs: 100 } });
    const busy = await connectH2(t, url);
    const answer = await sendOnSession(busy, '/slow');
    assert.equal(answer.text, 'slow', 'a stream open past the idle time is answered');
    const idle = await connectH2(t, url);
    const started = performance.now();
    await new Promise<void>((resolve) => idle.once('goaway', () => resolve()));
    const idleMs = performance.now() - started;
    assert.ok(idleMs > 1000 && idleMs < 5000, `closed after ${idleMs.toFixed(0)} ms idle`);
  });

  it('resets a stream whose body has not arrived within limits.requestTimeoutMs, and the session goes on', async (t) => {
    const origin = await startOrigin(t);
    const { url } = await startTlsGateway(t, [origin.url], { limits: { headersTimeoutMs: 300, requestTimeoutMs: 500 } });
    const session = await connectH2(t, url);
    const trickle = session.request({ ':method': 'POST', ':path': '/upload' }, { endStream: false });
    trickle.write('a little');
    const started = performance.now();
    const code = await new Promise<number>((resolve) => {
      trickle.on('error', () => {});
      trickle.resume();
      trickle.once('close', () => resolve(trickle.rstCode ?? -1));
    });
    assert.equal(code, http2.constants.NGHTTP2_CANCEL);
    assert.ok(performance.now() - started < 3000);
    assert.equal((await sendOnSession(session, '/after')).status, 200);
    assert.equal(origin.count('/after'), 1);
  });

  it('drops a client that never completes a TLS handshake: silent past limits.headersTimeoutMs, or speaking plain HTTP', async (t) => {
    const origin = await startOrigin(t);
    const { url } = await startTlsGateway(t, [origin.url], { limits: { headersTimeoutMs: 300, requestTimeoutMs: 500 } });
    const { hostname, port } = new URL(url);
    for (const sent of ['', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n']) {
      const socket = net.connect(Number(port), hostname, () => socket.write(sent));
      socket.on('error', () => {});
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
      });
      const started = performance.now();
      await new Promise((resolve) => socket.once('close', resolve));
      assert.ok(performance.now() - started < 3000, `dropped (${JSON.stringify(sent)})`);
      assert.doesNotMatch(received, /HTTP\/1\.1/, 'no plain-text answer on a TLS port');
    }
  });

  it('drains on close: a stream in flight is answered, then the sessions end', async (t) => {
    const origin = await startOrigin(t, async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      res.end('finished');
    });
    const { url, gateway } = await startTlsGateway(t, [origin.url]);
    const session = await connectH2(t, url);
    const inFlight = sendOnSession(session, '/in-flight');
    await new Promise((r) => setTimeout(r, 100));
    const closed = gateway.close();
    assert.equal((await inFlight).text, 'finished');
    await closed;
    // The gateway said GOAWAY: the client's session ends without being told to.
    if (!session.destroyed) await new Promise((resolve) => session.once('close', resolve));
  });

  it('survives a client reset mid-body: the cache fill completes and the next client gets the whole object', async (t) => {
    const size = 4 * 1024 * 1024;
    const origin = await startOrigin(t, async (_req, res) => {
      res.setHeader('cache-control', 'public, max-age=60');
      res.setHeader('content-length', size);
      for (let sent = 0; sent < size; sent += 256 * 1024) {
        res.write(Buffer.alloc(256 * 1024, 0x61));
        await new Promise((r) => setTimeout(r, 5));
      }
      res.end();
    });
    const { url } = await startTlsGateway(t, [origin.url]);
    const session = await connectH2(t, url);
    const stream = session.request({ ':path': '/big' });
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    const next = await sendH2(`${url}/big`);
    assert.equal(next.status, 200);
    assert.equal(next.text.length, size);
    assert.equal(origin.count('/big'), 1);
  });

  it('streams a large cached body to slow readers under flow control, without buffering it per client', async (t) => {
    const size = 8 * 1024 * 1024;
    const payload = Buffer.alloc(size, 0x62);
    const origin = await startOrigin(t, (_req, res) => {
      res.setHeader('cache-control', 'public, max-age=60');
      res.end(payload);
    });
    const { url } = await startTlsGateway(t, [origin.url]);
    assert.equal((await sendH2(`${url}/large`)).text.length, size);
    const sampler = sampleHeldArrayBuffers(100);
    const readers = Array.from({ length: 3 }, async () => {
      const session = await connectH2(t, url);
      const stream = session.request({ ':path': '/large' });
      let bytes = 0;
      for await (const chunk of stream) {
        bytes += (chunk as Buffer).length;
        // A slow reader: the window it grants is all the gateway may send ahead.
        if (bytes % (1024 * 1024) < (chunk as Buffer).length) await new Promise((r) => setTimeout(r, 10));
      }
      return bytes;
    });
    const received = await Promise.all(readers).finally(() => sampler.stop());
    for (const bytes of received) assert.equal(bytes, size);
    const grownMb = sampler.stop() / 1024 / 1024;
    t.diagnostic(`held array buffers grew by ${grownMb.toFixed(1)} MB at peak`);
    // The stored copy was there before the baseline; a copy per reader would be 8 MB each.
    assert.ok(grownMb < 4, `held array buffers grew by ${grownMb.toFixed(1)} MB`);
  });
});
