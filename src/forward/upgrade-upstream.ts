import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Target } from '../upstream/pool.ts';
import { classifyUpstreamError } from '../upstream/errors.ts';
import type { HeaderRecord, UpstreamFailure } from './upstream-request.ts';

export interface UpgradeAttempt {
  readonly method: string;
  /** Normalised path and query. */
  readonly path: string;
  readonly headers: HeaderRecord;
  readonly connectTimeoutMs: number;
  /** Time to the response head (→ 504), then the longest pause inside a relayed body. */
  readonly responseTimeoutMs: number;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export type UpgradeOutcome =
  /** The origin answered 101: `socket` is the raw connection, `head` what the origin sent right behind its head. */
  | { readonly kind: 'switched'; readonly response: IncomingMessage; readonly socket: Duplex; readonly head: Buffer }
  /** Any final answer but 101, with its body still to read; `close` drops the connection once it is relayed. */
  | { readonly kind: 'answered'; readonly response: IncomingMessage; close(): void }
  | UpstreamFailure;

/**
 * Sends an upgrade request to `target` on a connection of its own (never a pooled one: it may become a tunnel)
 * and reports the origin's answer. Node's HTTP client parses it, so a 101 is told from any other answer by a
 * real parser (RFC 9112 §4), and a body is framed as the origin framed it. Field values are written as Latin-1,
 * as undici writes them on the ordinary path, so obs-text bytes arrive unchanged. Never throws.
 */
export function requestUpgrade(target: Target, attempt: UpgradeAttempt): Promise<UpgradeOutcome> {
  return new Promise((resolve) => {
    const url = new URL(target.origin);
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request({
      // `hostname` keeps IPv6 brackets, which the socket layer does not take.
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      method: attempt.method,
      path: attempt.path,
      headers: attempt.headers as http.OutgoingHttpHeaders,
      agent: false,
      setHost: false,
    });
    let settled = false;
    const settle = (outcome: UpgradeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      attempt.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const fail = (kind: UpstreamFailure['kind'], error: unknown): void => {
      request.destroy();
      settle({ ok: false, kind, error });
    };
    const onAbort = (): void => fail('aborted', attempt.signal.reason);
    let timer = setTimeout(() => fail('connect', new Error('connect timeout')), attempt.connectTimeoutMs);
    request.once('socket', (socket) => socket.once('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => fail('timeout', new Error('no response head in time')), attempt.responseTimeoutMs);
    }));
    request.once('upgrade', (response: IncomingMessage, socket: Duplex, head: Buffer) => settle({ kind: 'switched', response, socket, head }));
    request.once('response', (response: IncomingMessage) => {
      request.setTimeout(attempt.responseTimeoutMs, () => request.destroy(new Error('body timeout')));
      settle({ kind: 'answered', response, close: () => request.destroy() });
    });
    // Errors after the answer reach the response body, where the relay handles them.
    request.on('error', (error) => fail(classifyUpstreamError(error) === 'connect' ? 'connect' : 'other', error));
    if (attempt.signal.aborted) return onAbort();
    attempt.signal.addEventListener('abort', onAbort, { once: true });
    request.end();
  });
}
