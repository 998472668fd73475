/** Injected time source, so freshness, stale windows and health timing are testable without sleeping. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export function createManualClock(startAt = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void; set(at: number): void } {
  let current = startAt;
  return {
    now: () => current,
    advance(ms: number) { current += ms; },
    set(at: number) { current = at; },
  };
}
