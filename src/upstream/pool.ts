import { systemClock, type Clock } from '../clock.ts';
import type { HealthCheckConfig, UpstreamConfig } from '../config/types.ts';
import type { Logger } from '../observability/logger.ts';
import { applyProbeResult, createActiveHealthChecker, type ActiveHealthChecker, type ProbeResult } from './active-health.ts';
import { selectBalancer } from './balancers.ts';
import { applyPassiveOutcome, hasRoomToEject, isEjected, type DispatchOutcome, type PassiveState } from './passive-health.ts';
import { PoolTarget, type Target } from './target.ts';

export type { Target } from './target.ts';
export type { DispatchOutcome } from './passive-health.ts';

/** A named set of origin servers behind one balancer, with active and passive health. */
export interface UpstreamPool {
  readonly name: string;
  readonly targets: readonly Target[];
  /**
   * A healthy target not in `exclude`, per the balancer. When no target is healthy only because of passive
   * ejection (the active checks took the others down meanwhile), one the active checks leave up, ejected or not.
   * Undefined when there is none (the gateway answers 503).
   */
  pick(exclude?: ReadonlySet<Target>): Target | undefined;
  /** Call right before dispatching to `target`, so least-connections and half-open trials see the request. */
  begin(target: Target): void;
  /**
   * Call exactly once per `begin`, when the response has ended or the dispatch failed. `requestId`: the request
   * that failed, named in the ejection line it causes.
   */
  end(target: Target, outcome: DispatchOutcome, requestId?: string): void;
  health(): UpstreamHealth;
  /** Starts active health checks, if configured. Timers are `unref`ed. */
  start(): void;
  /** Stops health checks and closes every dispatcher once its in-flight requests finish. */
  close(): Promise<void>;
}

export interface UpstreamHealth {
  readonly name: string;
  /** Targets currently healthy. */
  readonly healthy: number;
  readonly targets: readonly TargetHealth[];
}

export interface TargetHealth {
  readonly url: string;
  readonly healthy: boolean;
  readonly inflight: number;
  /** Consecutive connect failures seen by passive health (`passiveHealth.failureThreshold`). */
  readonly consecutiveConnectFailures: number;
  /** Consecutive resets before a response seen by passive health (`passiveHealth.resetThreshold`). */
  readonly consecutiveResets: number;
  /** `connect-error`, `reset`, `timeout`, `error`, or `health check: <reason>`. */
  readonly lastError?: string;
  readonly lastErrorAt?: number;
  /** Present while the target is passively ejected. */
  readonly ejectedUntil?: number;
  /** Present when active checks are configured. */
  readonly probe?: { readonly healthy: boolean; readonly consecutiveSuccesses: number; readonly consecutiveFailures: number };
}

export interface UpstreamPoolOptions {
  /** Time source for passive ejection (active checks run on real timers). */
  readonly clock?: Clock;
  /** Called when a target's combined health flips; must not throw. */
  readonly onHealthChange?: (target: Target, healthy: boolean) => void;
  /** Told of passive ejections and re-admissions and of active health changes, once per change. */
  readonly logger?: Logger;
}

/**
 * Creates the pool for one `upstreams.<name>` entry: one keep-alive undici `Pool` per target.
 * Nothing runs in the background until `start()`.
 *
 * @example
 * ```ts
 * const pool = createUpstreamPool(config.upstreams.api);
 * pool.start();
 * const target = pool.pick();
 * if (target === undefined) return respond503();
 * pool.begin(target);
 * // ... dispatch, then pool.end(target, 'ok') when the body has ended
 * ```
 */
