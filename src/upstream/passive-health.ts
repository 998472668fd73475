import type { PassiveHealthConfig } from '../config/types.ts';

/**
 * How a dispatch to a target ended, as the pool is told through `end()`:
 * - `connect-error`: no connection was made (refused, unreachable, connect timeout): the target is not there.
 * - `reset`: the connection was made, then reset or closed before any response byte: the request may have upset it.
 * - `timeout`, `error`: too slow, or anything else (a broken body, the client leaving).
 */
export type DispatchOutcome = 'ok' | 'connect-error' | 'reset' | 'timeout' | 'error';

/**
 * Passive (outlier) health of one target, learnt from real traffic.
 * `ejectedUntil` stays set after it passes: the target is then half-open until a success clears it.
 */
export interface PassiveState {
  readonly consecutiveConnectFailures: number;
  readonly consecutiveResets: number;
  readonly ejectedUntil: number | undefined;
}

export const INITIAL_PASSIVE_STATE: PassiveState = Object.freeze({
  consecutiveConnectFailures: 0,
  consecutiveResets: 0,
  ejectedUntil: undefined,
});

/**
 * The state after one dispatch outcome. Returns `state` itself when nothing changes, so the hot path allocates nothing.
 *
 * - A success resets both counts and closes a half-open target.
 * - Connect failures and resets count separately, each towards its own threshold (`failureThreshold`,
 *   `resetThreshold`); neither resets the other's count. Timeouts and other errors leave the state as it is:
 *   a slow answer or a broken body says nothing about whether the target is there.
 * - Reaching a threshold ejects until `nowAt + ejectMs`; half-open (ejection passed, no success since), one more
 *   counted failure ejects again at once.
 * - `mayEject` is asked only when an ejection is due: the pool answers whether enough targets would stay healthy.
 *   When it says no the target stays in (a half-open one fully so) and the count keeps growing, so the next counted
 *   failure asks again.
 */
export function applyPassiveOutcome(
  state: PassiveState,
  outcome: DispatchOutcome,
  config: PassiveHealthConfig,
  nowAt: number,
  mayEject: () => boolean,
): PassiveState {
  switch (outcome) {
    case 'ok':
      return state.consecutiveConnectFailures === 0 && state.consecutiveResets === 0 && state.ejectedUntil === undefined
        ? state
        : INITIAL_PASSIVE_STATE;
    case 'connect-error':
    case 'reset': {
      // A failure reported by a request dispatched before the ejection must not extend it.
      if (isEjected(state, nowAt)) return state;
      const isConnect = outcome === 'connect-error';
      const consecutiveConnectFailures = state.consecutiveConnectFailures + (isConnect ? 1 : 0);
      const consecutiveResets = state.consecutiveResets + (isConnect ? 0 : 1);
      const isDue =
        state.ejectedUntil !== undefined ||
        (isConnect ? consecutiveConnectFailures >= config.failureThreshold : consecutiveResets >= config.resetThreshold);
      // Refused, a half-open target is closed again: it may be the one left to take every request.
      return { consecutiveConnectFailures, consecutiveResets, ejectedUntil: isDue && mayEject() ? nowAt + config.ejectMs : undefined };
    }
    case 'timeout':
    case 'error':
      return state;
  }
}

/**
 * Whether one more target may be ejected: passive ejection never leaves fewer healthy targets than
 * `minHealthyPercent` of the pool (rounded up), and never none. Envoy's outlier detection bounds ejection the same
 * way (`max_ejection_percent`), and nginx never takes the only server of a group out: a single target that fails
 * keeps being tried, so clients see 502 for each failure rather than 503 for everyone.
 */
export function hasRoomToEject(healthyOthers: number, targetCount: number, minHealthyPercent: number): boolean {
  return healthyOthers >= Math.max(1, Math.ceil((targetCount * minHealthyPercent) / 100));
}

/** Ejected: no traffic until `ejectedUntil`. */
export function isEjected(state: PassiveState, nowAt: number): boolean {
  return state.ejectedUntil !== undefined && nowAt < state.ejectedUntil;
}

/** The ejection has run out but no dispatch has succeeded since: the target gets one trial request at a time. */
export function isHalfOpen(state: PassiveState, nowAt: number): boolean {
  return state.ejectedUntil !== undefined && nowAt >= state.ejectedUntil;
}
