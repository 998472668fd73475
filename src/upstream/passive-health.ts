import type { PassiveHealthConfig } from '../config/types.ts';

/** How a dispatch to a target ended, as the pool is told through `end()`. */
export type DispatchOutcome = 'ok' | 'connect-error' | 'timeout' | 'error';

/**
 * Passive (outlier) health of one target, learnt from real traffic.
 * `ejectedUntil` stays set after it passes: the target is then half-open until a success clears it.
 */
export interface PassiveState {
  readonly consecutiveFailures: number;
  readonly ejectedUntil: number | undefined;
}

export const INITIAL_PASSIVE_STATE: PassiveState = Object.freeze({ consecutiveFailures: 0, ejectedUntil: undefined });

/**
 * The state after one dispatch outcome. Only connect failures count, since only they say the target is not there;
 * a success resets everything (closing a half-open target). Timeouts and other errors are not connect failures and
 * leave the state as it is. Returns `state` itself when nothing changes, so the hot path allocates nothing.
 *
 * - `failureThreshold` consecutive connect failures eject the target until `nowAt + ejectMs`.
 * - Half-open (ejection passed, no success since): one more connect failure ejects it again at once.
 */
export function applyPassiveOutcome(state: PassiveState, outcome: DispatchOutcome, config: PassiveHealthConfig, nowAt: number): PassiveState {
  switch (outcome) {
    case 'ok':
      return state.consecutiveFailures === 0 && state.ejectedUntil === undefined ? state : INITIAL_PASSIVE_STATE;
    case 'connect-error': {
      // A failure reported by a request dispatched before the ejection must not extend it.
      if (isEjected(state, nowAt)) return state;
      const consecutiveFailures = state.consecutiveFailures + 1;
      const shouldEject = consecutiveFailures >= config.failureThreshold || state.ejectedUntil !== undefined;
      return { consecutiveFailures, ejectedUntil: shouldEject ? nowAt + config.ejectMs : undefined };
    }
    case 'timeout':
    case 'error':
      return state;
  }
}

/** Ejected: no traffic until `ejectedUntil`. */
export function isEjected(state: PassiveState, nowAt: number): boolean {
  return state.ejectedUntil !== undefined && nowAt < state.ejectedUntil;
}

/** The ejection has run out but no dispatch has succeeded since: the target gets one trial request at a time. */
export function isHalfOpen(state: PassiveState, nowAt: number): boolean {
  return state.ejectedUntil !== undefined && nowAt >= state.ejectedUntil;
}