export function createUpstreamPool(config: UpstreamConfig, options: UpstreamPoolOptions = {}): UpstreamPool {
  const clock = options.clock ?? systemClock;
  const onHealthChange = options.onHealthChange;
  const logger = options.logger;
  const owner = {};
  const targets = Object.freeze(config.targets.map((url) => new PoolTarget(url, config, clock, owner)));
  const balance = selectBalancer(config.balancer);
  let cursor = 0;
  let checker: ActiveHealthChecker | undefined;
  let closing: Promise<void> | undefined;

  // Set per `pick` so the eligibility predicate is created once, not per call.
  let pickAt = 0;
  let pickExclude: ReadonlySet<Target> | undefined;
  const isEligible = (target: PoolTarget): boolean =>
    syncHealth(target, pickAt) && target.canTakeRequestAt(pickAt) && pickExclude?.has(target) !== true;
  const isUpByProbes = (target: PoolTarget): boolean => target.probe.healthy && pickExclude?.has(target) !== true;

  // Set per `end` so the ejection guard is created once, and only run when an ejection is due.
  let ending: PoolTarget | undefined;
  let endAt = 0;
  const mayEject = (): boolean => {
    let healthyOthers = 0;
    for (const target of targets) if (target !== ending && target.isHealthyAt(endAt)) healthyOthers++;
    return hasRoomToEject(healthyOthers, targets.length, config.passiveHealth.minHealthyPercent);
  };

  /** Reports a flip of the combined view; ejections run out lazily, so this runs wherever health is read. */
  function syncHealth(target: PoolTarget, nowAt: number): boolean {
    const healthy = target.isHealthyAt(nowAt);
    if (healthy !== target.reportedHealthy) {
      target.reportedHealthy = healthy;
      onHealthChange?.(target, healthy);
    }
    return healthy;
  }

  function resolveOwnTarget(target: Target): PoolTarget {
    if (target instanceof PoolTarget && target.owner === owner) return target;
    throw new TypeError(`target ${target.url} does not belong to upstream "${config.name}"`);
  }

  function recordProbe(target: PoolTarget, result: ProbeResult, healthCheck: HealthCheckConfig): void {
    const nowAt = clock.now();
    const before = target.probe;
    target.probe = applyProbeResult(before, result.ok, healthCheck);
    if (!result.ok) target.recordError(`health check: ${result.reason}`, nowAt);
    if (target.probe.healthy !== before.healthy) reportProbeChange(logger, config.name, target, result);
    syncHealth(target, nowAt);
  }

  return {
    name: config.name,
    targets,
    pick(exclude) {
      pickAt = clock.now();
      pickExclude = exclude;
      let index = balance(targets, cursor, isEligible);
      if (index === -1 && !targets.some((target) => target.canTakeRequestAt(pickAt))) index = balance(targets, cursor, isUpByProbes);
      pickExclude = undefined;
      if (index === -1) return undefined;
      cursor = index + 1;
      return targets[index];
    },
    begin(target) {
      resolveOwnTarget(target).inflight++;
    },
    end(target, outcome, requestId) {
      const poolTarget = resolveOwnTarget(target);
      const nowAt = clock.now();
      if (poolTarget.inflight > 0) poolTarget.inflight--;
      ending = poolTarget;
      endAt = nowAt;
      const before = poolTarget.passive;
      poolTarget.passive = applyPassiveOutcome(before, outcome, config.passiveHealth, nowAt, mayEject);
      ending = undefined;
      if (poolTarget.passive !== before) reportPassiveChange(logger, config.name, poolTarget, before, outcome, requestId);
      if (outcome !== 'ok') poolTarget.recordError(outcome, nowAt);
      syncHealth(poolTarget, nowAt);
    },
    health() {
      const nowAt = clock.now();
      let healthyCount = 0;
      const reports = targets.map((target): TargetHealth => {
        const healthy = syncHealth(target, nowAt);
        if (healthy) healthyCount++;
        return {
          url: target.url,
          healthy,
          inflight: target.inflight,
          consecutiveConnectFailures: target.passive.consecutiveConnectFailures,
          consecutiveResets: target.passive.consecutiveResets,
          ...(target.lastError !== undefined && { lastError: target.lastError, lastErrorAt: target.lastErrorAt }),
          ...(isEjected(target.passive, nowAt) && { ejectedUntil: target.passive.ejectedUntil }),
          ...(config.healthCheck !== undefined && { probe: { ...target.probe } }),
        };
      });
      return { name: config.name, healthy: healthyCount, targets: reports };
    },
    start() {
      const healthCheck = config.healthCheck;
      if (healthCheck === undefined || checker !== undefined || closing !== undefined) return;
      checker = createActiveHealthChecker(targets, healthCheck, (target, result) => recordProbe(target, result, healthCheck));
      checker.start();
    },
    close() {
      closing ??= (async () => {
        await checker?.close();
        await Promise.all(targets.map((target) => target.dispatcher.close()));
      })();
      return closing;
    },
  };
}

/** One line per passive ejection (a half-open target refused again included) and per re-admission. */
function reportPassiveChange(
  logger: Logger | undefined,
  upstream: string,
  target: PoolTarget,
  before: PassiveState,
  outcome: DispatchOutcome,
  requestId: string | undefined,
): void {
  const after = target.passive;
  if (after.ejectedUntil !== undefined && after.ejectedUntil !== before.ejectedUntil) {
    logger?.warn(
      {
        upstream,
        target: target.url,
        outcome,
        consecutiveConnectFailures: after.consecutiveConnectFailures,
        consecutiveResets: after.consecutiveResets,
        ejectedUntil: after.ejectedUntil,
        ...(requestId === undefined ? {} : { requestId }),
      },
      'upstream target ejected',
    );
  } else if (before.ejectedUntil !== undefined && after.ejectedUntil === undefined) {
    if (outcome === 'ok') logger?.info({ upstream, target: target.url }, 'upstream target re-admitted after a successful request');
    // A half-open target failing again where ejecting it would leave too few healthy targets (see `hasRoomToEject`).
    else logger?.warn({ upstream, target: target.url, outcome }, 'upstream target re-admitted although failing: too few healthy targets');
  }
}

/** One line when probes take a target down or bring it back, not one per probe. */
function reportProbeChange(logger: Logger | undefined, upstream: string, target: PoolTarget, result: ProbeResult): void {
  if (target.probe.healthy) logger?.info({ upstream, target: target.url }, 'upstream target healthy again by its health checks');
  else
    logger?.warn(
      {
        upstream,
        target: target.url,
        reason: result.ok ? undefined : result.reason,
        consecutiveFailures: target.probe.consecutiveFailures,
      },
      'upstream target unhealthy by its health checks',
    );
}
