import { createHash } from 'node:crypto';
import type { RedisConnection, RedisScript } from '../redis/connection.ts';
import type { GcraRate } from './gcra.ts';

/**
 * GCRA on Redis for the policies one route applies to one client, in one round trip: a script reads every
 * TAT, admits only if each policy does, and then writes them all, each key expiring once its TAT has passed
 * (an idle client costs nothing). Time is Redis' own clock (`TIME`, in microseconds), so instances with
 * skewed clocks count alike; Redis 5+ replicates the script's writes, not the script, so reading the clock is
 * allowed.
 *
 * Keys: `<prefix>rl:{<h>}:<policy>`, `h` being 16 hex digits of SHA-1 of the client's identity. The hash tag
 * puts every counter of one client in one cluster slot, so one script sees them all; the hash keeps client
 * data (subjects, addresses, field values) out of key names.
 */
const GCRA_SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local aheads = {}
local admitted = 1
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local ahead = tat + interval - now
  if ahead > tolerance then admitted = 0 end
  aheads[i] = ahead
end
if admitted == 1 then
  for i, key in ipairs(KEYS) do
    redis.call('SET', key, string.format('%.0f', now + aheads[i]), 'PX', math.ceil(aheads[i] / 1000))
  end
end
local reply = { admitted }
for i, ahead in ipairs(aheads) do reply[i + 1] = string.format('%.0f', ahead) end
return reply
`;

/** The policies a route applies to one client identity, counted together by one script call. */
export interface RemoteGroup {
  /** `}:<policy>` per policy: what follows the client's hash tag in its key. */
  readonly keySuffixes: readonly string[];
  /** The script's arguments: interval and tolerance (µs) of each policy. */
  readonly args: readonly number[];
}

/** The script's judgement: whether the request was counted, and each policy's `aheadUs` (see `gcra.ts`) in group order. */
export interface RemoteJudgement {
  readonly admitted: boolean;
  readonly aheads: readonly number[];
}

export interface RemoteLimiter {
  /**
   * Judges one request of `client` against every policy of `group`, counting it only if each admits it.
   * Rejects when Redis cannot be asked (`RedisUnavailableError` while its circuit is open).
   */
  take(client: string, group: RemoteGroup): Promise<RemoteJudgement>;
}

export function createRemoteGroup(rates: ReadonlyArray<{ readonly name: string; readonly rate: GcraRate }>): RemoteGroup {
  const args: number[] = [];
  for (const { rate } of rates) args.push(rate.intervalUs, rate.toleranceUs);
  return { keySuffixes: rates.map(({ name }) => `}:${name}`), args };
}

export function createRemoteLimiter(redis: RedisConnection, keyPrefix: string): RemoteLimiter {
  const script: RedisScript = redis.defineScript('cachetRateLimit', GCRA_SCRIPT);
  const head = `${keyPrefix}rl:{`;
  return {
    async take(client, group) {
      const tagged = head + hashIdentity(client);
      const keys = group.keySuffixes.map((suffix) => tagged + suffix);
      const reply = (await redis.run(() => script(keys, group.args))) as Array<number | string>;
      const aheads: number[] = [];
      for (let i = 1; i < reply.length; i++) aheads.push(Number(reply[i]));
      return { admitted: Number(reply[0]) === 1, aheads };
    },
  };
}

/** The hash-tag content of a client's keys: the same for every policy, so they share a slot. */
export function hashIdentity(client: string): string {
  return createHash('sha1').update(client).digest('hex').slice(0, 16);
}
