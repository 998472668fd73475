import { Pool } from 'undici';
import type { Clock } from '../clock.ts';
import type { UpstreamConfig } from '../config/types.ts';
import { CachetError } from '../errors.ts';
import { INITIAL_PROBE_STATE, type ProbeState } from './active-health.ts';
import { ConnectionGuard } from './connection-guard.ts';
import { INITIAL_PASSIVE_STATE, isEjected, isHalfOpen, type PassiveState } from './passive-health.ts';

/** One origin server of an upstream pool, as the proxy sees it. */
export interface Target {
  /** The origin as configured, e.g. `http://127.0.0.1:3001`. */
  readonly url: string;
  /** Normalised (`new URL(url).origin`): lower-case host, default port dropped. */
  readonly origin: string;
  /** Keep-alive connection pool to this origin; every dispatch goes through it. */
  readonly dispatcher: Pool;
  /** Watches the pool's connections; tells of any found out of sync with the origin (already closed). */
  readonly connections: ConnectionGuard;
  /** Up by active checks (or none configured) and not passively ejected. */
  readonly healthy: boolean;
  /** Requests dispatched to it and not yet ended. */
  readonly inflight: number;
}

/**
 * The pool's own view of a target: the public fields plus the health state only the pool changes.
 * Callers only ever see it typed as `Target`.
 */
export class PoolTarget implements Target {
  readonly url: string;
  readonly origin: string;
  readonly dispatcher: Pool;
  readonly connections = new ConnectionGuard();
  /** The pool that created it, so `begin`/`end` can refuse another pool's target. */
  readonly owner: object;
  inflight = 0;
  passive: PassiveState = INITIAL_PASSIVE_STATE;
  probe: ProbeState = INITIAL_PROBE_STATE;
  lastError: string | undefined = undefined;
  lastErrorAt: number | undefined = undefined;
  /** Last health value reported through `onHealthChange`; targets start healthy. */
  reportedHealthy = true;
  readonly #clock: Clock;

  constructor(url: string, config: UpstreamConfig, clock: Clock, owner: object) {
    this.url = url;
    this.origin = parseOrigin(url, config.name);
    this.owner = owner;
    this.#clock = clock;
    this.dispatcher = new Pool(this.origin, {
      connections: config.connectionsPerTarget,
      connectTimeout: config.timeouts.connectMs,
      headersTimeout: config.timeouts.responseMs,
      bodyTimeout: config.timeouts.responseMs,
      pipelining: 1,
      factory: this.connections.factory,
    });
  }

  get healthy(): boolean {
    return this.isHealthyAt(this.#clock.now());
  }

  isHealthyAt(nowAt: number): boolean {
    return this.probe.healthy && !isEjected(this.passive, nowAt);
  }

  /** Healthy, and when half-open only while no trial request is already out (one at a time). */
  canTakeRequestAt(nowAt: number): boolean {
    return this.isHealthyAt(nowAt) && (this.inflight === 0 || !isHalfOpen(this.passive, nowAt));
  }

  recordError(reason: string, nowAt: number): void {
    this.lastError = reason;
    this.lastErrorAt = nowAt;
  }
}

function parseOrigin(url: string, upstreamName: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new CachetError('CACHET_ERR_CONFIG_INVALID', `upstream "${upstreamName}": target "${url}" is not a URL`, { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CachetError('CACHET_ERR_CONFIG_INVALID', `upstream "${upstreamName}": target "${url}" must be http: or https:`);
  }
  return parsed.origin;
}
