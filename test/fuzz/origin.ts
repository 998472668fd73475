import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { bodyFor, DRIP_CHUNKS, DRIP_GAP_MS, parseFuzzPath, rogueToken, SLOW_MS, type Behaviour } from './behaviours.ts';

/** One request head as it reached the origin. */
export interface OriginRequest {
  readonly method: string;
  readonly target: string;
  /** Lower-case names; repeated fields joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface FuzzOrigin {
  readonly url: string;
  readonly requests: OriginRequest[];
  /** Connections currently open on the origin side. */
  openConnections(): number;
  close(): Promise<void>;
}

/**
 * A raw `net` origin that answers each request as its path says (see `behaviours.ts`): well-framed answers,
 * extra or missing bytes, broken chunked encoding, resets and hangs. Every answer carries the request's token
 * in `x-fuzz-token` and in the body, so the client can tell whose answer it got.
 */
export async function startFuzzOrigin(): Promise<FuzzOrigin> {
  const requests: OriginRequest[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    let busy = false;

    const pump = (): void => {
      while (!busy && !socket.destroyed) {
        const parsed = readRequest(buffered);
        if (parsed === 'incomplete') return;
        if (parsed === 'garbage') {
          socket.destroy();
          return;
        }
        buffered = buffered.subarray(parsed.consumed);
        requests.push(parsed.request);
        busy = true;
        answer(socket, parsed.request, later, () => {
          busy = false;
          pump();
        });
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    openConnections: () => sockets.size,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

type Later = (ms: number, fn: () => void) => void;

function head(status: string, fields: ReadonlyArray<readonly [string, string | number]>): string {
  return `HTTP/1.1 ${status}\r\n${fields.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
}

function rogueResponse(token: string): string {
  const body = bodyFor(rogueToken(token), 16);
  return (
    head('200 OK', [
      ['content-length', body.length],
      ['x-fuzz-token', rogueToken(token)],
      ['cache-control', 'max-age=60'],
    ]) + body
  );
}

function chunk(data: string): string {
  return `${data.length.toString(16)}\r\n${data}\r\n`;
}

/** Writes the answer `request`'s path asks for; calls `next` when the connection may carry another request. */
function answer(socket: net.Socket, request: OriginRequest, later: Later, next: () => void): void {
  const parsed = parseFuzzPath(request.target);
  const token = parsed?.token ?? 'none';
  const behaviour: Behaviour = parsed?.behaviour ?? 'ok';
  const body = bodyFor(token, parsed?.size ?? 0);
  const isHead = request.method === 'HEAD';
  const cacheControl = behaviour === 'cacheable' ? 'max-age=60' : 'no-store';
  const fields = (extra: ReadonlyArray<readonly [string, string | number]> = []): Array<readonly [string, string | number]> => [
    ['x-fuzz-token', token],
    ['cache-control', cacheControl],
    ['content-type', 'text/plain'],
    ...extra,
  ];
  const plain = (): string => head('200 OK', fields([['content-length', body.length]])) + (isHead ? '' : body);
  const write = (data: string): void => {
    if (!socket.destroyed) socket.write(data, 'latin1');
  };
  const half = body.slice(0, Math.floor(body.length / 2));
  /** A head, then less body than it announced and `stop`; a HEAD answer is complete with the head alone. */
  const cutShort = (start: string, partial: string, stop: () => void): void => {
    write(isHead ? start : start + partial);
    if (isHead) next();
    else stop();
  };

  switch (behaviour) {
    case 'ok':
    case 'cacheable':
      write(plain());
      next();
      break;
    case 'slow':
      later(SLOW_MS, () => {
        write(plain());
        next();
      });
      break;
    case 'chunked':
    case 'trailers':
    case 'trailer-content-length': {
      const trailer =
        behaviour === 'chunked' ? '' : behaviour === 'trailers' ? 'x-fuzz-trailer: 1\r\n' : `content-length: ${body.length + 7}\r\n`;
      const announce: Array<readonly [string, string]> =
        behaviour === 'chunked' ? [] : [['trailer', behaviour === 'trailers' ? 'x-fuzz-trailer' : 'content-length']];
      const start = head('200 OK', fields([['transfer-encoding', 'chunked'], ...announce]));
      write(isHead ? start : `${start + (half.length > 0 ? chunk(half) : '') + chunk(body.slice(half.length))}0\r\n${trailer}\r\n`);
      next();
      break;
    }
    case 'drip': {
      write(head('200 OK', fields([['transfer-encoding', 'chunked']])));
      if (isHead) {
        next();
        break;
      }
      const step = Math.ceil(body.length / DRIP_CHUNKS);
      const drip = (at: number): void => {
        if (at >= body.length) {
          write('0\r\n\r\n');
          next();
          return;
        }
        write(chunk(body.slice(at, at + step)));
        later(DRIP_GAP_MS, () => drip(at + step));
      };
      later(DRIP_GAP_MS, () => drip(0));
      break;
    }
    case 'close-delimited':
      write(head('200 OK', fields([['connection', 'close']])) + (isHead ? '' : body));
      socket.end();
      break;
    case 'continue-first':
      write(`HTTP/1.1 100 Continue\r\n\r\n${plain()}`);
      next();
      break;
    case 'extra-same':
      write(plain() + rogueResponse(token));
      next();
      break;
    case 'extra-later':
      write(plain());
      next();
      later(30, () => write(rogueResponse(token)));
      break;
    case 'long-body':
      write(head('200 OK', fields([['content-length', half.length]])) + body + rogueResponse(token));
      next();
      break;
    case 'head-body':
      write(head('200 OK', fields([['content-length', body.length]])) + body);
      next();
      break;
    case 'status-204-body':
      write(head('204 No Content', fields([['content-length', body.length]])) + body);
      next();
      break;
    case 'status-304-body':
      write(
        head(
          '304 Not Modified',
          fields([
            ['content-length', body.length],
            ['etag', `"${token}"`],
          ]),
        ) + body,
      );
      next();
      break;
    case 'short-close':
      cutShort(head('200 OK', fields([['content-length', body.length + 100]])), body, () => socket.end());
      break;
    case 'short-hang':
      cutShort(head('200 OK', fields([['content-length', body.length + 100]])), body, () => {});
      break;
    case 'bad-chunk-size':
      write(head('200 OK', fields([['transfer-encoding', 'chunked']])) + (isHead ? '' : `zz\r\n${body}\r\n0\r\n\r\n`));
      next();
      break;
    case 'chunk-no-end':
      cutShort(head('200 OK', fields([['transfer-encoding', 'chunked']])), chunk(body), () => socket.end());
      break;
    case 'chunk-oversize':
      cutShort(head('200 OK', fields([['transfer-encoding', 'chunked']])), `${(body.length + 4096).toString(16)}\r\n${body}`, () =>
        later(40, () => socket.end()),
      );
      break;
    case 'reset-before-head':
      socket.resetAndDestroy();
      break;
    case 'reset-after-head':
      write(head('200 OK', fields([['content-length', body.length]])));
      later(10, () => socket.resetAndDestroy());
      break;
    case 'close-before-head':
      socket.end();
      break;
    case 'hang':
      break;
    case 'bad-status':
      write(`HTTP/1.1 2000 Fine\r\nx-fuzz-token: ${token}\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      next();
      break;
    case 'huge-head':
      write(
        head(
          '200 OK',
          fields([
            ['x-fuzz-padding', 'p'.repeat(96 * 1024)],
            ['content-length', body.length],
          ]),
        ) + (isHead ? '' : body),
      );
      next();
      break;
    case 'obs-fold':
      write(
        `HTTP/1.1 200 OK\r\nx-fuzz-token: ${token}\r\nx-folded: a\r\n b\r\ncache-control: no-store\r\ncontent-length: ${body.length}\r\n\r\n${isHead ? '' : body}`,
      );
      next();
      break;
    case 'switch':
      write(
        `${head('101 Switching Protocols', [
          ['connection', 'upgrade'],
          ['upgrade', request.headers['upgrade'] ?? 'websocket'],
          ['x-fuzz-token', token],
        ])}tunnel:${token}`,
      );
      later(20, () => socket.end());
      break;
  }
}

type ReadResult = { readonly request: OriginRequest; readonly consumed: number } | 'incomplete' | 'garbage';

const MAX_HEAD = 256 * 1024;

/**
 * Reads one request from the front of `buffer`: request line, fields, then a body framed by Content-Length
 * or chunked coding. Lenient on purpose: a tunnel may bring the client's raw bytes here, and the origin must
 * see what a real server would see.
 */
function readRequest(buffer: Buffer): ReadResult {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd === -1) return buffer.length > MAX_HEAD ? 'garbage' : 'incomplete';
  const lines = buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
  const requestLine = /^([!-~]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
  if (requestLine === null) return 'garbage';
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return 'garbage';
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const request: OriginRequest = { method: requestLine[1] as string, target: requestLine[2] as string, headers };
  let at = headEnd + 4;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd === -1) return 'incomplete';
      const size = parseInt(buffer.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
      if (Number.isNaN(size)) return 'garbage';
      at = lineEnd + 2;
      if (size === 0) {
        const trailerEnd = buffer.indexOf('\r\n\r\n', at - 2);
        if (trailerEnd === -1) return 'incomplete';
        return { request, consumed: trailerEnd + 4 };
      }
      if (buffer.length < at + size + 2) return 'incomplete';
      at += size + 2;
    }
  }
  const length = Number(headers['content-length'] ?? '0');
  if (!Number.isSafeInteger(length) || length < 0) return 'garbage';
  if (buffer.length < at + length) return 'incomplete';
  return { request, consumed: at + length };
}
