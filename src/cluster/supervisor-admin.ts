import type { Server } from 'node:http';
import type { RevocationList } from '../auth/types.ts';
import type { AdminConfig } from '../config/types.ts';
import { createAdminServer, type AdminDeps, type AdminRevocations } from '../admin/server.ts';
import { mergeWorkerHealth, type AdminHealth } from '../admin/health.ts';
import { assessReadiness } from '../admin/readiness.ts';
import { shareRevocations } from '../bus/shared-revocations.ts';
import type { InvalidationBus } from '../bus/types.ts';
import { renderAggregate, snapshotAggregate } from '../observability/cluster-metrics.ts';
import type { Logger } from '../observability/logger.ts';
import { purgeKindOf, type Metrics, type MetricsSnapshot } from '../observability/metrics.ts';
import type { IpcPeer } from './ipc-peer.ts';
import { CALL_TIMEOUT_MS, type SupervisorCall } from './protocol.ts';

export interface SupervisorAdminDeps {
  /** The admin section in force: its tokens are read on every request, so a reload rotates them. */
  readonly admin: () => AdminConfig;
  /** `POST /reload`: reads the config again and has every worker put it in force. */
  readonly reload: NonNullable<AdminDeps['reload']>;
  /** Reaches every worker; purges and revocations are answered once each has applied them. */
  readonly bus: InvalidationBus;
  /** The instance's revocation list: what `GET /revocations` shows and what a new worker starts with. */
  readonly revocations: RevocationList;
  /** The supervisor's own metrics (purges, workers, its process), added to the workers'. */
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The workers accepting connections now. */
  readonly listeningWorkers: () => readonly IpcPeer[];
  readonly configuredWorkers: number;
  /** `store.requiredForReadiness`: `/readyz` answers 503 while any worker finds Redis unavailable. */
  readonly storeRequiredForReadiness?: boolean;
  /** True once the instance drains; `/readyz` then answers 503. */
  readonly draining?: () => boolean;
  /** With a Redis store: purges and revocations go through Redis to every worker of every instance (see supervisor.ts). */
  readonly shared?: { readonly purge: AdminDeps['purge']; readonly revocations: AdminRevocations };
}

/**
 * The one admin listener of a supervised instance: purges and revocations go to every worker over the bus,
 * `/metrics` and `/stats` add up every worker's metrics, `/health` merges their upstream health.
 */
export function createSupervisorAdmin(deps: SupervisorAdminDeps): Server {
  const { bus, metrics, logger } = deps;
  const askWorkers = async (call: SupervisorCall): Promise<unknown[]> => {
    const outcomes = await Promise.all(deps.listeningWorkers().map((peer) => peer.call(call, CALL_TIMEOUT_MS)));
    const answers: unknown[] = [];
    for (const outcome of outcomes) {
      if (outcome.ok) answers.push(outcome.value);
      else if (outcome.reason !== 'closed') logger.warn({ call: call.type, reason: outcome.message }, 'a worker did not answer');
    }
    return answers;
  };
  const everyProcess = async (): Promise<MetricsSnapshot[]> => {
    const [own, workers] = await Promise.all([metrics.snapshot(), askWorkers({ type: 'metrics' })]);
    return [own, ...(workers as MetricsSnapshot[])];
  };
  const health = async (): Promise<AdminHealth> =>
    mergeWorkerHealth((await askWorkers({ type: 'health' })) as AdminHealth[], deps.configuredWorkers);
  return createAdminServer({
    get token() {
      return deps.admin().token;
    },
    get metricsToken() {
      return deps.admin().metricsToken;
    },
    reload: deps.reload,
    purge:
      deps.shared?.purge ??
      (async (selector, soft) => {
        const count = await bus.publish({ kind: 'purge', selector, soft });
        metrics.recordPurge(purgeKindOf(selector), soft, count);
        logger.info({ selector, soft, count }, 'purge');
        return count;
      }),
    health,
    // Ready while at least one worker accepts connections and every upstream has a healthy target in each.
    readiness: async () => {
      // Draining workers may not answer a health call before the drain ends: not ready, without asking them.
      if (deps.draining?.() === true) return assessReadiness({ listening: false, draining: true, upstreams: [] });
      const merged = await health();
      return assessReadiness({
        listening: deps.listeningWorkers().length > 0,
        draining: deps.draining?.() === true,
        upstreams: merged.upstreams,
        requiredStore: deps.storeRequiredForReadiness === true ? merged.store : undefined,
      });
    },
    metrics: {
      registry: metrics.registry,
      render: async () => renderAggregate(await everyProcess()),
      snapshot: async () => snapshotAggregate(await everyProcess()),
    },
    logger,
    revocations: deps.shared?.revocations ?? shareRevocations(deps.revocations, bus),
  });
}
