import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../../clock.ts';
import type { RedisConnection } from '../../../redis/connection.ts';
import { sharedKeyOf } from '../../policy/key.ts';
import type { EntryMeta } from '../../policy/entry.ts';
import { measureBodyBytes } from '../entry-size.ts';
import { isRemoteBody } from '../remote-body.ts';
import type { PurgeSelector, RemoteCacheStore, RemoteStoredEntry } from '../types.ts';
import { createRemoteBody, writeBody } from './body.ts';
import { createFillLeases } from './fill-lease.ts';
import { authorityOf, createKeyLayout } from './keys.ts';
import { decodeMarker, encodeMarker, selectorMatches, slotFilterFor, type SlotFilter } from './markers.ts';
import { findPurgeTargets } from './purge-targets.ts';
import { decodeRecord, encodeMeta, NO_BODY, type VariantRecord } from './record.ts';
import { ADD_MARKER_SCRIPT, COMMIT_SCRIPT, INDEX_ADD_SCRIPT, PURGE_SLOT_SCRIPT, WRITE_CHUNK_SCRIPT } from './scripts.ts';

export interface RedisStoreOptions {
  readonly redis: RedisConnection;
  /** Prefix of every key the store writes, so several deployments can share one Redis. */
  readonly keyPrefix: string;
  /** Bodies longer than this are not stored. */
  readonly maxObjectBytes: number;
  readonly clock?: Clock;
  /**
   * How long purge markers are kept, and so the longest a fill may take: a fill whose request began
   * longer ago than this is not stored, since no marker is left to prove no purge passed it. Default 10 min.
   */
  readonly markerWindowMs?: number;
  /** How long a replaced or purged body stays readable for readers already streaming it. Default 30 s. */
  readonly graceMs?: number;
  /** How long an unfinished body lives before it is committed (a writer that died leaves nothing behind). Default 60 s. */
  readonly pendingMs?: number;
  /**
   * With a positive value, misses are coalesced across instances: one takes a lease and fetches, the others wait
   * up to this long for it (see fill-lease.ts). Default 0: no leases.
   */
  readonly coalesceWaitMs?: number;
}

/** Slots purged at once by one purge. */
const PURGE_CONCURRENCY = 16;
/** Authorities are re-announced this long past an entry's deleteAt, so the hosts index is written rarely. */
const HOST_SLACK_MS = 3_600_000;
const MAX_KNOWN_HOSTS = 10_000;

interface Scripts {
  readonly commit: ReturnType<RedisConnection['defineScript']>;
  readonly purgeSlot: ReturnType<RedisConnection['defineScript']>;
  readonly indexAdd: ReturnType<RedisConnection['defineScript']>;
  readonly writeChunk: ReturnType<RedisConnection['defineScript']>;
  readonly addMarker: ReturnType<RedisConnection['defineScript']>;
}

/**
 * The cache store in Redis or Redis Cluster (the shared tier behind the memory tier). Every call answers
 * with a promise and rejects when Redis is unavailable (`RedisUnavailableError`) or fails; the tiered store
 * turns that into a miss or a dropped write. Key layout in keys.ts, record layout in record.ts.
 *
 * - A body is written in 256 KiB chunks under a new version id; one script then checks it is complete and
 *   switches the variant to it, so a reader never sees a half-written body.
 * - Every key expires: variants and bodies at the entry's `deleteAt`, unfinished bodies after `pendingMs`.
 * - A URL purge leaves its time in the slot; the commit refuses a fill whose request began before it. Other
 *   purges leave a marker that every put checks after committing (see markers.ts).
 * - `stats()` counts what this instance stored and removed (Redis' own expiry and other instances' writes
 *   are not seen; Redis INFO is the authority on memory).
 *
 * @example
 * const store = createRedisStore({ redis: createRedisConnection({ url, commandTimeoutMs: 250 }), keyPrefix: 'cachet:', maxObjectBytes: 64 << 20 });
 */
