import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection } from '../../../redis/connection.ts';
import type { FillClaim, FillLeases } from '../types.ts';
import type { KeyLayout } from './keys.ts';

export interface FillLeaseOptions {
  readonly redis: RedisConnection;
  readonly layout: KeyLayout;
  /** How long an instance waits for another's fill, and how long a lease lives unless released. */
  readonly waitMs: number;
}

/** First look at a held lease, doubling up to the longest gap: one short command per waiting key and instance. */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 50;

/** Deletes the lease only if it is still this holder's: an expired lease may have been taken by another instance. */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const UNAVAILABLE: FillClaim = Object.freeze({ kind: 'alone', reason: 'unavailable' });
const WAIT_ENDED: FillClaim = Object.freeze({ kind: 'alone', reason: 'wait-ended' });
const RELEASED: FillClaim = Object.freeze({ kind: 'released' });

/**
 * Fill leases in Redis: `SET <lease> <holder> NX PX <waitMs>` in the key's own slot. The holder fetches and
 * releases once it has stored the response (or knows it will not); a holder that dies leaves a lease that
 * expires after `waitMs`. The others poll the lease with a growing gap until it is gone or `waitMs` has passed.
 * Redis unavailable (down, slow, circuit open): no lease and no wait.
 */
export function createFillLeases(options: FillLeaseOptions): FillLeases {
  const { redis, layout, waitMs } = options;
  const release = redis.defineScript('cachetReleaseLease', RELEASE_SCRIPT);
  const holder = randomBytes(8).toString('hex');
  let serial = 0;

  async function waitForRelease(leaseKey: string): Promise<FillClaim> {
    const deadline = performance.now() + waitMs;
    let gapMs = FIRST_POLL_MS;
    for (;;) {
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) return WAIT_ENDED;
      await sleep(Math.min(gapMs, leftMs));
      gapMs = Math.min(gapMs * 2, MAX_POLL_MS);
      try {
        if ((await redis.run((client) => client.exists(leaseKey))) === 0) return RELEASED;
      } catch {
        return UNAVAILABLE;
      }
    }
  }

  return {
    async claim(key) {
      const leaseKey = layout.fillLeaseKey(key);
      const token = `${holder}:${++serial}`;
      let taken: boolean;
      try {
        taken = (await redis.run((client) => client.set(leaseKey, token, 'PX', waitMs, 'NX'))) === 'OK';
      } catch {
        return UNAVAILABLE;
      }
      if (!taken) return waitForRelease(leaseKey);
      return {
        kind: 'lead',
        release() {
          redis.run(() => release([leaseKey], [token])).catch(() => {});
        },
      };
    },
  };
}
