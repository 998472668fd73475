import { createHash } from 'node:crypto';
import { DEFAULT_MAX_TOKEN_LIFETIME_SEC } from '../auth/revocation.ts';
import type { Revocation } from '../auth/types.ts';
import type { RedisConnection } from '../redis/connection.ts';
import type { RevocationSelector } from './types.ts';

/**
 * Token revocations kept in Redis, so an instance that starts later loads them before it serves. One key per
 * entry, expiring when the entry can no longer match a token (a jti at its `exp`; a subject cut-off at its
 * `exp`, else `before` + the longest token lifetime), and an index of them scored by that time, so loading is
 * one range read and never a scan. Everything sits under the `{revocations}` hash tag: one cluster slot.
 *
 * ```
 * <prefix>{revocations}          zset    j:<h> | s:<h> → expiry (epoch ms)
 * <prefix>{revocations}:j:<h>    string  the entry as JSON; <h> is 16 hex digits of SHA-1 of the jti or sub
 * ```
 */
export interface RedisRevocations {
  /** Stores `entry`, merged with the one already there so that it never weakens it. */
  save(entry: Revocation, nowMs: number): Promise<void>;
  delete(selector: RevocationSelector): Promise<void>;
  /** Every entry that can still match a token. */
  load(nowMs: number): Promise<Revocation[]>;
}

/** Entries read per MGET. */
const PAGE = 500;

/**
 * Merges with the entry in place (the later `before`, the later expiry, as the local list does), writes it with
 * its expiry and indexes it; the index drops expired members and lives as long as its latest one.
 * KEYS: entry, index. ARGV: member, entry JSON, expireAt (ms), now (ms).
 */
const SAVE_SCRIPT = `
local entry = cjson.decode(ARGV[2])
local at = tonumber(ARGV[3])
local old = redis.call('GET', KEYS[1])
if old then
  local prev = cjson.decode(old)
  local prevAt = redis.call('PEXPIRETIME', KEYS[1])
  if prevAt > at then at = prevAt end
  if entry.before and prev.before and prev.before > entry.before then entry.before = prev.before end
  if entry.jti or entry.exp or prev.exp then entry.exp = math.floor(at / 1000) end
end
local now = tonumber(ARGV[4])
if at <= now then return 0 end
redis.call('SET', KEYS[1], cjson.encode(entry), 'PXAT', string.format('%d', at))
redis.call('ZADD', KEYS[2], at, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
if redis.call('PEXPIRETIME', KEYS[2]) < at then redis.call('PEXPIREAT', KEYS[2], string.format('%d', at)) end
return 1
`;

/** KEYS: entry, index. ARGV: member. */
const DELETE_SCRIPT = `
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

export function createRedisRevocations(
  redis: RedisConnection,
  keyPrefix: string,
  maxTokenLifetimeSec: number = DEFAULT_MAX_TOKEN_LIFETIME_SEC,
): RedisRevocations {
  const index = `${keyPrefix}{revocations}`;
  const save = redis.defineScript('cachetRevocationSave', SAVE_SCRIPT);
  const remove = redis.defineScript('cachetRevocationDelete', DELETE_SCRIPT);
  const memberOf = (selector: RevocationSelector): string => ('jti' in selector ? `j:${hash(selector.jti)}` : `s:${hash(selector.sub)}`);

  return {
    async save(entry, nowMs) {
      const member = memberOf(entry);
      const expireAtSec = 'jti' in entry ? entry.exp : (entry.exp ?? entry.before + maxTokenLifetimeSec);
      await redis.run(() => save([`${index}:${member}`, index], [member, JSON.stringify(entry), expireAtSec * 1000, nowMs]));
    },
    async delete(selector) {
      const member = memberOf(selector);
      await redis.run(() => remove([`${index}:${member}`, index], [member]));
    },
    async load(nowMs) {
      const members = await redis.run((client) => client.zrangebyscore(index, String(nowMs), '+inf'));
      const entries: Revocation[] = [];
      for (let start = 0; start < members.length; start += PAGE) {
        const keys = members.slice(start, start + PAGE).map((member) => `${index}:${member}`);
        const values = await redis.run((client) => client.mget(...keys));
        for (const value of values) {
          const entry = value === null ? undefined : parseEntry(value);
          if (entry !== undefined) entries.push(entry);
        }
      }
      return entries;
    },
  };
}

function parseEntry(value: string): Revocation | undefined {
  try {
    const entry = JSON.parse(value) as Partial<{ jti: unknown; sub: unknown; exp: unknown; before: unknown }>;
    if (typeof entry.jti === 'string' && typeof entry.exp === 'number') return { jti: entry.jti, exp: entry.exp };
    if (typeof entry.sub !== 'string' || typeof entry.before !== 'number') return undefined;
    return typeof entry.exp === 'number'
      ? { sub: entry.sub, before: entry.before, exp: entry.exp }
      : { sub: entry.sub, before: entry.before };
  } catch {
    return undefined;
  }
}

function hash(value: string): string {
  return createHash('sha1').update(value).digest('hex').slice(0, 16);
}
