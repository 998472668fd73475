import type { HeaderRecord } from '../forward/upstream-request.ts';

/** The first request's answer as kept for its repeats: the upstream's status, fields and body. */
export interface StoredResponse {
  readonly status: number;
  /** The upstream's fields, shown to clients the way a forwarded answer's are. */
  readonly headers: HeaderRecord;
  readonly body: Buffer;
}

/**
 * What a finished first request leaves behind for its key:
 * - `replay`: its response, answered again to every repeat;
 * - `done`: it was processed, but its response cannot be answered again (larger than `maxResponseBytes`, or its
 *   body broke off), so a repeat is refused rather than run a second time;
 * - `release`: nothing; the key is free and a repeat runs as a new request.
 */
export type Settlement =
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'done' }
  | { readonly kind: 'release' };

export const RELEASE: Settlement = Object.freeze({ kind: 'release' });
export const DONE: Settlement = Object.freeze({ kind: 'done' });

/**
 * Statuses that say the request was not acted on and the same request may succeed later, so the key is
 * released: 408 (RFC 9110 §15.5.9), 409 (§15.5.10: a conflict with the resource's current state), 425
 * (RFC 8470 §5.2), 429 (RFC 6585 §4).
 */
const RETRYABLE_CLIENT_STATUSES: ReadonlySet<number> = new Set([408, 409, 425, 429]);

/**
 * Whether an upstream answer with this status is kept for the key, or releases it. Following the draft's
 * retry model and Stripe's practice: a 5xx (the server failed, RFC 9110 §15.6) releases the key so the client
 * may retry; so do the 4xx statuses that ask for a retry. Every other answer (2xx, 3xx, other 4xx such as a
 * validation error) is the result of the operation, and a repeat gets it again. Network failures and timeouts
 * before a response head never reach this question: they release the key.
 */
export function isKeptStatus(status: number): boolean {
  return status >= 200 && status < 500 && !RETRYABLE_CLIENT_STATUSES.has(status);
}
