import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createKeyLayout } from '../../src/cache/store/redis/keys.ts';
import { startOrigin } from '../helpers/origin.ts';
import { hasRedisOrSkip, startRedisClusterWithReplicas } from '../helpers/redis.ts';
import type { SentResponse, StartedGateway } from '../helpers/gateway.ts';
import { get, isHit, startSharedGateway } from '../helpers/shared-gateways.ts';

// A master of a Redis Cluster (3 masters, 3 replicas) is killed under traffic: its replica is promoted, and the
// gateways must neither answer 5xx meanwhile nor stay cut off from that shard once it is served again.

/**
 * Bound on being whole again once the promoted replica serves the slot, the same as after a standalone Redis
 * returns. The client finds the new master by the MOVED answer of a node it asks instead of the dead one.
 */
const RECOVERY_MS = 5000;

if (hasRedisOrSkip()) {
  const cluster = await startRedisClusterWithReplicas(1000);

  describe('a Redis Cluster master fails over to its replica', () => {
    it('no 5xx during the failover, answers from L1 and the origin, then stores and reads through the promoted replica within 5 s', async (t) => {
      const origin = await startOrigin(t, (req, res) => {
        res.setHeader('cache-control', 'max-age=600');
        res.end(`${req.url}`);
      });
      const prefix = `failover-${randomBytes(4).toString('hex')}:`;
      const one = await startSharedGateway(t, [origin.url], { cluster: cluster.urls }, prefix);
      const two = await startSharedGateway(t, [origin.url], { cluster: cluster.urls }, prefix);
      const layout = createKeyLayout(prefix);
      const indexKeyOf = (path: string): string => layout.entryKeys(`http://api.test${path}`).index;
      // One connection per node, READONLY so a replica answers for its own keys. Asynchronous on purpose: a
      // redis-cli per look would block this process, where both gateways run, while the recovery clock runs.
      const nodes = new Map(
        cluster.ports.map((port) => {
          const node = new Redis({ host: '127.0.0.1', port, readOnly: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
          node.on('error', () => {});
          return [port, node] as const;
        }),
      );
      t.after(() => {
        for (const node of nodes.values()) node.disconnect();
      });
      /** Whether the node at `port` holds `key`; a node of another shard answers MOVED: it does not. */
      const holds = (port: number, key: string): Promise<number> =>
        nodes
          .get(port)!
          .exists(key)
          .catch((error: Error) => {
            if (error.message.startsWith('MOVED ')) return 0;
            throw error;
          });
      /** How many of `ports` hold `path`'s entry: 2 of all once it is on its master and replicated. */
      const copiesOf = async (path: string, ports: readonly number[]): Promise<number> => {
        const held = await Promise.all(ports.map((port) => holds(port, indexKeyOf(path))));
        return held.reduce((sum, count) => sum + count, 0);
      };

      /** GET through `gateway`; true once the stored entry is on `copies` of `ports` within `ms`. */
      async function storeThrough(
        gateway: StartedGateway,
        path: string,
        ports: readonly number[],
        copies: number,
        ms: number,
      ): Promise<boolean> {
        if ((await get(gateway, path)).status !== 200) return false;
        for (const deadline = performance.now() + ms; performance.now() < deadline; await sleep(20)) {
          if ((await copiesOf(path, ports)) >= copies) return true;
        }
        return false;
      }

      // A response stored through `one`, on its master and that master's replica before the master dies (a fill
      // the loaded machine's first commands time out on is simply not shared: take the next path).
      let cached = '';
      for (let i = 0; cached === '' && i < 10; i++) {
        if (await storeThrough(one, `/cached/${i}`, cluster.ports, 2, 1000)) cached = `/cached/${i}`;
      }
      assert.notEqual(cached, '', 'no response reached Redis and its replica before the failover');
      const slot = cluster.slotOf(indexKeyOf(cached));
      const victim = cluster.masterOf(slot);
      // Fresh paths whose entries fall on the same shard, for writes after the failover.
      const shard = cluster.slotRanges().filter(({ master }) => master === victim);
      const sameShard = Array.from({ length: 400 }, (_, i) => `/w/${i}`).filter((path) => {
        const pathSlot = cluster.slotOf(indexKeyOf(path));
        return shard.some(({ start, end }) => start <= pathSlot && pathSlot <= end);
      });

      // A steady trickle on `one`: an L1 hit and a miss (to the origin) every 20 ms, from before the kill to the end.
      const answers: SentResponse[] = [];
      let trickling = true;
      let n = 0;
      const trickle = (async () => {
        while (trickling) {
          answers.push(...(await Promise.all([get(one, cached), get(one, `/miss/${n++}`)])));
          await sleep(20);
        }
      })();
      t.after(() => {
        trickling = false;
      });
      await sleep(100);

      await cluster.kill(victim);
      const killedAt = performance.now();
      const before = answers.length;
      await cluster.waitForFailover(slot, victim);
      const promotedAt = performance.now();
      assert.ok(answers.length > before, 'no request was answered while the master was down');
      const promoted = [cluster.masterOf(slot)];

      // Whole again: a response stored through `one` on that shard is a hit on `two`, read from Redis (each try
      // takes a path neither gateway has seen, so `two` cannot answer it from its own memory tier).
      let recoveredIn = Number.NaN;
      for (const path of sameShard) {
        const elapsed = performance.now() - promotedAt;
        assert.ok(
          elapsed < RECOVERY_MS,
          `not storing and reading through the promoted replica ${Math.round(elapsed)} ms after it took over`,
        );
        if (!(await storeThrough(one, path, promoted, 1, 300))) continue;
        if (isHit(await get(two, path))) {
          recoveredIn = performance.now() - promotedAt;
          break;
        }
      }
      assert.ok(Number.isFinite(recoveredIn), 'ran out of same-shard paths');
      assert.ok(recoveredIn < RECOVERY_MS, `whole again only ${Math.round(recoveredIn)} ms after the promotion`);
      // And what was written before the failover survived on the replica: `two` never asked for it, yet hits.
      const survived = await get(two, cached);
      assert.ok(isHit(survived), `${cached} on the second gateway: ${survived.header('cache-status')}`);

      trickling = false;
      await trickle;
      const failed = answers.filter((answer) => answer.status !== 200).map((answer) => `${answer.status} ${answer.text}`);
      assert.deepEqual(failed, [], 'an answer other than 200 during the failover');
      t.diagnostic(
        `promoted ${Math.round(promotedAt - killedAt)} ms after the kill; whole ${Math.round(recoveredIn)} ms later; ${answers.length} answers`,
      );
    });
  });
}
