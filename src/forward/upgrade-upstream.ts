import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { finished } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Target } from '../upstream/pool.ts';
import { classifyUpstreamError } from '../upstream/errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import { upstreamPathOf } from './rewrite.ts';
import type { Exchange } from './exchange.ts';
import { isIdempotentMethod, type HeaderRecord, type UpstreamFailure } from './upstream-request.ts';

interface UpgradeAttempt {
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
function requestUpgrade(target: Target, attempt: UpgradeAttempt): Promise<UpgradeOutcome> {
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
      // Without a Host (route `upstreamHost: target`), the target's own authority is sent.
      setHost: attempt.headers['host'] === undefined,
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
    request.once('socket', (socket) =>
      socket.once('connect', () => {
        clearTimeout(timer);
        timer = setTimeout(() => fail('timeout', new Error('no response head in time')), attempt.responseTimeoutMs);
      }),
    );
    request.once('upgrade', (response: IncomingMessage, socket: Duplex, head: Buffer) =>
      settle({ kind: 'switched', response, socket, head }),
    );
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

/**
 * Sends an upgrade request to a target of the exchange's pool: one attempt per target, and a connect failure of an
 * idempotent request (never with content here) tries another. The pool sees the connection until the tunnel or
 * the relayed answer ends.
 */
export async function sendUpgrade(
  ex: Exchange,
  headers: HeaderRecord,
  signal: AbortSignal,
  metrics: Metrics,
): Promise<{ target: Target | undefined; outcome: UpgradeOutcome }> {
  const { pool, retries, timeouts } = ex.upstream;
  const attempts = isIdempotentMethod(ex.method) ? 1 + retries : 1;
  let tried: Set<Target> | undefined;
  let outcome: UpgradeOutcome = { ok: false, kind: 'unavailable', error: undefined };
  for (let attempt = 0; attempt < attempts; attempt++) {
    const target = pool.pick(tried);
    if (target === undefined) break;
    pool.begin(target);
    const startedAt = performance.now();
    outcome = await requestUpgrade(target, {
      method: ex.method,
      path: upstreamPathOf(ex.route, ex.path),
      headers,
      connectTimeoutMs: timeouts.connectMs,
      responseTimeoutMs: timeouts.responseMs,
      signal,
    });
    const spent = (performance.now() - startedAt) / 1000;
    if (outcome.kind === 'switched') {
      metrics.recordUpstream(pool.name, target.url, 'ok', spent);
      outcome.socket.once('close', () => pool.end(target, 'ok'));
      return { target, outcome };
    }
    if (outcome.kind === 'answered') {
      metrics.recordUpstream(pool.name, target.url, 'ok', spent);
      const { response, close } = outcome;
      // 'end' or a failure, whichever comes: the response's own 'close' waits for a connection that is kept.
      finished(response, (err) => {
        close();
        pool.end(target, err === undefined || err === null ? 'ok' : 'error');
      });
      return { target, outcome };
    }
    // A reset after the request went out counts apart from a refused connect, as on the ordinary path.
    const failure =
      outcome.kind === 'connect'
        ? 'connect-error'
        : outcome.kind === 'timeout'
          ? 'timeout'
          : classifyUpstreamError(outcome.error) === 'reset'
            ? 'reset'
            : 'error';
    pool.end(target, failure);
    metrics.recordUpstream(pool.name, target.url, failure, spent);
    if (outcome.kind !== 'connect') break;
    (tried ??= new Set()).add(target);
  }
  return { target: undefined, outcome };
}
