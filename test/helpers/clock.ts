import type { Clock } from '../../src/clock.ts';

/** A clock tests move by hand. */
export function createManualClock(startAt = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void; set(at: number): void } {
  let current = startAt;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
    set(at: number) {
      current = at;
    },
  };
}
