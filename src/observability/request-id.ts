import { randomBytes } from 'node:crypto';

/**
 * Visible ASCII without separators: no space, comma, semicolon, quotes, backslash or angle brackets,
 * so the id is safe to echo in a header, a log line or a URL path segment and cannot split a list.
 */
const WELL_FORMED = /^[A-Za-z0-9._:@/+=~-]{1,128}$/;

/** Whether `value` is a client request id cachet keeps: 1..128 characters of `[A-Za-z0-9._:@/+=~-]`. */
export function isWellFormedRequestId(value: string): boolean {
  return WELL_FORMED.test(value);
}

/** 16 random hex characters per process: ids from several instances never collide. */
const PROCESS_PREFIX = randomBytes(8).toString('hex');
let sequence = 0;

/**
 * The request id for this exchange: the client's `X-Request-ID` when it is a single well-formed value,
 * otherwise a new one. Repeated fields (an array) are ambiguous, so they get a new id too.
 * New ids are a per-process random prefix plus a counter (`3f9a…c1-1z4`): unique across instances and
 * cheaper than a UUID on every request.
 */
export function resolveRequestId(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && isWellFormedRequestId(incoming)) return incoming;
  return `${PROCESS_PREFIX}-${(++sequence).toString(36)}`;
}
