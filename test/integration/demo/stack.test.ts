import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startDemoStack, type DemoStack } from '../../../examples/demo/stack.ts';
import { generateDefinitions } from '../../../examples/threat-intel/definitions.ts';
import { createClient, FREE_PORTS } from './helpers.ts';
import { DEMO_SCANS_PER_MINUTE, FEED_STATUS_TTL_SEC } from '../../../examples/demo/cachet-config.ts';

// One stack for the whole tour: starting three origins, an issuer and cachet takes a couple of seconds.
// The tests run in file order and build on each other the way the printed tour does.
const DEFINITIONS_BYTES = 512 * 1024;
let stack: DemoStack;
const client = createClient();
const tokens: Record<string, string> = {};

before(async () => {
  stack = await startDemoStack({ ports: FREE_PORTS, definitionsBytes: DEFINITIONS_BYTES, logLevel: 'silent' });
});
after(async () => {
  await client.close();
  await stack?.stop();
});

async function getToken(clientId: string, secret = `${clientId}-secret`): Promise<{ status: number; token: string | undefined }> {
  const res = await client.send(`${stack.gatewayUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString(),
  });
  return { status: res.status, token: res.status === 200 ? res.json<{ access_token: string }>().access_token : undefined };
}

function bearer(user: string, extra: Record<string, string> = {}): Record<string, string> {
  const token = tokens[user];
  assert.ok(token, `no token for ${user}`);
  return { authorization: `Bearer ${token}`, ...extra };
}

async function readThreatList(user = 'alice'): Promise<{ cacheStatus: string; etag: string | undefined; names: string[] }> {
  const res = await client.send(`${stack.gatewayUrl}/v1/threats`, { headers: bearer(user) });
  assert.equal(res.status, 200);
  return {
    cacheStatus: res.header('cache-status') ?? '',
    etag: res.header('etag'),
    names: res.json<{ threats: { name: string }[] }>().threats.map((t) => t.name),
  };
}

async function readPurgeCount(): Promise<number> {
  const res = await client.send(`${stack.adminUrl}/metrics`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
  assert.equal(res.status, 200);
  let total = 0;
  for (const match of res.text.matchAll(/^cachet_purges_total\{[^}]*kind="tag"[^}]*\} (\d+)/gm)) total += Number(match[1]);
  return total;
}

const THREAT = { name: 'Win32/Trojan.Demo.A', family: 'Trojan', severity: 'high', description: 'Created by the demo stack test.' };

test('tour 1: the issuer behind cachet grants tokens to demo users (RFC 6749 §4.4) and refuses a wrong secret with 401', async () => {
  for (const user of ['alice', 'bob', 'analyst', 'device-001']) {
    const granted = await getToken(user, user === 'device-001' ? 'device-secret' : undefined);
    assert.equal(granted.status, 200, user);
    tokens[user] = granted.token ?? '';
  }
  assert.equal((await getToken('alice', 'wrong-secret')).status, 401);
});

test('tour 2: the second read of the threat list is a cache hit (RFC 9211 §2.1) served without the origin', async () => {
  const first = await client.send(`${stack.gatewayUrl}/v1/threats`, { headers: bearer('alice') });
  assert.equal(first.status, 200);
  assert.match(first.header('cache-status') ?? '', /fwd=uri-miss; fwd-status=200.*stored/);
  const second = await client.send(`${stack.gatewayUrl}/v1/threats`, { headers: bearer('bob') });
  assert.match(second.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(second.text, first.text);
  // The stored response still names the instance that produced it.
  assert.equal(second.header('x-origin-instance'), first.header('x-origin-instance'));
});

test('tour 2: requests without a token or without the scope are refused at the edge (RFC 6750 §3.1)', async () => {
  const anonymous = await client.send(`${stack.gatewayUrl}/v1/threats`);
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.header('www-authenticate') ?? '', /^Bearer /);
  const device = await client.send(`${stack.gatewayUrl}/v1/threats`, {
    method: 'POST',
    headers: bearer('device-001', { 'content-type': 'application/json' }),
    body: JSON.stringify(THREAT),
  });
  assert.equal(device.status, 403);
  assert.match(device.header('www-authenticate') ?? '', /insufficient_scope/);
});

test('tour 3: a conditional GET of the definitions answers 304 from the cache instead of the download (RFC 9110 §13.1.2, §15.4.5)', async () => {
  const full = await client.send(`${stack.gatewayUrl}/v1/virus-definitions`, { headers: bearer('alice') });
  assert.equal(full.status, 200);
  assert.equal(full.bytes, DEFINITIONS_BYTES);
  assert.equal(full.header('cache-control'), 'public, max-age=3600');
  const etag = full.header('etag');
  assert.match(etag ?? '', /^"[^"]+"$/, 'a strong ETag');
  const revalidated = await client.send(`${stack.gatewayUrl}/v1/virus-definitions`, {
    headers: bearer('bob', { 'if-none-match': etag ?? '' }),
  });
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.bytes, 0);
  assert.equal(revalidated.header('etag'), etag);
  assert.match(revalidated.header('cache-status') ?? '', /^cachet; hit/);
  const changed = await client.send(`${stack.gatewayUrl}/v1/virus-definitions`, {
    headers: bearer('bob', { 'if-none-match': '"an-older-version"' }),
  });
  assert.equal(changed.status, 200);
  assert.equal(changed.bytes, DEFINITIONS_BYTES);
});

test('tour 3: a download cut off half way resumes with Range and If-Range, answered 206 from the cache (RFC 9110 §14.2, §13.1.5, §15.3.7)', async () => {
  const definitions = generateDefinitions(DEFINITIONS_BYTES).body;
  const etag =
    (await client.send(`${stack.gatewayUrl}/v1/virus-definitions`, { method: 'HEAD', headers: bearer('alice') })).header('etag') ?? '';
  const resumeAt = DEFINITIONS_BYTES / 2;
  const resumed = await client.send(`${stack.gatewayUrl}/v1/virus-definitions`, {
    headers: bearer('alice', { range: `bytes=${resumeAt}-`, 'if-range': etag }),
  });
  assert.equal(resumed.status, 206);
  assert.equal(resumed.header('content-range'), `bytes ${resumeAt}-${DEFINITIONS_BYTES - 1}/${DEFINITIONS_BYTES}`);
  assert.equal(resumed.bytes, DEFINITIONS_BYTES - resumeAt);
  assert.equal(resumed.text, definitions.subarray(resumeAt).toString('latin1'));
  assert.match(resumed.header('cache-status') ?? '', /^cachet; hit/);
});

test('tour 4: a POST retried with the same Idempotency-Key creates one threat, replayed by cachet; the same key with another body is 422', async () => {
  const send = (body: object): ReturnType<typeof client.send> =>
    client.send(`${stack.gatewayUrl}/v1/threats`, {
      method: 'POST',
      headers: bearer('analyst', { 'content-type': 'application/json', 'idempotency-key': '"demo-test-1"' }),
      body: JSON.stringify(body),
    });
  const created = await send(THREAT);
  assert.equal(created.status, 201);
  // The first went to an origin (never retried by the gateway, RFC 9110 §9.2.2).
  assert.match(created.header('cache-status') ?? '', /fwd=method/);
  const replayed = await send(THREAT);
  assert.equal(replayed.status, 201);
  assert.equal(replayed.header('idempotent-replayed'), 'true');
  assert.equal(replayed.json<{ id: number }>().id, created.json<{ id: number }>().id);
  // Answered by the gateway from its record: no origin saw the retry.
  assert.equal(replayed.header('cache-status'), 'cachet; detail=idempotent-replay');
  assert.equal(replayed.header('x-origin-instance'), created.header('x-origin-instance'));
  const reused = await send({ ...THREAT, severity: 'low' });
  assert.equal(reused.status, 422);
  assert.equal(reused.json<{ code: string }>().code, 'CACHET_ERR_IDEMPOTENCY_KEY_REUSED');
  const list = await readThreatList();
  assert.equal(list.names.filter((name) => name === THREAT.name).length, 1);
});

test('tour 4: PUT needs If-Match: 428 without it (RFC 6585 §3), 200 with the current ETag, 412 with a stale one (RFC 9110 §13.1.1)', async () => {
  const url = `${stack.gatewayUrl}/v1/threats/7`;
  const current = await client.send(url, { headers: bearer('alice') });
  assert.equal(current.status, 200);
  const etag = current.header('etag') ?? '';
  const body = JSON.stringify({ ...THREAT, name: 'Win32/Trojan.Demo.B' });
  const put = (headers: Record<string, string>): ReturnType<typeof client.send> =>
    client.send(url, {
      method: 'PUT',
      headers: bearer('analyst', { 'content-type': 'application/json', ...headers }),
      body,
    });
  assert.equal((await put({})).status, 428);
  const updated = await put({ 'if-match': etag });
  assert.equal(updated.status, 200);
  assert.notEqual(updated.header('etag'), etag);
  assert.equal((await put({ 'if-match': etag })).status, 412);
  const reread = await client.send(url, { headers: bearer('alice') });
  assert.equal(reread.json<{ name: string }>().name, 'Win32/Trojan.Demo.B');
});

test('tour 4: a write purges the list by Surrogate-Key through the admin API, so the next read misses and the one after hits', async () => {
  await readThreatList();
  assert.match((await readThreatList()).cacheStatus, /^cachet; hit/);
  const purgesBefore = await readPurgeCount();
  const url = `${stack.gatewayUrl}/v1/threats/8`;
  const etag = (await client.send(url, { headers: bearer('alice') })).header('etag') ?? '';
  // PUT on /v1/threats/8: the gateway's own invalidation (RFC 9111 §4.4) covers that URI only; the list
  // can only become a miss through the origin's tag purge.
  const put = await client.send(url, {
    method: 'PUT',
    headers: bearer('analyst', { 'content-type': 'application/json', 'if-match': etag }),
    body: JSON.stringify({ ...THREAT, name: 'Win32/Trojan.Demo.C' }),
  });
  assert.equal(put.status, 200);
  assert.ok((await readPurgeCount()) > purgesBefore, 'the origin called POST /purge');
  const afterWrite = await readThreatList();
  assert.match(afterWrite.cacheStatus, /fwd=uri-miss/);
  assert.ok(afterWrite.names.includes('Win32/Trojan.Demo.C'));
  assert.match((await readThreatList()).cacheStatus, /^cachet; hit/);
});

test('tour 5: private scans are per user and never stored (RFC 9111 §5.2.2.5, §5.2.2.7)', async () => {
  const created = await client.send(`${stack.gatewayUrl}/v1/users/me/scans`, {
    method: 'POST',
    headers: bearer('alice', { 'content-type': 'application/json' }),
    body: JSON.stringify({ target: 'alice-invoice.pdf' }),
  });
  assert.equal(created.status, 201);
  for (let i = 0; i < 2; i++) {
    const mine = await client.send(`${stack.gatewayUrl}/v1/users/me/scans`, { headers: bearer('alice') });
    assert.equal(mine.status, 200);
    assert.match(mine.text, /alice-invoice\.pdf/);
    assert.doesNotMatch(mine.header('cache-status') ?? '', /hit|stored/);
    const theirs = await client.send(`${stack.gatewayUrl}/v1/users/me/scans`, { headers: bearer('bob') });
    assert.equal(theirs.status, 200);
    assert.equal(theirs.json<{ subject: string }>().subject, 'bob');
    assert.doesNotMatch(theirs.text, /alice/);
    assert.doesNotMatch(theirs.header('cache-status') ?? '', /hit/);
  }
});

test('tour 5: scan submissions are rate limited per user: RateLimit counts down to 0, then 429 with Retry-After, never forwarded', async () => {
  const submit = (user: string): ReturnType<typeof client.send> =>
    client.send(`${stack.gatewayUrl}/v1/users/me/scans`, {
      method: 'POST',
      headers: bearer(user, { 'content-type': 'application/json' }),
      body: JSON.stringify({ target: 'bulk.zip' }),
    });
  const remaining: number[] = [];
  let refused: Awaited<ReturnType<typeof submit>> | undefined;
  while (refused === undefined) {
    const res = await submit('alice');
    if (res.status === 429) refused = res;
    else {
      assert.equal(res.status, 201);
      assert.equal(res.header('ratelimit-policy'), `"scans";q=${DEMO_SCANS_PER_MINUTE};w=60`);
      remaining.push(Number(/^"scans";r=(\d+);t=\d+$/.exec(res.header('ratelimit') ?? '')?.[1]));
    }
    assert.ok(remaining.length <= DEMO_SCANS_PER_MINUTE, 'refused within the limit');
  }
  // Alice's scan from the step above counted too: what is left counts down to 0, one by one.
  assert.deepEqual(
    remaining,
    Array.from({ length: remaining.length }, (_, i) => remaining.length - 1 - i),
  );
  assert.equal(refused.json<{ code: string }>().code, 'CACHET_ERR_RATE_LIMITED');
  assert.match(refused.header('retry-after') ?? '', /^[1-9]\d*$/);
  assert.match(refused.header('ratelimit') ?? '', /^"scans";r=0;t=\d+$/);
  const mine = await client.send(`${stack.gatewayUrl}/v1/users/me/scans`, { headers: bearer('alice') });
  assert.equal(mine.text.split('bulk.zip').length - 1, remaining.length, 'the refused submission never reached an origin');
  assert.equal((await submit('bob')).status, 201, 'bob has his own limit');
});

test("tour 6: feed status, sent by the origin without freshness, is stored for the route's defaultTtlSec: a miss, then hits with Age (RFC 9111 §4.2.2)", async () => {
  const url = `${stack.gatewayUrl}/v1/feeds/status`;
  const first = await client.send(url);
  assert.equal(first.status, 200);
  assert.equal(first.header('cache-control'), undefined, 'the origin states no freshness');
  assert.equal(first.header('expires'), undefined);
  assert.equal(first.header('last-modified'), undefined);
  const missed = /fwd=uri-miss; fwd-status=200; ttl=(\d+); stored$/.exec(first.header('cache-status') ?? '');
  assert.ok(missed, `stored on the first read: ${first.header('cache-status')}`);
  // The route's lifetime less the current age, rounded down. The origin's Date has whole seconds, so
  // the age is up to a second plus the exchange (and a late Date refresh on a loaded machine).
  assert.ok(Number(missed[1]) >= FEED_STATUS_TTL_SEC - 2 && Number(missed[1]) <= FEED_STATUS_TTL_SEC, `ttl=${missed[1]}`);
  const second = await client.send(url);
  assert.match(second.header('cache-status') ?? '', /^cachet; hit/);
  assert.match(second.header('age') ?? '', /^\d+$/);
  assert.equal(second.text, first.text, 'the stored answer, checkedAt included');
  // utm_source is left out of this route's key: the same stored answer.
  const tracked = await client.send(`${url}?utm_source=newsletter`);
  assert.match(tracked.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(tracked.text, first.text);
});

test('tour 7: the issuer published under /issuer/: the prefix is stripped on the way up, the route adds a response field, and only reads pass', async () => {
  const url = `${stack.gatewayUrl}/issuer/.well-known/jwks.json`;
  const first = await client.send(url, { headers: bearer('alice') });
  assert.equal(first.status, 200, 'the issuer has no /issuer path: it answered the stripped one');
  assert.equal(first.header('x-content-type-options'), 'nosniff');
  const direct = await client.send(`${stack.gatewayUrl}/.well-known/jwks.json`);
  assert.equal(direct.header('x-content-type-options'), undefined, 'the field is added by the /issuer/* route only');
  assert.deepEqual(
    first.json<{ keys: { kid: string }[] }>().keys.map((key) => key.kid),
    direct.json<{ keys: { kid: string }[] }>().keys.map((key) => key.kid),
  );
  // Stored as the origin sent it; the route's field is added again on every hit.
  const second = await client.send(url);
  assert.match(second.header('cache-status') ?? '', /^cachet; hit/);
  assert.equal(second.header('x-content-type-options'), 'nosniff');
  const refused = await client.send(`${stack.gatewayUrl}/issuer/admin/rotate`, { method: 'POST' });
  assert.equal(refused.status, 405);
  assert.match(refused.header('allow') ?? '', /GET/);
  assert.equal(refused.json<{ code: string }>().code, 'CACHET_ERR_ROUTE_METHOD', 'answered by cachet, not by the issuer');
});

test('an origin instance killed mid-run: requests keep being served by the other two (retries, health checks)', async () => {
  const victim = stack.origins[1];
  assert.ok(victim);
  const served = new Set<string>();
  const statuses: number[] = [];
  // Uncached reads, so every one reaches an origin; the kill lands while some are in flight.
  const burst = async (from: number): Promise<void> => {
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await client.send(`${stack.gatewayUrl}/v1/threats/${from + i}`, {
          headers: bearer('alice', { 'cache-control': 'no-cache' }),
        });
        statuses.push(res.status);
        served.add(res.header('x-origin-instance') ?? '');
      }),
    );
  };
  const inFlight = burst(10);
  victim.kill('SIGKILL');
  await inFlight;
  await victim.exited;
  served.clear();
  await burst(22);
  await burst(34);
  assert.deepEqual([...new Set(statuses)], [200]);
  assert.equal(served.has(victim.name), false, `${victim.name} answered after it was killed`);
  assert.equal(served.size, 2);
});

test('stop() ends every process and removes the temporary directory', async () => {
  await stack.stop();
  for (const child of stack.processes) assert.equal(child.isRunning(), false, child.name);
  assert.equal(existsSync(stack.dataDir), false);
});
