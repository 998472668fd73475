import { randomUUID } from 'node:crypto';

/**
 * Visible ASCII without separators: no space, comma, semicolon, quotes, backslash or angle brackets,
 * so the id is safe to echo in a header, a log line or a URL path segment and cannot split a list.
 */
const WELL_FORMED = /^[A-Za-z0-9._:@/+=~-]{1,128}$/;

/** Whether `value` is a client request id cachet keeps: 1..128 characters of `[A-Za-z0-9._:@/+=~-]`. */
export function isWellFormedRequestId(value: string): boolean {
  return WELL_FORMED.test(value);
}

/**
 * The request id for this exchange: the client's `X-Request-ID` when it is a single well-formed value,
 * otherwise a new random UUID. Repeated fields (an array) are ambiguous, so they get a new id too.
 */
export function resolveRequestId(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && WELL_FORMED.test(incoming)) return incoming;
  return randomUUID();
}
