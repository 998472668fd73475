import { randomBytes } from 'node:crypto';
import type { HeaderRecord } from '../forward/upstream-request.ts';
import type { RedisConnection, RedisScript } from '../redis/connection.ts';
import type { StoredResponse } from './outcome.ts';
import { DONE, IN_FLIGHT, MISMATCH, type IdempotencyStore, type Lease } from './store.ts';

export interface RedisIdempotencyStoreOptions {
  readonly redis: RedisConnection;
  /** Prefix of every key (`store.keyPrefix`); records live under `<prefix>idem:`. */
  readonly keyPrefix: string;
}

/**
 * One string per key, its first byte the state, then the 64 hex characters of the request fingerprint:
 * `L<fingerprint><token>` a lease, `D<fingerprint>` processed without a kept response,
 * `R<fingerprint><head length, 8 hex><head JSON><body>` a kept response.
 */
const FINGERPRINT_END = 65;

/**
 * KEYS: record. ARGV: lease value, lease ms, fingerprint. Takes the lease when the key is free; answers `A`
 * (acquired), `M` (another fingerprint), `L` (in flight), `D` (done), or the kept record.
 */
const CLAIM_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 'A'
end
if string.sub(v, 2, ${FINGERPRINT_END}) ~= ARGV[3] then return 'M' end
local state = string.sub(v, 1, 1)
if state == 'R' then return v end
return state
`;

/** KEYS: record. ARGV: lease value, then `set <value> <ttl ms>`, `del`, or `pexpire <ms>`: done only while the lease is held. */
const IF_HELD_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'set' then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
elseif ARGV[2] == 'del' then
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
`;

/**
 * Records in Redis (standalone or Cluster), shared by every instance naming it. Each operation is one
 * script on one key, so one round trip in one slot; a claim is atomic on the server. Calls go through the
 * connection's circuit breaker and command timeout: while Redis is down they fail at once with
 * `RedisUnavailableError`, never hang.
 */
export function createRedisIdempotencyStore(options: RedisIdempotencyStoreOptions): IdempotencyStore {
  const { redis } = options;
  const prefix = `${options.keyPrefix}idem:`;
  const claimScript = defineBufferScript(redis, 'cachetIdempotencyClaim', CLAIM_SCRIPT);
  const ifHeld = redis.defineScript('cachetIdempotencyIfHeld', IF_HELD_SCRIPT);

  const leaseValue = (lease: Lease): string => `L${lease.fingerprint}${lease.token}`;
  const runIfHeld = async (lease: Lease, args: readonly (string | Buffer)[]): Promise<void> => {
    await redis.run(() => ifHeld([prefix + lease.key], [leaseValue(lease), ...args]));
  };

  return {
    async claim(key, fingerprint, leaseMs) {
      const lease: Lease = { key, fingerprint, token: randomBytes(8).toString('hex') };
      const reply = (await redis.run(() => claimScript([prefix + key], [leaseValue(lease), String(leaseMs), fingerprint]))) as Buffer;
      switch (reply.length === 1 ? reply.toString('latin1') : 'R') {
        case 'A':
          return { kind: 'acquired', lease };
        case 'M':
          return MISMATCH;
        case 'L':
          return IN_FLIGHT;
        case 'D':
          return DONE;
        default:
          return { kind: 'replay', response: decodeResponse(reply) };
      }
    },
    complete: (lease, response, ttlMs) =>
      runIfHeld(lease, ['set', response === null ? `D${lease.fingerprint}` : encodeResponse(lease.fingerprint, response), String(ttlMs)]),
    release: (lease) => runIfHeld(lease, ['del']),
    renew: (lease, leaseMs) => runIfHeld(lease, ['pexpire', String(leaseMs)]),
    // The connection belongs to the store that made it.
    async close() {},
  };
}

/** A script whose reply comes back as Buffers (ioredis defines `<name>Buffer` beside every command): bodies are bytes. */
function defineBufferScript(redis: RedisConnection, name: string, lua: string): RedisScript {
  redis.defineScript(name, lua);
  const client = redis.client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const command = (client[`${name}Buffer`] as (...args: unknown[]) => Promise<unknown>).bind(client);
  return (keys, args) => command(keys.length, ...keys, ...args);
}

export function encodeResponse(fingerprint: string, response: StoredResponse): Buffer {
  const head = Buffer.from(JSON.stringify({ status: response.status, headers: response.headers }));
  const prefix = Buffer.from(`R${fingerprint}${head.length.toString(16).padStart(8, '0')}`, 'latin1');
  return Buffer.concat([prefix, head, response.body]);
}

export function decodeResponse(record: Buffer): StoredResponse {
  const headStart = FINGERPRINT_END + 8;
  const headLength = Number.parseInt(record.toString('latin1', FINGERPRINT_END, headStart), 16);
  const head = JSON.parse(record.toString('utf8', headStart, headStart + headLength)) as { status: number; headers: HeaderRecord };
  return { status: head.status, headers: head.headers, body: record.subarray(headStart + headLength) };
}
