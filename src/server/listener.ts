import http from 'node:http';
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { LimitsConfig } from '../config/types.ts';
import { afterEarlierResponses } from './pipeline.ts';
import { GatewayResponse } from './gateway-response.ts';
import { ERROR_TABLE, type CachetErrorCode } from '../errors.ts';

/** A request Node's parser refused, as it was answered: there is no request object, so no method, path or request ID. */
export interface ParseRefusal {
  readonly status: number;
  readonly code: CachetErrorCode;
  /** The answer's length: all the connection carried for it. */
  readonly bytes: number;
}

/** Told of each answered parse refusal (the access log's line for it). */
export type OnParseRefused = (refusal: ParseRefusal) => void;

/**
 * The client-facing HTTP/1.1 listener with the configured limits. Node's parser enforces the header size
 * (→ 431) and rejects malformed framing (→ 400); those answers are written here as problem+json,
 * because no request object exists yet, in their turn behind pipelined requests still being answered.
 */
export function createListener(limits: LimitsConfig, onRequest: http.RequestListener, onParseRefused?: OnParseRefused): http.Server {
  const server = http.createServer(http1ServerOptions(limits), onRequest);
  answerHttp1Edges(server, onParseRefused);
  return server;
}

/** The HTTP/1.1 parser and timeout settings, shared by the plain listener and HTTP/1.1 over TLS. */
export function http1ServerOptions(limits: LimitsConfig): http.ServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node enforces headersTimeout and requestTimeout only when it sweeps its connections (every 30 s by
    // default): a client stalled mid-request would hold its socket for up to 30 s past its limit.
    connectionsCheckingInterval: sweepIntervalMs(limits),
    // Strict parsing: lenient parsers are how smuggling starts (RFC 9112 §11.2).
    insecureHTTPParser: false,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
    ServerResponse: GatewayResponse,
  };
}

/** The events an HTTP/1.1 server answers itself: 100-continue, parse errors, half-closed connections. */
export function answerHttp1Edges(server: EventEmitter, onParseRefused?: OnParseRefused): void {
  // 100-continue is answered by the request handler after its checks, so a too-large body is refused before it is sent.
  server.on('checkContinue', (req, res) => server.emit('request', req, res));
  server.on('clientError', (err: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Duplex) =>
    answerClientError(err, socket, onParseRefused),
  );
  // RFC 9112 §9.6: a client may close its sending side and still read the answers. With this off (Node's
  // default) a FIN aborts every request not yet answered; on, they are answered and then the connection ends.
  (server as EventEmitter & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
}

/** How often stalled requests are looked for: a quarter of the shortest limit, within 250 ms to 1 s. */
function sweepIntervalMs(limits: LimitsConfig): number {
  return Math.min(1000, Math.max(250, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}

/** Sockets whose parse error is answered (or waits for its turn); Node reports every later byte again. */
const answering = new WeakSet<Duplex>();

/**
 * Answers a request Node's parser refused, after the responses to the requests before it (RFC 9112
 * §9.3.2), then closes: nothing after the refused bytes can be framed.
 */
function answerClientError(
  err: NodeJS.ErrnoException & { bytesParsed?: number },
  socket: Duplex,
  onParseRefused: OnParseRefused | undefined,
): void {
  // The HTTP/2 listener reports failed TLS handshakes here too: no HTTP answer can reach such a client.
  if (!socket.writable || err.code === 'ECONNRESET' || err.code === 'EPIPE' || isTlsError(err)) {
    socket.destroy();
    return;
  }
  if (answering.has(socket)) return;
  answering.add(socket);
  afterEarlierResponses(socket, (canWrite) => {
    // Not writable: the last response closed the connection already.
    if (!socket.writable) return;
    if (!canWrite) {
      socket.destroy();
      return;
    }
    const code = parseErrorCode(err);
    const answer = formatParseErrorAnswer(err, code, mayBeHead(err));
    socket.end(answer);
    onParseRefused?.({ status: ERROR_TABLE[code].status, code, bytes: Buffer.byteLength(answer) });
  });
}

/** A handshake that failed or timed out (`ERR_SSL_…` from OpenSSL, `ERR_TLS_…` from Node), not an HTTP parse error. */
function isTlsError(err: NodeJS.ErrnoException): boolean {
  const code = err.code;
  return code !== undefined && (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'));
}

/**
 * Whether the refused request may be a HEAD, whose answer a client reads without content (RFC 9110 §9.3.2): a
 * timeout or a connection ended mid-request leaves the method unknown, and a parse error shows it only when the
 * refused bytes begin with it.
 */
function mayBeHead(err: NodeJS.ErrnoException & { rawPacket?: unknown }): boolean {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_INVALID_EOF_STATE') return true;
  const raw = err.rawPacket;
  return !Buffer.isBuffer(raw) || raw.length < 5 || raw.toString('latin1', 0, 5) === 'HEAD ';
}

function parseErrorCode(err: NodeJS.ErrnoException): CachetErrorCode {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'CACHET_ERR_REQUEST_HEADERS_TOO_LARGE';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'CACHET_ERR_REQUEST_TIMEOUT';
  return 'CACHET_ERR_REQUEST_MALFORMED';
}

function formatParseErrorAnswer(err: NodeJS.ErrnoException, code: CachetErrorCode, withoutContent: boolean): string {
  const { status, title } = ERROR_TABLE[code];
  if (withoutContent) return `HTTP/1.1 ${status} ${title}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n`;
  const body = JSON.stringify({ type: 'about:blank', title, status, detail: describeParseError(err), code });
  return `HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`;
}

function describeParseError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'The request header section is too large.';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return 'Content-Length and Transfer-Encoding cannot be combined.';
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return 'Invalid Transfer-Encoding.';
    case 'HPE_INVALID_CONTENT_LENGTH':
      return 'Invalid Content-Length.';
    case 'HPE_INVALID_HEADER_TOKEN':
      return 'Invalid header field.';
    case 'HPE_INVALID_METHOD':
      return 'Invalid request method.';
    case 'HPE_INVALID_URL':
      return 'Invalid request target.';
    case 'HPE_INVALID_VERSION':
      return 'Invalid HTTP version.';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'Chunk extensions too large.';
    default:
      return 'The request could not be parsed.';
  }
}
