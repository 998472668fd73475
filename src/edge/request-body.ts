import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { CachetError } from '../errors.ts';
import { closeAfter } from '../server/pipeline.ts';

/**
 * Whether the request carries a body: a Transfer-Encoding or a non-zero Content-Length (RFC 9112 §6.3); over
 * HTTP/2, where Content-Length is optional, a HEADERS frame without END_STREAM (RFC 9113 §8.1).
 */
export function hasRequestBody(req: IncomingMessage): boolean {
  const headers = req.headers;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.httpVersionMajor === 2 && !(req as unknown as { stream: { endAfterHeaders: boolean } }).stream.endAfterHeaders;
}

/** Counts bytes as they stream upstream and fails the stream past the limit (→ 413 when nothing was answered yet). */
class BodyLimiter extends Transform {
  readonly maxBytes: number;
  received = 0;
  exceeded = false;

  constructor(maxBytes: number) {
    super();
    this.maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.maxBytes) {
      this.exceeded = true;
      callback(new CachetError('CACHET_ERR_REQUEST_BODY_TOO_LARGE', `The request body exceeds ${this.maxBytes} bytes.`));
      return;
    }
    callback(null, chunk);
  }
}

/**
 * The stream sent upstream for a body of unknown length (chunked): counted, failing past `maxBytes`.
 * `onVerdict` runs once, when the body has ended within the limit (true) or has failed (false).
 */
function limitRequestBody(req: IncomingMessage, maxBytes: number, onVerdict: (withinLimit: boolean) => void): BodyLimiter {
  const limiter = new BodyLimiter(maxBytes);
  let settled = false;
  const settle = (withinLimit: boolean): void => {
    if (settled) return;
    settled = true;
    onVerdict(withinLimit);
  };
  limiter.once('finish', () => settle(true));
  limiter.once('error', () => settle(false));
  limiter.once('close', () => settle(!limiter.exceeded && limiter.writableFinished));
  // The upstream request reports a broken body; a listener here keeps a body cut off before undici
  // subscribes from becoming an uncaught error.
  limiter.on('error', () => {});
  req.pipe(limiter);
  req.once('error', (err) => limiter.destroy(err));
  return limiter;
}

/** Connections with a chunked request body still being counted against `limits.maxBodyBytes`. */
const countingBodies = new WeakMap<object, Promise<void>>();

/**
 * A chunked body ahead on this connection still being counted: if it turns out too large, the connection closes
 * after its 413 and the requests behind it must not be acted on. Undefined when there is none.
 */
export function whenBodyCounted(socket: object): Promise<void> | undefined {
  return countingBodies.get(socket);
}

/** The body of an admitted request of unknown length, counted on its way upstream; over the limit, `res` is the connection's last. */
export function countChunkedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Transform {
  const socket = req.socket;
  const { promise, resolve } = Promise.withResolvers<void>();
  countingBodies.set(socket, promise);
  return limitRequestBody(req, maxBytes, (withinLimit) => {
    countingBodies.delete(socket);
    // Over the limit (or cut off): this response is the connection's last, so what follows is dropped.
    if (!withinLimit) closeAfter(res);
    resolve();
  });
}
