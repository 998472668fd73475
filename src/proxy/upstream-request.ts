import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Target, UpstreamPool } from '../upstream/pool.ts';
import { performance } from 'node:perf_hooks';
import { classifyUpstreamError } from '../upstream/errors.ts';
import type { Metrics } from '../observability/metrics.ts';

export type HeaderRecord = Record<string, string | string[] | undefined>;

export interface UpstreamRequest {
  readonly method: string;
  /** Normalised path and query. */
  readonly path: string;
  readonly headers: HeaderRecord;
  /** Null when the request has no body; a stream is sent once and so never retried. */
  readonly body: Readable | null;
  /** Extra attempts on another target after a connect failure (idempotent methods without a body only). */
  readonly retries: number;
}

export interface UpstreamResponse {
  readonly ok: true;
  readonly status: number;
  readonly headers: HeaderRecord;
  readonly body: Dispatcher.ResponseData['body'];
  readonly target: Target;
}

export interface UpstreamFailure {
  readonly ok: false;
  /** unavailable: no healthy target (503); connect: 502; timeout: 504; aborted: the client went away; other: 502. */
  readonly kind: 'unavailable' | 'connect' | 'timeout' | 'aborted' | 'other';
  readonly error: unknown;
}

/** RFC 9110 §9.2.2. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method);
}

/**
 * Sends a request to a healthy target of the pool; on a connect failure of an idempotent, body-less request,
 * tries another target up to `retries` times. Never throws: failures are values the caller maps to 502/503/504.
 * The pool's in-flight count for the chosen target is released when the response body ends.
 */
export async function sendUpstream(pool: UpstreamPool, request: UpstreamRequest, metrics?: Metrics): Promise<UpstreamResponse | UpstreamFailure> {
  const canRetry = request.body === null && isIdempotentMethod(request.method);
  const maxAttempts = canRetry ? 1 + request.retries : 1;
  let tried: Set<Target> | undefined;
  let lastFailure: UpstreamFailure = { ok: false, kind: 'unavailable', error: undefined };
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const target = pool.pick(tried);
    if (target === undefined) return lastFailure;
    pool.begin(target);
    const startedAt = performance.now();
    try {
      const response = await target.dispatcher.request({
        method: request.method as Dispatcher.HttpMethod,
        path: request.path,
        headers: request.headers as Record<string, string | string[]>,
        body: request.body,
      });
      metrics?.recordUpstream(pool.name, target.url, 'ok', (performance.now() - startedAt) / 1000);
      releaseWhenDone(pool, target, response.body);
      return { ok: true, status: response.statusCode, headers: response.headers as HeaderRecord, body: response.body, target };
    } catch (error) {
      if (request.body !== null && hasFailed(request.body)) {
        // The client's body broke (cut off, malformed, over the limit): not the target's fault.
        pool.end(target, 'error');
        return { ok: false, kind: 'aborted', error };
      }
      const kind = classifyUpstreamError(error);
      const outcome = kind === 'connect' ? 'connect-error' : kind === 'timeout' ? 'timeout' : 'error';
      pool.end(target, outcome);
      metrics?.recordUpstream(pool.name, target.url, outcome, (performance.now() - startedAt) / 1000);
      lastFailure = { ok: false, kind, error };
      if (kind !== 'connect' && !isResetBeforeResponse(error)) return lastFailure;
      (tried ??= new Set()).add(target);
    }
  }
  return lastFailure;
}

function hasFailed(body: Readable): boolean {
  return body.errored !== null || (body.destroyed && !body.readableEnded);
}

/**
 * A kept-alive connection the target closed (it restarted or died) fails the request before any response;
 * an idempotent, body-less request is safe to send again elsewhere (RFC 9110 §9.2.2).
 */
function isResetBeforeResponse(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}

function releaseWhenDone(pool: UpstreamPool, target: Target, body: Readable): void {
  // undici's body stream auto-destroys: 'close' follows both 'end' and 'error', so one listener settles it.
  body.once('close', () => {
    const err = body.errored;
    pool.end(target, err === null ? 'ok' : classifyUpstreamError(err) === 'timeout' ? 'timeout' : 'error');
  });
}
