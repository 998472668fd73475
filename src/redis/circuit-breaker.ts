import type { Clock } from '../clock.ts';

/**
 * `closed`: calls go out. `open`: every call is refused at once until `cooldownMs` has passed.
 * `half-open`: one call goes out as a probe; its outcome closes or reopens the circuit.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open a closed circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit refuses calls before it lets one probe through. */
  readonly cooldownMs: number;
  readonly clock: Clock;
  /** Called on every state change (metrics, log lines). */
  readonly onChange?: (state: CircuitState) => void;
}

export interface CircuitBreaker {
  readonly state: CircuitState;
  /** True when a call may go out now: the circuit is closed, or this call is the half-open circuit's probe. */
  tryAcquire(): boolean;
  recordSuccess(): void;
  recordFailure(): void;
  /** The connection is known to be down: open now, without waiting for failures to add up. */
  trip(): void;
  /** The connection is known to be back: close now. */
  reset(): void;
}

/**
 * A circuit breaker in front of a remote dependency, so callers get "unavailable" at once instead of
 * each waiting out a timeout while it is down, and recovery is probed with one call at a time.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { failureThreshold, cooldownMs, clock, onChange } = options;
  let state: CircuitState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let probing = false;

  function enter(next: CircuitState): void {
    if (next === 'open') openedAt = clock.now();
    probing = false;
    if (next === state) return;
    state = next;
    onChange?.(next);
  }

  return {
    get state() {
      return state;
    },
    tryAcquire() {
      if (state === 'closed') return true;
      if (state === 'open') {
        if (clock.now() - openedAt < cooldownMs) return false;
        enter('half-open');
      }
      if (probing) return false;
      probing = true;
      return true;
    },
    recordSuccess() {
      failures = 0;
      if (state !== 'closed') enter('closed');
    },
    recordFailure() {
      failures++;
      if (state === 'half-open' || (state === 'closed' && failures >= failureThreshold)) enter('open');
    },
    trip() {
      failures = failureThreshold;
      enter('open');
    },
    reset() {
      failures = 0;
      enter('closed');
    },
  };
}
