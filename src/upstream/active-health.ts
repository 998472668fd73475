import { Client } from 'undici';
import type { HealthCheckConfig } from '../config/types.ts';

/** Active health of one target, learnt from probes. Targets start up. */
export interface ProbeState {
  readonly healthy: boolean;
  readonly consecutiveSuccesses: number;
  readonly consecutiveFailures: number;
}

export const INITIAL_PROBE_STATE: ProbeState = Object.freeze({ healthy: true, consecutiveSuccesses: 0, consecutiveFailures: 0 });

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * The state after one probe: `unhealthyThreshold` consecutive failures take an up target down,
 * `healthyThreshold` consecutive successes bring a down target back. A result breaks the opposite run.
 */
export function applyProbeResult(state: ProbeState, isSuccess: boolean, config: HealthCheckConfig): ProbeState {
  if (isSuccess) {
    const consecutiveSuccesses = state.consecutiveSuccesses + 1;
    const healthy = state.healthy || consecutiveSuccesses >= config.healthyThreshold;
    return { healthy, consecutiveSuccesses, consecutiveFailures: 0 };
  }
  const consecutiveFailures = state.consecutiveFailures + 1;
  const healthy = state.healthy && consecutiveFailures < config.unhealthyThreshold;
  return { healthy, consecutiveSuccesses: 0, consecutiveFailures };
}

/** A probe succeeds on 2xx and 3xx (redirects are not followed: the target answered). */
export function isProbeSuccessStatus(status: number): boolean {
  return status >= 200 && status < 400;
}

export interface ActiveHealthChecker {
  /** Probes every target now and then every `intervalMs`; the timer does not keep the process alive. */
  start(): void;
  /** Stops the timer, aborts probes in flight and closes the probe connections. */
  close(): Promise<void>;
}

/** Bytes of a probe response read before the connection is dropped instead. */
const PROBE_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Probes each target's `config.path` with GET on its own one-connection client, so probes never queue behind
 * (or take a connection from) real traffic. A target's probes never overlap: a tick skips a target whose
 * previous probe is still running. Each probe is bounded by `timeoutMs` end to end, body included.
 */
export function createActiveHealthChecker<T extends { readonly origin: string }>(
  targets: readonly T[],
  config: HealthCheckConfig,
  onResult: (target: T, result: ProbeResult) => void,
): ActiveHealthChecker {
  const clients = new Map<T, Client>();
  const pending = new Map<T, Promise<void>>();
  const closing = new AbortController();
  let timer: NodeJS.Timeout | undefined;

  function clientFor(target: T): Client {
    let client = clients.get(target);
    if (client === undefined) {
      client = new Client(target.origin, {
        pipelining: 1,
        connectTimeout: config.timeoutMs,
        headersTimeout: config.timeoutMs,
        bodyTimeout: config.timeoutMs,
      });
      clients.set(target, client);
    }
    return client;
  }

  function probeAll(): void {
    for (const target of targets) {
      if (pending.has(target) || closing.signal.aborted) continue;
      const run = probeTarget(clientFor(target), config, closing.signal)
        .then((result) => {
          if (!closing.signal.aborted) onResult(target, result);
        })
        .finally(() => {
          pending.delete(target);
        });
      pending.set(target, run);
    }
  }

  return {
    start() {
      if (timer !== undefined || closing.signal.aborted) return;
      timer = setInterval(probeAll, config.intervalMs);
      timer.unref();
      probeAll();
    },
    async close() {
      clearInterval(timer);
      closing.abort();
      await Promise.allSettled(pending.values());
      await Promise.allSettled([...clients.values()].map((client) => client.destroy()));
      clients.clear();
    },
  };
}

/** One probe; never throws. */
async function probeTarget(client: Client, config: HealthCheckConfig, closing: AbortSignal): Promise<ProbeResult> {
  const signal = AbortSignal.any([closing, AbortSignal.timeout(config.timeoutMs)]);
  try {
    const response = await client.request({
      method: 'GET',
      path: config.path,
      headers: { 'user-agent': 'cachet-health-check' },
      signal,
    });
    // Read the body to keep the connection reusable; a huge one is cut off rather than read. A body that does not
    // finish within the timeout fails the probe (dump rejects on the signal).
    await response.body.dump({ limit: PROBE_BODY_LIMIT_BYTES, signal });
    return isProbeSuccessStatus(response.statusCode) ? { ok: true } : { ok: false, reason: `status ${response.statusCode}` };
  } catch (error) {
    return { ok: false, reason: describeProbeError(error) };
  }
}

function describeProbeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  if (typeof name === 'string' && name !== 'Error') return name;
  return typeof message === 'string' ? message : 'probe failed';
}
