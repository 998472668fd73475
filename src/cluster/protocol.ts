/** The messages a supervisor and its workers exchange over their IPC channel (see `ipc-peer.ts`). */
import type { Revocation } from '../auth/types.ts';
import type { Config } from '../config/types.ts';
import type { BusMessage } from '../bus/types.ts';

/** Supervisor → worker, one-way. */
export type SupervisorNote =
  /**
   * The worker's config (admin off: the supervisor serves it), how to share the listen port, and the
   * revocations in force when it joined the bus (later changes arrive as deliveries).
   */
  | { readonly type: 'start'; readonly config: Config; readonly reusePort: boolean; readonly revocations: readonly Revocation[] }
  /** Stop accepting, finish in-flight requests (up to `shutdown.drainTimeoutMs`), exit 0. */
  | { readonly type: 'drain' };

/** Worker → supervisor, one-way. */
export type WorkerNote =
  /** The worker reads its channel: it can be sent `start` and bus deliveries. */
  | { readonly type: 'hello' }
  | { readonly type: 'listening'; readonly url: string }
  /** Start-up failed (the message is one line for people); the worker exits after sending it. */
  | { readonly type: 'failed'; readonly message: string };

/**
 * Supervisor → worker calls: apply a bus message (answers the purged count), a metrics snapshot, a health summary,
 * and a reload: put this validated worker config in force (answers a `ReloadOutcome`, see `reload/reloader.ts`).
 */
export type SupervisorCall =
  | { readonly type: 'deliver'; readonly message: BusMessage }
  | { readonly type: 'reload'; readonly config: Config }
  | { readonly type: 'metrics' }
  | { readonly type: 'health' };

/** Worker → supervisor calls: a bus message this worker publishes (answers the other workers' purged count). */
export type WorkerCall = { readonly type: 'publish'; readonly message: BusMessage };

/** How long a worker has to confirm a bus message, a metrics snapshot or a health summary. */
export const CALL_TIMEOUT_MS = 5000;

/** How long a worker has to put a reloaded config in force; one still starting applies it once it listens. */
export const RELOAD_TIMEOUT_MS = 15_000;
