/**
 * What went wrong talking to a target, as the gateway needs to know it:
 * - `connect`: no connection was made (refused, unreachable, connect timeout): the target is not there. Safe to
 *   try another target for idempotent requests; counts towards `passiveHealth.failureThreshold`; 502.
 * - `reset`: the connection was reset or closed before a response head, usually after the request was sent: this
 *   request (or a kept-alive connection the target had just dropped) upset it. Counts towards
 *   `passiveHealth.resetThreshold`; an idempotent request is tried once more on another connection; 502.
 * - `timeout`: the target accepted the request but was too slow (504).
 * - `aborted`: the caller gave up (the client went away); nobody's fault.
 * - `other`: anything else (502).
 */
export type UpstreamErrorKind = 'connect' | 'reset' | 'timeout' | 'aborted' | 'other';

const CONNECT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Seen here only before a response head, since `request()` resolves with the head: RST (`ECONNRESET`), a write to a
 * closed connection (`EPIPE`), or a close without an answer (`UND_ERR_SOCKET`, "other side closed").
 */
const RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

const ABORT_CODES: ReadonlySet<string> = new Set(['UND_ERR_ABORTED', 'ABORT_ERR']);

/** Causes and aggregate members looked through before giving up; errors are not expected to nest deeper. */
const MAX_DEPTH = 3;

/**
 * Classifies an error thrown by an undici dispatch (`request()` rejecting before a response head).
 * Looks at `code` first, then at `cause` and `AggregateError` members (happy-eyeballs connects fail with one).
 * Pass the request's `signal` so an abort with a custom reason is still recognised.
 *
 * @example
 * ```ts
 * try { await target.dispatcher.request(opts); }
 * catch (err) { if (classifyUpstreamError(err, signal) === 'connect') pool.end(target, 'connect-error'); }
 * ```
 */
export function classifyUpstreamError(err: unknown, signal?: AbortSignal): UpstreamErrorKind {
  if (signal?.aborted === true && err === signal.reason) return isNamed(err, 'TimeoutError') ? 'timeout' : 'aborted';
  return classifyAt(err, 0);
}

function classifyAt(err: unknown, depth: number): UpstreamErrorKind {
  if (typeof err !== 'object' || err === null) return 'other';
  const code = readCode(err);
  if (code !== undefined) {
    if (CONNECT_CODES.has(code)) return 'connect';
    if (RESET_CODES.has(code)) return 'reset';
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (ABORT_CODES.has(code)) return 'aborted';
  }
  if (isNamed(err, 'AbortError')) return 'aborted';
  if (isNamed(err, 'TimeoutError')) return 'timeout';
  if (depth >= MAX_DEPTH) return 'other';
  if (err instanceof AggregateError) {
    for (const member of err.errors) {
      const kind = classifyAt(member, depth + 1);
      if (kind !== 'other') return kind;
    }
  }
  return 'cause' in err ? classifyAt(err.cause, depth + 1) : 'other';
}

function readCode(err: object): string | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isNamed(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;
}
