import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Target, UpstreamPool } from '../upstream/pool.ts';
import { performance } from 'node:perf_hooks';
import { isTrailerContentLengthError } from '../upstream/body-errors.ts';
import { classifyUpstreamError, type UpstreamErrorKind } from '../upstream/errors.ts';
import type { DispatchOutcome } from '../upstream/passive-health.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ConnectionTag } from '../upstream/connection-guard.ts';

export type HeaderRecord = Record<string, string | string[] | undefined>;

export interface UpstreamRequest {
  readonly method: string;
  /** Normalised path and query. */
  readonly path: string;
  readonly headers: HeaderRecord;
  /** Null when the request has no body; a stream is sent once and so never retried. */
  readonly body: Readable | null;
  /** Extra attempts after a connect failure or a reset (idempotent methods without a body only). */
  readonly retries: number;
  /** Learns which upstream connection answered (the cache stores only what a connection in sync carried). */
  readonly connection?: ConnectionTag;
}

export interface UpstreamResponse {
  readonly ok: true;
  readonly status: number;
  readonly headers: HeaderRecord;
  /** undici's body stream, or what an edge policy that read it answers in its place (see `Exchange.settleUpstream`). */
  readonly body: Readable;
  readonly target: Target;
}

export interface UpstreamFailure {
  readonly ok: false;
  /** unavailable: no healthy target (503); connect: 502; timeout: 504; aborted: the client went away; other (a reset too): 502. */
  readonly kind: 'unavailable' | 'connect' | 'timeout' | 'aborted' | 'other';
  readonly error: unknown;
  /** The target the last attempt went to; absent when none was picked. */
  readonly target?: Target;
}

/** RFC 9110 §9.2.2. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method);
}

const UNAVAILABLE: UpstreamFailure = Object.freeze({ ok: false, kind: 'unavailable', error: undefined });

/** The pool outcome each kind of failure reports. */
const OUTCOME_OF: Readonly<Record<UpstreamErrorKind, DispatchOutcome>> = {
  connect: 'connect-error',
  reset: 'reset',
  timeout: 'timeout',
  aborted: 'error',
  other: 'error',
};

/**
 * Sends a request to a healthy target of the pool. Never throws: failures are values the caller maps to 502/503/504.
 * The pool's in-flight count for the chosen target is released when the response body ends.
 *
 * An idempotent, body-less request (RFC 9110 §9.2.2) is sent again, within `retries` extra attempts:
 * - after a connect failure, on another target (the failed one is not there);
 * - after a reset before any response byte, once: on another target when there is one, else on the same target,
 *   whose pool opens or reuses another connection (the reset one is gone). Only once, so a request that makes
 *   targets drop it is not replayed on every one of them.
 */
export async function sendUpstream(
  pool: UpstreamPool,
  request: UpstreamRequest,
  metrics?: Metrics,
): Promise<UpstreamResponse | UpstreamFailure> {
  let retriesLeft = request.body === null && isIdempotentMethod(request.method) ? request.retries : 0;
  let hasRetriedReset = false;
  let tried: Set<Target> | undefined;
  let target = pool.pick();
  if (target === undefined) return UNAVAILABLE;
  for (;;) {
    pool.begin(target);
    const startedAt = performance.now();
    try {
      const response = await target.dispatcher.request({
        method: request.method as Dispatcher.HttpMethod,
        path: request.path,
        headers: request.headers as Record<string, string | string[]>,
        body: request.body,
        opaque: request.connection,
      });
      metrics?.recordUpstream(pool.name, target.url, 'ok', (performance.now() - startedAt) / 1000);
      releaseWhenDone(pool, target, response.body);
      return { ok: true, status: response.statusCode, headers: response.headers as HeaderRecord, body: response.body, target };
    } catch (error) {
      const kind = classifyUpstreamError(error);
      // undici destroys the request body when the connection fails, so a connect failure is the target's
      // even though the body looks broken; otherwise a broken body (cut off, malformed, over the limit) is the client's.
      if (kind !== 'connect' && request.body !== null && hasFailed(request.body)) {
        pool.end(target, 'error');
        return { ok: false, kind: 'aborted', error };
      }
      const outcome = OUTCOME_OF[kind];
      const requestId = request.headers['x-request-id'];
      pool.end(target, outcome, typeof requestId === 'string' ? requestId : undefined);
      metrics?.recordUpstream(pool.name, target.url, outcome, (performance.now() - startedAt) / 1000);
      const failure: UpstreamFailure = { ok: false, kind: kind === 'reset' ? 'other' : kind, error, target };
      const isRetryable = kind === 'connect' || (kind === 'reset' && !hasRetriedReset);
      if (retriesLeft === 0 || !isRetryable) return failure;
      retriesLeft--;
      const failed = target;
      (tried ??= new Set()).add(failed);
      target = pool.pick(tried);
      if (target === undefined && kind === 'reset') {
        tried.delete(failed);
        target = pool.pick(tried);
      }
      if (target === undefined) return failure;
      if (kind === 'reset') hasRetriedReset = true;
      metrics?.recordUpstreamRetry(pool.name, kind);
    }
  }
}

function hasFailed(body: Readable): boolean {
  return body.errored !== null || (body.destroyed && !body.readableEnded);
}

function releaseWhenDone(pool: UpstreamPool, target: Target, body: Readable): void {
  // undici's body stream auto-destroys: 'close' follows both 'end' and 'error', so one listener settles it.
  body.once('close', () => {
    const err = body.errored;
    // A Content-Length trailer field is the origin's slip, not a failing target: the data arrived whole.
    if (err === null || isTrailerContentLengthError(err)) pool.end(target, 'ok');
    else pool.end(target, classifyUpstreamError(err) === 'timeout' ? 'timeout' : 'error');
  });
}
