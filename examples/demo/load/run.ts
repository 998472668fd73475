import { setTimeout as sleep } from 'node:timers/promises';
import { createDevice, createDeviceClient, needsToken, type Device, type DeviceClient } from './devices.ts';
import { createLoadStats, type LoadStats, type Sample } from './stats.ts';

/** The schedule of one simulation. */
export interface LoadPlan {
  readonly gatewayUrl: string;
  readonly devices: number;
  /** Checks per device. */
  readonly rounds: number;
  /** Time between two checks of one device; device start times are spread over the first interval. */
  readonly intervalMs: number;
  /** Requests in flight at most (the size of the connection pool). */
  readonly concurrency: number;
  /**
   * Share (0-1) of devices that hold no definitions yet: their first check downloads the whole file.
   * The others already hold the current version (installed at an earlier check), so every check of
   * theirs is conditional.
   */
  readonly freshShare: number;
  /** Threat ids the devices look up, 1..threatIds. */
  readonly threatIds: number;
  /** Seed of the schedule's pseudo-random numbers, so two runs send the same requests. */
  readonly seed: number;
}

export interface LoadProgress {
  readonly completed: number;
  readonly planned: number;
  readonly hitRatio: number;
  readonly elapsedMs: number;
  readonly scheduleMs: number;
}

export interface LoadResult {
  readonly stats: LoadStats;
  readonly planned: number;
  readonly elapsedMs: number;
  readonly definitionsBytes: number;
  readonly freshDevices: number;
}

/** Requests a device makes per check: definitions, the threat list, one threat. */
const REQUESTS_PER_CHECK = 3;

/** Requests the plan will send (token renewals during very long runs come on top). */
export function countPlannedRequests(plan: LoadPlan): number {
  return plan.devices * (1 + plan.rounds * REQUESTS_PER_CHECK);
}

/**
 * Runs the fleet: each device fetches a token once, then every `intervalMs` checks the definitions
 * (with If-None-Match once it holds a copy), the threat list (conditional too) and one threat. Set-up
 * (reading the current definitions' ETag with HEAD) happens before `onStart`, so callers can take
 * their "before" metrics snapshot there.
 */
export async function runLoad(
  plan: LoadPlan,
  hooks: { onStart?: () => Promise<void>; onProgress?: (progress: LoadProgress) => void } = {},
): Promise<LoadResult> {
  let definitionsBytes = 0;
  const client = createDeviceClient(plan.gatewayUrl, plan.concurrency, () => definitionsBytes);
  try {
    const installed = await inspectFleetState(client);
    definitionsBytes = installed.bytes;
    const random = createRandom(plan.seed);
    const freshDevices = Math.round(plan.devices * plan.freshShare);
    const devices: Device[] = [];
    for (let index = 0; index < plan.devices; index++) devices.push(createDevice(index, index < freshDevices ? undefined : installed.etag));
    const offsetsMs = devices.map(() => Math.floor(random() * plan.intervalMs));
    await hooks.onStart?.();

    const stats = createLoadStats();
    const planned = countPlannedRequests(plan);
    const limit = createLimiter(plan.concurrency);
    const startedAt = performance.now();
    const scheduleMs = plan.intervalMs * plan.rounds;
    const report = (): void =>
      hooks.onProgress?.({
        completed: stats.completed,
        planned,
        hitRatio: stats.hitRatio(),
        elapsedMs: performance.now() - startedAt,
        scheduleMs,
      });
    const timer = setInterval(report, 200);
    const record = (sample: Sample): void => stats.record(sample);
    try {
      await Promise.all(
        devices.map(async (device, index) => {
          const offsetMs = offsetsMs[index] ?? 0;
          for (let round = 0; round < plan.rounds; round++) {
            const dueInMs = startedAt + offsetMs + round * plan.intervalMs - performance.now();
            if (dueInMs > 0) await sleep(dueInMs);
            if (needsToken(device, Date.now())) record(await limit(() => client.fetchToken(device)));
            if (device.token === undefined) continue;
            const threatId = 1 + Math.floor(random() * plan.threatIds);
            record(await limit(() => client.checkDefinitions(device)));
            record(await limit(() => client.checkThreatList(device)));
            record(await limit(() => client.fetchThreat(device, threatId)));
          }
        }),
      );
    } finally {
      clearInterval(timer);
    }
    report();
    return { stats, planned, elapsedMs: performance.now() - startedAt, definitionsBytes, freshDevices };
  } finally {
    await client.close();
  }
}

/** The definitions every installed device already holds, read once through the gateway. */
async function inspectFleetState(client: DeviceClient): Promise<{ etag: string | undefined; bytes: number }> {
  const inspector = createDevice(0, undefined);
  const sample = await client.fetchToken(inspector);
  if (inspector.token === undefined) throw new Error(`could not get a device token through the gateway (status ${sample.status})`);
  return client.inspectDefinitions(inspector);
}

/** At most `size` tasks at once; the rest wait in order. */
export function createLimiter(size: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiter, so a newcomer cannot jump the queue.
    if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next === undefined) active--;
      else next();
    }
  };
}

/** mulberry32: a small seeded generator, so a schedule can be replayed exactly. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
