/**
 * GCRA, the generic cell rate algorithm (ITU-T I.371, the "virtual scheduling" form): a policy of `limit`
 * requests per window admits one request every `intervalUs` on average, in bursts of up to `limit`. A client's
 * whole state is one instant, its theoretical arrival time (TAT). A request at `now` would move the TAT to
 * `max(tat, now) + intervalUs`; how far that lies ahead of `now` (`aheadUs`) decides: admitted while it is at
 * most `toleranceUs`. A refused request changes nothing, so a client over its limit stays over it only until
 * time passes, whoever else counts it.
 *
 * Times are whole microseconds, so the arithmetic is exact (instants stay below 2^53) in JavaScript and in
 * the Redis script alike. The interval is the window divided by the limit, rounded up, and the tolerance is
 * `limit` intervals: a burst admits exactly `limit` requests, and the sustained rate never exceeds the limit
 * (it falls short of it by under a microsecond per interval).
 *
 * The same arithmetic runs in the Redis script (`redis-limiter.ts`) and in process (`local-limiter.ts`).
 */
export interface GcraRate {
  readonly limit: number;
  readonly intervalUs: number;
  readonly toleranceUs: number;
}

export function createGcraRate(limit: number, windowSec: number): GcraRate {
  const intervalUs = Math.max(1, Math.ceil((windowSec * 1_000_000) / limit));
  return { limit, intervalUs, toleranceUs: intervalUs * limit };
}

/** How far ahead of `nowUs` the TAT would be if this request were counted (`tat` undefined: a client never seen or idle). */
export function computeAheadUs(tat: number | undefined, nowUs: number, rate: GcraRate): number {
  return (tat === undefined || tat < nowUs ? nowUs : tat) + rate.intervalUs - nowUs;
}

export function isWithinLimit(aheadUs: number, rate: GcraRate): boolean {
  return aheadUs <= rate.toleranceUs;
}

/** Requests still admitted at once after a counted request that left the TAT `aheadUs` ahead. */
export function remainingAfter(aheadUs: number, rate: GcraRate): number {
  return Math.floor((rate.toleranceUs - aheadUs) / rate.intervalUs);
}

/** For a refused request: how long until the same request would be admitted. */
export function retryAfterUs(aheadUs: number, rate: GcraRate): number {
  return aheadUs - rate.toleranceUs;
}

/** The TAT as it stands ahead of now, from a refused request's `retryAfterUs`: when the quota is whole again. */
export function fullAfterUs(retryUs: number, rate: GcraRate): number {
  return retryUs + rate.toleranceUs - rate.intervalUs;
}
