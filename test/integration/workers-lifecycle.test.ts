import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startOrigin } from '../helpers/origin.ts';
import { send } from '../helpers/gateway.ts';
import { isRunning, sendMany, startInstance } from './workers-helpers.ts';

// The supervisor's side of `workers: 2`: a worker that dies is replaced, SIGTERM drains every worker, and a
// start-up failure stops the instance with the worker's reason.

test('a killed worker is replaced and the port keeps answering', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('ok'));
  const instance = await startInstance(t, [
    'workers: 2',
    `upstreams: { api: { targets: [${origin.url}] } }`,
    'routes: [{ path: /*, upstream: api }]',
  ]);
  const [first, second] = await instance.waitForWorkers(2);
  assert.ok(first !== undefined && second !== undefined);

  process.kill(first, 'SIGKILL');
  const pids = await instance.waitForWorkers(3);
  const replacement = pids[2] as number;
  assert.ok(![first, second].includes(replacement));
  assert.equal(isRunning(second), true);

  const answers = await sendMany(`${instance.url}/x`, 12);
  assert.deepEqual(new Set(answers.map((a) => `${a.status} ${a.text}`)), new Set(['200 ok']));
  assert.equal(await instance.metric('cachet_worker_restarts_total'), 1);
  assert.equal(await instance.metric('cachet_workers'), 2);
});

test('SIGTERM drains both workers: requests in flight are answered, then every process exits 0', async (t) => {
  let arrived = 0;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const origin = await startOrigin(t, async (_req, res) => {
    arrived++;
    await released;
    res.end('slow');
  });
  const instance = await startInstance(t, [
    'workers: 2',
    `upstreams: { api: { targets: [${origin.url}] } }`,
    'routes: [{ path: /*, upstream: api, cache: false }]',
  ]);
  const pids = await instance.waitForWorkers(2);

  // Enough requests on connections of their own that both workers hold some (all in one: odds 2 in 2^11).
  const inFlight = Array.from({ length: 12 }, (_, i) => send(`${instance.url}/slow/${i}`));
  while (arrived < 12) await new Promise((resolve) => setTimeout(resolve, 20));
  instance.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 200));
  release();

  const answers = await Promise.all(inFlight);
  assert.deepEqual(new Set(answers.map((a) => `${a.status} ${a.text}`)), new Set(['200 slow']));
  assert.equal(await instance.exited, 0);
  assert.deepEqual(
    pids.map((pid) => isRunning(pid)),
    [false, false],
  );
  assert.match(instance.stderr(), /SIGTERM: draining for up to 2000 ms[\s\S]*stopped/);
});

test('a port in use stops the instance before any worker serves: exit 1 with the reason', async (t) => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => taken.close(resolve)));
  const port = (taken.address() as net.AddressInfo).port;
  await assert.rejects(
    startInstance(t, [
      `listen: { host: 127.0.0.1, port: ${port} }`,
      'workers: 2',
      'upstreams: { api: { targets: [http://127.0.0.1:9] } }',
      'routes: [{ path: /*, upstream: api }]',
    ]),
    new RegExp(`exited 1 before listening: cachet: cannot listen on 127.0.0.1:${port}: address already in use`),
  );
});
