import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startOrigin } from '../helpers/origin.ts';
import { hasRedisOrSkip, startRedis } from '../helpers/redis.ts';
import { SHARED_HOST, waitUntil } from '../helpers/shared-gateways.ts';
import { sendMany, startInstance } from './workers-helpers.ts';

// Two instances of `workers: 2` (the real executable) on one Redis: every worker reads the invalidation stream
// itself, so a purge sent to one instance's admin API (its supervisor) reaches the four workers of both.

const REQUESTS = 16;

if (hasRedisOrSkip()) {
  const server = await startRedis();

  test('workers: 2 on Redis: an admin purge on one supervisor reaches every worker of both instances', async (t) => {
    const origin = await startOrigin(t, (req, res, _body, count) => {
      res.setHeader('cache-control', 'max-age=600');
      res.end(`${req.url} #${count}`);
    });
    const config = [
      'workers: 2',
      `store: { type: redis, url: ${server.url}, keyPrefix: "w-${randomBytes(4).toString('hex')}:", commandTimeoutMs: 200 }`,
      `upstreams: { api: { targets: [${origin.url}] } }`,
      'routes: [{ path: /*, upstream: api }]',
    ];
    const [one, two] = await Promise.all([startInstance(t, config), startInstance(t, config)]);
    await Promise.all([one.waitForWorkers(2), two.waitForWorkers(2)]);
    const bodies = async (): Promise<Set<string>> => {
      const answers = [
        ...(await sendMany(`${one.url}/w`, REQUESTS, SHARED_HOST)),
        ...(await sendMany(`${two.url}/w`, REQUESTS, SHARED_HOST)),
      ];
      return new Set(answers.map((answer) => answer.text));
    };
    assert.deepEqual(await bodies(), new Set(['/w #1']), 'every worker of both instances holds the first version');

    const purge = await one.admin('/purge', { method: 'POST', body: { url: '/w' } });
    assert.deepEqual([purge.status, JSON.parse(purge.text).shared], [200, true]);
    await waitUntil(async () => !(await bodies()).has('/w #1'), 'no worker serving the purged version', 3000);
  });
}
