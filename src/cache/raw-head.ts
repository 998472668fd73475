import { STATUS_CODES, type ServerResponse } from 'node:http';

/**
 * The hit fast path: a stored response's head serialised once per entry (status line and stored
 * fields), so a hit only appends Age, Cache-Status, X-Request-ID and the keep-alive fields, instead
 * of `writeHead` validating and joining every field again.
 *
 * It sets the head the way `ServerResponse#_storeHeader` does and leaves the rest to Node: `end(body)`
 * sends the head with the body and the server's keep-alive handling is untouched. It runs only on a
 * kept-alive HTTP/1.1 connection whose response has a Content-Length (every stored response has one
 * or a known size), or that is a 304 (no content); anything else takes `writeHead`. Node is pinned to 24 (package.json), and every
 * cache test runs through this path, so a change of these internals fails the suite, not production.
 */
interface RawHeadResponse {
  _header: string | null;
  _headerSent: boolean;
  _last: boolean;
  shouldKeepAlive: boolean;
  maxRequestsOnConnectionReached?: boolean;
  _keepAliveTimeout?: number;
}

/**
 * The status line and stored fields (already hop-by-hop free, Via appended) of an entry, CRLF-terminated;
 * undefined without a Content-Length, which the fast path needs for framing. Callers cache it per entry.
 */
export function serializeStoredHead(status: number, flatFields: readonly string[]): string | undefined {
  for (let i = 0; i < flatFields.length; i += 2) {
    if (flatFields[i] === 'content-length') return serializeHead(status, flatFields);
  }
  return undefined;
}

/**
 * The status line and fields, CRLF-terminated, with no framing check: for a 304, which has no content
 * (RFC 9110 §15.4.5). Callers cache it per entry.
 */
export function serializeHead(status: number, flatFields: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (let i = 0; i < flatFields.length; i += 2) head += `${flatFields[i] as string}: ${flatFields[i + 1] as string}\r\n`;
  return flattenString(head);
}

/**
 * The same text in one piece. Built by `+=`, a string is a tree of pieces that V8 walks again each time
 * it is copied out, and a stored head is copied into every answer's head; the tree's nodes, spread over
 * the old generation, cost a cache miss each. The copy through a latin1 buffer is made once per entry.
 */
function flattenString(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** Whether the fast path may write this response's head: a kept-alive HTTP/1.1 exchange, head not yet set. */
export function canWriteRawHead(res: ServerResponse, httpVersion: string): boolean {
  const raw = res as unknown as RawHeadResponse;
  return httpVersion === '1.1' && raw.shouldKeepAlive && raw.maxRequestsOnConnectionReached !== true && raw._header === null;
}

/** The keep-alive fields and the blank line ending a head, for the last keep-alive timeout (ms) seen: one per listener. */
let endingTimeoutMs = -1;
let ending = '';

function keepAliveEnding(timeoutMs: number | undefined): string {
  const ms = timeoutMs ?? 0;
  if (ms !== endingTimeoutMs) {
    const seconds = Math.floor(ms / 1000);
    ending = `connection: keep-alive\r\n${seconds > 0 ? `keep-alive: timeout=${seconds}\r\n` : ''}\r\n`;
    endingTimeoutMs = ms;
  }
  return ending;
}

/**
 * Installs the head: the stored part, then the fields of this answer (`Age`, `Cache-Status`, `X-Request-ID`, and
 * `extraLines`, CRLF-terminated lines such as RateLimit fields), then the keep-alive fields. The next `end(body)`
 * sends it with the body.
 */
export function writeRawHead(
  res: ServerResponse,
  status: number,
  storedHead: string,
  age: string,
  cacheStatus: string,
  requestId: string,
  extraLines: string | undefined,
): void {
  const raw = res as unknown as RawHeadResponse;
  res.statusCode = status;
  raw._header = `${storedHead}age: ${age}\r\ncache-status: ${cacheStatus}\r\nx-request-id: ${requestId}\r\n${extraLines ?? ''}${keepAliveEnding(raw._keepAliveTimeout)}`;
  raw._headerSent = false;
  raw._last = false;
}