export function createRedisStore(options: RedisStoreOptions): RemoteCacheStore {
  const { redis, maxObjectBytes } = options;
  const clock = options.clock ?? systemClock;
  const markerWindowMs = options.markerWindowMs ?? 600_000;
  const graceMs = options.graceMs ?? 30_000;
  const pendingMs = options.pendingMs ?? 60_000;
  const layout = createKeyLayout(options.keyPrefix);
  const scripts: Scripts = {
    commit: redis.defineScript('cachetCommit', COMMIT_SCRIPT),
    purgeSlot: redis.defineScript('cachetPurgeSlot', PURGE_SLOT_SCRIPT),
    indexAdd: redis.defineScript('cachetIndexAdd', INDEX_ADD_SCRIPT),
    writeChunk: redis.defineScript('cachetWriteChunk', WRITE_CHUNK_SCRIPT),
    addMarker: redis.defineScript('cachetAddMarker', ADD_MARKER_SCRIPT),
  };
  /** authority → the deleteAt the hosts index is known to cover, for the current connection generation. */
  const knownHosts = new Map<string, number>();
  let knownHostsGeneration = -1;
  let entries = 0;
  let bytes = 0;
  const coalesceWaitMs = options.coalesceWaitMs ?? 0;
  const fillLeases = coalesceWaitMs > 0 ? createFillLeases({ redis, layout, waitMs: coalesceWaitMs }) : undefined;

  async function purgeSlot(
    sharedKey: string,
    filter: SlotFilter,
    soft: boolean,
    now: number,
    before: number,
    mark: boolean,
  ): Promise<number> {
    const slot = layout.slotOf(sharedKey);
    const args = [
      soft ? 'soft' : 'hard',
      String(now),
      filter.kind,
      filter.value,
      Number.isFinite(before) ? String(before) : 'inf',
      mark ? '1' : '0',
      slot.variantsPrefix,
      slot.bodyPrefix,
      graceMs,
      markerWindowMs,
    ];
    const [count, removedBytes] = (await redis.run(() => scripts.purgeSlot([slot.index], args))) as [number, number];
    if (!soft) {
      entries -= count;
      bytes -= removedBytes;
    }
    return count;
  }

  async function indexEntry(meta: EntryMeta, deleteAt: number, now: number): Promise<void> {
    const sharedKey = sharedKeyOf(meta.key);
    const authority = authorityOf(sharedKey);
    const writes: Promise<unknown>[] = [];
    const add = (keys: string[], member: string, at: number): void => {
      writes.push(redis.run(() => scripts.indexAdd(keys, [member, at, now])));
    };
    if (authority !== undefined) {
      const host = layout.hostKeys(authority);
      add([host.byTime, host.lex], sharedKey, deleteAt);
      if (knownHostsGeneration !== redis.generation || knownHosts.size > MAX_KNOWN_HOSTS) {
        knownHosts.clear();
        knownHostsGeneration = redis.generation;
      }
      if ((knownHosts.get(authority) ?? 0) < deleteAt) {
        add([layout.hostsKey], authority, deleteAt + HOST_SLACK_MS);
        knownHosts.set(authority, deleteAt + HOST_SLACK_MS);
      }
    }
    for (const tag of new Set(meta.tags)) add([layout.tagKey(tag)], sharedKey, deleteAt);
    await Promise.all(writes);
  }

  /** Purges the entry's slot again for every purge that began after its request did (see markers.ts). */
  async function applyLaterPurges(meta: EntryMeta): Promise<void> {
    const members = await redis.run((client) => client.zrangebyscore(layout.purgesKey, `(${meta.requestAt}`, '+inf'));
    const sharedKey = sharedKeyOf(meta.key);
    for (const member of members) {
      const marker = decodeMarker(member);
      if (marker === undefined || !selectorMatches(marker.selector, meta)) continue;
      await purgeSlot(sharedKey, slotFilterFor(marker.selector, sharedKey), marker.soft, marker.at, marker.at, false);
    }
  }

  return {
    ...(fillLeases === undefined ? {} : { fillLeases }),

    async get(key, now) {
      const keys = layout.entryKeys(key);
      const fields = await redis.run((client) => client.hgetall(keys.variants));
      const records: VariantRecord[] = [];
      for (const field in fields) {
        if (!field.startsWith('v:')) continue;
        const record = decodeRecord(fields[field]!);
        if (record !== undefined && record.meta.key === key && record.meta.deleteAt > now) records.push(record);
      }
      if (records.length === 0) return undefined;
      records.sort((a, b) => b.seq - a.seq);
      return records.map(
        (record): RemoteStoredEntry =>
          Object.freeze({
            meta: record.meta,
            body: createRemoteBody(redis, `${keys.bodyPrefix}${record.bodyId}`, record.chunks, record.size),
          }),
      );
    },

    async put(meta, body) {
      const now = clock.now();
      if (!isStorable(meta, now, markerWindowMs)) return;
      const size = isRemoteBody(body) ? body.size : measureBodyBytes(body);
      if (size > maxObjectBytes) return;
      const keys = layout.entryKeys(meta.key);
      const bodyId = size === 0 ? NO_BODY : randomBytes(8).toString('hex');
      const bodyKey = `${keys.bodyPrefix}${bodyId}`;
      const chunks = size === 0 ? 0 : await writeBody(redis, scripts.writeChunk, bodyKey, body, pendingMs);
      const deleteAt = Math.ceil(meta.deleteAt);
      const args = [
        keys.indexField,
        meta.key,
        `v:${meta.variantKey}`,
        String(meta.staleAt),
        String(meta.requestAt),
        String(deleteAt),
        bodyId,
        chunks,
        size,
        encodeMeta(meta),
        now,
        graceMs,
        markerWindowMs,
        keys.bodyPrefix,
      ];
      const [verdict, replaced, replacedSize] = (await redis.run(() => scripts.commit([keys.index, keys.variants, bodyKey], args))) as [
        number,
        number,
        number,
      ];
      if (verdict !== 1) return;
      entries += 1 - replaced;
      bytes += size - replacedSize;
      await indexEntry(meta, deleteAt, now);
      await applyLaterPurges(meta);
    },

    async delete(key) {
      return purgeSlot(sharedKeyOf(key), { kind: 'key', value: key }, false, clock.now(), Number.POSITIVE_INFINITY, false);
    },

    async purge(selector: PurgeSelector, { soft, now }) {
      const marker = encodeMarker({ selector, soft, at: now, id: randomBytes(6).toString('hex') });
      await redis.run(() => scripts.addMarker([layout.purgesKey], [now, marker, now - markerWindowMs, markerWindowMs]));
      // A URL leaves its time in its slots too, so the commit itself refuses an older fill there.
      const mark = 'url' in selector;
      let count = 0;
      const pending = new Set<Promise<void>>();
      for await (const sharedKey of findPurgeTargets(redis, layout, selector)) {
        const job = purgeSlot(sharedKey, slotFilterFor(selector, sharedKey), soft, now, Number.POSITIVE_INFINITY, mark).then((n) => {
          count += n;
        });
        pending.add(job);
        void job.finally(() => pending.delete(job)).catch(() => {});
        if (pending.size >= PURGE_CONCURRENCY) await Promise.race(pending);
      }
      await Promise.all(pending);
      return count;
    },

    stats() {
      return { entries: Math.max(0, entries), bytes: Math.max(0, bytes), evictions: 0 };
    },

    async close() {
      await redis.close();
    },
  };
}

/** Times the scripts can compare, a lifetime left, and a request recent enough for the purge markers to cover. */
function isStorable(meta: EntryMeta, now: number, markerWindowMs: number): boolean {
  const { staleAt, requestAt, deleteAt } = meta;
  return (
    Number.isFinite(staleAt) &&
    Number.isFinite(requestAt) &&
    Number.isFinite(deleteAt) &&
    deleteAt > now &&
    requestAt >= now - markerWindowMs
  );
}
