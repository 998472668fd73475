import http from 'node:http';
import { closeGracefully } from '../../src/server/shutdown.ts';

/** Largest request body the example services read (JSON documents and token requests are small). */
export const MAX_BODY_BYTES = 64 * 1024;

export type BodyResult = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly reason: 'too-large' | 'aborted' };

/**
 * Reads the request content, answering `too-large` as soon as it exceeds `limitBytes`. The rest is
 * discarded rather than the socket destroyed, so the caller can still send its 413 (with
 * `Connection: close`).
 */
export function readBody(req: http.IncomingMessage, limitBytes = MAX_BODY_BYTES): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) {
      req.resume();
      return resolve({ ok: false, reason: 'too-large' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limitBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve({ ok: false, reason: 'too-large' });
    };
    req.on('data', onData);
    req.once('end', () => resolve({ ok: true, body: Buffer.concat(chunks) }));
    req.once('error', () => resolve({ ok: false, reason: 'aborted' }));
    req.once('aborted', () => resolve({ ok: false, reason: 'aborted' }));
  });
}

/** The media type of a Content-Type field, lower-cased and without parameters (RFC 9110 §8.3.1). */
export function getMediaType(req: http.IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Parses JSON content into a plain object; anything else (arrays, scalars, bad syntax) is `undefined`. */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sends a body with an explicit Content-Length; Node drops the body itself for HEAD. */
export function sendBody(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): void {
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(buffer.length) });
  res.end(buffer);
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  sendBody(res, status, 'application/json', JSON.stringify(value), headers);
}

/** An RFC 9457 problem detail; `type` defaults to `about:blank`, so `title` is the status phrase. */
export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly [extension: string]: unknown;
}

/** Sends an RFC 9457 `application/problem+json` body; errors are never stored by caches. */
export function sendProblem(res: http.ServerResponse, problem: Problem, headers: Record<string, string> = {}): void {
  sendBody(res, problem.status, 'application/problem+json', JSON.stringify({ type: 'about:blank', ...problem }), {
    'cache-control': 'no-store',
    ...headers,
  });
}

/** Sends a 304 or 412 without content, keeping the validator and caching fields (RFC 9110 §15.4.5). */
export function sendEmpty(res: http.ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}

/** Binds `server` and resolves with its base URL (`http://host:port`, IPv6 in brackets). */
export function listen(server: http.Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('server has no TCP address'));
      const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${hostPart}:${address.port}`);
    });
  });
}

/**
 * Stops accepting, lets in-flight responses finish and drops idle keep-alive connections; after
 * `drainTimeoutMs` the connections still open are cut (the gateway's own graceful close).
 */
export function closeServer(server: http.Server, drainTimeoutMs = 5000): Promise<void> {
  return closeGracefully(server, drainTimeoutMs);
}

export interface HttpService {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Listens with `handle`; a handler that throws answers 500 through `fail` (or cuts a started response).
 * `release` runs once after the server closed (or when listening failed), e.g. to close the database.
 */
export async function startHttpService(options: {
  readonly host: string | undefined;
  readonly port: number | undefined;
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  fail(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void;
  release(): void;
}): Promise<HttpService> {
  const server = http.createServer((req, res) => {
    options.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) options.fail(req, res, err);
      else res.destroy();
    });
  });
  let url: string;
  try {
    url = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  } catch (err) {
    options.release();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= closeServer(server).then(() => options.release());
      return closing;
    },
  };
}
