/**
 * The supervisor of an instance with `workers` > 1: forks the workers, shares the listen port between them,
 * serves the one admin listener, relays the invalidation bus, replaces a worker that dies, and drains them all
 * on shutdown. It serves no proxy traffic itself.
 */
import cluster from 'node:cluster';
import { createServer, type Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { Counter, Gauge } from 'prom-client';
import type { Config } from '../config/types.ts';
import { CachetError } from '../errors.ts';
import { createRevocationList } from '../auth/revocation.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { listenOn } from '../server/listen.ts';
import { closeGracefully } from '../server/shutdown.ts';
import { createIpcHub } from './ipc-bus.ts';
import type { SupervisorNote, WorkerCall } from './protocol.ts';
import { createSupervisorAdmin } from './supervisor-admin.ts';
import { createSupervisorSharing } from './supervisor-sharing.ts';
import { reloadWorkers } from './supervisor-reload.ts';
import { createConfigReloader, type ReloadOutcome } from '../reload/reloader.ts';
import { findRestartOnlyChanges } from '../reload/restart-fields.ts';
import { setUpWorkerForks, WorkerSlot, type SlotHooks } from './worker-slot.ts';

/**
 * Where SO_REUSEPORT spreads connections over the listening sockets (Linux 3.9+, FreeBSD 12+ with
 * SO_REUSEPORT_LB, which Node sets). Elsewhere the cluster module's round-robin hands them out.
 */
const KERNEL_BALANCED_PLATFORMS: ReadonlySet<NodeJS.Platform> = new Set(['linux', 'freebsd']);
/** A replacement that dies before listening this many times in a row stops the instance. */
export const MAX_START_FAILURES = 5;
/** How much longer than the drain a worker may take to exit before it is killed. */
const EXIT_GRACE_MS = 5000;

export interface SupervisorOptions {
  readonly logger?: Logger;
  /** Export the supervisor's process metrics too (each worker exports its own). */
  readonly processMetrics?: boolean;
  /** Reads and validates the config again, for {@link Supervisor.reload} (the CLI: the file it started from). */
  readonly loadConfig?: () => Promise<Config>;
}

export interface Supervisor {
  /** Starts the admin listener and every worker; resolves once each worker accepts connections. */
  listen(): Promise<{ url: string; adminUrl: string | undefined }>;
  /** Drains every worker (`shutdown.drainTimeoutMs`) and the admin listener. */
  close(): Promise<void>;
  /** Settles when the instance cannot go on: a worker's replacement failed to start {@link MAX_START_FAILURES} times. */
  readonly failed: Promise<Error>;
  /**
   * Reads the config again and has every worker put it in force (SIGHUP, `POST /reload`); resolves once each
   * has, or refused with every problem: an invalid file, a field that needs a restart, the workers that failed.
   */
  reload(): Promise<ReloadOutcome>;
}

/**
 * The wait before replacing a worker, given how many exits in a row came within 10 s of their start (this one
 * included): 100 ms after a worker that ran longer, then 200 ms, 400 ms, ... up to 10 s.
 */
export function computeRestartDelayMs(quickExits: number): number {
  return Math.min(100 * 2 ** quickExits, 10_000);
}
const QUICK_EXIT_MS = 10_000;

export function createSupervisor(config: Config, options: SupervisorOptions = {}): Supervisor {
  const logger = options.logger ?? createLogger(config.log.level);
  const reusePort = KERNEL_BALANCED_PLATFORMS.has(process.platform);
  const hub = createIpcHub();
  const revocations = createRevocationList();
  const metrics = createMetrics({ collectDefault: options.processMetrics === true });
  const restarts = new Counter({
    name: 'cachet_worker_restarts_total',
    help: 'Worker processes replaced after exiting while the instance was running.',
    registers: [metrics.registry],
  });
  let failInstance: (err: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => {
    failInstance = resolve;
  });
  let starting: { resolve(): void; reject(err: Error): void } | undefined;
  let stopping = false;
  /** The config in force (what a reload is compared with), and what a worker starting now is given. */
  let current: Config = config;
  let workerConfig: Config = config;
  let port: number | undefined;

  const hooks: SlotHooks = {
    joined(slot, peer) {
      hub.join(slot.id, peer);
      // The snapshot and the join happen in one turn: every later change reaches the worker as a delivery.
      const start: SupervisorNote = { type: 'start', config: workerConfig, reusePort, revocations: revocations.list(nowSec()) };
      void peer.notify(start);
    },
    called(slot, body) {
      const call = body as WorkerCall;
      if (call.type !== 'publish') throw new Error(`unknown call ${String(call.type)}`);
      return hub.relay(call.message, slot.id);
    },
    listening(slot) {
      slot.startFailures = 0;
      logger.info({ worker: slot.id, workerPid: slot.pid }, 'worker listening');
      if (starting !== undefined && slots.every((s) => s.isListening)) starting.resolve();
    },
    exited(slot, exit) {
      hub.leave(slot.id);
      if (stopping) return;
      if (starting !== undefined) {
        starting.reject(new CachetError('CACHET_ERR_WORKER_START', exit.reason));
        return;
      }
      if (!exit.listened && ++slot.startFailures >= MAX_START_FAILURES) {
        const message = `worker ${slot.id} failed to start ${slot.startFailures} times in a row: ${exit.reason}`;
        logger.error({ worker: slot.id, workerPid: exit.pid }, message);
        failInstance(new CachetError('CACHET_ERR_WORKER_START', message));
        return;
      }
      slot.quickExits = exit.livedMs < QUICK_EXIT_MS ? slot.quickExits + 1 : 0;
      const delayMs = computeRestartDelayMs(slot.quickExits);
      restarts.inc();
      logger.warn({ worker: slot.id, workerPid: exit.pid, reason: exit.reason, restartInMs: delayMs }, 'worker exited; replacing it');
      slot.restartTimer = setTimeout(() => slot.start(), delayMs);
    },
  };
  const slots = Array.from({ length: config.workers }, (_, i) => new WorkerSlot(i + 1, hooks));
  new Gauge({
    name: 'cachet_workers',
    help: 'Worker processes accepting connections.',
    registers: [metrics.registry],
    collect() {
      this.set(slots.filter((slot) => slot.isListening).length);
    },
  });

  const sharing = config.store.type === 'redis' ? createSupervisorSharing(config.store, { hub, revocations, logger, metrics }) : undefined;
  const applyConfig = async (next: Config): Promise<ReloadOutcome> => {
    if (stopping || port === undefined) return { reloaded: false, problems: ['the instance is not serving'] };
    const problems = findRestartOnlyChanges(current, next);
    if (problems.length > 0) return { reloaded: false, problems };
    // Set first: a worker forked from now on (a replacement) starts with the new config.
    current = next;
    workerConfig = toWorkerConfig(next, port);
    if (options.logger === undefined) logger.level = next.log.level;
    return reloadWorkers(slots, workerConfig);
  };
  const reload =
    options.loadConfig === undefined
      ? async (): Promise<ReloadOutcome> => ({ reloaded: false, problems: ['started without a config file: nothing to reload'] })
      : createConfigReloader({ load: options.loadConfig, apply: applyConfig, registry: metrics.registry, logger, now: Date.now });

  let admin: HttpServer | undefined;
  if (config.admin !== undefined) {
    const startAdmin = config.admin;
    admin = createSupervisorAdmin({
      // Read on each request, so a reload rotates the tokens.
      admin: () => current.admin ?? startAdmin,
      reload,
      bus: hub,
      revocations,
      metrics,
      logger,
      listeningWorkers: () => slots.flatMap((slot) => (slot.isListening && slot.peer !== undefined ? [slot.peer] : [])),
      configuredWorkers: config.workers,
      storeRequiredForReadiness: config.store.type === 'redis' && config.store.requiredForReadiness,
      draining: () => stopping,
      ...(sharing === undefined ? {} : { shared: sharing }),
    });
  }
  // A second signal makes the CLI exit at once: the workers go with it instead of draining on their own.
  const killWorkers = (): void => {
    for (const slot of slots) slot.kill();
  };

  return {
    failed,
    reload,
    async listen() {
      const url = await reservePort(config.listen);
      port = Number(new URL(url).port);
      workerConfig = toWorkerConfig(current, port);
      const adminUrl = admin !== undefined && config.admin !== undefined ? await listenOn(admin, config.admin) : undefined;
      if (!cluster.isPrimary) throw new CachetError('CACHET_ERR_WORKER_START', 'a worker process cannot supervise workers');
      // The shared revocations are loaded first, so every worker starts with them.
      await sharing?.start();
      setUpWorkerForks();
      process.on('exit', killWorkers);
      await new Promise<void>((resolve, reject) => {
        starting = { resolve, reject };
        for (const slot of slots) slot.start();
      }).finally(() => {
        starting = undefined;
      });
      logger.info({ workerPids: slots.map((slot) => slot.pid), reusePort }, 'workers listening');
      return { url, adminUrl };
    },
    async close() {
      stopping = true;
      const deadlineMs = current.shutdown.drainTimeoutMs + EXIT_GRACE_MS;
      // The admin listener outlives the workers' drain, so probes keep getting an answer (`/readyz` 503) until it ends.
      await Promise.all(slots.map((slot) => slot.stop(deadlineMs)));
      if (admin !== undefined) await closeGracefully(admin, current.shutdown.drainTimeoutMs);
      await sharing?.close();
      process.off('exit', killWorkers);
    },
  };
}

/**
 * Binds the listen address once, from this process alone, to learn the port (`port: 0` picks one for every
 * worker) and to fail as a single process would when it is taken: with SO_REUSEPORT another process of the
 * same user listening the same way would otherwise be joined silently.
 */
async function reservePort(listen: Config['listen']): Promise<string> {
  const probe: Server = createServer();
  const url = await listenOn(probe, { ...listen, exclusive: true });
  await new Promise((resolve) => probe.close(resolve));
  // The probe is plain TCP; the workers serve TLS when listen.tls is set.
  return listen.tls === undefined ? url : `https${url.slice('http'.length)}`;
}

/** Workers serve the proxy only, on the port the supervisor reserved: the admin API is the supervisor's, and a worker never supervises. */
function toWorkerConfig(config: Config, port: number): Config {
  return Object.freeze({ ...config, listen: Object.freeze({ ...config.listen, port }), admin: undefined, workers: 1 });
}

function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}
