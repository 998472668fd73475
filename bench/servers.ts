/**
 * The benchmark's own servers, each run as a child process by `bench/run.ts`:
 *
 * - `origin --size <bytes> --cache-control <value>`: a bare node:http server answering a constant body
 *   with one writeHead + end. It is the origin behind cachet and, run on the server core, the ceiling.
 *   `GET /__bench/count` answers how many other requests it has served, so the run can prove that a
 *   measured window of cache hits never reached the origin.
 * - `proxy --to <origin>`: the pass-through baseline, node:http + undici Pool.request, copying status and
 *   headers (minus hop-by-hop ones, RFC 9110 §7.6.1) and piping the body back; nothing else.
 *
 * Each prints `listening on http://127.0.0.1:<port>` once it accepts connections, and exits on SIGTERM.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

/** The path where an origin reports its request count; never counted itself. */
export const ORIGIN_COUNT_PATH = '/__bench/count';

/** Connections the bare proxy keeps to the origin: cachet's default `connectionsPerTarget`, for a like-for-like pool. */
const PROXY_CONNECTIONS = 64;

/** RFC 9110 §7.6.1: connection-specific fields a proxy must not forward. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** The ETag an origin of `sizeBytes` sends: stable, so a client can send it back in If-None-Match. */
export function createBenchETag(sizeBytes: number): string {
  return `"bench-${sizeBytes}"`;
}

function createOrigin(sizeBytes: number, cacheControl: string): Server {
  const body = Buffer.alloc(sizeBytes, 'x');
  const headers: OutgoingHttpHeaders = {
    'content-type': 'application/octet-stream',
    'content-length': sizeBytes,
    'cache-control': cacheControl,
    etag: createBenchETag(sizeBytes),
  };
  // RFC 9110 §15.4.5: a 304 carries the fields a 200 would, except the content's own.
  const notModifiedHeaders: OutgoingHttpHeaders = { 'cache-control': cacheControl, etag: headers.etag };
  let served = 0;
  return createServer((req, res) => {
    if (req.url === ORIGIN_COUNT_PATH) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ served }));
      return;
    }
    served++;
    if (req.headers['if-none-match'] === headers.etag) {
      res.writeHead(304, notModifiedHeaders);
      res.end();
      return;
    }
    res.writeHead(200, headers);
    res.end(body);
  });
}

function createBareProxy(to: string): Server {
  const pool = new Pool(to, { connections: PROXY_CONNECTIONS, pipelining: 1 });
  const server = createServer((req, res) => {
    forward(pool, req, res);
  });
  server.on('close', () => void pool.close());
  return server;
}

function forward(pool: Pool, req: IncomingMessage, res: ServerResponse): void {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pool
    .request({ path: req.url ?? '/', method: req.method ?? 'GET', headers: copyEndToEnd(req.headers), body: hasBody ? req : null })
    .then(({ statusCode, headers, body }) => {
      res.writeHead(statusCode, copyEndToEnd(headers));
      // pipe, not stream.pipeline: pipeline allocates an AbortController per call and aborts it on finish
      // (a DOMException with a stack trace per request), a cost a plain proxy does not need.
      body.on('error', () => res.destroy());
      res.on('close', () => body.destroy());
      body.pipe(res);
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
}

function copyEndToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const copy: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) copy[name] = value;
  }
  return copy;
}

function startFromArgs(argv: readonly string[]): Server {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      size: { type: 'string', default: '1024' },
      'cache-control': { type: 'string', default: 'no-store' },
      to: { type: 'string' },
    },
  });
  const kind = positionals[0];
  if (kind === 'origin') return createOrigin(Number(values.size), values['cache-control']);
  if (kind === 'proxy' && values.to !== undefined) return createBareProxy(values.to);
  throw new Error('usage: servers.ts origin --size <bytes> --cache-control <value> | proxy --to <origin-url>');
}

if (import.meta.main) {
  const server = startFromArgs(process.argv.slice(2));
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  });
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 500).unref();
  });
}
