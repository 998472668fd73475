import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../observability/metrics.ts';
import { bytesWrittenBy, connectionOf, type Connection } from './connection-bytes.ts';

/** One request followed for the metrics; `settle` gives its cache label once the layers below know it. */
export interface MeteredResponse {
  settle(label: string): void;
}

/** Labels answered from storage: their body bytes are the cache's (and saved at the origin). */
const FROM_CACHE: ReadonlySet<string> = new Set(['hit', 'stale']);

/**
 * What a connection (a socket, or an HTTP/2 session) had written when its last metered response was counted.
 * Not a property of the socket: adding one gives sockets a second shape, and Node's own socket code (every
 * write, every parsed chunk) then looks properties up the slow, megamorphic way; measured, that costs more
 * than this lookup.
 */
const accountedBy = new WeakMap<object, number>();

/**
 * Counts a request in `cachet_requests_in_flight` from its arrival until its response is over, and adds its
 * body bytes to `cachet_bytes_served_total` by source once its label is known. A request never settled (a
 * refusal, which no layer below answered) is in flight while it lasts but serves no source.
 *
 * "Over" is when the response closes (finished, or the client went away: `close` comes once either way), or,
 * for a response the gateway ended in the same turn as it arrived (a hit held in memory, most refusals), at
 * once: its bytes are with the connection by then, and no scrape could have seen it in flight. That path
 * needs no listener, closure or object per request; see {@link settleMeterNow}.
 */
export function meterResponse(metrics: Metrics, req: IncomingMessage, res: ServerResponse): MeteredResponse {
  const connection = connectionOf(req);
  let label: string | undefined;
  let bytes = -1;
  // `close` comes once per response: `on` spares the wrapper `once` would allocate on every request.
  res.on('close', () => {
    metrics.requestEnded();
    bytes = closeBodyBytes(connection, res);
    if (label !== undefined) metrics.recordBodyBytes(FROM_CACHE.has(label), bytes);
  });
  return {
    settle(settled) {
      if (label !== undefined) return;
      label = settled;
      if (bytes >= 0) metrics.recordBodyBytes(FROM_CACHE.has(label), bytes);
    },
  };
}

/**
 * Settles a request whose handling finished in the turn it arrived, `label` undefined for a refusal. Counted
 * now when the response is ended and written straight to its own HTTP/1.1 connection (not queued behind a
 * pipelined one, not an HTTP/2 stream whose session others share); otherwise followed until it closes, as
 * {@link meterResponse} does. The caller counted the request in flight when it arrived.
 */
export function settleMeterNow(metrics: Metrics, req: IncomingMessage, res: ServerResponse, label: string | undefined): void {
  const socket = res.socket;
  if (res.writableEnded && socket !== null && socket === req.socket && req.httpVersionMajor === 1) {
    metrics.requestEnded();
    // Counted even for a refusal, which serves no source: the next response on the connection starts after it.
    const bytes = closeBodyBytes(socket, res);
    if (label !== undefined) metrics.recordBodyBytes(FROM_CACHE.has(label), bytes);
    return;
  }
  const meter = meterResponse(metrics, req, res);
  if (label !== undefined) meter.settle(label);
}

/**
 * The body bytes of a response just over: what its connection wrote since the previous response on it was
 * counted, less its head. Responses on an HTTP/1.1 connection are written one after another, so this is exact
 * unless requests are pipelined, where a response written while the one before it closes is counted with that
 * one (its head included: pipelining is rare enough for that). Chunked framing is counted as sent; over HTTP/2,
 * streams interleave, so each counts what the session wrote since the last stream closed, frame and field bytes
 * included.
 */
function closeBodyBytes(connection: Connection | null, res: ServerResponse): number {
  const written = bytesWrittenBy(connection);
  if (connection === null || written === undefined) return 0;
  const share = written - (accountedBy.get(connection) ?? 0);
  accountedBy.set(connection, written);
  // Node keeps the HTTP/1.1 head it sent as a latin1 string: one character per byte.
  const head = (res as unknown as { _header?: unknown })._header;
  return Math.max(0, share - (typeof head === 'string' ? head.length : 0));
}
