import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { createAccessLog } from '../../src/edge/access-log.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { connectH2, sendOnSession, TLS_CERT_PATH, TLS_KEY_PATH } from '../helpers/h2.ts';

test('access log over HTTP/2: a line counts the bytes its stream put on the session, read after the stream closed', async (t) => {
  const log = captureLog();
  const accessLog = createAccessLog({ level: 'info', access: true }, log.logger);
  assert.ok(accessLog !== undefined);
  const server = http2.createSecureServer({ key: readFileSync(TLS_KEY_PATH), cert: readFileSync(TLS_CERT_PATH) }, (req, res) => {
    // Node's compatibility request and response, as the listener hands them to the gateway.
    const arrival = accessLog.arrive(req as unknown as IncomingMessage);
    res.statusCode = 404;
    res.end('n'.repeat(500));
    accessLog.refused(req as unknown as IncomingMessage, res as unknown as ServerResponse, arrival);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const session = await connectH2(t, `https://127.0.0.1:${(server.address() as { port: number }).port}`);
  assert.equal((await sendOnSession(session, '/a')).status, 404);
  assert.equal((await sendOnSession(session, '/b')).status, 404);
  session.close();

  const lines = await log.waitFor('access', 2);
  assert.deepEqual(
    lines.map((line) => line.path),
    ['/a', '/b'],
  );
  for (const line of lines) {
    assert.equal(typeof line.bytes, 'number', `bytes of ${String(line.path)}: ${String(line.bytes)}`);
    assert.ok((line.bytes as number) >= 500 && (line.bytes as number) < 1000, `bytes of ${String(line.path)}: ${String(line.bytes)}`);
  }
});
